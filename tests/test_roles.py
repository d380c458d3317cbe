"""Role indices on a hand-computed 4-city x 3-year panel.

Cities 1 and 2 form cluster "jjj", cities 3 and 4 cluster "prd"; the spatial
weights are the line 1 - 2 - 3 - 4. With two cities per cluster the
cluster-year median is the mean of the two, so every component below is
written out by hand.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from libpysal.weights import W

from inertia.errors import DataError, ParameterError
from inertia.measures.weighting import entropy_weights
from inertia.roles import COMPONENTS, below_median_run, role_indices

YEARS = (2010, 2011, 2012)


def _panel() -> pd.DataFrame:
    # code: (revenue, expenditure, population, education, science) per year
    data = {
        1: [(60, 100, 10, 20, 4), (60, 120, 10, 18, 6), (80, 160, 10, 40, 8)],
        2: [(20, 100, 20, 30, 2), (30, 100, 20, 20, 2), (40, 200, 20, 30, 2)],
        3: [(50, 100, 10, 25, 5), (50, 100, 10, 25, 5), (90, 150, 10, 45, 6)],
        4: [(10, 50, 10, 10, 1), (20, 80, 10, 12, 4), (30, 100, 10, 20, 2)],
    }
    rows = []
    for code, values in data.items():
        for year, (rev, exp, pop, edu, sci) in zip(YEARS, values, strict=True):
            rows.append(
                {
                    "code": code,
                    "year": year,
                    "budget_revenue": float(rev),
                    "budget_expenditure": float(exp),
                    "pop_registered": float(pop),
                    "education_spending": float(edu),
                    "science_spending": float(sci),
                    "gdp": 100.0,
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
def equal():
    return role_indices(_panel(), ROSTER, LINE, method="equal")


def test_weakness_components_by_hand(equal):
    gap = _get(equal, "fiscal_gap")
    assert gap[(1, 2010)] == pytest.approx(1 - 60 / 100, abs=1e-12)
    assert gap[(2, 2011)] == pytest.approx(1 - 30 / 100, abs=1e-12)
    assert gap[(4, 2012)] == pytest.approx(1 - 30 / 100, abs=1e-12)
    shortfall = _get(equal, "spending_shortfall")
    # 2010 jjj: spending per person 10 and 5, median 7.5
    assert shortfall[(1, 2010)] == 0.0
    assert shortfall[(2, 2010)] == pytest.approx(1 - 5 / 7.5, abs=1e-12)
    # 2011 prd: 10 and 8, median 9
    assert shortfall[(4, 2011)] == pytest.approx(1 - 8 / 9, abs=1e-12)
    assert shortfall[(3, 2011)] == 0.0


def test_deviation_components_by_hand(equal):
    non_livelihood = _get(equal, "non_livelihood_share")
    assert non_livelihood[(1, 2011)] == pytest.approx(1 - 18 / 120, abs=1e-12)
    assert non_livelihood[(3, 2012)] == pytest.approx(1 - 45 / 150, abs=1e-12)
    tilt = _get(equal, "growth_tilt")
    # 2010 jjj: science shares 0.04 and 0.02, median 0.03
    assert tilt[(1, 2010)] == pytest.approx(np.log(0.04 / 0.03), abs=1e-12)
    assert tilt[(2, 2010)] == pytest.approx(np.log(0.02 / 0.03), abs=1e-12)
    # 2011 prd: 0.05 and 0.05, median 0.05
    assert tilt[(4, 2011)] == pytest.approx(0.0, abs=1e-12)


def test_persistence_by_hand(equal):
    # livelihood shares: city 1 0.20, 0.15, 0.25; city 2 0.30, 0.20, 0.15
    #                     city 3 0.25, 0.25, 0.30; city 4 0.20, 0.15, 0.20
    persistence = _get(equal, "persistence")
    expected = {
        (1, 2010): 1, (1, 2011): 2, (1, 2012): 0,
        (2, 2010): 0, (2, 2011): 0, (2, 2012): 1,
        (3, 2010): 0, (3, 2011): 0, (3, 2012): 0,
        (4, 2010): 1, (4, 2011): 2, (4, 2012): 3,
    }  # fmt: skip
    assert persistence.to_dict() == {k: float(v) for k, v in expected.items()}


def test_equal_composite_and_neighbour_lag_by_hand(equal):
    frame = equal.frame.set_index(["code", "year"])
    for dimension, (first, second) in COMPONENTS.items():
        a, b = frame[first], frame[second]
        by_hand = 0.5 * (a - a.min()) / (a.max() - a.min()) + 0.5 * (b - b.min()) / (
            b.max() - b.min()
        )
        np.testing.assert_allclose(frame[dimension], by_hand, atol=1e-12)
        assert frame[dimension].between(0, 1).all()
    deviation = frame["deviation"]
    lag = frame["neighbour_deviation"]
    for year in YEARS:
        d = {code: deviation[(code, year)] for code in (1, 2, 3, 4)}
        assert lag[(1, year)] == pytest.approx(d[2], abs=1e-12)
        assert lag[(2, year)] == pytest.approx((d[1] + d[3]) / 2, abs=1e-12)
        assert lag[(3, year)] == pytest.approx((d[2] + d[4]) / 2, abs=1e-12)
        assert lag[(4, year)] == pytest.approx(d[3], abs=1e-12)
    assert set(equal.weights["weight"]) == {0.5}


def test_entropy_weights_are_the_panel_entropy_weights():
    result = role_indices(_panel(), ROSTER, LINE)
    frame = result.frame
    for dimension, components in COMPONENTS.items():
        used = result.weights.query("dimension == @dimension").set_index("component")["weight"]
        expected = entropy_weights(frame[list(components)], dict.fromkeys(components, 1))
        np.testing.assert_allclose(used[list(components)], expected[list(components)], atol=1e-12)
        scaled = (frame[list(components)] - frame[list(components)].min()) / (
            frame[list(components)].max() - frame[list(components)].min()
        )
        np.testing.assert_allclose(frame[dimension], scaled @ expected, atol=1e-12)


def test_log_ratio_spending_rule():
    result = role_indices(_panel(), ROSTER, LINE, method="equal", spending_rule="log_ratio")
    shortfall = _get(result, "spending_shortfall")
    assert shortfall[(1, 2010)] == pytest.approx(-np.log(10 / 7.5), abs=1e-12)
    assert shortfall[(2, 2010)] == pytest.approx(-np.log(5 / 7.5), abs=1e-12)


def test_gdp_pressure_alternative():
    panel = _panel()
    panel["gdp"] = [100, 110, 121, 100, 100, 100, 50, 60, 60, 80, 80, 100.0]
    result = role_indices(panel, ROSTER, LINE, method="equal", growth_tilt="gdp_pressure")
    tilt = _get(result, "growth_tilt")
    assert np.isnan(tilt[(1, 2010)])
    growth_1, growth_2 = np.log(1.1), 0.0
    median = (growth_1 + growth_2) / 2
    assert tilt[(1, 2011)] == pytest.approx(median - growth_1, abs=1e-12)
    assert tilt[(2, 2011)] == pytest.approx(median - growth_2, abs=1e-12)
    growth_3, growth_4 = np.log(60 / 60), np.log(100 / 80)
    assert tilt[(4, 2012)] == pytest.approx((growth_3 + growth_4) / 2 - growth_4, abs=1e-12)


def test_missing_neighbour_is_renormalised_and_missing_rows_propagate():
    panel = _panel()
    panel.loc[(panel["code"] == 3) & (panel["year"] == 2011), "science_spending"] = np.nan
    result = role_indices(panel, ROSTER, LINE, method="equal")
    frame = result.frame.set_index(["code", "year"])
    assert np.isnan(frame.loc[(3, 2011), "deviation"])
    # city 2's neighbours in 2011: only city 1 observed
    assert frame.loc[(2, 2011), "neighbour_deviation"] == pytest.approx(
        frame.loc[(1, 2011), "deviation"], abs=1e-12
    )
    # city 4's only neighbour is missing: no lag, no reinforcement index
    assert np.isnan(frame.loc[(4, 2011), "neighbour_deviation"])
    assert np.isnan(frame.loc[(4, 2011), "reinforcement"])


def test_persistence_run_breaks_on_gap_and_missing():
    frame = pd.DataFrame(
        {
            "code": [1] * 6,
            "year": [2001, 2002, 2004, 2005, 2006, 2007],
            "below_median": [1.0, 1.0, 1.0, np.nan, 1.0, 1.0],
        }
    )
    assert below_median_run(frame).tolist()[:3] == [1.0, 2.0, 1.0]
    assert np.isnan(below_median_run(frame).iloc[3])
    assert below_median_run(frame).tolist()[4:] == [1.0, 2.0]


def test_livelihood_includes_optional_columns_when_present():
    panel = _panel().assign(health_spending=10.0)
    result = role_indices(panel, ROSTER, LINE, method="equal")
    assert result.options["livelihood_columns"] == ("education_spending", "health_spending")
    assert _get(result, "non_livelihood_share")[(1, 2010)] == pytest.approx(1 - 30 / 100)


def test_user_errors():
    with pytest.raises(ParameterError, match="weighting"):
        role_indices(_panel(), ROSTER, LINE, method="pca")
    with pytest.raises(DataError, match="science_spending"):
        role_indices(_panel().drop(columns="science_spending"), ROSTER, LINE)
    with pytest.raises(DataError, match="not on the roster"):
        role_indices(_panel(), ROSTER.iloc[:3], LINE)
