"""Sentences and small report tables of chapter 4 (role deviation), built from results.

Every number and every verdict in the chapter's narrative comes from here, so
that the text changes when the estimates change. Each builder takes fitted
results (:mod:`inertia.models.panel`, :mod:`inertia.models.spatial`) or their
tidy tables and returns a Markdown sentence or a DataFrame; none of them fits
anything.

Conventions: "significant" means :math:`p < 0.05` (two-sided); p-values are
written ``p = 0.034`` or ``p < 0.001``; coefficients are written with three
significant decimals.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import pairwise
from typing import Any, Protocol

import numpy as np
import pandas as pd

from inertia.formatting import number as format_number
from inertia.formatting import p_value as format_p
from inertia.results import EstimationResults
from inertia.viz.labels import ROLE_TERMS, TermLabels, term_label

#: Significance level of the verdicts in the text.
ALPHA = 0.05


def label(term: str) -> str:
    """English display label of a term (:func:`inertia.viz.labels.term_label`)."""
    return term_label(term, "en")


def labels_for(language: str = "en") -> TermLabels:
    """Display labels of the chapter's terms in ``language`` (``"en"`` or ``"zh"``).

    The narrative stays English; these labels go into figures and table rows.
    """
    return TermLabels(language)


def inline(term: str) -> str:
    """The label for use inside a sentence (first letter lower case, acronyms kept)."""
    text = label(term)
    return text[:1].lower() + text[1:]


def _row(tidy: pd.DataFrame, term: str) -> pd.Series:
    rows = tidy.loc[tidy["term"] == term]
    if rows.empty:
        raise KeyError(f"term {term!r} is not in the table (terms: {list(tidy['term'])})")
    return rows.iloc[0]


def _verdict(coef: float, p: float) -> str:
    if p >= ALPHA:
        return "not significant at 5%"
    return "significantly positive" if coef > 0 else "significantly negative"


# --------------------------------------------------------------------------- sample


def sample_sentence(
    nobs: int, n_cities: int, first_year: int, last_year: int, n_years: int, outcome: str
) -> str:
    """The baseline estimation sample in one sentence."""
    return (
        f"The baseline sample has {nobs:,} city-years: {n_cities} cities observed in "
        f"{n_years} years between {first_year} and {last_year}, with {outcome} as the "
        "dependent variable."
    )


# --------------------------------------------------------------------------- indices


def correlation_sentence(correlations: pd.DataFrame, terms: Sequence[str] = ROLE_TERMS) -> str:
    """The strongest and weakest pairwise correlation among the role indices."""
    pairs = [
        (a, b, float(correlations.loc[a, b]))
        for k, a in enumerate(terms)
        for b in terms[k + 1 :]
        if np.isfinite(correlations.loc[a, b])
    ]
    if not pairs:
        return "The role indices have no overlapping observations to correlate."
    strongest = max(pairs, key=lambda item: abs(item[2]))
    weakest = min(pairs, key=lambda item: abs(item[2]))
    text = (
        f"The strongest correlation among the indices is between {inline(strongest[0])} "
        f"and {inline(strongest[1])} (r = {strongest[2]:.2f})"
    )
    if weakest != strongest:
        text += (
            f", the weakest between {inline(weakest[0])} and "
            f"{inline(weakest[1])} (r = {weakest[2]:.2f})"
        )
    verdict = (
        "so they measure distinct dimensions"
        if abs(strongest[2]) < 0.8
        else "so two of them carry largely the same information"
    )
    return f"{text}; {verdict}."


def baseline_sentence(
    clustered: pd.DataFrame,
    driscoll_kraay: pd.DataFrame,
    outcome: str,
    terms: Sequence[str] = ROLE_TERMS,
) -> str:
    """Each role effect with both SE types, and whether the verdicts agree.

    ``clustered`` and ``driscoll_kraay`` are tidy tables (``PanelFit.tidy()``)
    of the same specification under the two SE types.
    """
    sentences = []
    disagree = []
    for term in terms:
        a, b = _row(clustered, term), _row(driscoll_kraay, term)
        sentences.append(
            f"{label(term)}: a move from 0 to 1 on the index changes the {outcome} by "
            f"{format_number(a['coef'])}, {_verdict(a['coef'], a['p'])} with clustered SEs "
            f"(SE {format_number(a['se'])}, {format_p(a['p'])}) and "
            f"{_verdict(b['coef'], b['p'])} with Driscoll-Kraay SEs "
            f"(SE {format_number(b['se'])}, {format_p(b['p'])})."
        )
        if (a["p"] < ALPHA) != (b["p"] < ALPHA):
            disagree.append(inline(term))
    if disagree:
        sentences.append(
            "The two SE types disagree on the significance of " + ", ".join(disagree) + "."
        )
    else:
        sentences.append("Both SE types reach the same verdict for every dimension.")
    return " ".join(sentences)


def comparison_sentence(
    comparison_tidy: pd.DataFrame,
    terms: Sequence[str] = ROLE_TERMS,
    *,
    within: str = "TWFE",
    others: Sequence[str] = ("Pooled OLS", "Random effects", "Between"),
) -> str:
    """Which estimator differs most from the within (TWFE) estimate, term by term."""
    parts = []
    for term in terms:
        base = float(_row(comparison_tidy[comparison_tidy["model"] == within], term)["coef"])
        gaps = {
            model: float(_row(comparison_tidy[comparison_tidy["model"] == model], term)["coef"])
            for model in others
        }
        far = max(gaps, key=lambda model: abs(gaps[model] - base))
        parts.append(
            f"for {inline(term)} the {far} estimate "
            f"({format_number(gaps[far])}) is furthest from TWFE ({format_number(base)})"
        )
    return "Across estimators, " + "; ".join(parts) + "."


def mundlak_sentence(test: Any) -> str:
    """Verdict of the Mundlak (correlated random effects) test, read from its p-value."""
    verdict = (
        "rejects that the city effects are uncorrelated with the regressors, so random "
        "effects is inconsistent and the fixed-effects estimates are the ones to read"
        if test.pvalue < ALPHA
        else "does not reject that the city effects are uncorrelated with the regressors, "
        "so random effects would also be consistent (and more efficient)"
    )
    return (
        f"The Mundlak test with city-clustered SEs (χ²({test.df}) = {test.stat:.2f}, "
        f"{format_p(test.pvalue)}) {verdict}."
    )


class DiagnosedFit(EstimationResults, Protocol):
    """A fit with its diagnostics (``extra["first_stage"]``) and its number of cities.

    :class:`~inertia.models.panel.PanelFit` is one.
    """

    extra: dict[str, Any]
    n_entities: int


def iv_sentence(fit: DiagnosedFit, instrument_note: str) -> str:
    """First-stage strength and the 2SLS estimates' verdicts."""
    first = fit.extra["first_stage"]
    weakest = first.loc[first["partial_F"].idxmin()]
    strength = (
        "all instruments are strong by the partial-F > 10 rule"
        if float(first["partial_F"].min()) > 10
        else f"the instrument for {inline(str(weakest['endog']))} is weak "
        "(partial F below 10), so its 2SLS estimate is unreliable"
    )
    endogenous = set(first["endog"].astype(str))
    significant = [
        inline(str(row["term"]))
        for _, row in fit.tidy().iterrows()
        if row["p"] < ALPHA and str(row["term"]) in endogenous
    ]
    result = (
        "no role coefficient is significant at 5%"
        if not significant
        else "significant at 5%: " + ", ".join(significant)
    )
    return (
        f"{instrument_note} The smallest first-stage partial F is "
        f"{float(weakest['partial_F']):.1f} ({inline(str(weakest['endog']))}): "
        f"{strength}. In the 2SLS fit {result}."
    )


def heterogeneity_sentence(equality: pd.DataFrame) -> str:
    """Wald tests of equal slopes across clusters, term by term."""
    parts = []
    for _, row in equality.iterrows():
        verdict = "differs across clusters" if row["pvalue"] < ALPHA else "is similar"
        parts.append(
            f"{inline(str(row['term']))} {verdict} (χ²({int(row['df'])}) = "
            f"{row['stat']:.2f}, {format_p(row['pvalue'])})"
        )
    return "Tests of equal slopes across clusters: " + "; ".join(parts) + "."


def nickell_bias(rho: float, n_periods: int) -> float:
    r"""Approximate Nickell bias of the within estimate of :math:`\rho`: :math:`-(1+\rho)/(T-1)`.

    Nickell (1981), *Econometrica* 49(6), 1417-1426.
    """
    return -(1.0 + rho) / (n_periods - 1)


def dynamic_sentence(fit: EstimationResults, y_lag_term: str, n_periods: int) -> str:
    """Persistence of the outcome with the Nickell-bias remark."""
    row = _row(fit.tidy(), y_lag_term)
    rho = float(row["coef"])
    bias = nickell_bias(rho, n_periods)
    text = (
        f"The lagged dependent variable has a coefficient of {format_number(rho)} "
        f"(SE {format_number(row['se'])}). With city effects and {n_periods} periods the "
        f"within estimate is biased downward by about (1 + ρ)/(T − 1) ≈ "
        f"{format_number(abs(bias))} (Nickell 1981), so read ρ̂ as a lower bound"
    )
    if rho - bias >= 1.0:
        return (
            f"{text}: corrected, it would reach one, i.e. the gap is close to a unit root "
            "within cities. Its level then mostly carries its own past, and effects on its "
            "change from one observed year to the next are what a level regression picks up."
        )
    return f"{text}; the bias-corrected persistence is about {format_number(rho - bias)}."


def long_run_sentence(long_run: pd.DataFrame) -> str:
    """Long-run effects of the role indices (from :class:`~inertia.models.panel.DynamicFit`)."""
    parts = [
        f"{inline(str(row['term']))} {format_number(row['long_run'])} "
        f"(SE {format_number(row['se'])}, {format_p(row['p'])})"
        for _, row in long_run.iterrows()
    ]
    return "Long-run effects: " + "; ".join(parts) + "."


# --------------------------------------------------------------------------- spatial


def moran_sentence(moran: pd.DataFrame, variable: str, alpha: float = ALPHA) -> str:
    """How often and how strongly the outcome clusters in space (global Moran's I by year).

    With a ``cluster`` column (Moran's I within each cluster), one clause per cluster.
    """
    if moran.empty:
        return f"Moran's I of the {variable} could not be computed (too few cities per year)."
    defined = moran[moran["I"].notna()] if "I" in moran.columns else moran
    p_column = "p_sim" if defined["p_sim"].notna().all() else "p_rand"
    p_kind = "permutation" if p_column == "p_sim" else "analytical"

    def clause(rows: pd.DataFrame) -> str:
        rows = rows.sort_values("year")
        significant = int((rows[p_column] < alpha).sum())
        first, last = rows.iloc[0], rows.iloc[-1]
        return (
            f"significant in {significant} of {len(rows)} years, from {first['I']:.2f} in "
            f"{int(first['year'])} to {last['I']:.2f} in {int(last['year'])}"
        )

    if "cluster" not in moran.columns:
        expected = f"{moran['expected_I'].mean():.3f}"
        return (
            f"Moran's I of the {variable} is {clause(moran)} ({p_kind} p-values at "
            f"{alpha:g}), against an expected value of about {expected} under no spatial "
            "association."
        )
    parts = [
        f"{c.upper()} {clause(moran[moran['cluster'] == c])}" for c in pd.unique(moran["cluster"])
    ]
    return (
        f"Within each cluster, Moran's I of the {variable} is "
        + "; ".join(parts)
        + f" ({p_kind} p-values at {alpha:g}; under no spatial association E[I] = "
        f"−1/(n − 1), from {moran['expected_I'].min():.3f} to {moran['expected_I'].max():.3f})."
    )


def local_moran_sentence(lisa: pd.DataFrame, year: int) -> str:
    """Counts of local Moran cluster types in one year."""
    counts = lisa["cluster"].value_counts()
    kinds = {
        "HH": "high-inertia cities among high-inertia neighbours (HH)",
        "LL": "low among low (LL)",
        "HL": "high among low (HL)",
        "LH": "low among high (LH)",
    }
    parts = [f"{int(counts.get(k, 0))} {text}" for k, text in kinds.items()]
    return (
        f"In {year}, {len(lisa) - int(counts.get('ns', 0))} of {len(lisa)} cities are in a "
        "significant local cluster (p ≤ 0.05): " + ", ".join(parts) + "."
    )


def spillover_sentence(tidy: pd.DataFrame, terms: Sequence[str] = ROLE_TERMS) -> str:
    """Spillovers: the coefficients on the neighbours' role indices (SLX model)."""
    parts = []
    for term in terms:
        row = _row(tidy, f"W_{term}")
        parts.append(
            f"{inline(f'W_{term}')} {format_number(row['coef'])} "
            f"(SE {format_number(row['se'])}, {format_p(row['p'])})"
        )
    significant = [inline(f"W_{t}") for t in terms if _row(tidy, f"W_{t}")["p"] < ALPHA]
    verdict = (
        "No neighbour term is significant at 5%: the data show no spillover of roles."
        if not significant
        else "Significant spillovers at 5%: " + ", ".join(significant) + "."
    )
    return "Spatially lagged role indices: " + "; ".join(parts) + ". " + verdict


# --------------------------------------------------------------------------- recovery


def timing_note(years: Sequence[int]) -> str:
    """How lags and persistence are timed: calendar years or previous observed years."""
    years = sorted(int(y) for y in years)
    steps = sorted({b - a for a, b in pairwise(years)})
    if steps == [1]:
        return (
            f"The data are annual ({years[0]}-{years[-1]}): a lag is the previous calendar "
            "year and persistence counts consecutive years."
        )
    spacing = ", ".join(str(s) for s in steps)
    return (
        f"The data years are {', '.join(str(y) for y in years)} (gaps of {spacing} years). "
        "Here a lag is the *previous observed year*, and persistence counts consecutive "
        "observed years, so one lag spans several calendar years and the dynamic and IV "
        "estimates are not comparable with annual ones."
    )


def single_cluster_note(clusters: Sequence[str]) -> str:
    """Why the heterogeneity section is skipped with one cluster."""
    return (
        f"Only one cluster ({', '.join(clusters)}) is selected, so slopes cannot be "
        "compared across clusters."
    )


def validity_sentence(validity: pd.DataFrame) -> str:
    """Construct validity of the components: signs, within-city agreement, reliability.

    Parameters
    ----------
    validity : DataFrame
        :func:`inertia.roles.construct_validity`.

    Returns
    -------
    str
    """
    parts = []
    for dimension, rows in validity.groupby("dimension", sort=False):
        marker = rows[rows["marker"]].iloc[0]
        second = rows[~rows["marker"]].iloc[0]
        correlation = marker["within_corr_other"]
        sign = "agree" if correlation > 0 else "**disagree**"
        text = (
            f"{dimension}: `{marker['component']}` and `{second['component']}` {sign} within "
            f"cities (r = {format_number(correlation, 2)})"
        )
        if "reliability" in rows.columns and pd.notna(marker.get("reliability")):
            reliabilities = (
                format_number(marker["reliability"], 2),
                format_number(second["reliability"], 2),
            )
            text += f", reliability against the latent dimension {' and '.join(reliabilities)}"
        parts.append(text)
    return (
        "Construct validity (city and year effects removed): " + "; ".join(parts) + ". Each "
        "marker is instrumented by the second component of its dimension, which corrects its "
        "measurement error if the two components' errors are independent."
    )


def headline_sentence(
    verdict: Any, fit: DiagnosedFit, naive: EstimationResults, validation: Any = None
) -> str:
    """The headline effects, the naive estimates beside them, and how informative the tests are.

    Parameters
    ----------
    verdict : ChapterVerdict
        :func:`inertia.chapters.role_deviation.chapter_verdict`.
    fit : PanelFit
        The headline (errors-in-variables 2SLS).
    naive : PanelFit
        The naive TWFE on the markers.
    validation : DataFrame, optional
        The harness summary.

    Returns
    -------
    str
    """
    from inertia.report.validation_text import harness_notes

    naive_tidy = naive.tidy().set_index("term")
    parts = []
    for claim in verdict.claims:
        marker = claim.details["marker"]
        dimension = claim.claim.removeprefix("effect_")
        parts.append(
            f"{dimension} **{format_number(claim.estimate, 3)}** "
            f"[{format_number(claim.ci_low, 3)}, {format_number(claim.ci_high, 3)}], "
            f"{format_p(claim.p_value)}: {claim.verdict} (naive "
            f"{format_number(naive_tidy.loc[marker, 'coef'], 3)})"
        )
    first = fit.extra["first_stage"]
    text = (
        "Effects on the yearly growth of the shortfall from plan, per unit of each role on its "
        "marker's scale (2SLS, each marker instrumented by the second component of its "
        f"dimension, {fit.nobs:,} city-years in {fit.n_entities} cities): "
        + "; ".join(parts)
        + f". The first stages are strong (partial F from {first['partial_F'].min():,.0f} to "
        f"{first['partial_F'].max():,.0f}). The naive estimates are attenuated by the markers' "
        "measurement error."
    )
    if validation is not None:
        notes = harness_notes(validation, [claim.claim for claim in verdict.claims])
        text += "\n\n" + notes if notes else ""
    return text


def truth_sentence(check: pd.DataFrame) -> str:
    """How the headline estimates compare with the simulation's stated truth.

    Parameters
    ----------
    check : DataFrame
        :func:`inertia.chapters.role_deviation.truth_check`.

    Returns
    -------
    str
    """
    covered = int(check["covered"].sum())
    parts = [
        f"{row.dimension} {format_number(row.estimate, 3)} against {format_number(row.truth, 3)}"
        for row in check.itertuples()
    ]
    return (
        f"On this simulated panel the 95% intervals cover the true effect in {covered} of "
        f"{len(check)} dimensions ({'; '.join(parts)}). One panel says little; how often they "
        "cover it over many panels is in the validation appendix."
    )
