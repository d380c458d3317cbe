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
# # 05 · The chain reaction: weakness → deviation → reinforcement → public services
#
# Chapter 4 estimated the separate effects of the three role dimensions. This chapter asks
# whether they form a **chain**: a weak city (W) deviates from its livelihood role (D), the
# deviation locks in through persistence and imitation (R), and each link holds public
# services back. The model is a serial mediation (Hayes' PROCESS model 6) on two-way
# within-transformed data (`inertia.models.mediation.serial_mediation`):
#
# $$\ddot D = a_1 \ddot W + \dots,\qquad \ddot R = a_2 \ddot D + a_3 \ddot W + \dots,
# \qquad \ddot y = b_1 \ddot W + b_2 \ddot D + b_3 \ddot R + \dots$$
#
# with the indirect paths $a_1 b_2$, $a_3 b_3$, $a_1 a_2 b_3$ and intervals from a bootstrap
# that resamples whole cities.
#
# **Outcome.** y is the **growth of the public-service index** (PS index points per year,
# between consecutive observed years), not the shortfall from the planned path. The shortfall
# exists only after each cluster's milestone and is a *level*, while the roles act on how fast
# a city's services grow; a regression of a level on contemporaneous roles with city effects
# is poorly identified. The same choice is used in chapter 06 (`outcome="growth"`), where a
# lever in force to the plan horizon adds its growth effect year after year.
#
# **Controls per equation.** The reinforcement equation controls for the neighbours'
# deviation and the city's own deviation in the previous observed year (the other parents of
# R; without them $a_2$ absorbs them); the outcome equation controls for log GDP and, when
# the clusters' milestones differ in timing, the post-milestone indicator.

# %% id="05-01" tags=["parameters"]
data_source = "simulated"
clusters = ["jjj", "yrd", "prd"]
seed = 20240601
bootstrap_draws = 1000
language = "en"
# Set by the runner; leave as None when working interactively.
output_dir = None
processed_dir = None
run_name = None

# %% id="05-02"
import numpy as np
import pandas as pd
from IPython.display import Markdown, display

from inertia.data import sources
from inertia.models.mediation import COEFFICIENT_NAMES, serial_mediation, shock_propagation
from inertia.report import chain_text
from inertia.report.outputs import Publisher
from inertia.viz import chain_figures, style
from inertia.viz.labels import text

style.use()
pub = Publisher(output_dir, processed_dir, data_source=data_source, language=language)
bundle = sources.load_panel(processed_dir, expect=data_source).restrict(clusters)
upstream = sources.read_artefacts(
    processed_dir,
    {"role_indices": "04_role_deviation", "shortfall": "03_inertia_evidence"},
    bundle,
)
codes = set(int(code) for code in bundle.roster.index)
roles, shortfall = upstream["role_indices"], upstream["shortfall"]
years = bundle.years
wave_of = {year: wave for wave, year in enumerate(years)}
period_years = int(np.median(np.diff(years))) if len(years) > 1 else 1
period_text = "year" if period_years == 1 else f"{period_years}-year period"
outcome_text = "public-service growth (PS index points per year)"
outcome_label = text("ps_growth_short", language)
draw_text = f"{bootstrap_draws} city-bootstrap draws, seed {seed}"

# %% [markdown] id="05-03"
# ## Estimation frame
#
# Growth is the change of the PS index between consecutive observed years divided by the
# number of years between them; the lagged deviation is the previous observed year's. The
# mediation's time index is the observed period, so on yearbook data observed every third
# year the persistence of the shock view below is per three-year period.

# %% id="05-04"
frame = (
    roles[["code", "year", "cluster", "weakness", "deviation", "reinforcement",
           "neighbour_deviation"]]
    .merge(shortfall[["code", "year", "ps", "post"]], on=["code", "year"], how="left")
    .merge(bundle.panel[["code", "year", "gdp"]], on=["code", "year"], how="left")
    .sort_values(["code", "year"], ignore_index=True)
)
frame["wave"] = frame["year"].map(wave_of)
by_city = frame.groupby("code")
frame["ps_growth"] = by_city["ps"].diff() / by_city["year"].diff()
frame["lagged_deviation"] = by_city["deviation"].shift()
frame["log_gdp"] = np.log(frame["gdp"].where(frame["gdp"] > 0))
frame["post"] = frame["post"].astype(float)
post_varies = bool(frame.dropna(subset=["post"]).groupby("year")["post"].nunique().max() > 1)
controls = {
    "m2": ["neighbour_deviation", "lagged_deviation"],
    "y": ["log_gdp", *(["post"] if post_varies else [])],
}
chain = serial_mediation(
    frame,
    "weakness",
    "deviation",
    "reinforcement",
    "ps_growth",
    controls,
    time="wave",
    n_boot=bootstrap_draws,
    seed=seed,
)
display(
    Markdown(
        chain_text.sample_sentence(
            chain.n, chain.n_entities, chain.n_periods, chain.n_boot, chain.n_failed, seed,
            outcome_text,
        )
    )
)

# %% [markdown] id="05-05"
# ## Direct and indirect paths

# %% id="05-06"
paths = chain.paths.drop(columns="ci")
pub.table(
    paths,
    "chain_paths",
    caption=f"Serial mediation W → D → R → y with city and year effects (y = {outcome_text}): "
    f"every direct and indirect path with bootstrap SE, percentile and bias-corrected (BC) "
    f"{chain.ci:.0%} intervals ({draw_text}).",
)
pub.table(
    chain.coefficients,
    "chain_equations",
    caption=f"The three equations of the chain, with the per-equation controls; SEs from "
    f"the city bootstrap ({draw_text}; NaN for controls, whose draws are not kept).",
)
pub.data(chain.paths, "mediation_paths")
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

# %% [markdown] id="05-07"
# ## How a shock travels
#
# The paths are contemporaneous; the dynamics come from the persistence of the shocked index
# (its within AR(1) coefficient per observed period). A one-time unit shock to W keeps moving
# D, R and y while W stays displaced; the cumulative response of y is the level effect on the
# PS index. Bands are percentiles of the bootstrap draws of the paths and the persistence.

# %% id="05-08"
pub.table(
    chain.persistence,
    "chain_persistence",
    caption=f"Within AR(1) persistence of each chain variable per observed period "
    f"({period_text}); bootstrap SEs ({draw_text}); Nickell-biased downward.",
)
shocks = {}
for shocked in ("weakness", "deviation"):
    shocks[shocked] = shock_propagation(chain, horizon=5, shock=shocked)
    pub.figure(
        chain_figures.shock_figure(
            shocks[shocked], language, outcome_label=outcome_label,
            period_label=text(
                "years_after" if period_years == 1 else "periods_after", language
            ),
        ),
        f"chain_shock_{shocked}",
        caption=f"Responses to a one-time unit shock to the {shocked} index over five "
        f"observed periods ({period_text}s), with {chain.ci:.0%} bootstrap bands "
        f"({draw_text}; y = {outcome_text}).",
    )
pub.data(
    pd.concat([table.assign(shock=name) for name, table in shocks.items()], ignore_index=True),
    "mediation_shocks",
)
display(Markdown(" ".join(chain_text.shock_sentence(shocks[s], period_years) for s in shocks)))

# %% [markdown] id="05-09"
# ## Does it recover the truth? (simulated data only)
#
# The simulated panel's chain acts on the *latent* roles and latent public-service growth,
# with known coefficients (`inertia.data.simulate`). Fitting the same estimator to the latent
# variables, with the true equations' other terms as controls (neighbours' and lagged
# deviation in the R equation; milestone exposures and council membership in the y
# equation), shows whether the estimator and its bootstrap intervals recover them.

# %% id="05-10"
if bundle.truth is not None and bundle.latent is not None:
    latent = bundle.latent
    latent_controls = {
        "m2": ["neighbour_deviation", "lagged_deviation"],
        # A cluster left out by `clusters` leaves its milestone exposure constant at zero.
        "y": [
            column
            for column in ["milestone_exposure_jjj", "milestone_exposure_yrd",
                           "milestone_exposure_prd", "council_member"]
            if latent[column].std() > 0
        ],
    }
    latent_chain = serial_mediation(
        latent,
        "true_weakness",
        "true_deviation",
        "true_reinforcement",
        "ps_growth",
        latent_controls,
        n_boot=bootstrap_draws,
        seed=seed,
    )
    recovery = chain_text.recovery_table(latent_chain.paths, chain_text.true_paths(bundle.truth))
    pub.table(
        recovery,
        "chain_recovery",
        caption=f"Serial mediation on the latent variables of the simulation: each true path "
        f"against its estimate, percentile and BC {latent_chain.ci:.0%} intervals "
        f"({draw_text}); covered = truth inside the interval.",
    )
    pub.data(latent_chain.paths, "mediation_latent_paths")
    display(Markdown(chain_text.recovery_sentence(recovery, latent_chain.ci)))
else:
    display(
        Markdown(
            f"The truth check needs the simulated panel's latent variables; {bundle.label} "
            "has none."
        )
    )
