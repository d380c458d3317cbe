"""Chapter 6's layer: the whole pipeline re-estimated per resample, the truth, the support."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from inertia.chapters import chain_reaction, role_deviation
from inertia.chapters import corrective_measures as chapter
from inertia.data.geometry import weights_for_roster
from inertia.data.simulate import simulate_panel, simulation_params
from inertia.measures.public_service import public_service_index
from inertia.measures.synergy import city_shortfall
from inertia.scenarios import Measure, default_measures


def _pieces(seed: int, n_boot: int = 199, **switches):
    sim = simulate_panel(seed=seed, params=simulation_params(**switches), scale="clusters")
    shortfall = city_shortfall(public_service_index(sim.panel, roster=sim.roster), sim.roster)
    roles = role_deviation.roles_for(sim.panel, sim.roster)
    frame = chain_reaction.chain_frame(
        role_deviation.estimation_frame(roles, shortfall, sim.roster),
        roles,
        weights_for_roster(sim.roster),
    )
    chain = chain_reaction.fit_chain(frame, roles, n_boot=n_boot, seed=seed)
    return {"sim": sim, "shortfall": shortfall, "frame": frame, "chain": chain,
            "levers": chapter.lever_frame(frame, chain)}  # fmt: skip


@pytest.fixture(scope="module")
def default():
    pieces = _pieces(11)
    measures = default_measures()
    result = chapter.run(
        measures, pieces["levers"], pieces["shortfall"], pieces["chain"], pieces["sim"].roster,
        seed=11,
    )  # fmt: skip
    return {**pieces, "measures": measures, "result": result}


def test_a_chain_draw_is_the_whole_measurement_re_run_on_its_resample(default) -> None:
    """Index, shortfall and roles recomputed on the resampled panel give the draw exactly.

    The sample-dependent parts of the measures (pooled and cluster-year medians, the
    cluster frontier) are constants that the city and cluster-by-year effects absorb,
    so the chain's city bootstrap already re-estimates the roles and the outcome.
    """
    sim, frame, chain = default["sim"], default["frame"], default["chain"]
    roster = sim.roster.reset_index()
    neighbours = frame[["code", "year", chain_reaction.NEIGHBOUR,
                        chain_reaction.NEIGHBOUR_INSTRUMENT]]  # fmt: skip
    for draw in (0, 1):
        picks = np.repeat(chain.entities, chain.boot_counts[draw].astype(int))
        copies = {900000 + k: code for k, code in enumerate(picks)}
        panel = pd.concat(
            [sim.panel[sim.panel["code"] == c].assign(code=new) for new, c in copies.items()]
        )
        resampled_roster = pd.concat(
            [roster[roster["code"] == c].assign(code=new) for new, c in copies.items()]
        ).set_index("code")
        lagged = pd.concat(
            [neighbours[neighbours["code"] == c].assign(code=new) for new, c in copies.items()]
        )
        shortfall = city_shortfall(
            public_service_index(panel, roster=resampled_roster), resampled_roster
        )
        roles = role_deviation.roles_for(panel, resampled_roster)
        again = role_deviation.estimation_frame(roles, shortfall, resampled_roster).merge(
            lagged, on=["code", "year"], how="left"
        )
        refit = chain_reaction.fit_chain(again, roles, n_boot=0)
        np.testing.assert_allclose(refit.estimates, chain.boot[draw], rtol=0, atol=1e-12)


def test_pipeline_intervals_cover_the_true_effects(default) -> None:
    result = default["result"]
    truths = chapter.true_effects(
        result, default["measures"], default["levers"], default["sim"].truth,
        default["sim"].latent,
    )  # fmt: skip
    check = chapter.truth_check(result, truths).set_index(["measure", "cluster"])
    for measure in ("fiscal_transfer", "evaluation_reform", "combination"):
        for cluster in ("jjj", "yrd", "prd", "all"):
            assert check.loc[(measure, cluster), "covered"], (measure, cluster)
    # The pooled truth is the city-weighted mean of the clusters' truths.
    counts = result.summary.drop_duplicates("cluster").set_index("cluster")["n_cities"]
    by_cluster = truths[truths["cluster"] != "all"].pivot(
        index="measure", columns="cluster", values="truth"
    )
    np.testing.assert_allclose(
        truths[truths["cluster"] == "all"].set_index("measure")["truth"].loc[by_cluster.index],
        by_cluster[counts.index].to_numpy() @ (counts / counts.sum()).to_numpy(),
    )
    verdict = {c.claim: c for c in chapter.chapter_verdict(result, "simulated").claims}
    assert set(verdict) == {
        "scenario_fiscal_transfer", "scenario_evaluation_reform", "scenario_cost_sharing"
    }  # fmt: skip
    assert verdict["scenario_fiscal_transfer"].verdict == "closes"
    pooled = chapter.pooled_changes(result).set_index("measure")
    assert verdict["scenario_evaluation_reform"].estimate == pooled.loc["evaluation_reform",
                                                                        "estimate"]  # fmt: skip


def test_true_effects_by_hand_and_zero_without_role_effects(default) -> None:
    result, sim = default["result"], default["sim"]
    truths = chapter.true_effects(
        result, default["measures"], default["levers"], sim.truth, sim.latent
    ).set_index(["measure", "cluster"])["truth"]
    chain, effects = sim.truth["estimands"]["chain"], sim.truth["estimands"]["roles"][
        "effect_on_shortfall_growth"
    ]
    total_d = effects["deviation"] + chain["deviation_to_reinforcement"] * effects["reinforcement"]
    reform = result.city[result.city["measure"] == "evaluation_reform"]
    jjj = reform[reform["cluster"] == "jjj"]
    expected = (total_d * jjj["delta_deviation"] * (2030 - result.baseline_year)).mean()
    assert truths[("evaluation_reform", "jjj")] == pytest.approx(expected, rel=1e-12)
    assert jjj["delta_deviation"].eq(-0.02).all()  # +2 points of livelihood share

    null = _pieces(11, n_boot=49, role_effects="zero")
    null_result = chapter.run(
        default["measures"], null["levers"], null["shortfall"], null["chain"],
        null["sim"].roster, seed=11, paths=False,
    )  # fmt: skip
    zero = chapter.true_effects(
        null_result, default["measures"], null["levers"], null["sim"].truth, null["sim"].latent
    )
    assert (zero["truth"] == 0).all()


def test_lever_support_by_hand(default) -> None:
    result, levers = default["result"], default["levers"]
    support = chapter.lever_support(result, levers, default["measures"]).set_index("measure")
    assert "combination" not in support.index
    gap = levers[["code", "weakness"]].dropna()  # the fiscal gap, under its dimension's name
    values = gap["weakness"]
    within = values - values.groupby(gap["code"]).transform("mean")
    sd = np.sqrt(np.sum(within**2) / (len(within) - gap["code"].nunique()))
    row = support.loc["fiscal_transfer"]
    assert row["within_sd"] == pytest.approx(sd, rel=1e-12)
    assert row["change"] == pytest.approx(-0.05)
    assert row["size_within_sd"] == pytest.approx(0.05 / sd, rel=1e-12)
    assert row["share_as_large"] == pytest.approx(np.mean(np.abs(within) >= 0.05))
    # The defaults lie within about one within-city standard deviation.
    assert support.loc[["fiscal_transfer", "evaluation_reform"], "size_within_sd"].lt(1.5).all()
    big = chapter.lever_support(
        result, levers, [Measure("fiscal_transfer", "weakness", 5.0)]
    )
    assert len(big) == 1


def test_same_seed_same_pipeline_other_seed_differs(default) -> None:
    arguments = (default["measures"], default["levers"], default["shortfall"], default["chain"],
                 default["sim"].roster)  # fmt: skip
    again = chapter.run(*arguments, seed=11)
    pd.testing.assert_frame_equal(default["result"].summary, again.summary)
    other = chapter.run(*arguments, seed=12)
    assert not np.allclose(
        other.summary["horizon_gap"].to_numpy(), again.summary["horizon_gap"].to_numpy()
    )
    # The residual seed does not touch the chain's draws: the shortfall changes are equal.
    np.testing.assert_array_equal(
        other.summary["shortfall_change"].to_numpy(), again.summary["shortfall_change"].to_numpy()
    )
