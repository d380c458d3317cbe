"""Tests for the simulated replication panel (inertia.data.simulate).

Oracles: the structural truth itself. Two-way fixed effects (linearmodels
PanelOLS) must recover each true coefficient within its 95% interval at the
default seed, and exactly (1e-8) when the equation's own noise is set to zero;
the measured indices must track the latent ones by construction (identities up
to the stated noise); the missing share is set exactly.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
import pytest
import yaml

from inertia.data import reference
from inertia.data.schema import validate_panel
from inertia.data.simulate import SimulationParams, simulate_panel, write_simulated
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
    assert len(panel) == 63 * 18
    assert sorted(panel["year"].unique()) == list(range(2005, 2023))
    assert set(panel["code"]) == set(reference.cities().index)
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
    # loans share GDP's gaps; the drawn gaps are those of the other variables.
    assert (panel["loans"].isna() == panel["gdp"].isna()).all()
    cells = panel[[v for v in VARIABLES if v != "loans"]].isna()
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
    assert 30000 < gdp.loc[BEIJING, 2022] < 50000
    assert gdp.loc[130800, 2005] < 1000  # Chengde: a few hundred 亿元
    per_person = (panel["gdp"] / panel["pop_registered"]).unstack("year")
    assert ((per_person.loc[BEIJING] - per_person.loc[130800]).dropna() > 0).all()
    population = panel["pop_registered"].dropna()
    assert population.between(50, 2500).all()
    beds = (panel["hospital_beds"] / panel["pop_registered"]).dropna()
    assert beds.between(10, 150).all()
    assert 25 < beds.median() < 80
    # The big four are far ahead of northern Hebei and northern Anhui.
    level = sim.latent.set_index(["code", "year"])["ps_level"].unstack("year")
    leaders = level.loc[[BEIJING, SHANGHAI, GUANGZHOU, SHENZHEN]]
    # Every year, the weakest of the big four is ahead of the best laggard ...
    assert (leaders.min() > level.loc[LAGGARDS].max()).all()
    # ... and the big four are in the top quarter on average.
    assert (level.rank(ascending=False).loc[leaders.index].mean() <= 16).all()
    self_sufficiency = (panel["budget_revenue"] / panel["budget_expenditure"]).unstack("year")
    assert self_sufficiency.loc[[BEIJING, SHANGHAI, SHENZHEN]].min().min() > 0.6
    assert self_sufficiency.loc[LAGGARDS].max().max() < 0.6


def test_measured_indices_track_the_latent_roles(sim) -> None:
    panel = sim.panel.set_index(["code", "year"])
    latent = sim.latent.set_index(["code", "year"])
    weakness = 1 - panel["budget_revenue"] / panel["budget_expenditure"]
    both = pd.concat([weakness, latent["true_weakness"]], axis=1).dropna()
    # 1 - self-sufficiency = W up to the 1% multiplicative fiscal noise (and rounding).
    assert (both.iloc[:, 0] - both.iloc[:, 1]).abs().max() < 0.05
    livelihood = panel["education_spending"] / panel["budget_expenditure"]
    assert livelihood.dropna().between(0.08, 0.30).all()
    assert livelihood.corr(latent["true_deviation"]) < -0.9
    tilt = np.log(panel["science_spending"] / panel["budget_expenditure"])
    assert tilt.dropna().between(np.log(0.002), np.log(0.15)).all()
    for role in ROLES:
        assert latent[role].between(0, 1).all()


def test_truth_has_what_the_tests_use(sim) -> None:
    truth = sim.truth
    assert truth["seed"] == 20240601 and truth["scale"] == "default"
    assert set(truth["outcome"]["effects"]) <= set(sim.latent.columns)
    assert truth["outcome"]["variable"] in sim.latent.columns
    for role in ROLES:
        assert truth["outcome"]["effects"][role] < 0
    assert set(truth["chain"]) == {
        "weakness_to_deviation",
        "deviation_to_reinforcement",
        "weakness_to_reinforcement",
        "neighbour_deviation_to_reinforcement",
        "lagged_deviation_to_reinforcement",
    }
    horizons = reference.plan_horizons()
    for cluster in reference.CLUSTERS:
        milestone = truth["milestones"][cluster]
        assert milestone["year"] == horizons.loc[cluster, "milestone_year"]
        # Hand calculation of the promise: close the gap linearly by the horizon.
        promise = 1 / (horizons.loc[cluster, "horizon_year"] - milestone["year"] + 1)
        assert milestone["plan_promise"] == pytest.approx(promise)
        assert 0 < milestone["effect"] < milestone["plan_promise"]
        assert truth["outcome"]["effects"][f"milestone_exposure_{cluster}"] == milestone["effect"]
    assert truth["noise"]["outcome"] > 0
    assert 0.03 <= truth["missing"]["target_share"] <= 0.06


def test_twfe_recovers_the_outcome_equation(sim) -> None:
    effects = sim.truth["outcome"]["effects"]
    fit = twfe(sim.latent, sim.truth["outcome"]["variable"], list(effects))
    bounds = fit.conf_int(level=0.95)
    for name, true in effects.items():
        assert bounds.loc[name, "lower"] <= true <= bounds.loc[name, "upper"], name
    # Sizeable: each role effect is distinguishable from zero.
    for role in ROLES:
        assert bounds.loc[role, "upper"] < 0, role


def test_noiseless_outcome_is_recovered_exactly() -> None:
    noiseless = simulate_panel(params=replace(SimulationParams(), outcome_noise_sd=0.0))
    effects = noiseless.truth["outcome"]["effects"]
    fit = twfe(noiseless.latent, "ps_growth", list(effects))
    for name, true in effects.items():
        assert fit.params[name] == pytest.approx(true, abs=1e-8), name


def test_twfe_recovers_the_chain(sim) -> None:
    chain = sim.truth["chain"]
    deviation = twfe(sim.latent, "true_deviation", ["true_weakness"]).conf_int()
    assert deviation.loc["true_weakness", "lower"] <= chain["weakness_to_deviation"]
    assert chain["weakness_to_deviation"] <= deviation.loc["true_weakness", "upper"]
    parents = {
        "true_deviation": chain["deviation_to_reinforcement"],
        "true_weakness": chain["weakness_to_reinforcement"],
        "neighbour_deviation": chain["neighbour_deviation_to_reinforcement"],
        "lagged_deviation": chain["lagged_deviation_to_reinforcement"],
    }
    reinforcement = twfe(sim.latent, "true_reinforcement", list(parents)).conf_int()
    for name, true in parents.items():
        assert reinforcement.loc[name, "lower"] <= true <= reinforcement.loc[name, "upper"], name


def test_noiseless_chain_is_recovered_exactly() -> None:
    base = SimulationParams()
    d_exact = simulate_panel(params=replace(base, deviation_innovation_sd=0.0))
    fit = twfe(d_exact.latent, "true_deviation", ["true_weakness"])
    assert fit.params["true_weakness"] == pytest.approx(base.weakness_to_deviation, abs=1e-8)
    r_exact = simulate_panel(params=replace(base, reinforcement_innovation_sd=0.0))
    parents = ["true_deviation", "true_weakness", "neighbour_deviation", "lagged_deviation"]
    fit = twfe(r_exact.latent, "true_reinforcement", parents)
    expected = [
        base.deviation_to_reinforcement,
        base.weakness_to_reinforcement,
        base.neighbour_deviation_to_reinforcement,
        base.lagged_deviation_to_reinforcement,
    ]
    np.testing.assert_allclose(fit.params[parents].to_numpy(), expected, atol=1e-8)


def test_neighbour_deviation_uses_real_contiguity(sim) -> None:
    from inertia.data.geometry import contiguity_neighbours

    neighbours = contiguity_neighbours()
    assert sim.neighbours == neighbours
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
