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

# %% [markdown] id="07-00"
# # 07 · Robustness: the specification curve
#
# Chapter 4 estimated the effect of role weakness W, role deviation D and role negative
# reinforcement R on the yearly growth of each city's shortfall from its planned path under one
# set of choices: the public-service index, the reference level and horizon of the planned path,
# how the role indices are built, the estimator (each role's marker instrumented by the second
# indicator of its dimension), cluster-by-year effects, all cities, no lag. Every one of these
# choices is defensible in more than one way. This chapter estimates the regression under
# **every** combination of a declared set of choices (a multiverse, Steegen et al. 2016) and
# shows the distribution of the three estimates as specification curves (Simonsohn, Simmons &
# Nelson 2020): sorted estimates with their intervals above, the choices behind each estimate
# below. A test in the manner of Simonsohn et al. asks whether each whole curve could arise
# without any role effect, and a fork-influence table says which choice matters most.
#
# The forks are data (`multiverse_preset`, or a `multiverse` block of forks and exclusion
# rules); the library is `inertia.multiverse`. All numbers in the text are read from the
# results by `inertia.report.robustness_text`.

# %% id="07-01" tags=["parameters"]
# Quoted types are inertia.options' (imported below); the runner replaces the
# values with validated ones from params.yaml.
data_source: "DataSource" = "simulated"
clusters: list[str] = ["jjj", "yrd", "prd"]
seed: int = 20240601
index_method: "IndexMethod" = "geometric"
role_method: "RoleMethod" = "standardised"
reinforcement: "Reinforcement" = "lock_in"
plan_residual_gap: dict[str, float] = {}
multiverse_preset: "MultiversePreset" = "default"
multiverse: dict[str, object] = {}
curve_draws: int = 500
language: "Language" = "en"
# Set by the runner; leave as None when working interactively.
output_dir: "SetByRunner" = None
processed_dir: "SetByRunner" = None
run_name: "SetByRunner" = None

# %% id="07-02"
from IPython.display import Markdown, display

from inertia import multiverse as mv
from inertia.data import sources
from inertia.options import (
    DataSource,
    IndexMethod,
    Language,
    MultiversePreset,
    Reinforcement,
    RoleMethod,
    SetByRunner,
)
from inertia.report import robustness_text as text
from inertia.report import validation_text
from inertia.report.outputs import Publisher
from inertia.viz import curve_figures, style

style.use()
pub = Publisher(output_dir, processed_dir, data_source=data_source, language=language)
# The chapters analyse the clusters: a CCSY panel holds every prefecture city.
bundle = sources.load_panel(processed_dir, expect=data_source).restrict(clusters)
validation = sources.read_artefacts(processed_dir, {"validation": "02_validation"}, bundle)[
    "validation"
]
# The spatial weights of the imitation definition (chapter 4's) are built only if a fork needs them.
weights = None
base = mv.baseline(index_method=index_method, role_method=role_method, reinforcement=reinforcement)
if multiverse:
    forks, rules = mv.parse_multiverse(multiverse, base)
elif multiverse_preset == "default":
    forks, rules = mv.default_forks(base)
else:
    forks, rules = mv.small_forks(base)
residual_gap = plan_residual_gap or None
# Kernels already run one per process, so the multiverse runs inline.
engine, jobs = "local", 1

# %% [markdown] id="07-03"
# ## The forks
#
# Measurement forks change the data: the public-service index (and so the shortfall), the
# reference level (the cluster's best city or its mean) and the horizon of the planned path,
# the weighting of the role indices, the definition of negative reinforcement and the form of
# the weakness instrument (spending per person below the cluster median, as a log ratio or
# truncated at zero). Model forks change the regression: the outcome, the estimator (the
# markers instrumented as in chapter 4, the markers by OLS, or the composite indices by OLS),
# cluster-by-year or year effects, the sample, a lag of the roles on the panel's year grid and
# an extra control. The SE type is not a fork: every specification carries its city-clustered
# (the headline's) and its Driscoll-Kraay inference as two bands on the same estimate.
#
# The growth and the level of the shortfall are two estimands (the effect on how fast the
# shortfall grows, and on how large it is), so each outcome is its own curve, with its own
# summary, figures and test. Within a curve the regressors and the outcome change their units
# with the choices (a fiscal gap and a standardised composite; the geometric index in log
# points, the others in index units), so the curves show the fully standardised effect,
# β · sd(x) / sd(y) over each specification's estimation sample (as Orben & Przybylski 2019);
# the tables keep the coefficients in their own units too. The cluster's synergy gap is not an
# outcome: it varies by cluster and year only, so cluster-by-year effects absorb it, and with
# year effects only its three clusters' series would count as many independent cities. The
# gap to the reference level would repeat the shortfall: the two differ by the planned gap, which
# the city effects and the required-closure controls absorb.
#
# The default crosses every measurement fork with the estimator and the time effects (all
# cities, no lag, no extra control), and the sample, the lag and the extra control with the
# estimator, the reinforcement definition and the time effects at the baseline measurement.
# A fork is pinned where it cannot change the estimates, and a specification whose
# coefficients and SEs equal an earlier one's on these data is counted once.

# %% id="07-04"
fork_table = mv.fork_table(forks, rules, base)
pub.table(
    fork_table,
    "multiverse_forks",
    caption="The forks of the multiverse: their levels (the baseline first), the baseline "
    "level and the conditions under which a rule excludes some of their levels.",
)
display(Markdown(text.pinned_sentence(rules)))

# %% [markdown] id="07-05"
# ## The multiverse and its baseline
#
# Every specification is estimated on the estimation core (`inertia.models.twfe_core`), which
# equals linearmodels to 1e-8; the curve's baseline specification is chapter 4's headline,
# recomputed here through the chapter's own functions and compared term by term.

# %% id="07-06"
test = mv.bootstrap_test(
    bundle.panel,
    bundle.roster,
    forks,
    rules,
    n_draws=curve_draws,
    base=base,
    residual_gap=residual_gap,
    seed=seed,
    engine=engine,
    jobs=jobs,
    weights=weights,
)
curve = test.curve
table = curve.table
summary = curve.summary()
duplicates = mv.duplicate_table(table)
references = curve.reference_ids()
setting = (
    f"{bundle.label}; {curve.n_specs:,} specifications; standardised effects "
    "β · sd(x) / sd(y); 95% bands city-clustered and Driscoll-Kraay"
)
pub.data(table, "multiverse")
display(
    Markdown(
        text.scope_sentence(
            summary,
            curve.n_specs,
            curve.info["n_tasks"],
            text.failed_specifications(table),
            duplicates,
            bundle.label,
        )
    )
)
# Published even when empty, so every run lists the same outputs.
pub.table(
    text.failure_table(table),
    "failed_specifications",
    caption=f"Specifications that could not be estimated, by reason (numbers masked as #) "
    f"and their share of the {curve.n_specs:,} ({bundle.label}); empty when every "
    "specification was estimated.",
)
pub.table(
    duplicates.assign(outcome=[text.outcome_label(o, language) for o in duplicates["outcome"]]),
    "curve_duplicates",
    caption="Specifications whose coefficients and SEs equal an earlier specification's "
    f"(relative 1e-9), counted once: the fork in which they differ, their level and the "
    f"original's ({bundle.label}); empty when there is none.",
)
check = mv.baseline_check(curve, bundle.panel, bundle.roster, weights, residual_gap)
pub.table(
    text.display_table(check, language),
    "baseline_check",
    caption="The curve's baseline specification against chapter 4's headline (linearmodels "
    f"IV2SLS through the chapter's functions), term by term ({bundle.label}).",
    float_format="%.10g",
)
display(Markdown(text.baseline_sentence(check)))

# %% [markdown] id="07-07"
# ## Specification curves
#
# One figure per outcome and role effect. Top: each specification's standardised estimate with
# its 95% intervals, sorted; orange = significant and positive, blue = significant and negative,
# grey = not significant (p ≥ 0.05, city-clustered); the wider grey bands behind are the
# Driscoll-Kraay intervals of the same estimates; dashed: the median; dotted: the baseline
# specification. Bottom: a mark in a row where the specification uses that level of the fork.

# %% id="07-08"
estimated = summary.set_index(["outcome", "effect"])["n_specs"]
for outcome in summary["outcome"].unique():
    for effect in mv.EFFECTS:
        if estimated[(outcome, effect)] == 0:
            # No estimate to draw: say so, with the reasons of the failures, instead of a figure.
            display(Markdown(text.no_curve_sentence(table, outcome, effect, bundle.label)))
            continue
        pub.figure(
            curve_figures.specification_curve(
                table, effect, outcome, baseline_id=references[outcome], language=language
            ),
            f"specification_curve_{outcome}_{effect}",
            caption=f"Specification curve of the effect of {text.effect_label(effect).lower()} "
            f"on {text.OUTCOME_TEXT[outcome]}: sorted standardised estimates with city-clustered "
            f"95% intervals coloured by significance (p < 0.05) and Driscoll-Kraay intervals "
            f"behind, and the choices of each specification ({setting}).",
        )
pub.table(
    text.summary_table(summary, language),
    "curve_summary",
    caption=f"Specification curves per outcome and role effect: specifications on the curve, "
    f"failed and repeated ones, median and 5%/95% quantiles of the standardised effects, shares "
    f"positive, negative and significant (p < 0.05, city-clustered), the dominant sign and the "
    f"share significant with it (also with Driscoll-Kraay SEs), and the baseline specification's "
    f"effect ({setting}).",
)
by_estimator = mv.estimator_summary(table)
pub.table(
    text.display_table(by_estimator, language),
    "curve_by_estimator",
    caption=f"Median standardised effect and share significant (p < 0.05, city-clustered) by "
    f"estimator, per outcome and role effect ({setting}).",
)
for outcome in summary["outcome"].unique():
    display(Markdown(text.curve_sentence(summary, outcome)))
    display(Markdown(text.estimator_sentence(by_estimator, outcome)))

# %% [markdown] id="07-09"
# ## Inference on the whole curve
#
# Many specifications share data, so their estimates are not independent and counting
# significant ones proves little. Following Simonsohn, Simmons & Nelson (2020), the null "no
# role has an effect" is imposed on the data of every specification: its restricted model (the
# controls and effects, no role) is fitted, and each draw adds to its fitted values its
# residuals times one random sign per city, the same signs in every specification, so that a
# draw is a whole curve under the null that keeps the dependence between specifications. Every
# specification is re-estimated in every draw by its own estimator (2SLS for the headline's)
# with its clustered SEs. The observed curve's median standardised effect and its share
# significant with the dominant sign are compared with their distributions over the null
# curves, separately for each outcome. How often this test rejects when no role has an effect
# (its size) and when the roles have their simulated effects (its power) is measured by the
# validation harness on a smaller curve of the growth outcome, and quoted below.

# %% id="07-10"
pub.table(
    text.test_table(test.pvalues, language),
    "curve_test",
    caption=f"Specification-curve test per outcome and role effect: specifications, observed "
    f"median standardised effect and its p-value, the dominant sign and the share significant "
    f"with it and its p-value, and the null curves' 95% range of medians and 95th percentile of "
    f"shares, against {test.n_draws:,} null draws (restricted wild cluster bootstrap, every "
    f"specification re-estimated in every draw; seed {seed}; {bundle.label}).",
)
for outcome in summary["outcome"].unique():
    pub.figure(
        curve_figures.null_figure(test.null, test.pvalues, outcome, language=language),
        f"curve_null_{outcome}",
        caption=f"The curve of {text.OUTCOME_TEXT[outcome]} against {test.n_draws:,} curves "
        f"under the null: histograms of the null curves' median standardised effect (top) and "
        f"share significant with the dominant sign (bottom); the line marks the observed curve "
        f"({bundle.label}).",
    )
verdict = mv.curve_verdict(test, data_source)
pub.verdict(
    verdict,
    caption="Verdicts of chapter 7: per curve and role effect, the specification-curve tests of "
    "the median standardised effect and of the share significant with the dominant sign.",
)
display(Markdown(text.test_sentence(test.pvalues, test.n_draws, test.scheme)))
display(
    Markdown(
        validation_text.harness_notes(
            validation, [mv.curve_claim_name(mv.OUTCOME, effect) for effect in mv.EFFECTS]
            + [mv.curve_claim_name(mv.OUTCOME, effect, "share") for effect in mv.EFFECTS]
        )
    )
)

# %% [markdown] id="07-11"
# ## Which choices matter?
#
# For each fork, the share of the curve's variance explained by its levels (one-way η²) and
# the distance between the lowest and highest level median, per outcome and role effect.

# %% id="07-12"
influence = curve.influence()
pub.table(
    text.influence_table(influence, language),
    "fork_influence",
    caption=f"Influence of each fork on the standardised estimates per outcome and role effect: "
    f"share of the curve's variance explained by the fork's levels (η²), range of the level "
    f"medians and the levels with the lowest and highest median; largest influence first "
    f"({setting}).",
)
for outcome in summary["outcome"].unique():
    display(Markdown(text.influence_sentence(influence, outcome)))
