"""Chapter 7 sentences follow the numbers handed in."""

from __future__ import annotations

import pandas as pd

from inertia.report import robustness_text as text


def _summary(share: float, median: float, outcome: str = "shortfall_growth") -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "outcome": outcome,
                "effect": "weakness",
                "n_specs": 1416,
                "n_failed": 0,
                "n_duplicates": 432,
                "median": median,
                "q05": median - 0.1,
                "q95": median + 0.1,
                "share_positive": 0.9 if median > 0 else 0.1,
                "share_negative": 0.1 if median > 0 else 0.9,
                "share_significant": share,
                "share_significant_positive": share if median > 0 else 0.0,
                "share_significant_negative": 0.0 if median > 0 else share,
                "dominant_sign": 1 if median > 0 else -1,
                "share_significant_dominant": share,
                "share_significant_dominant_dk": share / 2,
                "reference_std": 0.31,
                "reference_estimate": 0.062,
            }
        ]
    )


def test_curve_sentence_flips_with_the_share() -> None:
    robust = text.curve_sentence(_summary(0.8, 0.12), "shortfall_growth")
    fragile = text.curve_sentence(_summary(0.2, 0.12), "shortfall_growth")
    assert "80% are significant and positive" in robust and "— robust" in robust
    assert "(40% with Driscoll-Kraay SEs)" in robust
    assert "20% are significant and positive" in fragile and "not robust" in fragile
    assert "and negative" in text.curve_sentence(_summary(0.8, -0.12), "shortfall_growth")
    assert "1,416 estimates" in robust and "baseline specification's is 0.31" in robust
    assert "chapter 4's outcome" in robust
    # a curve is read for its own outcome only
    assert "Role weakness" not in text.curve_sentence(_summary(0.8, 0.12), "shortfall")


def _pvalues(p_median: float, outcome: str = "shortfall_growth") -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "outcome": outcome,
                "effect": "deviation",
                "n_specs": 708,
                "median": 0.05,
                "p_median": p_median,
                "dominant_sign": 1,
                "share_significant_dominant": 0.4,
                "p_share": 0.3,
                "null_median_q025": -0.08,
                "null_median_q975": 0.07,
                "null_share_q95": 0.2,
            }
        ]
    )


def test_test_sentence_flips_with_the_p_value() -> None:
    rejects = text.test_sentence(_pvalues(1 / 501), 500, "wild-rademacher")
    keeps = text.test_sentence(_pvalues(0.5), 500, "wild-rademacher")
    assert "rejects 'no effect'" in rejects and "smallest attainable with 500 draws" in rejects
    assert "within the range of the null" in keeps and "p = 0.500" in keeps
    assert "Rademacher weights by city" in keeps and "every specification re-estimated" in keeps
    assert "-0.08 to 0.07" in keeps and "40%, against 20%" in keeps
    both = pd.concat([_pvalues(0.5), _pvalues(0.01, "shortfall")])
    sentence = text.test_sentence(both, 500, "wild-rademacher")
    assert "* Shortfall growth:" in sentence and "* Shortfall level:" in sentence


def test_influence_sentence_names_the_largest_fork() -> None:
    influence = pd.DataFrame(
        [
            {
                "outcome": "shortfall_growth",
                "effect": "weakness",
                "fork": "controls",
                "n_levels": 2,
                "eta_squared": 0.1,
                "median_range": 0.02,
                "low_level": "none",
                "high_level": "log_gdp_pc",
            },
            {
                "outcome": "shortfall_growth",
                "effect": "weakness",
                "fork": "estimator",
                "n_levels": 3,
                "eta_squared": 0.6,
                "median_range": 0.3,
                "low_level": "naive",
                "high_level": "eiv",
            },
        ]
    )
    sentence = text.influence_sentence(influence, "shortfall_growth")
    assert "estimator choice (60%" in sentence
    flipped = influence.assign(eta_squared=[0.7, 0.2])
    assert "controls choice (70%" in text.influence_sentence(flipped, "shortfall_growth")
    assert "No choice varies" in text.influence_sentence(influence, "shortfall")
    table = text.influence_table(flipped)
    assert list(table["fork"]) == ["controls", "estimator"]


def test_scope_sentence_counts_failures_and_repeats() -> None:
    summary = pd.concat([_summary(0.5, 0.1), _summary(0.5, 0.1, "shortfall")])
    none = pd.DataFrame(columns=["outcome", "fork", "level", "same_as", "specifications"])
    clean = text.scope_sentence(summary, 1848, 24, 0, none, "simulated panel")
    assert "**1,848 specifications**" in clean and "every specification was estimated" in clean
    assert "1,416 on the curve of shortfall growth, 1,416 on the curve of shortfall level" in clean
    repeats = pd.DataFrame(
        [["shortfall_growth", "horizon", "final", "target", 216]], columns=none.columns
    )
    counted = text.scope_sentence(summary, 1848, 24, 3, repeats, "simulated panel")
    assert "3 could not be estimated" in counted
    assert "216 repeat another specification's" in counted
    assert "216 with horizon final instead of target (shortfall growth)" in counted


def test_baseline_sentence_says_whether_the_headline_is_reproduced() -> None:
    check = pd.DataFrame(
        {
            "effect": ["weakness"],
            "term": ["fiscal_gap"],
            "headline_coef": [0.062],
            "curve_coef": [0.062],
            "headline_se": [0.021],
            "curve_se": [0.021],
            "headline_p": [0.005],
            "curve_p": [0.005],
            "n_headline": [859],
            "n_curve": [859],
            "coef_difference": [2e-16],
            "se_difference": [5e-16],
        }
    )
    assert "reproduces chapter 4's headline" in text.baseline_sentence(check)
    assert "859 city-years" in text.baseline_sentence(check)
    off = check.assign(coef_difference=[1e-3])
    assert "**does not reproduce**" in text.baseline_sentence(off)
    assert "not among these forks" in text.baseline_sentence(check.iloc[0:0])


def test_estimator_and_pinned_sentences() -> None:
    by_estimator = pd.DataFrame(
        {
            "outcome": ["shortfall_growth"] * 2,
            "estimator": ["eiv", "eiv"],
            "effect": ["weakness", "deviation"],
            "n_specs": [120, 120],
            "median": [0.3, 0.2],
            "share_significant": [0.75, 1.0],
        }
    )
    sentence = text.estimator_sentence(by_estimator, "shortfall_growth")
    assert "2SLS on the markers" in sentence and "(120 specifications)" in sentence
    assert "role weakness 0.3 (75% significant)" in sentence
    rules = [
        {"if": {"estimator": ["eiv", "naive"]}, "exclude": {"role_method": ["equal"]}},
        {"if": {"time_effects": "cluster_year"}, "exclude": {"shortfall_reference": ["mean"]}},
    ]
    pinned = text.pinned_sentence(rules)
    assert "role weights outside composite" in pinned and "cluster-by-year effects" in pinned
    assert text.pinned_sentence([]) == "No fork is pinned."


def test_failure_table_counts_specifications_per_reason() -> None:
    table = pd.DataFrame(
        {
            "spec_id": ["a", "a", "b", "c", "d"],
            "estimate": [float("nan"), float("nan"), float("nan"), float("nan"), 0.1],
            "error": [
                "fit: too few observations: 0 city-years",
                "fit: too few observations: 0 city-years",
                "fit: too few observations: 9 city-years",
                "measurement: missing milestone; check the data",
                None,
            ],
        }
    )
    failures = text.failure_table(table)
    # a and b share a reason once digits are masked; a counts once although two effects failed.
    assert failures.to_dict("list") == {
        "reason": ["fit: too few observations: # city-years", "measurement: missing milestone"],
        "specifications": [2, 1],
        "share": [0.5, 0.25],
    }
    assert text.failed_specifications(table) == 3
    assert text.failure_table(table.iloc[[4]]).empty
