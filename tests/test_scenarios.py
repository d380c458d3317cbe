"""Counterfactual measures: validation, exact linear propagation, synergy mapping and the truth."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from libpysal.weights import W

from inertia.data.simulate import simulate_panel
from inertia.errors import ParameterError
from inertia.measures.synergy import actual_synergy, measure_inertia
from inertia.models.mediation import serial_mediation
from inertia.roles import RoleIndices, role_indices
from inertia.scenarios import (
    Measure,
    default_measures,
    lever_changes,
    measures_from_params,
    run_scenarios,
    synergy_of,
)
from inertia.synergy_measures import level_measures

TRUE_CHAIN = {"a1": 0.30, "a2": 0.30, "a3": 0.10, "b1": -0.05, "b2": -0.08, "b3": -0.06}


@pytest.fixture(scope="module")
def observed():
    """Simulated panel -> role indices (equal weights) -> shortfall -> mediation."""
    sim = simulate_panel(scale="clusters")
    weights = W(sim.neighbours, silence_warnings=True)
    roles = role_indices(sim.panel, sim.roster, weights, method="equal", reinforcement="imitation")
    inertia = measure_inertia(sim.panel, sim.roster)
    data = roles.frame.merge(inertia.shortfall[["code", "year", "shortfall"]], on=["code", "year"])
    mediation = serial_mediation(data, n_boot=200, seed=2)
    return {"sim": sim, "weights": weights, "roles": roles, "inertia": inertia, "med": mediation}


def _run(observed, measures, **kwargs):
    arguments = {"n_draws": 300, "seed": 4} | kwargs
    return run_scenarios(
        measures,
        observed["roles"],
        observed["med"],
        observed["inertia"].shortfall,
        observed["sim"].roster,
        **arguments,
    )


# --------------------------------------------------------------------------- validation


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ({"name": "capacity_push", "dimension": "capacity", "size": 1}, "unknown dimension"),
        ({"name": "huge_transfer", "dimension": "weakness", "size": 120}, "impossible"),
        ({"name": "odd_reform", "dimension": "deviation", "size": -101}, "impossible"),
        ({"name": "negative_share", "dimension": "reinforcement", "size": -0.1}, r"\[0, 1\]"),
        ({"name": "over_share", "dimension": "reinforcement", "size": 1.5}, r"\[0, 1\]"),
        ({"name": "wordy", "dimension": "weakness", "size": "ten"}, "number"),
        (
            {"name": "bad_rule", "dimension": "deviation", "size": 5, "targets": "strongest"},
            "unknown target",
        ),
        ({"name": "bad_city", "dimension": "deviation", "size": 5, "targets": [999999]}, "999999"),
        ({"name": "typo_key", "dimension": "deviation", "size": 5, "sise": 3}, "unknown key"),
        (
            {"name": "package", "dimension": "combination", "size": 1, "parts": ["nowhere"]},
            "nowhere",
        ),
        ({"name": "no_size", "dimension": "deviation"}, "missing 'size'"),
    ],
)
def test_bad_scenarios_name_the_scenario(entry, message):
    with pytest.raises(ParameterError, match=message) as error:
        measures_from_params([entry])
    assert repr(entry["name"]) in str(error.value)


def test_duplicate_names_are_rejected():
    entry = {"name": "reform", "dimension": "deviation", "size": 5}
    with pytest.raises(ParameterError, match="'reform' is defined twice"):
        measures_from_params([entry, entry])


def test_valid_spec_builds_measures_and_a_combination():
    measures = measures_from_params(
        [
            {"name": "t", "dimension": "weakness", "size": 10, "targets": "weakest_third"},
            {"name": "r", "dimension": "deviation", "size": 5, "targets": ["jjj", 310000]},
            {"name": "both", "dimension": "combination", "size": 0.5, "parts": ["t", "r"]},
        ]
    )
    assert measures[1].targets == ("jjj", 310000)
    assert measures[2].parts == (measures[0], measures[1])
    assert measures[0].unit == "points of fiscal self-sufficiency"
    names = [m.name for m in default_measures()]
    assert names == ["fiscal_transfer", "evaluation_reform", "cost_sharing", "combination"]


# --------------------------------------------------------------------------- levers


@pytest.mark.parametrize(
    ("dimension", "column", "index"),
    [("weakness", "budget_revenue", "weakness"), ("deviation", "education_spending", "deviation")],
)
def test_lever_equals_rerun_of_role_indices_on_modified_panel(observed, dimension, column, index):
    """Oracle: raise own revenue (or education spending) by x% of expenditure and re-score."""
    roles, panel = observed["roles"], observed["sim"].panel
    year, points = 2022, 3.0
    component = {"weakness": "fiscal_gap", "deviation": "non_livelihood_share"}[dimension]
    # A city-year whose changed component neither sets nor crosses the pooled min or max,
    # so the re-run keeps the min-max yardstick (equal weights keep the weights).
    values = roles.frame.set_index(["code", "year"])[component].dropna()
    complete = roles.frame.dropna(subset=["weakness", "deviation", "reinforcement"])
    complete = complete.merge(observed["inertia"].shortfall, on=["code", "year"])
    candidates = set(complete.loc[complete["year"] == year, "code"])
    inside = values.xs(year, level="year")
    inside = inside[inside.index.isin(candidates)]
    inside = inside[(inside - points / 100 > values.min()) & (inside < values.max())]
    code = int(inside.sort_values().index[len(inside) // 2])
    measure = Measure("one_city", dimension, points, targets=(code,))
    changes = lever_changes([measure], roles).set_index("code")
    modified = panel.copy()
    row = (modified["code"] == code) & (modified["year"] == year)
    modified.loc[row, column] += points / 100.0 * modified.loc[row, "budget_expenditure"]
    rerun = role_indices(
        modified,
        observed["sim"].roster,
        observed["weights"],
        method="equal",
        reinforcement="imitation",
    )
    before = roles.frame.set_index(["code", "year"])[index]
    after = rerun.frame.set_index(["code", "year"])[index]
    difference = (after - before).dropna()
    assert difference.loc[(code, year)] == pytest.approx(
        changes.loc[code, f"delta_{index}"], abs=1e-12
    )
    assert difference.drop(index=(code, year)).abs().max() < 1e-12
    assert (changes.drop(index=code)[f"delta_{index}"] == 0).all()


def test_reinforcement_lever_removes_the_scaled_imitation_contribution(observed):
    roles = observed["roles"]
    frame = roles.frame
    weight = roles.weights.set_index("component").loc["neighbour_deviation", "weight"]
    complete = frame[["persistence", "neighbour_deviation"]].dropna()["neighbour_deviation"]
    low, high = complete.min(), complete.max()
    changes = lever_changes([Measure("cost", "reinforcement", 0.5)], roles).set_index("code")
    base = frame[frame["year"] == 2022].set_index("code")["neighbour_deviation"]
    expected = -0.5 * weight * (base - low) / (high - low)
    pd.testing.assert_series_equal(
        changes["delta_reinforcement"], expected.reindex(changes.index), check_names=False
    )


# --------------------------------------------------------------------------- propagation


def test_hand_calculation_with_fixed_coefficients(observed):
    """Zero covariance: every draw is the point, and y moves by the reduced-form multipliers."""
    frame = observed["roles"].frame.copy()
    frame["imitation"] = 0.35 * frame["neighbour_deviation"]
    a1, a2, a3, b1, b2, b3 = TRUE_CHAIN.values()
    measures = [
        Measure("transfer", "weakness", 10, targets=("prd",)),
        Measure("reform", "deviation", 5, targets=("prd",)),
        Measure("cost", "reinforcement", 0.4, targets=("prd",)),
    ]
    result = run_scenarios(
        measures,
        frame,
        TRUE_CHAIN,
        observed["inertia"].shortfall,
        covariance=np.zeros((6, 6)),
        unit_changes={"weakness": -0.01, "deviation": -0.01, "reinforcement": "imitation"},
        outcome="growth",
        horizon_years=2030,
        synergy_measure=None,
        n_draws=5,
        seed=1,
    )
    city = result.city.set_index(["measure", "code"])
    prd = frame[(frame["year"] == 2022) & (frame["cluster"] == "prd")].set_index("code")
    years = 2030 - 2022
    total_w = b1 + a1 * b2 + (a3 + a1 * a2) * b3
    for code in prd.index:
        assert city.loc[("transfer", code), "shortfall_change"] == pytest.approx(
            -total_w * (-0.10) * years, abs=1e-15
        )
        assert city.loc[("reform", code), "shortfall_change"] == pytest.approx(
            -(b2 + a2 * b3) * (-0.05) * years, abs=1e-15
        )
        assert city.loc[("cost", code), "shortfall_change"] == pytest.approx(
            -b3 * (-0.4 * prd.loc[code, "imitation"]) * years, abs=1e-15
        )
    others = result.city[result.city["cluster"] != "prd"]
    assert (others["shortfall_change"] == 0).all()
    assert result.summary.query("cluster == 'prd'")["shortfall_change_low"].notna().all()


def test_zero_size_gives_zero_change(observed):
    zero = [
        Measure("none", "weakness", 0.0, targets="weakest_third"),
        Measure("none_r", "reinforcement", 0.0),
    ]
    result = _run(observed, zero)
    for column in (
        "shortfall_change",
        "shortfall_change_low",
        "shortfall_change_high",
        "gap_change",
        "gap_change_low",
        "gap_change_high",
        "abs_gini_change",
        "abs_gini_change_low",
        "abs_gini_change_high",
    ):
        assert (result.summary[column] == 0).all(), column
    assert (result.city["shortfall_change"] == 0).all()


def test_linearity_double_size_doubles_shortfall_change(observed):
    one = _run(
        observed,
        [Measure("t", "weakness", 4.0, targets="weakest_third"), Measure("r", "deviation", 2.5)],
    )
    two = _run(
        observed,
        [Measure("t", "weakness", 8.0, targets="weakest_third"), Measure("r", "deviation", 5.0)],
    )
    for column in ("shortfall_change", "shortfall_change_low", "shortfall_change_high"):
        np.testing.assert_allclose(two.summary[column], 2 * one.summary[column], rtol=1e-12)
    np.testing.assert_allclose(
        two.summary["shortfall_change_per_unit"],
        one.summary["shortfall_change_per_unit"],
        rtol=1e-12,
    )


def test_combination_is_the_sum_of_its_parts(observed):
    result = _run(observed, default_measures())
    draws = result.draws.set_index(["measure", "cluster", "draw"])["shortfall_change"]
    parts = sum(
        draws.loc[name] for name in ("fiscal_transfer", "evaluation_reform", "cost_sharing")
    )
    np.testing.assert_allclose(draws.loc["combination"], parts, atol=1e-15)
    transfer = result.summary[result.summary["measure"] == "fiscal_transfer"]
    assert (transfer["n_targeted"] == np.ceil(transfer["n_cities"] / 3)).all()
    ranking = result.ranking
    assert set(ranking.groupby("cluster")["rank"].max()) == {4}
    assert ranking.groupby("cluster")["prob_best"].sum().to_numpy() == pytest.approx(1.0)
    assert set(result.path["quantity"]) == {"shortfall_change", "gap_change", "abs_gini_change"}
    # Without a projection there is no horizon gap to divide by: never the observed one.
    assert result.summary["share_horizon_gap_closed"].isna().all()


def test_same_seed_same_result_other_seed_differs(observed):
    first = _run(observed, default_measures(), seed=9)
    again = _run(observed, default_measures(), seed=9)
    other = _run(observed, default_measures(), seed=10)
    pd.testing.assert_frame_equal(first.summary, again.summary)
    np.testing.assert_array_equal(first.coefficient_draws, again.coefficient_draws)
    assert not first.summary["shortfall_change_low"].equals(other.summary["shortfall_change_low"])


@pytest.mark.parametrize("measure", level_measures())
def test_vectorised_synergy_equals_actual_synergy(observed, measure):
    index = observed["inertia"].index
    actual = actual_synergy(index, observed["sim"].roster, measure)
    ps = index.scores.rename("ps").reset_index()
    cluster = observed["sim"].roster["cluster"]
    ps["cluster"] = ps["code"].map(cluster)
    for (name, year), rows in ps[ps["year"].isin([2010, 2022])].groupby(["cluster", "year"]):
        expected = actual.set_index(["cluster", "year"]).loc[(name, year), "S"]
        assert synergy_of(rows["ps"].to_numpy(), measure) == pytest.approx(expected, abs=1e-12)


# --------------------------------------------------------------------------- truth


def test_measured_scenario_interval_contains_the_true_effect():
    """A 10-point self-sufficiency rise in every city lowers the fiscal gap by 0.10.

    The chain is estimated on the measured markers (chapter 5's estimator); the
    true total effect of weakness on the shortfall growth is the simulation's
    stated chain (:func:`inertia.chapters.chain_reaction.true_paths`), so by
    2030 the shortfall changes by 8 years times -0.10 times that.
    """
    from inertia.chapters import chain_reaction, role_deviation
    from inertia.data.geometry import weights_for_roster
    from inertia.measures.public_service import public_service_index
    from inertia.measures.synergy import city_shortfall

    sim = simulate_panel(seed=3, scale="clusters")
    index = public_service_index(sim.panel, roster=sim.roster)
    shortfall = city_shortfall(index, sim.roster)
    roles = role_deviation.roles_for(sim.panel, sim.roster)
    frame = chain_reaction.chain_frame(
        role_deviation.estimation_frame(roles, shortfall, sim.roster),
        roles,
        weights_for_roster(sim.roster),
    )
    fit = chain_reaction.fit_chain(frame, roles, n_boot=200, seed=11)
    levers = frame[["code", "year", "cluster", *roles.markers.values()]].rename(
        columns={
            "fiscal_gap": "weakness",
            "non_livelihood_share": "deviation",
            "growth_push": "reinforcement",
        }
    )
    truth = chain_reaction.true_paths(sim.truth)["total_W"] * -0.10 * 8
    for draws in ("normal", "bootstrap"):
        result = run_scenarios(
            [Measure("transfer", "weakness", 10.0)],
            levers,
            fit,
            shortfall,
            horizon_years=2030,
            outcome="shortfall_growth",
            synergy_measure=None,
            unit_changes={"weakness": -0.01},
            draws=draws,
            seed=5,
        )
        for _, row in result.summary.iterrows():
            assert row["shortfall_change_low"] <= truth <= row["shortfall_change_high"], draws
    # With bootstrap draws the interval is exactly the percentile interval of total_W.
    total_draws = fit.boot_paths[:, 11]
    low, high = np.quantile(total_draws * -0.10 * 8, [0.025, 0.975])
    row = result.summary.iloc[0]
    assert (row["shortfall_change_low"], row["shortfall_change_high"]) == pytest.approx(
        (low, high), abs=1e-14
    )


def test_self_sufficiency_stops_at_one_hundred_percent(observed):
    roles = observed["roles"]
    frame = roles.frame.copy()
    last = frame[frame["year"] == 2022].dropna(subset=["weakness", "deviation", "reinforcement"])
    near, beyond = last["code"].iloc[0], last["code"].iloc[1]
    frame.loc[last.index[0], "fiscal_gap"] = 0.03  # 97% self-sufficient
    frame.loc[last.index[1], "fiscal_gap"] = -0.05  # revenue above spending
    modified = RoleIndices(frame, roles.weights, roles.method)
    changes = lever_changes(
        [Measure("transfer", "weakness", 10.0, targets=(int(near), int(beyond)))], modified
    ).set_index("code")["delta_weakness"]
    complete = frame[["fiscal_gap", "spending_shortfall"]].dropna()["fiscal_gap"]
    weight = roles.weights.set_index("component").loc["fiscal_gap", "weight"]
    per_point = weight / (complete.max() - complete.min())
    assert changes[near] == pytest.approx(-0.03 * per_point, abs=1e-15)
    assert changes[beyond] == 0.0


# --------------------------------------------------------------------------- horizon and yardsticks


def test_vectorised_absolute_gini_equals_the_measure():
    from inertia.measures.inequality import absolute_gini
    from inertia.scenarios import absolute_inequality

    rng = np.random.default_rng(8)
    draws = rng.lognormal(0.0, 0.5, (6, 23))
    np.testing.assert_allclose(
        absolute_inequality(draws), [absolute_gini(row) for row in draws], rtol=1e-12
    )


def test_expected_synergy_is_the_synergy_of_the_planned_levels(observed):
    """E of chapter 3 = S of frontier minus planned gap; at the horizon that gap is r g_ib."""
    from inertia.scenarios import planned_horizon_gap

    inertia = observed["inertia"]
    shortfall = inertia.shortfall
    year = int(shortfall["year"].max())
    expected = inertia.gap.set_index(["cluster", "year"])["E"]
    for cluster, rows in shortfall[shortfall["year"] == year].groupby("cluster"):
        rows = rows.dropna(subset=["planned_gap", "reference"])
        planned = np.exp(rows["reference"] - rows["planned_gap"]).to_numpy()
        assert synergy_of(planned, "dagum") == pytest.approx(expected[(cluster, year)], abs=1e-12)
    horizon = planned_horizon_gap(shortfall)
    bases = shortfall.groupby("code")[["gap_base", "cluster"]].first()
    residual = bases["cluster"].map(shortfall.attrs["residual_gap"])
    np.testing.assert_allclose(horizon, (bases["gap_base"] * residual).loc[horizon.index])


def test_a_projection_frozen_at_the_baseline_gives_the_baseline_cross_section(observed):
    """With levels that do not move, the horizon cross-section is the baseline's."""
    from inertia.models.projection import ProjectionDraws
    from inertia.scenarios import PipelineDraws

    med, shortfall = observed["med"], observed["inertia"].shortfall
    plain = _run(observed, default_measures(), draws="bootstrap", log_scale=True)
    year0 = plain.baseline_year
    base = shortfall[shortfall["year"] == year0].dropna(subset=["level"]).sort_values("code")
    years = np.arange(year0 + 1, 2036)
    usable = med.boot[np.all(np.isfinite(med.boot), axis=1)]
    frozen = ProjectionDraws(
        codes=base["code"].to_numpy(),
        cluster=base["cluster"].to_numpy(),
        baseline_year=year0,
        years=years,
        horizons=plain.params["horizons"],
        levels=np.broadcast_to(base["level"].to_numpy(), (len(usable), years.size, len(base))),
        baseline=base["level"].to_numpy(),
        parameters=pd.DataFrame(),
    )
    pipeline = PipelineDraws(point=med.estimates, coefficients=usable, projection=frozen)
    projected = _run(observed, default_measures(), draws="pipeline", pipeline=pipeline,
                     log_scale=True)  # fmt: skip
    for column in ("gap_change", "gap_change_low", "abs_gini_change", "shortfall_change"):
        np.testing.assert_allclose(projected.summary[column], plain.summary[column], atol=1e-12)
    # Now the shares exist, and a uniform proportional gain is invisible to a relative Gini
    # but not to the absolute one.
    uniform = _run(observed, [Measure("reform", "deviation", 2.0)], draws="pipeline",
                   pipeline=pipeline, log_scale=True)  # fmt: skip
    assert uniform.summary["share_horizon_gap_closed"].notna().all()
    assert np.allclose(uniform.summary["gap_change"], 0.0, atol=1e-12)
    assert (uniform.summary["abs_gini_change"] != 0).all()
