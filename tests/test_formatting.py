"""inertia.formatting: every expected string below is worked out by hand."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from inertia import formatting as fmt


def test_number_rounds_to_fixed_decimals_without_a_negative_zero() -> None:
    assert fmt.number(0.12345) == "0.123"
    assert fmt.number(0.1235, 2) == "0.12"
    assert fmt.number(-0.0123) == "-0.012"
    assert fmt.number(-0.0004) == "0.000"  # rounds to zero: no sign
    assert fmt.number(-0.4, 0) == "0"
    assert fmt.number(2.5, 0) == "2"  # round half to even, as Python's format
    assert fmt.number(float("nan")) == "n/a"
    assert fmt.number(None, missing="NA") == "NA"
    assert fmt.number(np.inf) == "n/a"


def test_significant_digits() -> None:
    assert fmt.significant(0.012345) == "0.0123"
    assert fmt.significant(123456.0) == "1.23e+05"
    assert fmt.significant(1234.5, 6) == "1234.5"
    assert fmt.significant(-0.00001, 1) == "-1e-05"
    assert fmt.significant(float("nan"), missing="") == ""


def test_percent_multiplies_by_100() -> None:
    assert fmt.percent(0.4249) == "42%"
    assert fmt.percent(0.4251, 1) == "42.5%"
    assert fmt.percent(1.0) == "100%"
    assert fmt.percent(-0.001) == "0%"
    assert fmt.percent(float("nan")) == "n/a"


def test_p_value_gives_a_bound_below_its_last_decimal() -> None:
    assert fmt.p_value(0.0342) == "p = 0.034"
    assert fmt.p_value(0.001) == "p = 0.001"
    assert fmt.p_value(0.0009999) == "p < 0.001"
    assert fmt.p_value(0.04, 1) == "p < 0.1"
    assert fmt.p_value(float("nan")) == "p = n/a"


def test_interval_and_count() -> None:
    assert fmt.interval(0.1204, 0.45) == "[0.120, 0.450]"
    assert fmt.interval(-0.0001, float("nan"), 2) == "[0.00, n/a]"
    assert fmt.count(5185) == "5,185"
    assert fmt.count(1234567.0) == "1,234,567"
    assert fmt.count(None) == ""
    assert fmt.count(np.int64(2**62 + 1)) == "4,611,686,018,427,387,905"  # no float on the way
    with pytest.raises(ValueError, match="whole"):
        fmt.count(12.5)


@pytest.mark.parametrize(
    ("name", "values", "kind"),
    [
        ("year", [2014, 2015], "year"),
        ("milestone_year", [2014.0, np.nan], "year"),
        ("n", [5185, 4071], "count"),
        ("code", [110000, 120000], "identifier"),
        ("spec_id", [1.0, 2.0], "identifier"),
        ("cities", [63.0, np.nan], "count"),
        ("p_sim", [0.03, 0.5], "p_value"),
        ("pvalue", [0.0, 1.0], "p_value"),
        ("pretrend_pvalue", [0.2], "p_value"),
        ("share_significant", [0.7825, 1.0], "share"),
        ("prob_best", [0.5], "share"),
        ("rejection_rate", [0.05], "share"),
        ("speed", [0.107], "magnitude"),  # "speed" is no p-value
        ("shared_with", ["a"], "text"),
        ("covered", [True, False], "flag"),
        ("estimate", [0.104, 0.5], "magnitude"),
        (("model", "estimate"), [0.1], "magnitude"),
    ],
)
def test_column_kind_by_name_words_and_values(name: object, values: list, kind: str) -> None:
    assert fmt.column_kind(name, pd.Series(values)) == kind


def test_scale_decimals_give_the_typical_value_three_significant_digits() -> None:
    assert fmt.scale_decimals(np.array([0.1041, 0.43, 0.18])) == 3  # median 0.18
    assert fmt.scale_decimals(np.array([457.4, 2907.3, 1470601.7])) == 0
    assert fmt.scale_decimals(np.array([2.5, -3.1, 0.0])) == 2  # zeros left out
    assert fmt.scale_decimals(np.array([0.0, 0.0])) == 0
    assert fmt.scale_decimals(np.array([2.5e-16])) == 18


def test_column_formatter_per_kind() -> None:
    money = fmt.column_formatter("mean", pd.Series([1470601.7135, 457.4016, 2907.2578]))
    assert [money(v) for v in (1470601.7135, 457.4016, np.nan)] == ["1,470,602", "457", ""]
    coef = fmt.column_formatter("estimate", pd.Series([0.1041, -0.0004, 0.4324]))
    assert [coef(v) for v in (0.1041, -0.0004, 0.4324)] == ["0.104", "0.000", "0.432"]
    counts = fmt.column_formatter("n", pd.Series([5185.0, 962.0]))
    assert counts(5185.0) == "5,185"
    years = fmt.column_formatter("year", pd.Series([2014, 2022]))
    assert years(2014) == "2014"
    codes = fmt.column_formatter("code", pd.Series([110000.0, np.nan]))
    assert (codes(110000.0), codes(np.nan)) == ("110000", "")
    p = fmt.column_formatter("p_value", pd.Series([0.0004, 0.0421]))
    assert (p(0.0004), p(0.0421), p(1.0)) == ("<0.001", "0.042", "1.000")
    share = fmt.column_formatter("share_positive", pd.Series([0.98875, 0.0113]))
    assert (share(0.98875), share(0.0113)) == ("0.989", "0.011")
    tiny = fmt.column_formatter("coef_difference", pd.Series([2.498e-16, 1.3e-15]))
    assert tiny(2.498e-16) == "2.50e-16"
    mixed = fmt.column_formatter("value", pd.Series(["none", 12.345, 0.5], dtype=object))
    assert (mixed("none"), mixed(12.345), mixed(0.5)) == ("none", "12.35", "0.50")
    flags = fmt.column_formatter("covered", pd.Series([True, False]))
    assert flags(True) == "True"


@pytest.mark.parametrize(
    ("value", "digits", "expected"),
    [
        (0.32545, 3, "0.325"),
        (-0.015246, 3, "-0.0152"),
        (1848, 3, "1,848"),
        (1848.4, 2, "1,848"),
        (2.0, 3, "2.00"),
        (0.000123456, 2, "0.00012"),
        (-0.00001, 1, "-0.00001"),
        (0, 3, "0"),
        (float("nan"), 3, "n/a"),
    ],
)
def test_rounded_keeps_significant_digits_in_plain_decimals(
    value: float, digits: int, expected: str
) -> None:
    assert fmt.rounded(value, digits) == expected
