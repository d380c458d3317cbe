"""Chapter 4's sentence builders: numbers and verdicts come from the results.

Oracles: hand-made tidy tables and test results whose numbers are written
into the assertions; each builder is called twice with different numbers and
must say different things (the narrative changes when the estimates change).
The Monte Carlo summary is checked against a hand calculation.
"""

from __future__ import annotations

from types import SimpleNamespace

import pandas as pd
import pytest

from inertia.models.panel import MundlakTest
from inertia.report import role_text


def tidy(coefs: dict[str, tuple[float, float, float]], model: str = "TWFE") -> pd.DataFrame:
    """Tidy table from term -> (coef, se, p)."""
    rows = [
        {
            "term": term,
            "coef": coef,
            "se": se,
            "t": coef / se,
            "p": p,
            "ci_low": coef - 1.96 * se,
            "ci_high": coef + 1.96 * se,
            "model": model,
            "se_type": "clustered by city",
        }
        for term, (coef, se, p) in coefs.items()
    ]
    return pd.DataFrame(rows)


ROLES_A = {
    "weakness": (0.25, 0.05, 0.0001),
    "deviation": (0.1, 0.08, 0.21),
    "reinforcement": (-0.02, 0.01, 0.04),
}
ROLES_B = {
    "weakness": (0.05, 0.05, 0.32),
    "deviation": (0.3, 0.08, 0.002),
    "reinforcement": (-0.02, 0.01, 0.04),
}


def test_format_p_and_numbers() -> None:
    assert role_text.format_p(0.0342) == "p = 0.034"
    assert role_text.format_p(0.0004) == "p < 0.001"
    assert role_text.format_p(float("nan")) == "p = n/a"
    assert role_text.format_number(-0.0001) == "0.000"
    assert role_text.format_number(-0.0123) == "-0.012"


def test_labels_of_lags_and_cluster_slopes() -> None:
    assert role_text.label("weakness_lag1") == "Role weakness, lag 1"
    assert role_text.label("deviation:yrd") == "Role deviation × YRD"
    assert role_text.inline("milestone_exposure_yrd") == "milestone exposure, YRD"
    assert role_text.label("unknown_term") == "unknown_term"


def test_baseline_sentence_reads_numbers_and_verdicts() -> None:
    clustered = tidy(ROLES_A)
    dk = tidy({**ROLES_A, "reinforcement": (-0.02, 0.02, 0.31)})
    text = role_text.baseline_sentence(clustered, dk, "gap")
    assert "changes the gap by 0.250, significantly positive with clustered SEs" in text
    assert "(SE 0.050, p < 0.001)" in text
    assert "changes the gap by 0.100, not significant at 5% with clustered SEs" in text
    assert "-0.020, significantly negative with clustered SEs" in text
    assert "disagree on the significance of role negative reinforcement" in text
    other = role_text.baseline_sentence(tidy(ROLES_B), tidy(ROLES_B), "gap")
    assert other != text
    assert "changes the gap by 0.300, significantly positive" in other
    assert "Both SE types reach the same verdict" in other


def test_comparison_sentence_finds_the_furthest_estimator() -> None:
    table = pd.concat(
        [
            tidy({"weakness": (0.2, 0.1, 0.05)}, "TWFE"),
            tidy({"weakness": (0.25, 0.1, 0.05)}, "Pooled OLS"),
            tidy({"weakness": (0.9, 0.1, 0.05)}, "Random effects"),
            tidy({"weakness": (-0.1, 0.1, 0.05)}, "Between"),
        ]
    )
    text = role_text.comparison_sentence(table, ["weakness"])
    assert "the Random effects estimate (0.900) is furthest from TWFE (0.200)" in text
    table.loc[table["model"] == "Between", "coef"] = -1.0
    assert "the Between estimate (-1.000)" in role_text.comparison_sentence(table, ["weakness"])


def test_mundlak_sentence_reads_the_p_value() -> None:
    rejected = MundlakTest(stat=25.3, df=4, pvalue=0.00004, mean_terms=(), fit=None)
    kept = MundlakTest(stat=3.1, df=4, pvalue=0.54, mean_terms=(), fit=None)
    assert "χ²(4) = 25.30, p < 0.001) rejects" in role_text.mundlak_sentence(rejected)
    assert "fixed-effects estimates are the ones to read" in role_text.mundlak_sentence(rejected)
    assert "χ²(4) = 3.10, p = 0.540) does not reject" in role_text.mundlak_sentence(kept)


def test_iv_sentence_flags_weak_instruments() -> None:
    first = pd.DataFrame(
        {"endog": ["weakness", "deviation"], "partial_F": [45.0, 4.2], "partial_r2": [0.3, 0.01]}
    )
    table = tidy(
        {
            "weakness": (0.3, 0.1, 0.003),
            "deviation": (0.1, 0.2, 0.6),
            "log_gdp": (0.1, 0.01, 0.0),
        }
    )
    fit = SimpleNamespace(extra={"first_stage": first}, tidy=lambda: table)
    text = role_text.iv_sentence(fit, "Own lags.")
    assert text.startswith("Own lags.")
    assert "smallest first-stage partial F is 4.2 (role deviation)" in text
    assert "is weak" in text
    assert "significant at 5%: role weakness." in text  # the control is not listed
    first["partial_F"] = [45.0, 30.0]
    assert "all instruments are strong" in role_text.iv_sentence(fit, "Own lags.")


def test_heterogeneity_sentence() -> None:
    equality = pd.DataFrame(
        {
            "term": ["weakness", "deviation"],
            "stat": [12.0, 1.0],
            "df": [2, 2],
            "pvalue": [0.0025, 0.61],
        }
    )
    text = role_text.heterogeneity_sentence(equality)
    assert "role weakness differs across clusters (χ²(2) = 12.00, p = 0.003)" in text
    assert "role deviation is similar (χ²(2) = 1.00, p = 0.610)" in text


def test_nickell_bias_and_dynamic_sentence() -> None:
    # -(1 + rho)/(T - 1): rho = 0.5, T = 11 gives -0.15.
    assert role_text.nickell_bias(0.5, 11) == pytest.approx(-0.15)
    persistent = tidy({"gap_lag1": (0.5, 0.05, 0.0)})
    fit = SimpleNamespace(tidy=lambda: persistent)
    text = role_text.dynamic_sentence(fit, "gap_lag1", 11)
    assert "coefficient of 0.500 (SE 0.050)" in text
    assert "≈ 0.150" in text
    assert "bias-corrected persistence is about 0.650" in text
    near_unit_table = tidy({"gap_lag1": (0.95, 0.05, 0.0)})
    near_unit = SimpleNamespace(tidy=lambda: near_unit_table)
    assert "close to a unit root" in role_text.dynamic_sentence(near_unit, "gap_lag1", 11)


def test_long_run_sentence() -> None:
    long_run = pd.DataFrame(
        {"term": ["weakness"], "long_run": [0.42], "se": [0.1], "z": [4.2], "p": [0.00003]}
    )
    assert role_text.long_run_sentence(long_run) == (
        "Long-run effects: role weakness 0.420 (SE 0.100, p < 0.001)."
    )


def test_moran_sentences() -> None:
    moran = pd.DataFrame(
        {
            "year": [2005, 2006, 2007],
            "n": [63, 63, 63],
            "I": [0.31, 0.05, 0.22],
            "expected_I": [-1 / 62] * 3,
            "p_rand": [0.001, 0.4, 0.01],
            "p_sim": [0.001, 0.38, 0.02],
        }
    )
    text = role_text.moran_sentence(moran, "gap")
    assert "significant in 2 of 3 years" in text and "permutation p-values at 0.05" in text
    assert "from 0.31 in 2005 to 0.22 in 2007" in text
    assert "-0.016" in text
    by_cluster = pd.concat(
        [moran.assign(cluster="jjj"), moran.assign(cluster="prd", p_sim=0.5)], ignore_index=True
    )
    text = role_text.moran_sentence(by_cluster, "gap")
    assert text.startswith("Within each cluster, Moran's I of the gap is JJJ significant in 2")
    assert "PRD significant in 0 of 3 years" in text
    lisa = pd.DataFrame({"code": range(6), "cluster": ["HH", "HH", "LL", "ns", "ns", "HL"]})
    local = role_text.local_moran_sentence(lisa, 2022)
    assert local.startswith("In 2022, 4 of 6 cities")
    assert "2 high-inertia cities among high-inertia neighbours (HH), 1 low among low (LL)" in local


def test_spillover_sentence() -> None:
    table = tidy(
        {
            "W_weakness": (0.1, 0.2, 0.6),
            "W_deviation": (0.35, 0.1, 0.001),
            "W_reinforcement": (0.0, 0.1, 0.9),
        }
    )
    text = role_text.spillover_sentence(table)
    assert "neighbours' role deviation 0.350 (SE 0.100, p = 0.001)" in text
    assert text.endswith("Significant spillovers at 5%: neighbours' role deviation.")
    table["p"] = 0.5
    assert "no spillover" in role_text.spillover_sentence(table)


def test_correlation_and_measurement_sentences() -> None:
    corr = pd.DataFrame(
        [[1.0, 0.2, 0.5], [0.2, 1.0, -0.6], [0.5, -0.6, 1.0]],
        index=list(role_text.ROLE_TERMS),
        columns=list(role_text.ROLE_TERMS),
    )
    text = role_text.correlation_sentence(corr)
    assert "role deviation and role negative reinforcement (r = -0.60)" in text
    assert "the weakest between role weakness and role deviation (r = 0.20)" in text
    assert "distinct dimensions" in text
    corr.loc["deviation", "reinforcement"] = corr.loc["reinforcement", "deviation"] = 0.95
    assert "largely the same information" in role_text.correlation_sentence(corr)



def test_validity_sentence_reads_signs_and_reliabilities() -> None:
    validity = pd.DataFrame(
        {
            "dimension": ["weakness", "weakness", "deviation", "deviation"],
            "component": ["fiscal_gap", "spending_shortfall", "non_livelihood_share",
                          "growth_tilt"],
            "marker": [True, False, True, False],
            "within_corr_other": [0.77, 0.77, -0.1, -0.1],
            "reliability": [0.86, 0.7, 0.9, 0.6],
        }
    )
    sentence = role_text.validity_sentence(validity)
    assert "`fiscal_gap` and `spending_shortfall` agree within cities (r = 0.77)" in sentence
    assert "**disagree**" in sentence and "0.86 and 0.70" in sentence



def test_notes_follow_the_data() -> None:
    assert "annual (2005-2022)" in role_text.timing_note(range(2005, 2023))
    uneven = role_text.timing_note([2005, 2008, 2011, 2014])
    assert "previous observed year" in uneven and "gaps of 3 years" in uneven
    assert "jjj" in role_text.single_cluster_note(["jjj"])
    assert "136 city-years" in role_text.sample_sentence(136, 17, 2010, 2017, 8, "the gap")


def test_labels_for_language() -> None:
    english, chinese = role_text.labels_for("en"), role_text.labels_for("zh")
    assert english["weakness"] == "Role weakness"
    assert chinese["weakness"] == "角色弱化"
    assert set(chinese) == set(english)  # every English label has a Chinese one
