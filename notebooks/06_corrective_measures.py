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
# budget share, the growth push), then travels through the chain of chapter 05, direct and
# indirect paths included. The chain's outcome is the yearly growth of the shortfall from plan,
# so a lever in force from the baseline year to the cluster's plan horizon adds its effect every
# year (`outcome="shortfall_growth"`).
#
# Three rules keep the scenarios honest:
#
# 1. **Sizes inside the data.** Each lever's size is reported in natural units and in
#    within-city standard deviations of the component it moves, with how often the data show a
#    change as large; the defaults are about one standard deviation.
# 2. **The same horizon on both sides.** A measure's effect by the horizon is compared with the
#    synergy gap *projected to that horizon* without it, never with the last observed gap. The
#    projection carries each city forward under the post-milestone regime
#    (`inertia.models.projection`: the cluster's mean growth and convergence since its
#    milestone, with their shocks).
# 3. **Two inequality yardsticks.** Every scenario is measured on the relative gap E − S
#    (1 − Gini, or the chosen synergy measure) and on the absolute Gini (half the mean absolute
#    difference), and the chapter says where they disagree: a relative Gini falls when every
#    city gains the same amount, an absolute one does not.
#
# **Uncertainty** is whole-pipeline: each draw takes one city resample of the chain's bootstrap
# and re-estimates on it the chain (paths and imitation coefficient; its outcome equation is
# chapter 4's headline model) and the projection, then draws the projection's future shocks;
# the roles need no separate re-estimation, because what of them depends on the sample is
# absorbed by the chain's cluster-by-year effects (`inertia.chapters.corrective_measures`).
#
# `scenarios` (empty: the default measures) lets the user define other measures, e.g.
# `{name: transfer_8, dimension: weakness, size: 8, targets: weakest_third}`.

# %% id="06-01" tags=["parameters"]
# Quoted types are inertia.options' (imported below); the runner replaces the
# values with validated ones from params.yaml.
data_source: "DataSource" = "simulated"
clusters: list[str] = ["jjj", "yrd", "prd"]
synergy_measure: str = "dagum"
seed: int = 20240601
scenario_draws: int = 1000
scenarios: list[dict[str, object]] = []
role_method: "RoleMethod" = "standardised"
language: "Language" = "en"
# Set by the runner; leave as None when working interactively.
output_dir: "SetByRunner" = None
processed_dir: "SetByRunner" = None
run_name: "SetByRunner" = None

# %% id="06-02"
import pandas as pd
from IPython.display import Markdown, display

from inertia.chapters import chain_reaction, role_deviation
from inertia.chapters import corrective_measures as chapter
from inertia.data import sources
from inertia.options import DataSource, Language, RoleMethod, SetByRunner
from inertia.report import chain_text
from inertia.report.outputs import Publisher
from inertia.report.validation_text import harness_notes
from inertia.scenarios import default_measures, measures_from_params
from inertia.viz import chain_figures, style

style.use()
pub = Publisher(output_dir, processed_dir, data_source=data_source, language=language)
bundle = sources.load_panel(processed_dir, expect=data_source).restrict(clusters)
measures = measures_from_params(scenarios, bundle.roster) if scenarios else default_measures()
upstream = sources.read_artefacts(
    processed_dir,
    {
        "role_indices": "04_role_deviation",
        "mediation_paths": "05_chain_reaction",
        "shortfall": "03_inertia_evidence",
        "synergy": "03_inertia_evidence",
        "validation": "02_validation",
    },
    bundle,
)
roles = role_deviation.roles_from_artefact(upstream["role_indices"], role_method)
shortfall, validation = upstream["shortfall"], upstream["validation"]
synergy = upstream["synergy"][upstream["synergy"]["cluster"].isin(clusters)].copy()
synergy["gap"] = synergy["E"] - synergy["S"]
# The counterfactual recomputes S on public-service levels: Gini, Theil or CV. Coupling
# and synergy-degree measures need all domains, so those runs use the Dagum Gini.
scenario_synergy = chapter.scenario_synergy_measure(synergy_measure)
observed_gap = synergy if scenario_synergy == synergy_measure else None
draw_text = f"{scenario_draws} whole-pipeline city-bootstrap draws, seed {seed}"
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
# ## The chain, the levers and their size against the data
#
# The chain is estimated again here, with chapter 05's function, data and seed, so that its
# city resamples can be reused by every other estimated piece; its point estimates are checked
# against chapter 05's. A lever changes its marker in natural units: +x points of fiscal
# self-sufficiency lower the fiscal gap by x/100, +y points of livelihood budget share lower the
# non-livelihood share by y/100, and cost sharing removes the share s of the imitation term
# a₄ (Σ w D − median) of the growth push.

# %% id="06-04"
frame = chain_reaction.study_frame(roles, shortfall, bundle.roster)
chain = chain_reaction.fit_chain(frame, roles, n_boot=scenario_draws, seed=seed)
published = upstream["mediation_paths"].set_index("path")["estimate"]
mismatch = chain.paths.set_index("path")["estimate"].sub(published).abs().max()
if not mismatch < 1e-10:
    raise RuntimeError(
        f"The chain re-estimated here differs from chapter 05's by {mismatch:.3g}: re-run "
        "05_chain_reaction with the same parameters."
    )
levers = chapter.lever_frame(frame, chain)
pipeline = chapter.pipeline_draws(levers, shortfall, chain, seed=seed)
result = chapter.run(
    measures,
    levers,
    shortfall,
    chain,
    bundle.roster,
    synergy_measure=scenario_synergy,
    seed=seed,
    pipeline=pipeline,
)
horizons = ", ".join(f"{c.upper()} {y}" for c, y in result.params["horizons"].items())
display(
    Markdown(
        f"Levers act on the {result.baseline_year} cross-section of "
        f"{result.city['code'].nunique()} cities and stay in force to the plan horizons "
        f"({horizons}); synergy is recomputed with the {scenario_synergy} measure and the "
        f"absolute Gini; {result.params['n_draws']} of {scenario_draws} draws are usable."
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
support = chapter.lever_support(result, levers, measures)
pub.table(
    support,
    "lever_support",
    caption="Each lever against the data: its size in natural units, the mean change of the "
    "component it moves over the targeted cities, that change in within-city standard "
    "deviations and in standard deviations net of city and cluster-by-year effects (the "
    "variation the chain is estimated on), the share of observed city-years deviating from "
    "their city's mean by as much, and the share of targeted cities that stay inside their "
    "own observed range.",
)
display(Markdown(chain_text.support_sentence(support)))

# %% [markdown] id="06-13"
# ## The gap without a measure, projected to the horizon

# %% id="06-14"
pub.table(
    pipeline.projection.parameters,
    "projection_parameters",
    caption="Business-as-usual projection per cluster, estimated on the years since the "
    "milestone: mean growth of the public-service level per year, convergence per year (the "
    "slope of growth on the previous level within cluster-years), residual and common-shock "
    "standard deviations per year, years and city-years in the window.",
)
display(Markdown(chain_text.projection_sentence(
    pipeline.projection.parameters, result.summary, observed_gap
)))

# %% [markdown] id="06-05"
# ## Fan charts of the synergy gap
#
# The change in E − S, and in the absolute Gini, from the year after the baseline to the plan
# horizon, each year on that year's projected cross-section: with a growth outcome the effect
# builds up year by year. Negative = the gap closes.

# %% id="06-06"
fans = {
    "gap_change": ("scenario_fan_gap", "synergy gap E − S"),
    "abs_gini_change": ("scenario_fan_abs", "absolute Gini (PS index units)"),
}
for quantity, (name, what) in fans.items():
    pub.figure(
        chain_figures.fan_chart(
            result.path,
            language,
            quantity=quantity,
            measures=[m.name for m in measures],
            clusters=[c for c in clusters if c in set(result.path["cluster"])],
        ),
        name,
        caption=f"Change of the {what} under each measure, per cluster (each panel on its own "
        "scale), "
        f"from {result.baseline_year} to the plan horizon on the projected cross-sections: "
        f"median and 50/80/95% bands over {draw_text} (y = {outcome_text}; S: "
        f"{scenario_synergy}).",
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
    f"(lower = more of the gap closed): the change, per unit of the lever, and as a share of "
    f"the gap projected to the horizon without the measure (median of the draws); the change of "
    f"the absolute Gini and its share of the projected absolute gap; the shortfall change; each "
    f"with its 95% interval, and the probability of being the best measure ({draw_text}; "
    f"y = {outcome_text}).",
)
pub.data(ranked, "scenario_ranking")
priority = chain_text.priority_table(ranked, result.draws)
pub.table(
    priority,
    "scenario_priority",
    caption=f"The single-lever measure that closes most of the gap in each cluster, with the "
    f"share of draws in which it is the best single lever ({draw_text}).",
)
display(Markdown(chain_text.priority_sentence(priority)))
display(Markdown(chain_text.disagreement_sentence(result.summary)))
verdict = chapter.chapter_verdict(result, data_source)
pub.verdict(
    verdict,
    caption="Verdicts of the corrective-measures chapter: per single-lever measure, the "
    "two-sided test that it changes the mean shortfall of the clusters' cities by their plan "
    f"horizons ({draw_text}).",
)
display(Markdown(harness_notes(validation, verdict.names)))

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
# ## Does the pipeline recover the true effects? (simulated data only)
#
# The simulation states the chain and the roles' effects on the shortfall growth
# (`docs/simulation.md`, section 5), so each measure's true change of the shortfall by the
# horizon follows from the levers as the pipeline applies them: a change of the fiscal gap
# times the true total effect of weakness, a change of the non-livelihood share times the true
# total effect of deviation, the removal of the true imitation of the neighbours' latent
# deviation times the true effect of reinforcement, each year to the horizon. The estimates
# come from the measured components only. The cost-sharing lever is the fragile one: it
# removes a term centred on the cluster median, so its mean effect is close to zero by
# construction, and its truth is defined on the neighbours' latent deviation, which the
# measured marker tracks with noise.

# %% id="06-12"
if bundle.truth is not None:
    truths = chapter.true_effects(result, measures, levers, bundle.truth, bundle.latent)
    check = chapter.truth_check(result, truths)
    pub.table(
        check,
        "scenario_truth_check",
        caption=f"Each measure's true change of the shortfall by the plan horizon (cluster "
        f"'all': the mean over the clusters' cities) against the estimate and its 95% "
        f"whole-pipeline interval from the measured components ({draw_text}).",
    )
    display(Markdown(chain_text.scenario_truth_sentence(check)))
else:
    display(
        Markdown(
            f"The truth check needs the simulated panel's stated truth; {bundle.label} has none."
        )
    )
