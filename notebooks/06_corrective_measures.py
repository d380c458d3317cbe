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

# %% [markdown] id="06-00"
# # 06 · Corrective measures: which correction closes the synergy gap?
#
# Each corrective measure is a lever on one role dimension with a size in natural units
# (`inertia.scenarios`):
#
# * **weakness**: a transfer that raises the fiscal self-sufficiency of the targeted cities;
# * **deviation**: an evaluation reform that moves budget points into livelihood spending;
# * **negative reinforcement**: binding cost sharing that removes (a share of) the
#   neighbour-imitation term of the growth push (the neighbours' deviation above the cluster
#   norm, times its estimated effect on the growth push);
# * a **combination** of them.
#
# Each lever moves its dimension's marker in natural units (the fiscal gap, the non-livelihood
# budget share, the growth push), then travels through the chain estimated in chapter 05 on
# the same markers, direct and indirect paths included. The chain's outcome is the yearly
# growth of the shortfall from plan, so a lever in force from the baseline year to the
# cluster's plan horizon adds its effect every year (`outcome="shortfall_growth"`). The
# counterfactual public-service levels give the cluster's actual synergy S and so the change
# in the synergy gap E − S. Uncertainty comes from coefficient draws from the chain's
# city-bootstrap covariance (the imitation coefficient of the cost-sharing lever is held at
# its estimate).
#
# `scenarios` (empty: the default measures) lets the user define other measures, e.g.
# `{name: transfer_20, dimension: weakness, size: 20, targets: weakest_third}`.

# %% id="06-01" tags=["parameters"]
data_source = "simulated"
clusters = ["jjj", "yrd", "prd"]
synergy_measure = "dagum"
seed = 20240601
scenario_draws = 1000
scenarios = []
language = "en"
# Set by the runner; leave as None when working interactively.
output_dir = None
processed_dir = None
run_name = None

# %% id="06-02"
import numpy as np
import pandas as pd
from IPython.display import Markdown, display

from inertia.chapters import chain_reaction
from inertia.data import sources
from inertia.models.mediation import COEFFICIENT_NAMES
from inertia.report import chain_text
from inertia.report.outputs import Publisher
from inertia.scenarios import default_measures, measures_from_params, run_scenarios
from inertia.viz import chain_figures, style

style.use()
pub = Publisher(output_dir, processed_dir, data_source=data_source, language=language)
bundle = sources.load_panel(processed_dir, expect=data_source).restrict(clusters)
measures = measures_from_params(scenarios, bundle.roster) if scenarios else default_measures()
upstream = sources.read_artefacts(
    processed_dir,
    {
        "mediation_paths": "05_chain_reaction",
        "mediation_boot": "05_chain_reaction",
        "mediation_coefficients": "05_chain_reaction",
        "chain_frame": "05_chain_reaction",
        "shortfall": "03_inertia_evidence",
        "synergy": "03_inertia_evidence",
    },
    bundle,
)
shortfall = upstream["shortfall"]
synergy = upstream["synergy"][upstream["synergy"]["cluster"].isin(clusters)].copy()
synergy["gap"] = synergy["E"] - synergy["S"]
# The counterfactual recomputes S on public-service levels: Gini, Theil or CV. Coupling
# and synergy-degree measures need all domains, so those runs use the Dagum Gini and do
# not divide by an observed gap measured otherwise.
scenario_synergy = synergy_measure if synergy_measure in ("dagum", "theil", "cv") else "dagum"
observed_gap = synergy if scenario_synergy == synergy_measure else None
draw_text = f"{scenario_draws} coefficient draws, seed {seed}"
outcome_text = "the yearly growth of the shortfall from plan"
pub.table(
    pd.DataFrame(
        [
            {"measure": m.name, "dimension": m.dimension, "size": m.size, "unit": m.unit,
             "targets": m.targets if isinstance(m.targets, str) else ", ".join(map(str, m.targets)),
             "parts": ", ".join(part.name for part in m.parts), "description": m.description}
            for m in measures
        ]
    ),
    "measures",
    caption="The corrective measures simulated: lever, size in natural units, targeted cities "
    f"({'user-defined scenarios' if scenarios else 'default measures'}).",
)

# %% [markdown] id="06-03"
# ## The estimated chain and the levers
#
# The chain's coefficients and their city-bootstrap covariance come from chapter 05, estimated
# on the roles' markers. A lever changes its marker in natural units: +x points of fiscal
# self-sufficiency lower the fiscal gap by x/100, +y points of livelihood budget share lower
# the non-livelihood share by y/100, and cost sharing removes the share s of the imitation term
# a₄ (Σ w D − median) of the growth push.

# %% id="06-04"
paths = upstream["mediation_paths"].set_index("path")
boot = upstream["mediation_boot"][list(COEFFICIENT_NAMES)]
coefficients = dict(
    zip(
        COEFFICIENT_NAMES,
        paths.loc[
            ["a1_W_D", "a2_D_R", "a3_W_R", "direct_W_y", "direct_D_y", "direct_R_y"], "estimate"
        ].astype(float),
        strict=True,
    )
)
covariance = np.cov(boot.dropna().to_numpy(), rowvar=False)
equations = upstream["mediation_coefficients"]
imitation = float(
    equations.query("equation == 'm2' and term == @chain_reaction.NEIGHBOUR")["estimate"].iloc[0]
)
levers = upstream["chain_frame"].rename(
    columns={
        "fiscal_gap": "weakness",
        "non_livelihood_share": "deviation",
        "growth_push": "reinforcement",
    }
)
neighbour_norm = levers.groupby(["cluster", "year"])[chain_reaction.NEIGHBOUR].transform("median")
levers["imitation_term"] = imitation * (levers[chain_reaction.NEIGHBOUR] - neighbour_norm)
result = run_scenarios(
    measures,
    levers,
    coefficients,
    shortfall,
    bundle.roster,
    covariance=covariance,
    gap=observed_gap,
    outcome="shortfall_growth",
    synergy_measure=scenario_synergy,
    unit_changes={"weakness": -0.01, "deviation": -0.01, "reinforcement": "imitation_term"},
    log_scale=True,
    n_draws=scenario_draws,
    seed=seed,
)
horizons = ", ".join(f"{c.upper()} {y}" for c, y in result.params["horizons"].items())
display(
    Markdown(
        f"Levers act on the {result.baseline_year} cross-section of "
        f"{result.city['code'].nunique()} cities and stay in force to the plan horizons "
        f"({horizons}); synergy is recomputed with the {scenario_synergy} measure."
        + (f" Cities without complete data in {result.baseline_year} are left out: "
           f"{result.excluded}." if result.excluded else "")
    )
)
pub.table(
    result.city.groupby(["measure", "cluster"], sort=False)[
        ["targeted", "delta_weakness", "delta_deviation", "delta_reinforcement"]
    ].mean().reset_index(),
    "lever_first_round",
    caption=f"First-round change of each role marker per measure and cluster, mean over the "
    f"cluster's cities in {result.baseline_year} (targeted: share of cities the lever reaches).",
)

# %% [markdown] id="06-05"
# ## Fan charts of the synergy gap
#
# The change in E − S from the year after the baseline to the plan horizon: with a growth
# outcome the effect builds up year by year. Negative = the gap closes.

# %% id="06-06"
pub.figure(
    chain_figures.fan_chart(
        result.path,
        language,
        measures=[m.name for m in measures],
        clusters=[c for c in clusters if c in set(result.path["cluster"])],
    ),
    "scenario_fan_gap",
    caption=f"Change of the synergy gap E − S under each measure, per cluster (each panel "
    f"on its own scale), from "
    f"{result.baseline_year} to the plan horizon: median and 50/80/95% bands over "
    f"{draw_text} (y = {outcome_text}; S: {scenario_synergy}).",
)
pub.data(result.path, "scenario_paths")

# %% [markdown] id="06-07"
# ## Ranking of the measures per cluster

# %% id="06-08"
ranked = chain_text.ranking_table(result.summary, result.ranking)
pub.table(
    ranked,
    "scenario_ranking",
    caption=f"Measures ranked per cluster by the change of E − S by the plan horizon "
    f"(lower = more of the gap closed): effect, effect per unit of the lever, share of the "
    f"{result.baseline_year} gap closed and shortfall change, each with its 95% interval, and "
    f"the probability of being the best measure ({draw_text}; y = {outcome_text}).",
)
pub.data(ranked, "scenario_ranking")
priority = chain_text.priority_table(ranked, result.draws)
pub.table(
    priority,
    "scenario_priority",
    caption=f"The single-lever measure that closes most of the gap in each cluster, with the "
    f"share of coefficient draws in which it is the best single lever ({draw_text}).",
)
display(Markdown(chain_text.priority_sentence(priority, result.baseline_year)))

# %% [markdown] id="06-09"
# ## Which cities gain most

# %% id="06-10"
# The map shows the package when there is one, else the measure closing most of the gap.
packages = [m.name for m in measures if m.dimension == "combination"]
mapped = packages[0] if packages else str(ranked.sort_values("gap_change")["measure"].iloc[0])
gains = result.city[result.city["measure"] == mapped].set_index("code")["ps_change"]
pub.data(result.city, "scenario_city")
pub.figure(
    chain_figures.gains_map(gains, language, roster=bundle.roster),
    "scenario_gains_map",
    caption=f"Public-service gain (PS index points) by the plan horizon under {mapped}, "
    f"by city: mean over {draw_text} (y = {outcome_text}).",
)
names = bundle.roster["name_en"] if "name_en" in bundle.roster.columns else pd.Series(dtype=str)
display(Markdown(chain_text.top_gains_sentence(gains, names.to_dict(), mapped)))

# %% [markdown] id="06-11"
# ## Does the propagation recover a true effect? (simulated data only)
#
# A transfer that raises every city's fiscal self-sufficiency by 10 points lowers the fiscal
# gap, the weakness marker, by 0.10. Its true effect on the shortfall by the horizon follows from
# the simulation's stated chain (`docs/simulation.md`, section 5): the total effect of weakness on
# the shortfall growth times −0.10 times the years to the horizon. The check propagates the
# transfer through the chain this chapter uses, the one estimated from the measured components.

# %% id="06-12"
if bundle.truth is not None:
    check_measure = measures_from_params(
        [{"name": "transfer_all_10", "dimension": "weakness", "size": 10.0}], bundle.roster
    )
    check = run_scenarios(
        check_measure,
        levers,
        coefficients,
        shortfall,
        bundle.roster,
        covariance=covariance,
        outcome="shortfall_growth",
        synergy_measure=None,
        unit_changes={"weakness": -0.01},
        n_draws=scenario_draws,
        seed=seed,
    )
    true_total = chain_reaction.true_paths(bundle.truth)["total_W"]
    lever = -check_measure[0].size / 100.0
    true_change = {
        row.cluster: true_total * lever * row.years for row in check.summary.itertuples()
    }
    truth_table = chain_text.scenario_truth_table(check.summary, true_change)
    pub.table(
        truth_table,
        "scenario_truth_check",
        caption=f"A +10-point fiscal self-sufficiency transfer to every city, propagated through "
        f"the chain estimated on the measured components: the true change of the shortfall by "
        f"the horizon against its 95% interval ({draw_text}).",
    )
    display(Markdown(chain_text.scenario_truth_sentence(truth_table)))
else:
    display(
        Markdown(
            f"The truth check needs the simulated panel's stated truth; {bundle.label} has none."
        )
    )
