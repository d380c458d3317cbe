"""Tests for coupling coordination, order degrees and the Meng-Han synergy degree.

Oracles: hand calculations (tolerance 1e-12), the two-subsystem closed form
2 sqrt(U1 U2)/(U1 + U2), the equivalent product form n [prod U / (sum U)^n]^(1/n),
and identities/bounds (C in [0, 1], C = 1 iff all U equal, SD in [-1, 1]).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from inertia.errors import DataError, ParameterError
from inertia.measures import (
    COORDINATION_GRADES,
    coordination_grade,
    coupling_coordination,
    subsystem_order_degree,
    synergy_degree,
)


def test_two_subsystem_hand_example():
    # U = (0.2, 0.8): C = 2 sqrt(0.16) / 1.0 = 0.8, T = 0.5, D = sqrt(0.4) = 0.632 -> band 7.
    result = coupling_coordination(pd.DataFrame({"edu": [0.2], "health": [0.8]}))
    row = result.iloc[0]
    assert row["C"] == pytest.approx(0.8, abs=1e-12)
    assert row["T"] == pytest.approx(0.5, abs=1e-12)
    assert row["D"] == pytest.approx(np.sqrt(0.4), abs=1e-12)
    assert row["band"] == 7
    assert row["grade_zh"] == "初级协调"
    assert row["grade_en"] == "primary coordination"


def test_coupling_matches_closed_forms_and_bounds():
    rng = np.random.default_rng(12)
    U2 = pd.DataFrame(rng.uniform(0.01, 1, size=(200, 2)), columns=["a", "b"])
    c2 = coupling_coordination(U2)["C"]
    closed = 2 * np.sqrt(U2["a"] * U2["b"]) / (U2["a"] + U2["b"])
    np.testing.assert_allclose(c2.to_numpy(), closed.to_numpy(), atol=1e-12)

    U6 = pd.DataFrame(rng.uniform(0, 1, size=(200, 6)), columns=list("abcdef"))
    result = coupling_coordination(U6)
    product_form = 6 * (U6.prod(axis=1) / U6.sum(axis=1) ** 6) ** (1 / 6)
    np.testing.assert_allclose(result["C"].to_numpy(), product_form.to_numpy(), atol=1e-12)
    assert result["C"].between(0, 1).all()
    assert result["D"].between(0, 1).all()
    np.testing.assert_allclose(result["T"], U6.mean(axis=1), atol=1e-15)
    np.testing.assert_allclose(result["D"] ** 2, result["C"] * result["T"], atol=1e-12)
    assert result.index.equals(U6.index)
    assert list(result.columns) == ["C", "T", "D", "band", "grade_zh", "grade_en"]


def test_c_is_one_when_all_subsystems_equal_and_zero_row_is_handled():
    U = pd.DataFrame(
        {"a": [0.3, 1.0, 0.0, 0.5], "b": [0.3, 1.0, 0.0, 0.0], "c": [0.3, 1.0, 0.0, 0.5]}
    )
    result = coupling_coordination(U)
    assert result["C"].iloc[0] == pytest.approx(1.0, abs=1e-15)
    assert result["C"].iloc[1] == pytest.approx(1.0, abs=1e-15)
    # All zero: C is 0/0 (NaN), D = 0 because C is bounded and T = 0.
    assert np.isnan(result["C"].iloc[2]) and result["D"].iloc[2] == 0.0
    # One subsystem at zero makes the geometric mean, hence C and D, zero.
    assert result["C"].iloc[3] == 0.0 and result["D"].iloc[3] == 0.0
    assert result["band"].iloc[2] == 1 and result["grade_zh"].iloc[2] == "极度失调"


def test_weighted_development_index():
    U = pd.DataFrame({"a": [0.2], "b": [0.6]})
    result = coupling_coordination(U, weights={"a": 0.25, "b": 0.75})
    assert result["T"].iloc[0] == pytest.approx(0.25 * 0.2 + 0.75 * 0.6, abs=1e-15)
    with pytest.raises(ParameterError, match="sum to 1"):
        coupling_coordination(U, weights={"a": 0.5, "b": 0.75})
    with pytest.raises(ParameterError, match="exactly the subsystems"):
        coupling_coordination(U, weights={"a": 1.0})


def test_grade_band_edges():
    degrees = pd.Series([0.0, 0.0999, 0.1, 0.3, 0.45, 0.5, 0.6, 0.7, 0.8, 0.899, 0.9, 1.0])
    bands = coordination_grade(degrees)["band"].tolist()
    assert bands == [1, 1, 2, 4, 5, 6, 7, 8, 9, 9, 10, 10]
    assert COORDINATION_GRADES.loc[10, "grade_zh"] == "优质协调"
    assert COORDINATION_GRADES.loc[1, "grade_en"] == "extreme imbalance"
    assert len(COORDINATION_GRADES) == 10


def test_coupling_rejects_bad_scores():
    with pytest.raises(DataError, match=r"\[0, 1\]"):
        coupling_coordination(pd.DataFrame({"a": [1.2], "b": [0.5]}))
    with pytest.raises(DataError, match="NaN"):
        coupling_coordination(pd.DataFrame({"a": [np.nan], "b": [0.5]}))
    with pytest.raises(ParameterError, match="at least two"):
        coupling_coordination(pd.DataFrame({"a": [0.4]}))


def test_synergy_degree_hand_examples_and_sign_rule():
    base = pd.Series({"edu": 0.2, "health": 0.3})
    # Both improve by 0.3 and 0.1: +sqrt(0.03).
    assert synergy_degree(base, pd.Series({"edu": 0.5, "health": 0.4})) == pytest.approx(
        np.sqrt(0.03), abs=1e-12
    )
    # One deteriorates: the sign is negative although the other improves more.
    assert synergy_degree(base, pd.Series({"edu": 0.5, "health": 0.2})) == pytest.approx(
        -np.sqrt(0.03), abs=1e-12
    )
    # Both deteriorate: also negative.
    assert synergy_degree(base, pd.Series({"edu": 0.1, "health": 0.1})) == pytest.approx(
        -np.sqrt(0.1 * 0.2), abs=1e-12
    )
    # A subsystem without change: zero synergy.
    assert synergy_degree(base, pd.Series({"edu": 0.9, "health": 0.3})) == 0.0
    # Extremes of the range.
    zeros, ones = (
        pd.Series({"a": 0.0, "b": 0.0, "c": 0.0}),
        pd.Series({"a": 1.0, "b": 1.0, "c": 1.0}),
    )
    assert synergy_degree(zeros, ones) == pytest.approx(1.0)
    assert synergy_degree(ones, zeros) == pytest.approx(-1.0)


def test_synergy_degree_frames_and_bounds():
    rng = np.random.default_rng(31)
    now = pd.DataFrame(rng.uniform(size=(100, 6)), columns=list("abcdef"), index=range(2001, 2101))
    base_row = pd.Series(rng.uniform(size=6), index=list("abcdef"))
    degree = synergy_degree(base_row, now)
    assert isinstance(degree, pd.Series) and degree.index.equals(now.index)
    assert degree.between(-1, 1).all()
    changes = now - base_row
    expected = np.where(changes.min(axis=1) > 0, 1, -1) * changes.abs().prod(axis=1) ** (1 / 6)
    np.testing.assert_allclose(degree.to_numpy(), expected, atol=1e-12)
    # Row-by-row base: same as calling with each row's Series.
    base_frame = pd.DataFrame(rng.uniform(size=(100, 6)), columns=list("abcdef"), index=now.index)
    paired = synergy_degree(base_frame, now)
    assert paired.loc[2050] == pytest.approx(synergy_degree(base_frame.loc[2050], now.loc[2050]))
    with pytest.raises(ParameterError, match="same rows"):
        synergy_degree(base_frame.iloc[:5], now)
    with pytest.raises(ParameterError, match="differ"):
        synergy_degree(base_row.drop("a"), now)


def test_subsystem_order_degree_hand_example():
    X = pd.DataFrame({"teachers": [10.0, 15.0, 20.0], "pupils_per_teacher": [20.0, 16.0, 12.0]})
    lower = {"teachers": 5.0, "pupils_per_teacher": 10.0}
    upper = {"teachers": 25.0, "pupils_per_teacher": 30.0}
    directions = {"teachers": 1, "pupils_per_teacher": -1}
    # u(teachers) = (x - 5)/20 = [0.25, 0.5, 0.75]; u(ratio) = (30 - x)/20 = [0.5, 0.7, 0.9].
    geometric = subsystem_order_degree(X, lower, upper, directions)
    np.testing.assert_allclose(geometric, np.sqrt([0.25 * 0.5, 0.5 * 0.7, 0.75 * 0.9]), atol=1e-12)
    linear = subsystem_order_degree(
        X, lower, upper, directions, aggregate="linear",
        weights={"teachers": 0.4, "pupils_per_teacher": 0.6},
    )  # fmt: skip
    np.testing.assert_allclose(linear, [0.4, 0.62, 0.84], atol=1e-12)
    default_bounds = subsystem_order_degree(X, directions=directions, aggregate="linear")
    np.testing.assert_allclose(default_bounds, [0.0, 0.5, 1.0], atol=1e-12)
    with pytest.raises(DataError, match="outside their bounds"):
        subsystem_order_degree(X, {"teachers": 12.0, "pupils_per_teacher": 10.0}, upper)
    with pytest.raises(ParameterError, match="aggregate"):
        subsystem_order_degree(X, aggregate="median")
