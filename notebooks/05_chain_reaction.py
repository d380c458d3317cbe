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

# %% [markdown] id="05-00"
# # 05 · The chain reaction: weakness → deviation → reinforcement → inertia
#
# Chapter 4 estimated the separate effects of the three role dimensions. This chapter asks
# whether they form a **chain**: a weak city (W, its fiscal gap) deviates from its livelihood
# role (D, the non-livelihood share of its budget), the deviation is locked in by the growth
# tournament and by its neighbours (R, the growth push; the neighbours' deviation enters as
# imitation), and each link holds public services back. The model is a serial mediation
# (Hayes' PROCESS model 6) on data with city and cluster-by-year effects removed:
#
# $$D = a_1 W + \dots,\qquad R = a_2 D + a_3 W + a_4 \textstyle\sum_j w_{ij} D_j + \dots,
# \qquad \Delta y = b_1 W + b_2 D + b_3 R + \dots$$
#
# with every role measured by its marker and instrumented by the other component of its
# dimension, as in chapter 4's headline, and the indirect paths $a_1 b_2$, $a_3 b_3$ and
# $a_1 a_2 b_3$ with intervals from a bootstrap that resamples whole cities. The outcome is the
# yearly growth of the shortfall from plan, chapter 4's outcome.
#
# **Identification.** The paths are causal effects only under three assumptions.
#
# 1. *Sequential ignorability* (Imai, Keele & Tingley 2010, *Psychological Methods* 15(4)):
#    given the city and cluster-by-year effects and the controls, weakness is as good as
#    randomly assigned with respect to deviation, reinforcement and the outcome; and given
#    weakness (and, for R and y, the earlier mediators), each mediator is as good as randomly
#    assigned with respect to the later equations.
# 2. In particular, *no unmeasured mediator–outcome confounding*: no unobserved shock that
#    varies within a city over time and is not common to its cluster moves deviation or
#    reinforcement and the shortfall growth together (nor deviation and reinforcement
#    together). The fixed effects remove only what is constant within a city or common to a
#    cluster-year; a violation shows as a correlation ρ between the equations' errors. The
#    sensitivity analysis below asks how large ρ would have to be to explain each indirect
#    effect away (Imai, Keele & Yamamoto 2010, *Statistical Science* 25(1)).
# 3. *What the measurement correction assumes.* Each marker is instrumented by the second
#    component of its dimension: that component must load on the same latent role (relevance,
#    the first-stage F of chapter 4), its measurement error must be independent of the marker's
#    and of the outcome's, and it must affect the later variables only through the latent role
#    (exclusion). The correction removes the attenuation from noisy markers; it does nothing
#    against confounding, because an instrument that measures the latent role inherits every
#    confounder of that role.
#
# Negative reinforcement is measured from GDP and loans, data that the deviation components do
# not use, so the link D → R is not definitional (with `reinforcement: imitation` it partly is).
# The table of the components' data below shows where the dimensions do share data.

# %% id="05-01" tags=["parameters"]
# Quoted types are inertia.options' (imported below); the runner replaces the
# values with validated ones from params.yaml.
data_source: "DataSource" = "simulated"
clusters: list[str] = ["jjj", "yrd", "prd"]
seed: int = 20240601
bootstrap_draws: int = 1000
role_method: "RoleMethod" = "standardised"
language: "Language" = "en"
# Set by the runner; leave as None when working interactively.
output_dir: "SetByRunner" = None
processed_dir: "SetByRunner" = None
run_name: "SetByRunner" = None

# %% id="05-02"
import numpy as np
import pandas as pd
from IPython.display import Markdown, display

from inertia.chapters import chain_reaction as chapter
from inertia.chapters import role_deviation
from inertia.data import sources
from inertia.models.mediation import COEFFICIENT_NAMES, shock_propagation
from inertia.options import DataSource, Language, RoleMethod, SetByRunner
from inertia.report import chain_text
from inertia.report.outputs import Publisher
from inertia.report.validation_text import harness_notes
from inertia.viz import chain_figures, style
from inertia.viz.labels import text

style.use()
pub = Publisher(output_dir, processed_dir, data_source=data_source, language=language)
bundle = sources.load_panel(processed_dir, expect=data_source).restrict(clusters)
upstream = sources.read_artefacts(
    processed_dir,
    {
        "role_indices": "04_role_deviation",
        "shortfall": "03_inertia_evidence",
        "validation": "02_validation",
    },
    bundle,
)
roles = role_deviation.roles_from_artefact(upstream["role_indices"], role_method)
shortfall, validation = upstream["shortfall"], upstream["validation"]
years = bundle.years
period_years = int(np.median(np.diff(years))) if len(years) > 1 else 1
period_text = "year" if period_years == 1 else f"{period_years}-year period"
outcome_text = role_deviation.OUTCOME_TEXT
outcome_label = text("shortfall", language)
draw_text = f"{bootstrap_draws} city-bootstrap draws, seed {seed}"

# %% [markdown] id="05-03"
# ## Estimation frame
#
# Chapter 4's frame (roles, outcome, controls, cluster-by-year labels) plus the neighbours'
# deviation marker and its instrument, the spatial lags over the real city boundaries. With
# data every few years the persistence in the shock view below is per observed period.

# %% id="05-04"
frame = chapter.study_frame(roles, shortfall, bundle.roster)
chain = chapter.fit_chain(frame, roles, n_boot=bootstrap_draws, seed=seed)
display(
    Markdown(
        chain_text.sample_sentence(
            chain.n,
            chain.n_entities,
            chain.n_periods,
            chain.n_boot,
            chain.n_failed,
            seed,
            outcome_text,
        )
    )
)

# %% [markdown] id="05-11"
# ## What each component reads
#
# A link between two dimensions is partly definitional when their components read the same
# yearbook variables: an error in that variable moves both. The table lists, for each marker
# and instrument, the variables it is computed from and the components of other dimensions
# that read one of them.

# %% id="05-12"
components = chapter.component_data(roles)
pub.table(
    components,
    "chain_component_data",
    caption="The data each role component reads (marker: the dimension's measure; instrument: "
    "its second component), and the components of other dimensions that read the same "
    "variables.",
)
display(Markdown(chain_text.overlap_sentence(components)))

# %% [markdown] id="05-05"
# ## Direct and indirect paths

# %% id="05-06"
paths = chain.paths.drop(columns="ci")
pub.table(
    paths,
    "chain_paths",
    caption=f"Serial mediation W → D → R → y with city and cluster-by-year effects, every role "
    f"marker instrumented (y = {outcome_text}): every direct and indirect path with bootstrap "
    f"SE, percentile and bias-corrected (BC) {chain.ci:.0%} intervals ({draw_text}).",
)
pub.table(
    chain.coefficients,
    "chain_equations",
    caption=f"The three equations of the chain, with the per-equation controls; SEs from "
    f"the city bootstrap ({draw_text}; NaN for controls, whose draws are not kept).",
)
pub.data(chain.paths, "mediation_paths")
pub.data(chain.coefficients, "mediation_coefficients")
pub.data(
    frame[["code", "year", "cluster", *roles.markers.values(), chapter.NEIGHBOUR]],
    "chain_frame",
)
pub.data(
    pd.DataFrame(chain.boot, columns=list(COEFFICIENT_NAMES)).assign(draw=np.arange(chain.n_boot)),
    "mediation_boot",
)
pub.figure(
    chain_figures.path_diagram(chain.paths, language, outcome_label=outcome_label),
    "chain_path_diagram",
    caption=f"Path diagram of the estimated chain (y = {outcome_text}); labels: estimate "
    f"[{chain.ci:.0%} percentile interval], {draw_text}; arrow width proportional to the "
    "absolute estimate within the a-paths and within the b-paths; dashed: interval covers 0.",
)
display(Markdown(chain_text.chain_sentence(chain.paths)))

# %% [markdown] id="05-13"
# ## How robust are the indirect effects to unmeasured confounding?
#
# Let an unmeasured confounder add κ times a mediator equation's error to a later equation's
# error, so that the two errors correlate by ρ (Imai, Keele & Yamamoto 2010, section 5). The
# later equation's estimates then carry the bias κδ, where δ is the mediator's error written on
# the later equation's (instrumented) regressors, and the coefficients consistent with ρ are the
# estimates minus κδ. Each indirect effect is recomputed for ρ between −0.95 and 0.95, in every
# bootstrap draw; ρ = 0 is sequential ignorability. Three correlations are varied, one at a
# time: deviation with the outcome, reinforcement with the outcome, and deviation with
# reinforcement. With the measurement correction the residuals are those of the measured
# markers, so ρ is the correlation of the equations' errors as measured.

# %% id="05-14"
sensitivity = chapter.sensitivity_analysis(chain)
pub.table(
    sensitivity.table,
    "chain_sensitivity",
    caption=f"Sensitivity of each indirect effect to a correlation ρ between two equations' "
    f"errors (unmeasured confounding): the estimate under sequential ignorability (ρ = 0) "
    f"with its {chain.ci:.0%} interval, the ρ at which it vanishes with the percentile interval "
    f"of that ρ over the bootstrap draws, and the smallest |ρ| (on a 0.01 grid) at which its "
    f"{chain.ci:.0%} band covers zero ({draw_text}; y = {outcome_text}).",
)
pub.figure(
    chain_figures.sensitivity_figure(
        sensitivity.curves, sensitivity.table, language, ci=sensitivity.ci
    ),
    "chain_sensitivity",
    caption=f"Each indirect effect as a function of the correlation ρ of two equations' errors, "
    f"with {sensitivity.ci:.0%} percentile bands ({draw_text}); dotted: where the estimate "
    f"vanishes; ρ = 0 is sequential ignorability (y = {outcome_text}).",
)
pub.data(sensitivity.curves, "chain_sensitivity_curves")
display(Markdown(chain_text.sensitivity_sentence(sensitivity.table, sensitivity.ci)))
verdict = chapter.chapter_verdict(chain, data_source, sensitivity=sensitivity)
pub.verdict(
    verdict,
    caption="Verdicts of the chain chapter: each link and the indirect effects, two-sided "
    f"percentile city-bootstrap tests of no effect ({draw_text}); the indirect claims carry the "
    "error correlation at which they vanish.",
)
display(Markdown(harness_notes(validation, verdict.names)))

# %% [markdown] id="05-07"
# ## How a shock travels
#
# The paths are contemporaneous; the dynamics come from the persistence of the shocked marker
# (its within AR(1) coefficient per observed period). A one-time unit shock to W keeps moving
# D, R and y while W stays displaced; the cumulative response of y is the level effect on the
# shortfall. Bands are percentiles of the bootstrap draws of the paths and the persistence.

# %% id="05-08"
pub.table(
    chain.persistence,
    "chain_persistence",
    caption=f"Within AR(1) persistence of each chain variable per observed period "
    f"({period_text}); bootstrap SEs ({draw_text}); Nickell-biased downward.",
)
shocks = {}
for shocked in ("weakness", "deviation"):
    shocks[shocked] = shock_propagation(chain, horizon=5, shock=roles.markers[shocked])
    pub.figure(
        chain_figures.shock_figure(
            shocks[shocked],
            language,
            outcome_label=outcome_label,
            period_label=text("years_after" if period_years == 1 else "periods_after", language),
        ),
        f"chain_shock_{shocked}",
        caption=f"Responses to a one-time unit shock to the {shocked} marker over five "
        f"observed periods ({period_text}s), with {chain.ci:.0%} bootstrap bands "
        f"({draw_text}; y = {outcome_text}).",
    )
pub.data(
    pd.concat([table.assign(shock=name) for name, table in shocks.items()], ignore_index=True),
    "mediation_shocks",
)
display(Markdown(" ".join(chain_text.shock_sentence(shocks[s], period_years) for s in shocks)))

# %% [markdown] id="05-09"
# ## The truth of the simulation (simulated data only)
#
# The simulation states the true value of every path for this estimator
# (`docs/simulation.md`, section 5). The estimates above come from the measured components
# only; the table compares them with the truth on this one panel.

# %% id="05-10"
if bundle.truth is not None:
    check = chapter.truth_check(chain.paths, chapter.true_paths(bundle.truth))
    pub.table(
        check,
        "chain_truth_check",
        caption=f"Serial mediation on the measured components of this simulated panel: each "
        f"true path against its estimate and percentile {chain.ci:.0%} interval ({draw_text}); "
        "covered = truth inside the interval.",
    )
    display(Markdown(chain_text.truth_sentence(check, chain.ci)))
else:
    display(
        Markdown(
            f"The truth check needs the simulated panel's stated truth; {bundle.label} has none."
        )
    )
