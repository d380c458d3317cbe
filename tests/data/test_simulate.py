"""Tests for the simulated replication panel (inertia.data.simulate).

Oracles: the documented structural equations themselves (docs/simulation.md).
With an equation's own noise set to zero, a two-way fixed-effects regression of
its latent child on its latent parents (linearmodels PanelOLS) gives the true
coefficients exactly (1e-8): the simulation implements what it documents.
These are checks of the simulation, not of the estimators: the estimators are
checked on the *measured* data by the validation harness (tests/test_validation.py).
The measurement model is checked by identities (the marker equals its latent
dimension without noise; the default index's log equals the latent level up
to a common shift per year); the missing share is set exactly.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
import pytest
import yaml

from inertia.data import reference
from inertia.data.schema import validate_panel
from inertia.data.simulate import (
    SimulationParams,
    simulate_panel,
    simulation_params,
    write_simulated,
)
from inertia.errors import ParameterError

BEIJING, SHANGHAI, GUANGZHOU, SHENZHEN = 110000, 310000, 440100, 440300
LAGGARDS = [130700, 130800, 341200, 341600, 341300, 340600]  # N Hebei, N Anhui
VARIABLES = list(reference.variables().index)
ROLES = ["true_weakness", "true_deviation", "true_reinforcement"]


@pytest.fixture(scope="module")
def sim():
    return simulate_panel()


def twfe(latent: pd.DataFrame, outcome: str, regressors: list[str]):
    from linearmodels import PanelOLS

    frame = latent.set_index(["code", "year"])
    model = PanelOLS(frame[outcome], frame[regressors], entity_effects=True, time_effects=True)
    return model.fit(cov_type="clustered", cluster_entity=True)


def test_shape_and_schema(sim) -> None:
    panel = sim.panel
    assert list(panel.columns) == ["code", "year", *VARIABLES]
    national = reference.prefectures()
    existing = national.index[national["last_year"].isna()]
    assert len(panel) == len(existing) * 18 == 297 * 18
    assert sorted(panel["year"].unique()) == list(range(2005, 2023))
    assert set(panel["code"]) == set(existing)
    assert set(reference.cities().index) <= set(panel["code"])
    assert sim.roster["cluster"].isna().sum() == 297 - 63
    validated = validate_panel(panel, source="test")
    pd.testing.assert_frame_equal(validated, panel)
    assert sim.truth["clipped"] == {"role_values": 0, "panel_cells": 0}
    assert len(sim.latent) == len(panel)
    assert (sim.latent[["code", "year"]].to_numpy() == panel[["code", "year"]].to_numpy()).all()


def test_same_seed_same_frames_other_seed_differs(sim) -> None:
    again = simulate_panel()
    pd.testing.assert_frame_equal(again.panel, sim.panel)
    pd.testing.assert_frame_equal(again.latent, sim.latent)
    assert again.truth == sim.truth
    other = simulate_panel(seed=1)
    assert not other.panel[VARIABLES].equals(sim.panel[VARIABLES])
    assert not np.allclose(other.latent["true_weakness"], sim.latent["true_weakness"])


def test_yearbook_like_gaps(sim) -> None:
    panel = sim.panel
    cells = panel[VARIABLES].isna()
    share = float(cells.to_numpy().mean())
    assert 0.03 <= share <= 0.06
    assert share == pytest.approx(sim.truth["missing"]["target_share"], abs=1 / cells.size)
    assert share == pytest.approx(sim.truth["missing"]["realised_share"])
    # Blocks: resident population only from 2009, science spending from 2007,
    # at least one city absent for a whole year.
    assert cells.loc[panel["year"] < 2009, "pop_resident"].all()
    assert cells.loc[panel["year"] < 2007, "science_spending"].all()
    assert cells.all(axis=1).any()
    # Beyond the blocks the gaps are scattered over every variable.
    assert cells.loc[panel["year"] >= 2009].any().all()


def test_magnitudes_are_realistic(sim) -> None:
    panel = sim.panel.set_index(["code", "year"])
    gdp = panel["gdp"].unstack("year")
    assert 6000 < gdp.loc[BEIJING, 2005] < 8000
    assert 20000 < gdp.loc[BEIJING, 2022] < 50000
    assert gdp.loc[130800, 2005] < 1000  # Chengde: a few hundred 亿元
    per_person = (panel["gdp"] / panel["pop_registered"]).unstack("year")
    assert ((per_person.loc[BEIJING] - per_person.loc[130800]).dropna() > 0).all()
    population = panel["pop_registered"].dropna()
    assert population.between(15, 3500).all()  # Karamay ... Chongqing
    beds = (panel["hospital_beds"] / panel["pop_registered"]).dropna()
    assert beds.between(10, 150).all()
    assert 25 < beds.median() < 80
    # The big four are far ahead of northern Hebei and northern Anhui.
    level = sim.latent.set_index(["code", "year"])["ps_level"].unstack("year")
    leaders = level.loc[[BEIJING, SHANGHAI, GUANGZHOU, SHENZHEN]]
    # Every year, the weakest of the big four is ahead of the best laggard ...
    assert (leaders.min() > level.loc[LAGGARDS].max()).all()
    # ... and the big four are in the top quarter of the cluster cities on average.
    study = level.loc[reference.cities().index]
    assert (study.rank(ascending=False).loc[leaders.index].mean() <= 16).all()
    # The cities outside the clusters are poorer and fiscally weaker on average.
    outside = sim.roster.index[sim.roster["cluster"].isna()]
    per_person_2005 = per_person[2005]
    assert per_person_2005.loc[outside].median() < per_person_2005.loc[study.index].median()
    self_sufficiency = (panel["budget_revenue"] / panel["budget_expenditure"]).unstack("year")
    assert self_sufficiency.loc[[BEIJING, SHANGHAI, SHENZHEN]].min().min() > 0.6
    assert self_sufficiency.loc[LAGGARDS].max().max() < 0.6


def test_markers_measure_their_dimensions(sim) -> None:
    panel = sim.panel.set_index(["code", "year"])
    latent = sim.latent.set_index(["code", "year"])
    weakness = 1 - panel["budget_revenue"] / panel["budget_expenditure"]
    both = pd.concat([weakness, latent["true_weakness"]], axis=1).dropna()
    # 1 - self-sufficiency = W up to the 2.5% multiplicative fiscal noise (and rounding).
    assert (both.iloc[:, 0] - both.iloc[:, 1]).abs().max() < 0.1
    livelihood = panel["education_spending"] / panel["budget_expenditure"]
    assert livelihood.dropna().between(0.02, 0.40).all()  # the poorest western cities: ~3%
    assert livelihood.dropna().quantile(0.01) > 0.05
    assert 0.15 < livelihood.median() < 0.30
    assert livelihood.corr(latent["true_deviation"]) < -0.9
    tilt = np.log(panel["science_spending"] / panel["budget_expenditure"])
    assert tilt.dropna().between(np.log(0.002), np.log(0.15)).all()
    credit = (panel["loans"] / (panel["gdp"] * 1e4)).dropna()
    assert credit.between(0.3, 6.0).all()
    for role in ("true_weakness", "true_deviation"):
        assert latent[role].between(0, 1).all()
    # The growth push is centred on the cluster cities: lock-in is measured against the
    # cluster norm (outside the clusters the neighbours' deviation is higher, -0.001 vs 0.037
    # on the default seed, and no chapter measures R there).
    clusters = sim.roster.index[sim.roster["cluster"].notna()]
    in_clusters = latent.index.get_level_values("code").isin(clusters)
    assert abs(latent.loc[in_clusters, "true_reinforcement"].mean()) < 0.02


def test_noiseless_markers_equal_their_latent_dimensions() -> None:
    quiet = replace(
        SimulationParams(), fiscal_noise_sd=0.0, livelihood_noise_sd=0.0, missing_share=0.0
    )
    sim = simulate_panel(params=quiet)
    panel = sim.panel.set_index(["code", "year"])
    latent = sim.latent.set_index(["code", "year"]).reindex(panel.index)
    weakness = 1 - panel["budget_revenue"] / panel["budget_expenditure"]
    deviation = 1 - panel["education_spending"] / panel["budget_expenditure"]
    # Rounding to whole 万元 is the only difference left (relative 1e-5 or less).
    ok = weakness.notna()
    np.testing.assert_allclose(weakness[ok], latent.loc[ok, "true_weakness"], atol=2e-4)
    ok = deviation.notna()
    np.testing.assert_allclose(deviation[ok], latent.loc[ok, "true_deviation"], atol=2e-4)


def test_log_index_is_the_latent_level_up_to_a_shift_per_year() -> None:
    from inertia.measures.public_service import geometric_weights, indicator_table

    quiet = replace(SimulationParams(), observation_noise_sd=0.0, missing_share=0.0)
    sim = simulate_panel(params=quiet)
    table = indicator_table(sim.panel).set_index(["code", "year"])
    weights = geometric_weights()
    log_index = (np.log(table[list(weights.index)]) * weights).sum(axis=1, min_count=10)
    latent = sim.latent.set_index(["code", "year"])["ps_level"]
    difference = (log_index - latent.reindex(log_index.index)).dropna()
    # Common across cities within each year (trends, base levels); rounding of the
    # counts to whole units leaves about 1e-4.
    within_year = difference - difference.groupby(level="year").transform("mean")
    assert within_year.abs().max() < 2e-3


def test_true_score_weights_are_the_default_index_weights() -> None:
    from inertia.data.simulate import TRUE_SCORE_WEIGHTS
    from inertia.measures.public_service import INDICATORS, geometric_weights

    by_variable = {var: name for name, (_, var, _, _) in INDICATORS.items()}
    weights = geometric_weights()
    for variable, weight in TRUE_SCORE_WEIGHTS.items():
        assert weight == pytest.approx(weights[by_variable[variable]], abs=1e-15), variable
    assert sum(TRUE_SCORE_WEIGHTS.values()) == pytest.approx(1.0, abs=1e-15)


def test_truth_states_every_estimand(sim) -> None:
    truth = sim.truth
    assert truth["seed"] == 20240601 and truth["scale"] == "default"
    estimands = truth["estimands"]
    shares = estimands["inertia"]["delivered_share"]
    assert {k: shares[k] for k in reference.CLUSTERS} == {"jjj": 0.25, "yrd": 0.30, "prd": 0.35}
    # The pooled share is a weighted mean of the clusters' shares.
    assert min(shares[c] for c in reference.CLUSTERS) < shares["pooled"] < 0.35
    roles = estimands["roles"]["effect_on_shortfall_growth"]
    assert roles == {"weakness": 0.08, "deviation": 0.15, "reinforcement": 0.15}
    chain = estimands["chain"]
    assert chain["weakness_to_deviation"] == 0.30
    assert chain["indirect"]["weakness_deviation_reinforcement_shortfall"] == pytest.approx(
        0.30 * 0.30 * 0.15, abs=1e-15
    )
    targets = reference.plan_targets()
    for cluster in reference.CLUSTERS:
        milestone = truth["milestones"][cluster]
        # The milestone makes up what the other dynamics do not deliver.
        assert milestone["milestone_effect"] == pytest.approx(
            milestone["plan_delivery"] - milestone["natural_share"], abs=1e-12
        )
        assert milestone["horizon"] == targets.loc[cluster, "horizon_year"]
        rate = (1 - targets.loc[cluster, "residual_gap_share"]) / (
            milestone["horizon"] - milestone["year"]
        )
        assert milestone["planned_yearly_closure"] == pytest.approx(rate, abs=1e-15)
    for name, item in truth["measurement"].items():
        assert 0 < item["reliability_within"] <= 1, name
        if item["role"] == "marker":
            assert item["reliability_within"] > 0.6, name


def test_switches_change_the_truth() -> None:
    delivered = simulate_panel(params=simulation_params(plan_delivery=1.0))
    shares = delivered.truth["estimands"]["inertia"]["delivered_share"]
    assert shares == {"jjj": 1.0, "yrd": 1.0, "prd": 1.0, "pooled": pytest.approx(1.0)}
    zero = simulate_panel(params=simulation_params(role_effects="zero", chain="zero"))
    assert set(zero.truth["estimands"]["roles"]["effect_on_shortfall_growth"].values()) == {0.0}
    assert zero.truth["estimands"]["chain"]["weakness_to_deviation"] == 0.0
    custom = simulation_params(role_effects={"weakness": 0.02}, plan_delivery={"prd": 0.9})
    assert custom.effect_weakness == -0.02 and custom.effect_deviation == -0.15
    assert custom.plan_delivery == {"jjj": 0.25, "yrd": 0.30, "prd": 0.9}


@pytest.mark.parametrize(
    "switches",
    [
        {"plan_delivery": -0.1},
        {"plan_delivery": {"xyz": 1.0}},
        {"role_effects": "none"},
        {"role_effects": {"capacity": 0.1}},
        {"chain": "off"},
    ],
)
def test_bad_switches_are_refused(switches) -> None:
    with pytest.raises(ParameterError):
        simulation_params(**switches)


def test_noiseless_outcome_is_recovered_exactly() -> None:
    noiseless = simulate_panel(params=replace(SimulationParams(), outcome_noise_sd=0.0))
    latent = noiseless.latent.copy()
    # The year effects are one path per assignment group (each cluster, the rest of China).
    latent["ps_growth"] = latent["ps_growth"] - latent["year_effect"]
    for cluster in reference.CLUSTERS:
        latent[f"exposure_{cluster}"] = latent["milestone_exposure"] * (
            latent["cluster"] == cluster
        )
    effects = noiseless.truth["outcome"]["effects"]
    milestone = {
        f"exposure_{c}": noiseless.truth["milestones"][c]["milestone_effect"]
        for c in reference.CLUSTERS
    }
    fit = twfe(latent, "ps_growth", [*effects, *milestone])
    for name, true in {**effects, **milestone}.items():
        assert fit.params[name] == pytest.approx(true, abs=1e-8), name


def test_noiseless_chain_is_recovered_exactly() -> None:
    base = SimulationParams()
    d_exact = simulate_panel(params=replace(base, deviation_innovation_sd=0.0))
    fit = twfe(d_exact.latent, "true_deviation", ["true_weakness"])
    assert fit.params["true_weakness"] == pytest.approx(base.weakness_to_deviation, abs=1e-8)
    r_exact = simulate_panel(params=replace(base, reinforcement_innovation_sd=0.0))
    parents = ["true_deviation", "true_weakness", "neighbour_deviation"]
    fit = twfe(r_exact.latent, "true_reinforcement", parents)
    expected = [
        base.deviation_to_reinforcement,
        base.weakness_to_reinforcement,
        base.neighbour_deviation_to_reinforcement,
    ]
    np.testing.assert_allclose(fit.params[parents].to_numpy(), expected, atol=1e-8)


def test_neighbour_deviation_uses_real_contiguity(sim) -> None:
    from inertia.data.geometry import contiguity_neighbours

    neighbours = contiguity_neighbours(sim.roster.index.tolist())
    assert sim.neighbours == neighbours
    # The national roster links the cluster cities to their neighbours outside.
    assert any(n not in reference.cities().index for n in neighbours[130700])
    latent = sim.latent[sim.latent["year"] == 2015].set_index("code")
    expected = latent.loc[neighbours[BEIJING], "true_deviation"].mean()
    assert latent.loc[BEIJING, "neighbour_deviation"] == pytest.approx(expected, abs=1e-12)


def test_write_is_atomic_and_byte_identical(sim, tmp_path) -> None:
    first = write_simulated(sim, tmp_path / "a")
    second = write_simulated(simulate_panel(), tmp_path / "b")
    for key in ("panel", "latent", "truth"):
        assert first[key].read_bytes() == second[key].read_bytes(), key
    # Rewriting in place leaves no temporary files behind.
    write_simulated(sim, tmp_path / "a")
    assert sorted(p.name for p in (tmp_path / "a").iterdir()) == [
        "latent.parquet",
        "panel.parquet",
        "truth.yaml",
    ]
    pd.testing.assert_frame_equal(pd.read_parquet(first["panel"]), sim.panel)
    assert yaml.safe_load(first["truth"].read_text(encoding="utf-8")) == sim.truth


def test_later_start_keeps_the_anchor_path(sim) -> None:
    short = simulate_panel(years=(2010, 2020))
    assert sorted(short.panel["year"].unique()) == list(range(2010, 2021))
    full = sim.latent.set_index(["code", "year"])["true_weakness"]
    part = short.latent.set_index(["code", "year"])["true_weakness"]
    pd.testing.assert_series_equal(full.loc[part.index], part)


@pytest.mark.parametrize(("scale", "units"), [("national", 290), ("county", 2800)])
def test_synthetic_scales(scale: str, units: int) -> None:
    synthetic = simulate_panel(scale=scale)
    roster = synthetic.roster
    assert len(roster) == units
    assert {"cluster", "x_km", "y_km"} <= set(roster.columns)
    assert set(roster["cluster"]) == set(reference.CLUSTERS)
    assert len(synthetic.panel) == units * 18
    validate_panel(synthetic.panel, source="test")
    assert 0.03 <= synthetic.panel[VARIABLES].isna().to_numpy().mean() <= 0.06
    assert all(len(links) == 6 for links in synthetic.neighbours.values())


def test_cluster_scale_is_the_63_city_draw() -> None:
    clusters = simulate_panel(scale="clusters")
    assert set(clusters.panel["code"]) == set(reference.cities().index)
    assert clusters.truth["estimands"]["milestone_att"]["never_treated"] == 0


def test_milestone_effects_are_heterogeneous_and_written_beside_the_data(sim) -> None:
    att = sim.truth["estimands"]["milestone_att"]
    latent = sim.latent
    # Zero up to the milestone year, then growing with event time, different by cluster.
    for cluster, plan in sim.truth["milestones"].items():
        by_time = att["by_cluster"][cluster]
        assert all(by_time[e] == 0.0 for e in by_time if e <= 0)
        assert by_time[1] > 0 and by_time[3] > by_time[2] > by_time[1]
        members = latent[(latent["cluster"] == cluster) & (latent["year"] == plan["year"] + 2)]
        assert by_time[2] == pytest.approx(members["milestone_effect"].mean(), abs=1e-12)
        # The effect is the milestone effect times the planned closure so far.
        planned = members["milestone_gap"] * plan["planned_yearly_closure"] * 2
        np.testing.assert_allclose(
            members["milestone_effect"], plan["milestone_effect"] * planned, atol=1e-12
        )
    per_cluster = {c: att["by_cluster"][c][3] for c in reference.CLUSTERS}
    assert len({round(v, 6) for v in per_cluster.values()}) == 3
    assert (latent.loc[latent["cluster"].eq(""), "milestone_effect"] == 0).all()
    # Pooled: cohort-size weights among the clusters observed at the event time.
    sizes = att["cohort_sizes"]
    expected = sum(sizes[c] * per_cluster[c] for c in per_cluster) / sum(sizes.values())
    assert att["pooled"][3] == pytest.approx(expected, abs=1e-12)
    assert att["post_mean"] == pytest.approx(np.mean([att["pooled"][e] for e in range(6)]))
    assert att["never_treated"] == 297 - 63


def test_no_milestone_effects_switch() -> None:
    none = simulate_panel(params=simulation_params(milestones="none"))
    assert none.truth["estimands"]["milestone_att"]["post_mean"] == 0.0
    assert (none.latent["milestone_effect"] == 0).all()
    for milestone in none.truth["milestones"].values():
        assert milestone["plan_delivery"] == pytest.approx(milestone["natural_share"])
    with pytest.raises(ParameterError, match="milestones"):
        simulation_params(milestones="off")


def test_synthetic_neighbours_match_libpysal_knn() -> None:
    from inertia.data.geometry import synthetic_weights

    synthetic = simulate_panel(scale="national")
    oracle = synthetic_weights(synthetic.roster, k=6)
    for code, links in synthetic.neighbours.items():
        assert sorted(oracle.neighbors[code]) == links


@pytest.mark.parametrize(
    "kwargs",
    [{"scale": "province"}, {"years": (2000, 2022)}, {"years": (2022, 2010)}, {"seed": -1}],
)
def test_bad_arguments_raise_parameter_error(kwargs) -> None:
    with pytest.raises(ParameterError):
        simulate_panel(**kwargs)
