"""Chapter 4's analysis on measured data: the headline can fail, and covers the truth.

Oracles: the simulation's stated estimands (``truth["estimands"]["roles"]``,
docs/simulation.md section 5) on the measured indices only, and a hand
calculation of the outcome. The size and power of the headline test over
many panels are checked by the validation harness (tests/test_validation.py).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from inertia.chapters import role_deviation as chapter
from inertia.data.simulate import simulate_panel, simulation_params
from inertia.measures.public_service import public_service_index
from inertia.measures.synergy import city_shortfall
from inertia.roles import DIMENSIONS

DEFAULT_SEED = 20240601


def _headline(**switches):
    # Chapter 4 analyses the cluster cities (the 63-city draw, as its notebook's restrict()).
    sim = simulate_panel(DEFAULT_SEED, params=simulation_params(**switches), scale="clusters")
    index = public_service_index(sim.panel, roster=sim.roster)
    roles = chapter.roles_for(sim.panel, sim.roster)
    frame = chapter.estimation_frame(roles, city_shortfall(index, sim.roster), sim.roster)
    fit = chapter.headline(frame, roles)
    return sim, roles, frame, fit, chapter.chapter_verdict(fit, roles, "simulated")


@pytest.fixture(scope="module")
def default():
    return _headline()


def test_headline_covers_the_truth_at_the_default(default) -> None:
    sim, _, _, _, verdict = default
    truth = sim.truth["estimands"]["roles"]["effect_on_shortfall_growth"]
    for dimension in DIMENSIONS:
        claim = verdict.claim(f"effect_{dimension}")
        assert claim.ci_low <= truth[dimension] <= claim.ci_high, dimension
        assert claim.verdict == "adds to inertia", dimension


def test_headline_is_not_significant_without_role_effects() -> None:
    sim, _, _, _, verdict = _headline(role_effects="zero")
    assert set(sim.truth["estimands"]["roles"]["effect_on_shortfall_growth"].values()) == {0.0}
    for dimension in DIMENSIONS:
        claim = verdict.claim(f"effect_{dimension}")
        assert claim.verdict == "no detectable effect", (dimension, claim.p_value)


def test_headline_uses_measured_data_only(default) -> None:
    _, roles, frame, fit, _ = default
    assert not any(term.startswith("true_") for term in fit.tidy()["term"])
    assert list(fit.tidy()["term"][:3]) == [roles.markers[d] for d in DIMENSIONS]
    assert fit.extra["instruments"] == tuple(roles.second[d] for d in DIMENSIONS)
    assert (fit.extra["first_stage"]["partial_F"] > 10).all()
    assert "true_weakness" not in frame.columns


def test_shortfall_growth_is_the_change_per_year() -> None:
    shortfall = pd.DataFrame(
        {
            "code": [1, 1, 1],
            "year": [2014, 2017, 2020],
            "cluster": "jjj",
            "shortfall": [0.0, 0.03, 0.09],
            "required": [np.nan, 0.015, 0.03],
        }
    )
    growth = chapter.shortfall_growth(shortfall)
    np.testing.assert_allclose(growth["shortfall_growth"], [np.nan, 0.01, 0.02], equal_nan=True)
    # The required closure is 0 before the plan starts.
    np.testing.assert_allclose(growth["required_change"], [np.nan, 0.005, 0.005], equal_nan=True)


def test_controls_are_the_plans_and_the_council(default) -> None:
    _, _, frame, _, _ = default
    controls = chapter.controls_of(frame)
    assert controls == [
        "required_change_jjj",
        "required_change_prd",
        "required_change_yrd",
        "council_member",
    ]
    assert frame.loc[frame["cluster"] != "yrd", "required_change_yrd"].eq(0).all()
