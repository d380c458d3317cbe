"""Chapter 3's sentences read their numbers from the results and flip when the numbers flip."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from inertia.chapters.inertia_evidence import BreakSummary, LagAverage, chapter_verdict
from inertia.models.delivery import DeliveryResult
from inertia.report import inertia_text as text


def _summary(gap_first: list[float], gap_last: list[float]) -> pd.DataFrame:
    clusters = ["jjj", "prd", "yrd"][: len(gap_last)]
    return pd.DataFrame(
        {
            "milestone_year": [2014, 2017, 2019][: len(gap_last)],
            "base_year": [2014, 2017, 2019][: len(gap_last)],
            "last_year": 2022,
            "S_base": 0.8,
            "S_last": 0.82,
            "E_last": 0.85,
            "gap_first_post": gap_first,
            "gap_last": gap_last,
            "gap_mean_post": gap_last,
            "efficiency_last": [0.25, 0.5, 1.2][: len(gap_last)],
            "n_post": 3,
        },
        index=pd.Index(clusters, name="cluster"),
    )


def test_fmt_p() -> None:
    assert text.fmt_p(0.0001) == "p < 0.001"
    assert text.fmt_p(0.0421) == "p = 0.042"
    assert text.fmt_p(float("nan")) == "p = n/a"  # one rule: formatting.p_value


def test_gap_sentence_reads_the_numbers_and_flips() -> None:
    below = text.gap_sentence(_summary([0.01, 0.02], [0.067, 0.047]), "dagum", "plan")
    assert "0.067" in below and "0.047" in below
    assert "25%" in below  # efficiency 0.25 of the expected gain
    assert "below** the expected path in 2 of 2" in below
    assert "zero at the milestone by construction" in below
    above = text.gap_sentence(_summary([0.05, 0.02], [-0.03, 0.01]), "theil", "frontier")
    assert "below** the expected path in 1 of 2" in above
    assert "above it in 1" in above
    assert "1 − Theil" in above and "frontier path" in above


def test_gap_sentence_without_post_years() -> None:
    summary = _summary([np.nan], [np.nan])
    assert "cannot be measured" in text.gap_sentence(summary, "dagum", "plan")


def _study(pvalue: float, estimated: bool = True, outcome: str = "gap") -> SimpleNamespace:
    result = SimpleNamespace(
        pretrend_pvalue=pvalue, pretrend_df=4, pretrend_stat=9.5, nobs=1134, n_entities=63,
        se_type="clustered by city",
    )
    return SimpleNamespace(
        estimated=estimated, pretrend_pvalue=pvalue, result=result if estimated else None,
        spacing=1, outcome=outcome,
    )


def _lag(mean: float, p_positive: float, required: float = np.nan) -> LagAverage:
    return LagAverage(mean, 0.01, p_positive, 1 - p_positive, required, 5)


def test_event_study_sentence_flips_with_pretrend_and_plan() -> None:
    rejects = text.event_study_sentence(
        _study(0.0001), _study(np.nan, outcome="shortfall"), _lag(0.02, 0.01, -0.03),
        _lag(0.05, 0.0001),
    )
    assert "jointly significant" in rejects and "p < 0.001" in rejects
    assert "**less** than planned" in rejects
    assert "-0.0100" in rejects and "-0.0300" in rejects  # lag = difference + required
    assert "**behind**" in rejects
    clean = text.event_study_sentence(
        _study(0.62), _study(np.nan, outcome="shortfall"), _lag(-0.01, 0.8, -0.03),
        _lag(-0.02, 0.9),
    )
    assert "not jointly significant" in clean and "p = 0.620" in clean
    assert "**at least as much as** planned" in clean
    assert "**ahead of**" in clean


def test_event_study_sentence_when_not_estimated() -> None:
    sentence = text.event_study_sentence(
        _study(np.nan, estimated=False), _study(np.nan, estimated=False), _lag(np.nan, np.nan),
        _lag(np.nan, np.nan),
    )
    assert "could not be estimated" in sentence


def _break(delta: float, pvalue: float, effects: str = "twoway") -> BreakSummary:
    result = SimpleNamespace(
        delta=delta, pvalue_one_sided=pvalue, effects=effects,
        faster_after=lambda alpha=0.05: pvalue < alpha,
    )
    return BreakSummary(result, 1, 0.05, 0.08, 13.9, 8.7)


def test_break_sentence_flips() -> None:
    faster = text.break_sentence(_break(-0.03, 0.001), _break(0.03, 0.99, "time"))
    assert "**faster**" in faster and "disagree" in faster and "-0.0300" in faster
    slower = text.break_sentence(_break(0.02, 0.9), _break(0.03, 0.99, "time"))
    assert "**not faster**" in slower and "as well" in slower
    missing = text.break_sentence(BreakSummary(None, 3, *[np.nan] * 4), _break(0.0, 0.5))
    assert "could not be estimated" in missing


def _delivery(pooled: float, p_pooled: float, dropped: int = 0) -> DeliveryResult:
    table = pd.DataFrame(
        {
            "scope": ["pooled", "jjj", "prd"],
            "estimate": [pooled, 0.2, 0.4],
            "se": [0.07, 0.2, 0.3],
            "ci_low": [pooled - 0.14, -0.2, -0.2],
            "ci_high": [pooled + 0.14, 0.6, 1.0],
            "t": [-10.0, -4.0, -2.0],
            "pvalue": [p_pooled, 0.001, 0.04],
            "df": [21, 12, 8],
            "n": [150, 104, 46],
            "cities": [22, 13, 9],
            "weight": [1.0, 0.7, 0.3],
        }
    )
    table["inertia"] = table["pvalue"] < 0.05
    return DeliveryResult(table, pd.DataFrame(), 0.05, dropped)


@pytest.mark.parametrize(
    ("pooled", "p", "expected"),
    [(0.28, 1e-9, "synergistic inertia exists"), (0.97, 0.34, "no synergistic inertia")],
)
def test_conclusion_reads_the_verdict_and_flips(pooled: float, p: float, expected: str) -> None:
    verdict = chapter_verdict(_delivery(pooled, p), "simulated")
    sentence = text.conclusion_sentence(verdict)
    assert expected in sentence
    assert f"{pooled:.2f}" in sentence
    assert "Beijing-Tianjin-Hebei: inertia (0.20, p = 0.001)" in sentence


def test_delivery_sentence_reads_the_numbers_and_the_harness() -> None:
    sentence = text.delivery_sentence(_delivery(0.28, 1e-9, dropped=4))
    assert "**0.28**" in sentence and "[0.14, 0.42]" in sentence
    assert "significantly less" in sentence and "4 post-milestone city-years" in sentence
    met = text.delivery_sentence(_delivery(0.97, 0.34))
    assert "consistent with delivery" in met
    summary = pd.DataFrame(
        {
            "claim": ["inertia", "inertia", "inertia_prd"],
            "kind": ["size", "power", "size"],
            "rejection_rate": [0.05, 1.0, 0.12],
            "coverage": [0.95, 0.94, 0.88],
            "reps": 200,
            "meets": [True, True, False],
            "reason": ["", "", "over-rejects under the null (0.12)"],
        }
    )
    informed = text.delivery_sentence(_delivery(0.28, 1e-9), summary)
    assert "200 simulated panels" in informed and "every target holds" in informed
    assert "single-cluster tests of Pearl River Delta not informative" in informed


def test_convergence_sentence_flips_with_the_slopes() -> None:
    trend = pd.DataFrame(
        {
            "cluster": ["jjj", "jjj", "yrd", "yrd"],
            "dispersion": ["cv", "sd_log", "cv", "sd_log"],
            "slope": [-0.01, -0.02, 0.004, 0.001],
            "se": 0.001, "t": 0.0, "pvalue": [0.0001, 0.001, 0.2, 0.5], "n_years": 18,
        }
    )
    beta = pd.DataFrame(
        {"model": ["absolute, city and year effects"], "beta": [-0.2], "pvalue": [0.001],
         "speed": [0.223], "half_life": [3.1], "interval": [3]}
    )
    sentence = text.convergence_sentence(trend, beta)
    assert "falls in 1 of 2 clusters" in sentence
    assert "JJJ falls" in sentence and "YRD rises" in sentence
    assert "PS converges" in sentence and "3-year growth" in sentence
    diverging = text.convergence_sentence(trend, beta.assign(beta=0.05, pvalue=0.4))
    assert "no significant convergence" in diverging


def test_decomposition_sentence_reads_direction_and_largest_part() -> None:
    table = pd.DataFrame(
        {
            "gini": [0.35, 0.25], "gini_within_share": [0.4, 0.2],
            "gini_between_net_share": [0.3, 0.6], "gini_transvariation_share": [0.3, 0.2],
            "theil_between_share": [0.2, 0.3],
        },
        index=pd.Index([2005, 2022], name="year"),
    )
    sentence = text.decomposition_sentence(table)
    assert "fell from 0.350 in 2005 to 0.250 in 2022" in sentence
    assert "between clusters (net) (60%)" in sentence
    rising = text.decomposition_sentence(table.iloc[::-1])
    assert "rose" in rising


def test_setup_sentence_and_notes() -> None:
    milestones = pd.DataFrame(
        {"milestone_year": [2014, 2019], "horizon_year": [2030, 2035],
         "observed_year": [2014, 2020]},
        index=pd.Index(["jjj", "yrd"], name="cluster"),
    )
    sentence = text.setup_sentence("CCSY", [2005, 2008, 2011, 2014, 2017, 2020], 3, milestones)
    assert "every 3 years" in sentence and "YRD 2019 (observed from 2020)" in sentence
    assert "Plan horizons: JJJ 2030 and YRD 2035." in sentence
    assert text.notes_markdown([]) == ""
    assert "* a note" in text.notes_markdown(["a note"])


def test_population_sentence_reports_filled_and_resident_years() -> None:
    index = pd.MultiIndex.from_product([[1, 2], [2014, 2017, 2020]], names=["code", "year"])
    sources = pd.Series(
        ["registered", "registered", "registered_carried", "resident", "resident", "resident"],
        index=index,
        name="pop_source",
    )
    sentence = text.population_sentence(sources)
    assert "interpolated or carried within the city for 1 of 6" in sentence
    assert "**Caution:** 3 city-years" in sentence
    assert text.population_sentence(pd.Series("registered", index=index)) == ""
