"""Tests for entropy weights, min-max scaling and TOPSIS.

Oracles: a 3x3 entropy example and a TOPSIS example worked by hand (closed
forms written out below, tolerance 1e-12), pymcdm on the same scaled data
(tolerance 1e-10), and invariance properties.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from pymcdm import normalizations as pymcdm_norm
from pymcdm.methods import TOPSIS as PymcdmTopsis
from pymcdm.weights import entropy_weights as pymcdm_entropy_weights

from inertia.errors import DataError, ParameterError
from inertia.measures import entropy_weights, minmax_scale, topsis

# Three cities (rows), three indicators: a and c are benefits, b is a cost.
HAND_X = pd.DataFrame({"a": [1.0, 2.0, 4.0], "b": [3.0, 1.0, 2.0], "c": [10.0, 20.0, 30.0]})
HAND_DIRECTIONS = {"a": 1, "b": -1, "c": 1}


def test_entropy_weights_hand_example_with_zero_shift():
    # shift = 0, worked step by step:
    #   a (benefit): x' = (x - 1)/3      = [0, 1/3, 1]   -> p = [0, 1/4, 3/4]
    #   b (cost):    x' = (3 - x)/2      = [0, 1, 1/2]   -> p = [0, 2/3, 1/3]
    #   c (benefit): x' = (x - 10)/20    = [0, 1/2, 1]   -> p = [0, 1/3, 2/3]
    # With 0 ln 0 = 0 and n = 3:
    #   e_a = -(1/4 ln 1/4 + 3/4 ln 3/4)/ln 3 = ln 4/ln 3 - 3/4
    #   e_b = e_c = -(1/3 ln 1/3 + 2/3 ln 2/3)/ln 3 = 1 - (2/3) ln 2/ln 3
    #   d = 1 - e, w = d / sum d.
    ln2, ln3 = np.log(2), np.log(3)
    d_a = 1.75 - 2 * ln2 / ln3
    d_bc = (2 / 3) * ln2 / ln3
    expected = np.array([d_a, d_bc, d_bc]) / (d_a + 2 * d_bc)

    weights = entropy_weights(HAND_X, HAND_DIRECTIONS, shift=0.0)

    np.testing.assert_allclose(weights.to_numpy(), expected, rtol=0, atol=1e-12)
    assert list(weights.index) == ["a", "b", "c"]
    assert weights.name == "weight"


def test_entropy_weights_match_pymcdm_on_the_same_scaled_matrix():
    # pymcdm.weights.entropy_weights sum-normalises the *raw* matrix it is given
    # (p_ij = x_ij / sum_i x_ij) and has no direction or min-max step. So we hand
    # it our min-max-with-shift matrix, computed here independently, and the two
    # entropy steps must agree. (pymcdm sets e_j = 0 when any p_ij == 0, unlike
    # our 0 ln 0 = 0, so the shift must be > 0 for this comparison.)
    rng = np.random.default_rng(20240501)
    X = pd.DataFrame(rng.lognormal(size=(40, 5)), columns=list("vwxyz"))
    directions = {"v": 1, "w": -1, "x": 1, "y": -1, "z": 1}
    shift = 1e-4
    scaled = np.empty(X.shape)
    for j, column in enumerate(X.columns):
        x = X[column].to_numpy()
        span = x.max() - x.min()
        if directions[column] == 1:
            scaled[:, j] = (x - x.min()) / span + shift
        else:
            scaled[:, j] = (x.max() - x) / span + shift

    ours = entropy_weights(X, directions, shift=shift)

    np.testing.assert_allclose(ours.to_numpy(), pymcdm_entropy_weights(scaled), atol=1e-10)
    np.testing.assert_allclose(minmax_scale(X, directions, shift=shift).to_numpy(), scaled)


def test_entropy_weights_sum_to_one_and_are_invariant_to_affine_rescaling():
    rng = np.random.default_rng(7)
    X = pd.DataFrame(rng.normal(size=(30, 4)), columns=list("pqrs"))
    weights = entropy_weights(X)
    assert weights.sum() == pytest.approx(1.0, abs=1e-12)
    assert (weights >= 0).all()

    rescaled = X.assign(p=X["p"] * 250.0 + 3.0, q=X["q"] / 1000.0)
    pd.testing.assert_series_equal(entropy_weights(rescaled), weights, atol=1e-12, rtol=0)
    # A cost indicator is the same as the benefit indicator of its negative.
    flipped = X.assign(r=-X["r"])
    pd.testing.assert_series_equal(
        entropy_weights(flipped, {"p": 1, "q": 1, "r": -1, "s": 1}), weights, atol=1e-12, rtol=0
    )


def test_shift_changes_weights_only_slightly_and_zero_shift_is_finite():
    rng = np.random.default_rng(3)
    X = pd.DataFrame(rng.lognormal(size=(25, 3)), columns=list("abc"))
    w0 = entropy_weights(X, shift=0.0)
    w4 = entropy_weights(X, shift=1e-4)
    assert np.isfinite(w0).all()
    assert np.abs(w0 - w4).max() < 1e-3
    assert (w0 != w4).any()


def _panel(seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    years = np.repeat([2015, 2016, 2017], 20)
    return pd.DataFrame(
        {
            "year": years,
            "beds": rng.lognormal(size=60) + (years - 2015),
            "books": rng.lognormal(size=60),
            "price": rng.lognormal(size=60),
        }
    )


def test_per_year_weights_equal_separate_calls_per_year():
    panel = _panel(11)
    directions = {"beds": 1, "books": 1, "price": -1}
    per_year = entropy_weights(panel, directions, pooled=False, by="year")
    for year, rows in panel.groupby("year"):
        alone = entropy_weights(rows.drop(columns="year"), directions)
        np.testing.assert_allclose(per_year.loc[year].to_numpy(), alone.to_numpy(), atol=1e-14)
    assert per_year.index.names == ["year", "indicator"]
    # The grouping can also be an index level.
    by_level = entropy_weights(panel.set_index("year"), directions, pooled=False, by="year")
    pd.testing.assert_series_equal(by_level, per_year)
    # Pooled weights are one vector over all city-years, and differ from per-year ones.
    pooled = entropy_weights(panel.drop(columns="year"), directions)
    assert pooled.index.tolist() == ["beds", "books", "price"]
    assert not np.allclose(pooled.to_numpy(), per_year.loc[2015].to_numpy())


@pytest.mark.parametrize(
    ("directions", "message"),
    [
        ({"a": 1, "b": 2, "c": 1}, "must be \\+1"),
        ({"a": 1, "b": -1}, "no direction given"),
        ({"a": 1, "b": -1, "c": 1, "d": 1}, "unknown columns"),
    ],
)
def test_bad_directions_raise_parameter_error(directions, message):
    with pytest.raises(ParameterError, match=message):
        entropy_weights(HAND_X, directions)


def test_data_problems_raise_data_error():
    with pytest.raises(DataError, match="constant"):
        entropy_weights(HAND_X.assign(c=5.0))
    with pytest.raises(DataError, match="NaN"):
        entropy_weights(HAND_X.assign(a=[1.0, np.nan, 4.0]))
    with pytest.raises(DataError, match="constant over the 1 rows"):
        entropy_weights(HAND_X.iloc[:1])
    with pytest.raises(DataError, match="infinite"):
        entropy_weights(HAND_X.assign(a=[1.0, np.inf, 4.0]))
    panel = _panel(2)
    panel.loc[panel["year"] == 2016, "books"] = 1.0
    with pytest.raises(DataError, match="year=2016"):
        entropy_weights(panel, pooled=False, by="year")


def test_pooled_and_by_must_be_consistent():
    with pytest.raises(ParameterError, match="only used with pooled=False"):
        entropy_weights(HAND_X, by="a")
    with pytest.raises(ParameterError, match="needs `by`"):
        entropy_weights(HAND_X, pooled=False)
    with pytest.raises(ParameterError, match="neither a column"):
        entropy_weights(HAND_X, pooled=False, by="year")
    with pytest.raises(ParameterError, match="shift"):
        entropy_weights(HAND_X, shift=-1.0)
    with pytest.raises(ParameterError, match="numeric"):
        entropy_weights(HAND_X.assign(name=["x", "y", "z"]))


def test_topsis_hand_example():
    # Min-max normalised (zero shift): a = [0, 1/3, 1], b = [0, 1, 1/2], c = [0, 1/2, 1].
    # Weights (1/2, 1/4, 1/4): v0 = (0, 0, 0), v1 = (1/6, 1/4, 1/8), v2 = (1/2, 1/8, 1/4);
    # ideal = (1/2, 1/4, 1/4), anti-ideal = (0, 0, 0).
    weights = {"a": 0.5, "b": 0.25, "c": 0.25}
    d_plus = np.array([np.sqrt(0.375), np.sqrt(1 / 9 + 1 / 64), 0.125])
    d_minus = np.array([0.0, np.sqrt(1 / 36 + 1 / 16 + 1 / 64), np.sqrt(1 / 4 + 1 / 64 + 1 / 16)])
    expected = d_minus / (d_plus + d_minus)

    closeness = topsis(HAND_X, weights, HAND_DIRECTIONS)

    np.testing.assert_allclose(closeness.to_numpy(), expected, rtol=0, atol=1e-12)
    assert closeness.name == "topsis"


@pytest.mark.parametrize(
    ("ours", "theirs"),
    [
        ("minmax", pymcdm_norm.minmax_normalization),
        # pymcdm turns a cost column into 1 - x/||x||, a reflection that leaves every
        # distance to the ideal/anti-ideal equal to the classic Hwang-Yoon rule
        # (ideal = column min for costs), so closeness is the same.
        ("vector", pymcdm_norm.vector_normalization),
    ],
)
def test_topsis_matches_pymcdm(ours, theirs):
    rng = np.random.default_rng(99)
    X = pd.DataFrame(rng.lognormal(size=(50, 4)), columns=list("klmn"))
    directions = {"k": 1, "l": -1, "m": 1, "n": -1}
    weights = entropy_weights(X, directions)
    expected = PymcdmTopsis(normalization_function=theirs)(
        X.to_numpy(), weights.to_numpy(), np.array([1, -1, 1, -1])
    )
    closeness = topsis(X, weights, directions, normalization=ours)
    np.testing.assert_allclose(closeness.to_numpy(), expected, atol=1e-10)
    assert closeness.between(0, 1).all()


def test_topsis_extremes_and_validation():
    X = pd.DataFrame({"good": [1.0, 2.0, 3.0], "bad": [30.0, 20.0, 10.0]}, index=list("xyz"))
    closeness = topsis(X, {"good": 0.6, "bad": 0.4}, {"good": 1, "bad": -1})
    assert closeness["z"] == pytest.approx(1.0, abs=1e-15)
    assert closeness["x"] == pytest.approx(0.0, abs=1e-15)
    with pytest.raises(ParameterError, match="sum to 1"):
        topsis(X, {"good": 0.6, "bad": 0.6}, {"good": 1, "bad": -1})
    with pytest.raises(ParameterError, match="exactly the indicator columns"):
        topsis(X, {"good": 1.0}, {"good": 1, "bad": -1})
    with pytest.raises(ParameterError, match="normalization"):
        topsis(X, {"good": 0.5, "bad": 0.5}, None, normalization="sum")
