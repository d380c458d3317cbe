"""Chapter 7 sentences follow the numbers handed in."""

from __future__ import annotations

import pandas as pd

from inertia.report import robustness_text as text


def _summary(share: float, median: float) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "effect": "weakness",
                "n_specs": 2160,
                "n_failed": 0,
                "median": median,
                "q05": median - 0.1,
                "q95": median + 0.1,
                "share_positive": 0.9 if median > 0 else 0.1,
                "share_negative": 0.1 if median > 0 else 0.9,
                "share_significant": share,
                "share_significant_same_sign": share,
            }
        ]
    )


def test_curve_sentence_flips_with_the_share() -> None:
    robust = text.curve_sentence(_summary(0.8, 0.12))
    fragile = text.curve_sentence(_summary(0.2, 0.12))
    assert "80% are significant and positive" in robust and "— robust" in robust
    assert "20% are significant and positive" in fragile and "not robust" in fragile
    assert "and negative" in text.curve_sentence(_summary(0.8, -0.12))
    assert "2,160 estimates" in robust


def _pvalues(p_median: float) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "effect": "deviation",
                "median": 0.05,
                "share_significant_same_sign": 0.4,
                "p_median": p_median,
                "p_share": 0.3,
            }
        ]
    )


def test_permutation_sentence_flips_with_the_p_value() -> None:
    rejects = text.permutation_sentence(_pvalues(1 / 101), 100, 16, "city")
    keeps = text.permutation_sentence(_pvalues(0.5), 100, 16, "city")
    assert "rejects 'no effect'" in rejects and "smallest attainable with 100 draws" in rejects
    assert "within the range of the null" in keeps and "p = 0.500" in keeps
    assert "16 specifications" in keeps and "city histories" in keeps
    assert "of which 3 could be estimated" in text.permutation_sentence(
        _pvalues(0.5), 100, 16, "city", n_estimable=3
    )
    assert "could be estimated" not in text.permutation_sentence(
        _pvalues(0.5), 100, 16, "city", n_estimable=16
    )


def test_influence_sentence_names_the_largest_fork() -> None:
    influence = pd.DataFrame(
        [
            {
                "effect": "weakness",
                "fork": "controls",
                "n_levels": 2,
                "eta_squared": 0.1,
                "median_range": 0.02,
                "low_level": "none",
                "high_level": "log_gdp_pc",
            },
            {
                "effect": "weakness",
                "fork": "outcome",
                "n_levels": 3,
                "eta_squared": 0.6,
                "median_range": 0.3,
                "low_level": "gap",
                "high_level": "cluster_gap",
            },
        ]
    )
    sentence = text.influence_sentence(influence)
    assert "outcome choice (60%" in sentence
    flipped = influence.assign(eta_squared=[0.7, 0.2])
    assert "controls choice (70%" in text.influence_sentence(flipped)
    table = text.influence_table(flipped)
    assert list(table["fork"]) == ["controls", "outcome"]


def test_scope_sentence_counts_failures() -> None:
    assert "every specification was estimated" in text.scope_sentence(
        24, 6, 0, "simulated panel", ["clustered"]
    )
    assert "3 of them could not be estimated" in text.scope_sentence(
        24, 6, 3, "simulated panel", ["clustered"]
    )


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
