"""Tests for inertia.transforms.

Oracles: the regression with explicit dummies (statsmodels OLS) for the
absorbed effects, by Frisch-Waugh-Lovell (1e-10 on an unbalanced panel), and
hand calculations for the change per year on an irregular year grid, and
spatial lags as neighbour averages written out by hand.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from libpysal.weights import W

from inertia.errors import DataError
from inertia.transforms import (
    absorb,
    absorbed_dof,
    calendar_lags,
    change_per_year,
    spatial_lag,
    subset_weights,
)


@pytest.fixture
def unbalanced() -> pd.DataFrame:
    rng = np.random.default_rng(3)
    rows = [(c, y) for c in range(12) for y in range(2005, 2015) if rng.uniform() > 0.2]
    frame = pd.DataFrame(rows, columns=["code", "year"])
    frame["group"] = (frame["code"] % 3).astype(str) + ":" + frame["year"].astype(str)
    frame["x"] = rng.normal(size=len(frame)) + 0.1 * frame["code"]
    frame["y"] = 2 * frame["x"] + rng.normal(size=len(frame)) + frame["code"] * 0.3
    return frame


@pytest.mark.filterwarnings("ignore::statsmodels.tools.sm_exceptions.SingularMatrixWarning")
@pytest.mark.parametrize("other", ["year", "group", None])
def test_absorb_equals_dummy_regression(unbalanced: pd.DataFrame, other: str | None) -> None:
    import statsmodels.formula.api as smf

    formula = "y ~ x + C(code)" + (f" + C({other})" if other else "")
    oracle = smf.ols(formula, data=unbalanced).fit()
    within = absorb(unbalanced, ["y", "x"], entity="code", other=other)
    slope = float(within["x"] @ within["y"] / (within["x"] @ within["x"]))
    assert slope == pytest.approx(oracle.params["x"], abs=1e-10)
    # The residuals are those of the dummy regression.
    residual = within["y"] - slope * within["x"]
    np.testing.assert_allclose(residual.to_numpy(), oracle.resid.to_numpy(), atol=1e-10)


@pytest.mark.parametrize("other", ["year", "group"])
def test_absorbed_dof_is_the_rank_of_the_dummies(unbalanced: pd.DataFrame, other: str) -> None:
    dummies = pd.get_dummies(unbalanced[["code", other]].astype(str), dtype=float)
    assert absorbed_dof(unbalanced, other=other) == np.linalg.matrix_rank(dummies.to_numpy())
    # Cities nested in three groups meet only their own group-years: one component each.
    if other == "group":
        expected = unbalanced["code"].nunique() + unbalanced["group"].nunique() - 3
        assert absorbed_dof(unbalanced, other=other) == expected


def test_absorb_names_a_missing_column(unbalanced: pd.DataFrame) -> None:
    with pytest.raises(DataError, match="'z'"):
        absorb(unbalanced, ["z"])


def test_calendar_lags_follow_the_calendar_not_the_rows() -> None:
    """By hand: city 2 lacks 2003, so its 2004 lag is NaN (not 2002's value)."""
    frame = pd.DataFrame(
        {
            "city": [2, 1, 1, 2, 1, 2],
            "t": [2004, 2002, 2003, 2002, 2004, 2001],
            "x": [40.0, 12.0, 13.0, 22.0, 14.0, 21.0],
        },
        index=[10, 11, 12, 13, 14, 15],
    )
    lags = calendar_lags(frame, ["x"], [1, 2], entity="city", time="t")
    assert lags.columns.tolist() == ["x_lag1", "x_lag2"]
    assert lags.index.tolist() == frame.index.tolist()
    np.testing.assert_array_equal(lags["x_lag1"], [np.nan, np.nan, 12.0, 21.0, 13.0, np.nan])
    np.testing.assert_array_equal(lags["x_lag2"], [22.0, np.nan, np.nan, np.nan, 12.0, np.nan])


def test_change_per_year_on_an_irregular_grid() -> None:
    frame = pd.DataFrame(
        {
            "code": [1, 1, 1, 2, 2],
            "year": [2005, 2008, 2011, 2005, 2011],
            "v": [10.0, 16.0, 19.0, 4.0, 10.0],
        }
    )
    change = change_per_year(frame, "v")
    # (16 - 10) / 3, (19 - 16) / 3; city 2 has no value in the grid year 2008.
    expected = [np.nan, 2.0, 1.0, np.nan, np.nan]
    np.testing.assert_allclose(change.to_numpy(), expected, equal_nan=True)
    growth = change_per_year(frame, "v", log=True)
    assert growth.iloc[1] == pytest.approx(np.log(1.6) / 3, abs=1e-15)


def test_spatial_lag_is_neighbour_average_with_missing_renormalised():
    line = W({1: [2], 2: [1, 3], 3: [2, 4], 4: [3]})
    data = pd.DataFrame(
        {
            "code": [1, 2, 3, 4, 1, 2, 3, 4],
            "year": [2000] * 4 + [2001] * 4,
            "v": [1.0, 2.0, 4.0, 8.0, 1.0, 2.0, np.nan, 8.0],
        }
    )
    lag = spatial_lag(data, ["v"], line)["W_v"].tolist()
    assert lag[:4] == [2.0, (1 + 4) / 2, (2 + 8) / 2, 4.0]
    assert lag[4:6] == [2.0, 1.0]  # city 2's neighbour 3 is missing in 2001
    assert np.isnan(lag[6])  # missing value -> no lag of its own
    assert np.isnan(lag[7])  # city 4's only neighbour is missing
    assert subset_weights(line, [1, 2]).transform.upper() == "R"


def test_unknown_codes_raise():
    line = W({1: [2], 2: [1]})
    data = pd.DataFrame({"code": [1, 2, 3], "year": [2000] * 3, "v": [1.0, 2.0, 3.0]})
    with pytest.raises(DataError, match="not in the spatial weights"):
        spatial_lag(data, ["v"], line)
