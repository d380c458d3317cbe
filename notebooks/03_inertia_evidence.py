# ---
# jupyter:
#   jupytext:
#     cell_metadata_filter: id,tags,-all
#     notebook_metadata_filter: kernelspec,jupytext,-jupytext.text_representation.jupytext_version
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#   kernelspec:
#     display_name: Python 3.11 (inertia)
#     language: python
#     name: inertia
# ---

# %% [markdown] id="03-00"
# # 03 · Evidence of synergistic inertia
#
# This chapter asks whether public-service cooperation in the three city clusters delivered
# what their integration plans committed to, and tests it against the null that it did.
#
# 1. **Public-service level** PS of every city-year: a composite of ten per-person service
#    indicators in six domains (`index_method`; the default is the geometric mean of the
#    indicators' ratios to their medians, in log points, with equal weight per domain).
# 2. **Actual synergy** S of each cluster-year (`synergy_measure`) with the inequality
#    decompositions, the coupling coordination of the domains and sigma/beta convergence.
# 3. **Expected synergy** E: what each plan committed to. Each plan commits to close every
#    city's gap to its cluster's best performer, measured in the milestone year, to a share of
#    itself by its horizon (`data/reference/plan_targets.csv`, `plan_residual_gap`); E is the
#    synergy of that planned distribution. The synergy gap I = E − S follows.
# 4. **The test**: the *delivered share* of the committed gap closure, city by city, against
#    the null that the commitments were met. The chapter's verdict
#    (`verdict_03_inertia_evidence.json`) is this test. An event study around the milestones
#    and a convergence-break test are reported beside it.
#
# All numbers in the text are read from the results by `inertia.report.inertia_text`. How
# often the test gives the right verdict on simulated panels with a known truth is in the
# validation appendix (`02_validation`), and the text below quotes it.

# %% id="03-01" tags=["parameters"]
# Quoted types are inertia.options' (imported below); the runner replaces the
# values with validated ones from params.yaml.
data_source: "DataSource" = "simulated"
clusters: list[str] = ["jjj", "yrd", "prd"]
index_method: "IndexMethod" = "geometric"
synergy_measure: str = "dagum"
target_rule: "TargetRule" = "plan"
plan_residual_gap: dict[str, float] = {}
event_window: int = 5
se: "SeType" = "clustered"
comparison: "Comparison" = "never_treated"
randomisation_draws: int = 999
wild_bootstrap_draws: int = 999
seed: int = 20240601
language: "Language" = "en"
# Set by the runner; leave as None when working interactively.
output_dir: "SetByRunner" = None
processed_dir: "SetByRunner" = None
run_name: "SetByRunner" = None

# %% id="03-02"
from IPython.display import Markdown, display

from inertia.chapters import inertia_evidence as evidence
from inertia.data import sources
from inertia.measures.convergence import sigma_convergence
from inertia.measures.public_service import public_service_index
from inertia.measures.synergy import city_gap, measure_inertia, plan_schedule
from inertia.options import (
    Comparison,
    DataSource,
    IndexMethod,
    Language,
    SetByRunner,
    SeType,
    TargetRule,
)
from inertia.report import identification_text as text_identification
from inertia.report import inertia_text as text
from inertia.report.outputs import Publisher
from inertia.viz import identification_figures, style
from inertia.viz import inertia_figures as figures

style.use()
pub = Publisher(output_dir, processed_dir, data_source=data_source, language=language)
loaded = sources.load_panel(processed_dir, expect=data_source)
bundle = loaded.restrict(clusters)
# The comparison group of the difference-in-differences: the cities outside the clusters.
national = loaded.restrict(clusters, controls=True) if comparison == "never_treated" else None
validation = sources.read_artefacts(processed_dir, {"validation": "02_validation"}, bundle)[
    "validation"
]
years = bundle.years
spacing = evidence.data_spacing(years)
schedule = plan_schedule(list(clusters))
_, milestones = evidence.schedule_for_measures(schedule, years)
measure_label = text.measure_label(synergy_measure)
residual = plan_residual_gap or "plan_targets.csv"
setting = (
    f"{bundle.label}; index: {index_method}; synergy: {measure_label}; "
    f"expected path: {target_rule} rule, residual gap {residual}"
)
display(Markdown(text.setup_sentence(bundle.label, years, spacing, milestones)))
display(Markdown(text.notes_markdown(evidence.cluster_notes(milestones))))

# %% [markdown] id="03-03"
# ## The public-service index
#
# Each indicator is scaled per registered person (interpolated within the city where a year
# lacks it). The default `geometric` index is the weighted geometric mean of the indicators'
# ratios to their medians over all city-years, so scores compare across years and its log is
# in log points; its weights are fixed in advance (1/6 per domain), so they reward no noisy
# indicator. Education spending is not an indicator: it is a budget line of role deviation
# (chapter 4), and the outcome and the role indices must not share one. Missing indicator
# cells are filled by the documented rule of `inertia.measures.public_service`
# (interpolation within a city, then carrying, then cluster and year medians) and counted.

# %% id="03-04"
result = measure_inertia(
    bundle.panel,
    bundle.roster,
    index_method=index_method,
    synergy_measure=synergy_measure,
    target_rule=target_rule,
    residual_gap=plan_residual_gap or None,
)
index = result.index
pub.table(
    index.weights,
    "index_weights",
    caption=f"Weights of the public-service indicators ({index_method} method; "
    f"{bundle.label}, {years[0]}-{years[-1]}).",
)
pub.data(evidence.ps_frame(index), "ps_index")
display(Markdown(text.index_sentence(index)))
display(Markdown(text.population_sentence(index.population_source)))

# %% id="03-05"
ps_by_year = index.scores.unstack("year")
mapped = ps_by_year[[years[0], years[-1]]]
for name, year in (("ps_map_first", years[0]), ("ps_map_last", years[-1])):
    fig = figures.ps_map(
        ps_by_year[year],
        year=year,
        vmin=mapped.min().min(),
        vmax=mapped.max().max(),
        language=language,
        roster=bundle.roster,
    )
    pub.figure(
        fig,
        name,
        caption=f"Public-service level PS of each city in {year} ({index_method} index; "
        f"{bundle.label}). One colour scale for both years; hatched: no value.",
    )

# %% [markdown] id="03-06"
# ## Inequality across and within the clusters
#
# Dagum's Gini decomposition splits the Gini ratio of PS across all cities into within-cluster,
# net between-cluster and transvariation (overlap) parts; Theil T splits into within and
# between. Both are computed year by year.

# %% id="03-07"
decomposition = result.decomposition
pub.table(
    decomposition.reset_index(),
    "inequality_decomposition",
    caption=f"Dagum Gini and Theil decompositions of PS across the clusters by year ({setting}).",
)
pub.figure(
    figures.decomposition_figure(decomposition, language=language),
    "inequality_decomposition",
    caption=f"Dagum Gini decomposition (stacked: within, net between, transvariation) and Theil "
    f"within/between decomposition of PS by year ({bundle.label}; {index_method} index).",
)
display(Markdown(text.decomposition_sentence(decomposition)))

# %% [markdown] id="03-08"
# ## Coupling coordination of the six domains
#
# For each city-year the coupling coordination degree D = √(C·T) of the six domain scores
# (standard n-subsystem C, equal weights in T), graded on the conventional ten-band scale.

# %% id="03-09"
coupling = evidence.coupling_table(index)
pub.figure(
    figures.coupling_heatmap(coupling, bundle.roster, language=language),
    "coupling_heatmap",
    caption=f"Coupling coordination degree D of the six public-service domains by city and "
    f"year, coloured by grade; cities grouped by cluster ({bundle.label}; {index_method} index).",
)
# Grade names in the chosen language.
grades = (
    coupling.groupby(["cluster", "year", "band", f"grade_{language}"])
    .size()
    .rename("cities")
    .reset_index()
)
pub.table(
    grades,
    "coupling_grades",
    caption=f"Number of cities per coordination grade, cluster and year ({bundle.label}; "
    f"{index_method} index).",
)
display(Markdown(text.coupling_sentence(coupling)))

# %% [markdown] id="03-10"
# ## Sigma and beta convergence
#
# Sigma convergence: the dispersion of PS within each cluster over time, with a linear trend
# test. Beta convergence: growth of log PS over one data interval on its lagged level, with
# city and year effects (SEs clustered by city); the pooled and conditional (log GDP and log
# budget spending per person) specifications are shown beside it. The growth interval is the
# spacing of the data years.

# %% id="03-11"
ps_table = evidence.ps_frame(index)
sigma = sigma_convergence(ps_table, "ps", by=("cluster", "year"))
trend = sigma.attrs["trend"]
beta = evidence.beta_convergence_table(
    ps_table, evidence.convergence_controls(bundle.panel), interval=spacing
)
pub.table(
    trend,
    "sigma_convergence",
    caption=f"Sigma convergence: linear trend per year of the coefficient of variation and of "
    f"the SD of log PS within each cluster ({bundle.label}; {index_method} index).",
)
pub.table(
    beta,
    "beta_convergence",
    caption=f"Beta convergence of PS over {spacing}-year growth intervals; SEs clustered by "
    f"city; speed per year and half-life in years ({bundle.label}; {index_method} index).",
)
pub.figure(
    figures.sigma_figure(sigma, milestones, language=language),
    "sigma_convergence",
    caption=f"Dispersion of PS within each cluster by year; dotted lines mark the milestones "
    f"({bundle.label}; {index_method} index).",
)
display(Markdown(text.convergence_sentence(trend, beta)))

# %% [markdown] id="03-12"
# ## Expected against actual synergy: the synergy gap
#
# At and before its milestone a cluster has no commitment, so E = S. After it, the expected
# path E follows `target_rule`: `plan` is the synergy the cluster would have if every city had
# closed the committed share of its base-year gap to the best performer (the base year is the
# last data year at or before the milestone); `frontier` lets every city close its gap at the
# best historical convergence speed. The gap I = E − S is inertia at the cluster level; the
# synergy efficiency is the share of the expected gain since the base year that was realised.
# The gap is zero at the milestone by construction, so it is described here and tested city by
# city in the next section.

# %% id="03-13"
gap = result.gap
summary = evidence.gap_summary(gap)
pub.figure(
    figures.synergy_gap_figure(
        gap,
        milestones,
        measure_label=f"synergy S ({measure_label})",
        rule_label=target_rule,
        language=language,
    ),
    "synergy_gap",
    caption=f"Expected (dashed) against actual synergy per cluster; dotted line: the cluster's "
    f"milestone; shaded: the gap I = E − S ({setting}).",
)
pub.table(
    summary.reset_index(),
    "synergy_gap_summary",
    caption=f"Synergy in the base year and in the last year, expected synergy, the gap I = E − S "
    f"and the synergy efficiency per cluster ({setting}).",
)
pub.table(
    evidence.synergy_artefact(gap),
    "synergy_gap_by_year",
    caption=f"Actual synergy S, expected synergy E, gap I and efficiency by cluster and year "
    f"({setting}).",
)
pub.data(evidence.synergy_artefact(gap), "synergy")
pub.data(evidence.shortfall_artefact(result.shortfall), "shortfall")
display(Markdown(text.gap_sentence(summary, synergy_measure, target_rule)))

# %% [markdown] id="03-20"
# ## Were the commitments delivered?
#
# Each plan commits to close every city's gap to its cluster's best performer, measured in the
# base year, linearly to the residual share by the horizon. By year t a city should have
# closed q = (1 − r)·g·min(1, (t − m)/(h − m)). The **delivered share** is the slope of the
# city's log growth since the base year on q, with cluster-by-year effects (which absorb the
# best performer's own growth), estimated on every city-year after the milestone: 1 means the
# commitment was met, 0 that no gap closed at all. The test has the null that the commitments
# were met (share ≥ 1) and the one-sided alternative that they were not; SEs are clustered by
# city, with Student t critical values. This test is the chapter's verdict.

# %% id="03-21"
delivery = evidence.delivery_test(index, schedule, residual_gap=plan_residual_gap or None)
pub.table(
    delivery.table,
    "delivered_share",
    caption="Delivered share of the committed gap closure, pooled and per cluster: estimate, "
    "SE clustered by city, 95% interval, one-sided p-value of H0 'the commitment was met' "
    f"(delivered share ≥ 1), city-years, cities and the cluster's weight in the pooled slope "
    f"({setting}).",
)
pub.figure(
    figures.delivery_figure(delivery.design, delivery.table, language=language),
    "delivered_share",
    caption="Each post-milestone city-year: the log growth since the base year against the "
    "gap closure the plan required by then, both relative to the cluster-year mean. Dashed: "
    f"the commitment delivered (slope 1); solid: the fitted delivered share ({setting}).",
)
display(Markdown(text.delivery_sentence(delivery, validation)))

# %% [markdown] id="03-14"
# ## Event study around the milestones
#
# Outcome 1 is each city's gap to its cluster's best performer; the regression has leads and
# lags of the cluster milestone (endpoints binned, reference: the period just before it), city
# and year effects, and SEs clustered by city (`se`) because three clusters are too few to
# cluster on. Its leads give the pre-trend test; its lags are compared with the change in the
# gap that the plan requires. Outcome 2 is the city's shortfall from its planned path: after
# the milestone the gap minus the planned gap, before it the drift of the gap since the base
# year (no plan requires a change then), so its leads are not zero by construction. With data
# every few years, event time is counted in bins of the data spacing. All cities are
# eventually treated and the milestones are staggered, so these two-way fixed-effects
# coefficients are descriptive; they do not enter the verdict.

# %% id="03-15"
gap_study = evidence.period_event_study(
    city_gap(index, bundle.roster),
    bundle.roster,
    schedule,
    column="gap",
    window_years=event_window,
    se=se,
    shortfall=result.shortfall,
)
shortfall_study = evidence.period_event_study(
    evidence.shortfall_outcome(result.shortfall),
    bundle.roster,
    schedule,
    column="shortfall",
    window_years=event_window,
    se=se,
)
display(Markdown(text.notes_markdown(gap_study.notes)))
versus_required = evidence.lags_versus_required(gap_study)
behind = evidence.average_lag_effect(shortfall_study)
coefficients = evidence.event_study_table(gap_study, shortfall_study)
pub.table(
    coefficients,
    "event_study",
    caption=f"Event-study coefficients by event-time bin (years relative to the milestone) for "
    f"the city gap to the cluster frontier (with the change the plan requires) and the "
    f"shortfall from plan; city and year effects, SEs {se} (window {event_window} years; "
    f"{setting}).",
)
pub.figure(
    figures.event_study_figure(gap_study, shortfall_study, language=language),
    "event_study",
    caption=f"Event-study coefficients with 95% confidence intervals; red squares: the change "
    f"in the gap the plan requires; SEs {se} ({setting}).",
)
display(Markdown(text.event_study_sentence(gap_study, shortfall_study, versus_required, behind)))

# %% [markdown] id="03-16"
# ## Did convergence speed up after the milestones?
#
# Growth of log PS on its lagged level, interacted with a post-milestone indicator, with city and
# year effects (and, as a check free of the Nickell bias, year effects only). H0: δ ≥ 0
# (post-milestone convergence not faster); a small one-sided p-value rejects it.

# %% id="03-17"
break_twoway = evidence.convergence_break(index, schedule, se=se, effects="twoway")
break_time = evidence.convergence_break(index, schedule, se=se, effects="time")
pub.table(
    evidence.break_table(break_twoway, break_time),
    "convergence_break",
    caption=f"Test that beta convergence of PS is no faster after the milestones: city and "
    f"year effects, and year effects only; SEs {se} ({bundle.label}; {index_method} index).",
)
display(Markdown(text.notes_markdown(break_twoway.notes + break_time.notes)))
display(Markdown(text.break_sentence(break_twoway, break_time)))

# %% [markdown] id="03-22"
# ## Against the rest of China: did the milestones close the gap?
#
# The event study above compares the three clusters with each other: all 63 cities are
# eventually treated, the milestones are staggered and their effects differ by cluster and grow
# with time, so its coefficients mix comparisons with already-treated clusters. The prefecture
# cities outside the clusters never had a milestone. With them as controls (`comparison`), the
# outcome is each city's log public-service index and four estimators share one event window:
# the **TWFE** event study (binned endpoints, reference −1, labelled as such, and on the cluster
# cities alone as before), the **Sun–Abraham** interaction-weighted estimator (a regression
# saturated in cohort × event time), **Callaway–Sant'Anna** group-time effects against the
# never-treated cities (universal base period), aggregated to event time, and the **imputation**
# estimator (Borusyak, Jaravel & Spiess: city and year effects fitted on the untreated
# city-years only). Intervals are clustered by city. A Goodman-Bacon decomposition shows which
# 2×2 comparisons drive the static TWFE estimate.

# %% id="03-23"
if national is None:
    identified = None
    display(Markdown(text.notes_markdown([text_identification.no_comparison_note()])))
else:
    national_index = public_service_index(national.panel, index_method, roster=national.roster)
    identified = evidence.identification(
        national_index, national.roster, schedule, window_years=event_window,
        randomisation_draws=randomisation_draws, wild_draws=wild_bootstrap_draws, seed=seed,
    )
    comparison_table = identified.comparison_table()
    pub.table(
        identified.summary_table(),
        "did_estimators",
        caption=f"Mean effect of the milestones on the log public-service index over the "
        f"post-milestone window, by estimator, with 95% intervals (SEs clustered by city) and "
        f"the p-value of the leads; controls: the {text_identification.n_controls(identified)} "
        f"prefecture cities outside the clusters ({setting}).",
    )
    pub.table(
        comparison_table,
        "did_event_study",
        caption=f"Event-time effects of the milestones on the log public-service index by "
        f"estimator, with 95% intervals clustered by city ({setting}).",
    )
    pub.figure(
        identification_figures.estimator_comparison_figure(
            comparison_table, identified.spacing, language=language
        ),
        "did_event_study",
        caption=f"Event-time effects of the milestones on the log public-service index: TWFE "
        f"(binned, with and without the never-treated cities), Sun-Abraham, Callaway-Sant'Anna "
        f"and imputation estimates with 95% intervals; hollow: the reference period "
        f"({setting}).",
    )
    bacon_comparisons, bacon_kinds, bacon = evidence.bacon_table(identified.frame)
    pub.table(
        bacon_kinds,
        "bacon_decomposition",
        caption=f"Goodman-Bacon decomposition of the static TWFE estimate on the balanced panel "
        f"({bacon.cities} cities, {bacon.dropped} with gaps left out): weight and mean 2x2 "
        f"estimate by kind of comparison ({setting}).",
    )
    pub.figure(
        identification_figures.bacon_figure(bacon_comparisons, bacon.twfe, language=language),
        "bacon_decomposition",
        caption=f"The 2x2 comparisons behind the static TWFE estimate (dashed): each "
        f"comparison's estimate against its weight ({setting}).",
    )
    display(Markdown(text_identification.comparison_sentence(identified)))
    display(Markdown(text_identification.bacon_sentence(bacon)))
    display(Markdown(text.notes_markdown(identified.notes)))

# %% [markdown] id="03-24"
# ## Inference with three treated clusters
#
# The milestones were given to three clusters, not to 63 cities. Three kinds of inference test
# the null of no effect: the city-clustered t test of the imputation estimate; **randomisation
# inference**, giving the real milestone dates to placebo clusters (the cities of a province
# outside the clusters) or the real clusters placebo dates before their milestones, with the
# imputation estimate over its SE as the statistic; and a **wild cluster bootstrap** (WCR,
# Webb weights) clustered by assignment group. The verdict uses the placebo-cluster p-value:
# it compares the clusters with groups of cities of the same kind whatever shocks a cluster
# shares, while clustering by city treats the cities as independent, and the wild bootstrap is
# known to under-reject with three treated groups (MacKinnon & Webb 2017). Finally, how large
# a violation of parallel trends after the milestones would overturn the effect: the
# relative-magnitudes bounds of Rambachan & Roth (2023), which let the post-milestone violation
# change by up to M̄ times the largest change between the leads, and the breakdown value M̄*.
# They are the identified set widened by the sampling interval, not Rambachan and Roth's
# conditional inference (their `honestdid` package needs PyTorch, which is not pinned here).

# %% id="03-25"
if identified is not None:
    pub.table(
        identified.inference_table(),
        "few_cluster_inference",
        caption=f"Tests of H0 'the milestones had no effect' on the mean post-milestone effect: "
        f"city-clustered t, randomisation over placebo clusters and placebo dates, wild cluster "
        f"bootstrap by assignment group; the verdict uses the placebo-cluster p-value "
        f"({setting}).",
    )
    pub.figure(
        identification_figures.randomisation_figure(identified.randomisation, language=language),
        "randomisation_inference",
        caption=f"Distribution of the studentised imputation estimate when the milestones are "
        f"given to placebo clusters (left) or placebo dates (right); the line: the clusters' "
        f"own ({setting}).",
    )
    display(Markdown(text_identification.inference_sentence(identified)))
    if identified.sensitivity is not None:
        pub.table(
            identified.sensitivity.table,
            "pretrend_sensitivity",
            caption=f"Relative-magnitudes bounds (Rambachan & Roth) of the Callaway-Sant'Anna "
            f"mean post-milestone effect: for each M̄ the 95% interval when post-milestone "
            f"violations of parallel trends change by at most M̄ times the largest "
            f"pre-milestone change ({identified.sensitivity.max_pre_step:.4f}); breakdown value "
            f"M̄* = {identified.sensitivity.breakdown:.2f} ({setting}).",
        )
        display(Markdown(text_identification.sensitivity_sentence(identified)))

# %% [markdown] id="03-26"
# ## Each cluster against a synthetic cluster
#
# Each cluster's synergy (1 − Gini of PS among its cities) is compared with a synthetic
# cluster: a weighted average of pseudo-clusters, the cities of one province outside the
# clusters (at least four), whose weights match the cluster's synergy before its milestone in
# deviations from its pre-milestone mean. Every pseudo-cluster is treated in turn as a placebo;
# the p-value is the rank of the cluster's post/pre RMSPE ratio among them.

# %% id="03-27"
if national is not None and identified is not None:
    sc_paths, sc_summary, sc_weights, sc_results = evidence.synthetic_controls(
        national_index, national.roster, identified.milestones, measure=synergy_measure
    )
    pub.table(
        sc_summary,
        "synthetic_control",
        caption=f"Synthetic control of each cluster's synergy: RMSPE before and after the "
        f"milestone, their ratio, the mean gap actual - synthetic after it and the "
        f"placebo-in-space p-value over the pseudo-clusters ({setting}).",
    )
    pub.table(
        sc_weights[sc_weights["weight"] > 0.001],
        "synthetic_control_weights",
        caption=f"Weights of the pseudo-clusters in each cluster's synthetic control ({setting}).",
    )
    pub.figure(
        identification_figures.synthetic_control_figure(sc_paths, sc_results, language=language),
        "synthetic_control",
        caption=f"Top: each cluster's synergy and its synthetic cluster; bottom: the gap actual - "
        f"synthetic (colour) against the same gap of every pseudo-cluster treated as a placebo "
        f"(grey); dotted: the milestone ({setting}).",
    )
    display(Markdown(text_identification.synthetic_sentence(sc_summary)))

# %% [markdown] id="03-18"
# ## Conclusion

# %% id="03-19"
verdict = evidence.chapter_verdict(delivery, data_source, identified)
pub.verdict(
    verdict,
    caption="Verdicts of chapter 3: the delivered share of the committed gap closure, pooled "
    "(the chapter's verdict) and per cluster, with the one-sided test of H0 'the commitment "
    f"was met' ({setting}).",
)
display(Markdown(text.conclusion_sentence(verdict)))
