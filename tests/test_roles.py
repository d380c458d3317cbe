"""Role indices on a hand-computed 4-city x 3-year panel.

Cities 1 and 2 form cluster "jjj", cities 3 and 4 cluster "prd"; the spatial
weights are the line 1 - 2 - 3 - 4. With two cities per cluster the
cluster-year median is the mean of the two, so every component below is
written out by hand. Construct validity is checked on the simulated panel,
whose measurement model is known (docs/simulation.md, section 4).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from libpysal.weights import W

from inertia.errors import DataError, ParameterError
from inertia.measures.weighting import entropy_weights
from inertia.roles import (
    COMPONENTS,
    REINFORCEMENT_COMPONENTS,
    below_median_run,
    construct_validity,
    role_indices,
)

YEARS = (2010, 2011, 2012)


def _panel() -> pd.DataFrame:
    # code: (revenue, expenditure, population, education, science, gdp, loans) per year
    data = {
        1: [(60, 100, 10, 20, 4, 100, 120), (60, 120, 10, 18, 6, 110, 110),
            (80, 160, 10, 40, 8, 121, 150)],
        2: [(20, 100, 20, 30, 2, 100, 80), (30, 100, 20, 20, 2, 100, 90),
            (40, 200, 20, 30, 2, 100, 100)],
        3: [(50, 100, 10, 25, 5, 50, 60), (50, 100, 10, 25, 5, 60, 60),
            (90, 150, 10, 45, 6, 60, 70)],
        4: [(10, 50, 10, 10, 1, 80, 40), (20, 80, 10, 12, 4, 80, 50),
            (30, 100, 10, 20, 2, 100, 100)],
    }  # fmt: skip
    rows = []
    for code, values in data.items():
        for year, (rev, exp, pop, edu, sci, gdp, loans) in zip(YEARS, values, strict=True):
            rows.append(
                {
                    "code": code,
                    "year": year,
                    "budget_revenue": float(rev),
                    "budget_expenditure": float(exp),
                    "pop_registered": float(pop),
                    "education_spending": float(edu),
                    "science_spending": float(sci),
                    "gdp": float(gdp),
                    "loans": float(loans),
                }
            )
    return pd.DataFrame(rows)


ROSTER = pd.DataFrame(
    {"cluster": ["jjj", "jjj", "prd", "prd"]}, index=pd.Index([1, 2, 3, 4], name="code")
)
LINE = W({1: [2], 2: [1, 3], 3: [2, 4], 4: [3]})


def _get(result, column):
    return result.frame.set_index(["code", "year"])[column]


@pytest.fixture(scope="module")
def default():
    return role_indices(_panel(), ROSTER)


@pytest.fixture(scope="module")
def imitation():
    return role_indices(_panel(), ROSTER, LINE, method="equal", reinforcement="imitation")


def test_weakness_components_by_hand(default):
    gap = _get(default, "fiscal_gap")
    assert gap[(1, 2010)] == pytest.approx(1 - 60 / 100, abs=1e-12)
    assert gap[(2, 2011)] == pytest.approx(1 - 30 / 100, abs=1e-12)
    shortfall = _get(default, "spending_shortfall")
    # 2010 jjj: spending per person 10 and 5, median 7.5 (the default log ratio)
    assert shortfall[(1, 2010)] == pytest.approx(-np.log(10 / 7.5), abs=1e-12)
    assert shortfall[(2, 2010)] == pytest.approx(-np.log(5 / 7.5), abs=1e-12)
    truncated = role_indices(_panel(), ROSTER, spending_rule="truncated")
    assert _get(truncated, "spending_shortfall")[(1, 2010)] == 0.0
    assert _get(truncated, "spending_shortfall")[(2, 2010)] == pytest.approx(1 - 5 / 7.5)


def test_deviation_components_by_hand(default):
    non_livelihood = _get(default, "non_livelihood_share")
    assert non_livelihood[(1, 2011)] == pytest.approx(1 - 18 / 120, abs=1e-12)
    assert non_livelihood[(3, 2012)] == pytest.approx(1 - 45 / 150, abs=1e-12)
    tilt = _get(default, "growth_tilt")
    # 2010 jjj: science shares 0.04 and 0.02, median 0.03
    assert tilt[(1, 2010)] == pytest.approx(np.log(0.04 / 0.03), abs=1e-12)
    assert tilt[(2, 2010)] == pytest.approx(np.log(0.02 / 0.03), abs=1e-12)
    assert tilt[(4, 2011)] == pytest.approx(0.0, abs=1e-12)


def test_lock_in_components_by_hand(default):
    push = _get(default, "growth_push")
    assert np.isnan(push[(1, 2010)])  # no previous year
    # 2011 jjj: GDP growth ln(1.1) and 0, median ln(1.1) / 2
    assert push[(1, 2011)] == pytest.approx(np.log(1.1) / 2, abs=1e-12)
    assert push[(2, 2011)] == pytest.approx(-np.log(1.1) / 2, abs=1e-12)
    # 2012 prd: growth 0 and ln(1.25)
    assert push[(4, 2012)] == pytest.approx(np.log(1.25) / 2, abs=1e-12)
    credit = _get(default, "credit_intensity")
    # 2010 jjj: loans per GDP 1.2 and 0.8, median of the logs
    median = (np.log(1.2) + np.log(0.8)) / 2
    assert credit[(1, 2010)] == pytest.approx(np.log(1.2) - median, abs=1e-12)
    assert default.markers == {
        "weakness": "fiscal_gap",
        "deviation": "non_livelihood_share",
        "reinforcement": "growth_push",
    }
    assert default.second["reinforcement"] == "credit_intensity"


def test_growth_push_is_per_year_on_a_triennial_grid() -> None:
    panel = _panel()
    panel["year"] = panel["year"].map({2010: 2005, 2011: 2008, 2012: 2011})
    push = _get(role_indices(panel, ROSTER), "growth_push")
    assert push[(1, 2008)] == pytest.approx(np.log(1.1) / 2 / 3, abs=1e-12)


def test_standardised_composite_is_the_mean_of_z_scores(default):
    frame = default.frame.set_index(["code", "year"])
    for dimension, (first, second) in COMPONENTS.items():
        both = frame[[first, second]].dropna()
        z = (both - both.mean()) / both.std(ddof=1)
        np.testing.assert_allclose(frame.loc[both.index, dimension], z.mean(axis=1), atol=1e-12)
    assert set(default.weights["weight"]) == {0.5}


def test_imitation_components_by_hand(imitation):
    # livelihood shares: city 1 0.20, 0.15, 0.25; city 2 0.30, 0.20, 0.15
    #                     city 3 0.25, 0.25, 0.30; city 4 0.20, 0.15, 0.20
    persistence = _get(imitation, "persistence")
    expected = {
        (1, 2010): 1, (1, 2011): 2, (1, 2012): 0,
        (2, 2010): 0, (2, 2011): 0, (2, 2012): 1,
        (3, 2010): 0, (3, 2011): 0, (3, 2012): 0,
        (4, 2010): 1, (4, 2011): 2, (4, 2012): 3,
    }  # fmt: skip
    assert persistence.to_dict() == {k: float(v) for k, v in expected.items()}
    frame = imitation.frame.set_index(["code", "year"])
    for year in YEARS:
        d = {code: frame.loc[(code, year), "deviation"] for code in (1, 2, 3, 4)}
        assert frame.loc[(2, year), "neighbour_deviation"] == pytest.approx(
            (d[1] + d[3]) / 2, abs=1e-12
        )
    assert imitation.components["reinforcement"] == REINFORCEMENT_COMPONENTS["imitation"]


def test_equal_composite_by_hand(imitation):
    frame = imitation.frame.set_index(["code", "year"])
    for dimension, (first, second) in imitation.components.items():
        a, b = frame[first], frame[second]
        by_hand = 0.5 * (a - a.min()) / (a.max() - a.min()) + 0.5 * (b - b.min()) / (
            b.max() - b.min()
        )
        np.testing.assert_allclose(frame[dimension], by_hand, atol=1e-12)


def test_entropy_weights_are_the_panel_entropy_weights():
    result = role_indices(_panel(), ROSTER, method="entropy")
    frame = result.frame
    for dimension, components in result.components.items():
        used = result.weights[result.weights["dimension"] == dimension].set_index("component")[
            "weight"
        ]
        complete = frame[list(components)].dropna()
        expected = entropy_weights(complete, dict.fromkeys(components, 1))
        np.testing.assert_allclose(used[list(components)], expected[list(components)], atol=1e-12)


def test_missing_neighbour_is_renormalised_and_missing_rows_propagate():
    panel = _panel()
    panel.loc[(panel["code"] == 3) & (panel["year"] == 2011), "science_spending"] = np.nan
    result = role_indices(panel, ROSTER, LINE, method="equal", reinforcement="imitation")
    frame = result.frame.set_index(["code", "year"])
    assert np.isnan(frame.loc[(3, 2011), "deviation"])
    assert frame.loc[(2, 2011), "neighbour_deviation"] == pytest.approx(
        frame.loc[(1, 2011), "deviation"], abs=1e-12
    )
    assert np.isnan(frame.loc[(4, 2011), "neighbour_deviation"])
    assert np.isnan(frame.loc[(4, 2011), "reinforcement"])


def test_persistence_run_breaks_on_a_missing_grid_year_and_missing_flags():
    frame = pd.DataFrame(
        {
            "code": [1] * 6 + [2],
            "year": [2001, 2002, 2004, 2005, 2006, 2007, 2003],
            "below_median": [1.0, 1.0, 1.0, np.nan, 1.0, 1.0, 0.0],
        }
    )
    runs = below_median_run(frame)
    # City 1 lacks 2003, a year of the grid (city 2 has it): the run restarts in 2004.
    assert runs.tolist()[:3] == [1.0, 2.0, 1.0]
    assert np.isnan(runs.iloc[3])
    assert runs.tolist()[4:6] == [1.0, 2.0]


def test_livelihood_includes_optional_columns_when_present():
    panel = _panel().assign(health_spending=10.0)
    result = role_indices(panel, ROSTER)
    assert result.options["livelihood_columns"] == ("education_spending", "health_spending")
    assert _get(result, "non_livelihood_share")[(1, 2010)] == pytest.approx(1 - 30 / 100)


def test_user_errors():
    with pytest.raises(ParameterError, match="weighting"):
        role_indices(_panel(), ROSTER, method="pca")
    with pytest.raises(ParameterError, match="weights"):
        role_indices(_panel(), ROSTER, reinforcement="imitation")
    with pytest.raises(DataError, match="loans"):
        role_indices(_panel().drop(columns="loans"), ROSTER)
    with pytest.raises(DataError, match="not on the roster"):
        role_indices(_panel(), ROSTER.iloc[:3])


def test_construct_validity_on_the_simulated_panel():
    from inertia.chapters.role_deviation import roles_for
    from inertia.data.simulate import simulate_panel

    sim = simulate_panel(scale="clusters")
    roles = roles_for(sim.panel, sim.roster)
    validity = construct_validity(roles, sim.latent).set_index("component")
    assert len(validity) == 6 and validity["sign_ok"].all()
    measured = sim.truth["measurement"]
    for component, row in validity.iterrows():
        # The reliability on the measured panel (with its gaps) is the simulation's, roughly.
        assert row["reliability"] == pytest.approx(
            measured[component]["reliability_within"], abs=0.1
        ), component
    assert validity.loc["fiscal_gap", "marker"] and not validity.loc["growth_tilt", "marker"]
