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
# reinforcement R on inertia under one set of choices. Every choice on the way (how the
# public-service index is weighted, which reference level and plan horizon define the
# shortfall, which synergy measure and target rule, how the role indices are built, the
# sample, the outcome, controls, lags and the SE type) is defensible in more than one way.
# This chapter estimates the regression under **every** combination (a multiverse,
# Steegen et al. 2016) and shows the distribution of the three estimates as specification
# curves (Simonsohn, Simmons & Nelson 2020): sorted estimates with their intervals above, the
# choices behind each estimate below. A permutation test asks whether the whole curve could
# arise without any role effect, and the fork-influence table says which choice matters most.
#
# The forks are data (`multiverse_preset`, or a `multiverse` block of forks and exclusion
# rules); the library is `inertia.multiverse`. All numbers in the text are read from the
# results by `inertia.report.robustness_text`.

# %% id="07-01" tags=["parameters"]
data_source = "simulated"
clusters = ["jjj", "yrd", "prd"]
seed = 20240601
multiverse_preset = "default"
multiverse = {}
permutation_draws = 100
language = "en"
# Set by the runner; leave as None when working interactively.
output_dir = None
processed_dir = None
run_name = None

# %% id="07-02"
from IPython.display import Markdown, display

from inertia.data import sources
from inertia.data.geometry import weights_for_roster
from inertia.multiverse import (
    default_forks,
    parse_multiverse,
    permutation_test,
    run_multiverse,
    small_forks,
)
from inertia.report import robustness_text as text
from inertia.report.outputs import Publisher
from inertia.viz import curve_figures, style

style.use()
pub = Publisher(output_dir, processed_dir, data_source=data_source, language=language)
bundle = sources.load_panel(processed_dir, expect=data_source).restrict(clusters)
weights = weights_for_roster(bundle.roster)
if multiverse:
    forks, rules = parse_multiverse(multiverse)
elif multiverse_preset == "default":
    forks, rules = default_forks()
else:
    forks, rules = small_forks()
# Kernels already run one per process, so the multiverse runs inline.
engine = "local"
jobs = 1
# The permutation test refits its specifications (permutation_draws + 1) times, about
# 25 ms per fit: a seeded random subset of 12 specifications keeps the chapter near a minute.
permutation_specs = 12

# %% [markdown] id="07-03"
# ## The multiverse

# %% id="07-04"
result = run_multiverse(
    bundle.panel,
    bundle.roster,
    forks,
    rules,
    engine=engine,
    jobs=jobs,
    seed=seed,
    weights=weights,
)
table = result.table
summary = result.summary()
n_failed = text.failed_specifications(table)
se_types = sorted(table["se_type"].unique())
setting = (
    f"{bundle.label}; {result.n_specs:,} specifications; SEs clustered by city or "
    f"Driscoll-Kraay per the SE fork, linearmodels' small-sample convention"
)
pub.data(table, "multiverse")
display(
    Markdown(
        text.scope_sentence(
            result.n_specs, result.info["n_tasks"], n_failed, bundle.label, se_types
        )
    )
)
# Published even when empty, so every run lists the same outputs.
pub.table(
    text.failure_table(table),
    "failed_specifications",
    caption=f"Specifications that could not be estimated, by reason (numbers masked as #) "
    f"and their share of the {result.n_specs:,} ({bundle.label}); empty when every "
    "specification was estimated.",
)

# %% [markdown] id="07-05"
# ## Specification curves
#
# One figure per role effect. Top: each specification's estimate with its 95% interval, sorted;
# orange = significant and positive, blue = significant and negative, grey = not significant
# (p ≥ 0.05); dashed: the median; dotted: chapter 4's baseline specification, when it is part
# of the multiverse. Bottom: a mark in a row where the specification uses that level of the
# fork.

# %% id="07-06"
for effect in summary["effect"]:
    pub.figure(
        curve_figures.specification_curve(table, effect, language=language),
        f"specification_curve_{effect}",
        caption=f"Specification curve of the effect of {text.effect_label(effect).lower()} on "
        f"inertia: sorted estimates with 95% intervals coloured by significance (p < 0.05) and "
        f"the choices of each specification ({setting}).",
    )

# %% id="07-07"
pub.table(
    text.summary_table(summary, language),
    "curve_summary",
    caption=f"Specification curve per role effect: estimated and failed specifications, "
    f"median and 5%/95% quantiles of the estimates, shares positive, negative, significant "
    f"(p < 0.05) and significant with the median's sign ({setting}).",
)
display(Markdown(text.curve_sentence(summary)))

# %% [markdown] id="07-08"
# ## Inference on the whole curve
#
# Many specifications share data, so their estimates are not independent and counting
# significant ones proves little. The permutation test imposes the null "the role indices do
# not affect inertia" by reassigning whole city histories of the three indices to other
# cities (the outcome untouched), re-estimates the same specifications on each draw and
# compares the observed median and share significant with their null distributions.

# %% id="07-09"
permutation = permutation_test(
    bundle.panel,
    bundle.roster,
    forks,
    rules,
    n_draws=permutation_draws,
    n_specs=min(permutation_specs, result.n_specs),
    seed=seed,
    engine=engine,
    jobs=jobs,
    weights=weights,
)
n_tested = len(permutation.spec_ids)
n_estimable = int(permutation.observed["n_specs"].max())
pub.table(
    text.permutation_table(permutation.pvalues, language),
    "permutation_test",
    caption=f"Permutation test of the specification curve: observed median and share "
    f"significant with its sign on {n_tested} specifications drawn at random (seed {seed}) "
    f"from the {result.n_specs:,} ({n_estimable} of them estimable), and their p-values "
    f"against {permutation_draws} null draws that reassign city histories of the role "
    f"indices ({bundle.label}; SEs per the SE fork, linearmodels' small-sample convention).",
)
display(
    Markdown(
        text.permutation_sentence(
            permutation.pvalues, permutation_draws, n_tested, permutation.scheme, n_estimable
        )
    )
)

# %% [markdown] id="07-10"
# ## Which choices matter?
#
# For each fork, the share of the curve's variance explained by its levels (one-way η²) and
# the distance between the lowest and highest level median.

# %% id="07-11"
influence = result.influence()
pub.table(
    text.influence_table(influence, language),
    "fork_influence",
    caption=f"Influence of each fork on the estimates per role effect: share of the curve's "
    f"variance explained by the fork's levels (η²), range of the level medians and the "
    f"levels with the lowest and highest median; largest influence first ({setting}).",
)
display(Markdown(text.influence_sentence(influence)))
