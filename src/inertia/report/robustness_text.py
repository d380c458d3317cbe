"""Sentences and report tables of chapter 7 (robustness: the specification curve).

Every number in the chapter's narrative comes from here, built from the
tables of :mod:`inertia.multiverse` (:func:`~inertia.multiverse.curve_summary`,
:func:`~inertia.multiverse.fork_influence`,
:func:`~inertia.multiverse.duplicate_table`,
:func:`~inertia.multiverse.baseline_check` and
:class:`~inertia.multiverse.CurveTest`); nothing is estimated here.

Conventions: "significant" means :math:`p < 0.05` (two-sided, city-clustered
unless said otherwise); shares are written as whole percentages; estimates
with three significant digits.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from inertia.formatting import number
from inertia.formatting import percent as _pct
from inertia.formatting import significant as _num
from inertia.specification import ESTIMATOR_SCOPE, OUTCOME_PHRASES
from inertia.viz.labels import fork_name
from inertia.viz.labels import text as label_text

#: Significance level of the verdicts.
ALPHA = 0.05
#: A curve is called "robust" when at least this share is significant with its dominant sign.
ROBUST_SHARE = 0.5
#: What each outcome's curve estimates, for sentences.
OUTCOME_TEXT = {
    "shortfall_growth": "the yearly growth of the shortfall from the planned path "
    "(chapter 4's outcome)",
    "shortfall": "the level of the shortfall from the planned path",
}
#: The estimators in words.
ESTIMATOR_TEXT = {
    "eiv": "2SLS on the markers, each instrumented by its dimension's second indicator",
    "naive": "OLS on the markers",
    "composite": "OLS on the composite indices",
}


def effect_label(effect: str, language: str = "en") -> str:
    """Display label of a role effect ("Role weakness")."""
    return label_text(effect, language)


def outcome_label(outcome: str, language: str = "en") -> str:
    """Display label of an outcome's curve ("Shortfall growth")."""
    return label_text(OUTCOME_PHRASES.get(outcome, outcome), language)


def _p(value: float, draws: int) -> str:
    # The smallest attainable bootstrap p-value is 1 / (B + 1).
    if not np.isfinite(value):
        return "p = n/a"
    if value <= 1 / (draws + 1) + 1e-12:
        return f"p = {number(value, 3)}, the smallest attainable with {draws} draws"
    return f"p = {number(value, 3)}"


def failed_specifications(table: pd.DataFrame) -> int:
    """Number of specifications with at least one effect not estimated."""
    return int(table.loc[table["estimate"].isna(), "spec_id"].nunique())


def failure_table(table: pd.DataFrame) -> pd.DataFrame:
    """Why specifications failed: one row per reason, most frequent first.

    The reason is the error's first clause with numbers replaced by ``#``, so
    that "too few observations: 0 city-years" and "... 9 city-years" count
    together. Empty (with the columns) when every specification was estimated.
    """
    failed = table.loc[table["estimate"].isna()].copy()
    columns = ["reason", "specifications", "share"]
    if failed.empty:
        return pd.DataFrame(columns=columns)
    n_specs = table["spec_id"].nunique()
    failed["reason"] = [
        re.sub(r"\d+", "#", str(error).split(";")[0])[:160] for error in failed["error"]
    ]
    counts = failed.groupby("reason")["spec_id"].nunique().sort_values(ascending=False)
    out = counts.rename("specifications").reset_index()
    out["share"] = out["specifications"] / n_specs
    return out[columns]


def scope_sentence(
    summary: pd.DataFrame,
    n_specs: int,
    n_tasks: int,
    n_failed: int,
    duplicates: pd.DataFrame,
    data_label: str,
) -> str:
    """How large the multiverse is, how many specifications each curve counts, and why.

    Parameters
    ----------
    summary : DataFrame
        :func:`~inertia.multiverse.curve_summary`.
    n_specs : int
        Specifications expanded.
    n_tasks : int
        Outcome measurements (tasks).
    n_failed : int
        Specifications not estimated (:func:`failed_specifications`).
    duplicates : DataFrame
        :func:`~inertia.multiverse.duplicate_table`.
    data_label : str

    Returns
    -------
    str
    """
    per_outcome = summary.drop_duplicates("outcome").set_index("outcome")
    counted = ", ".join(
        f"{int(row['n_specs']):,} on the curve of {outcome_label(outcome).lower()}"
        for outcome, row in per_outcome.iterrows()
    )
    failed = (
        "every specification was estimated"
        if n_failed == 0
        else f"**{n_failed:,} could not be estimated** on these data and are left out "
        "(the reasons are tabulated below)"
    )
    if duplicates.empty:
        repeats = "no specification repeats another's estimates"
    else:
        parts = [
            f"{int(row['specifications']):,} with {row['fork']} {row['level']} instead of "
            f"{row['same_as']} ({outcome_label(row['outcome']).lower()})"
            for _, row in duplicates.iterrows()
        ]
        total = int(duplicates["specifications"].sum())
        repeats = (
            f"{total:,} repeat another specification's estimates and SEs exactly and are "
            f"counted once: {'; '.join(parts)}"
        )
    return (
        f"The multiverse has **{n_specs:,} specifications** ({n_tasks} outcome measurements, "
        f"each computed once and reused by its role measurements and model choices) on the "
        f"{data_label}: {counted}. Of them, {failed}; {repeats}."
    )


def baseline_sentence(check: pd.DataFrame) -> str:
    """Whether the curve's baseline reproduces chapter 4's headline (:func:`baseline_check`)."""
    if check.empty:
        return (
            "The chapter 4 headline is not among these forks, so no specification of the "
            "curve is marked as the baseline."
        )
    coef = float(check["coef_difference"].max())
    relative = float(check["se_difference"].max())
    same_n = bool((check["n_curve"] == check["n_headline"]).all())
    verdict = (
        "reproduces chapter 4's headline"
        if coef <= 1e-8 * max(1.0, float(check["headline_coef"].abs().max()))
        and relative <= 1e-8
        and same_n
        else "**does not reproduce** chapter 4's headline"
    )
    return (
        f"The curve's baseline specification {verdict} (linearmodels IV2SLS through the "
        f"chapter's own functions) on {int(check['n_headline'].iloc[0]):,} city-years: the "
        f"largest difference of a coefficient is {coef:.1e} and of an SE {relative:.1e} "
        "(relative)."
    )


def display_table(frame: pd.DataFrame, language: str = "en") -> pd.DataFrame:
    """A chapter-7 table with display labels: outcomes and role effects named.

    Parameters
    ----------
    frame : DataFrame
        With an ``effect`` column (and optionally ``outcome``).
    language : {"en", "zh"}

    Returns
    -------
    DataFrame
        ``effect`` replaced by ``role effect`` (after ``outcome`` when there is one).
    """
    out = frame.copy()
    position = 0
    if "outcome" in out.columns:
        out["outcome"] = [outcome_label(o, language) for o in out["outcome"]]
        position = list(out.columns).index("outcome") + 1
    out.insert(position, "role effect", [effect_label(e, language) for e in out["effect"]])
    return out.drop(columns="effect")


def summary_table(summary: pd.DataFrame, language: str = "en") -> pd.DataFrame:
    """:func:`~inertia.multiverse.curve_summary` with display labels, for publication."""
    return display_table(summary, language)


def no_curve_sentence(table: pd.DataFrame, outcome: str, effect: str, data_label: str) -> str:
    """Why one outcome's curve of one role effect has no figure: no specification was estimated.

    Parameters
    ----------
    table : DataFrame
        :attr:`~inertia.multiverse.MultiverseResult.table`.
    outcome, effect : str
    data_label : str

    Returns
    -------
    str
        The number of specifications of the curve and the reasons of their
        failures (as :func:`failure_table`, most frequent first).
    """
    part = table.loc[(table["outcome"] == outcome) & (table["effect"] == effect)]
    reasons = failure_table(part)
    listed = "; ".join(
        f"{int(row['specifications']):,} × “{row['reason']}”" for _, row in reasons.iterrows()
    )
    return (
        f"**{effect_label(effect)} on {outcome_label(outcome).lower()}: no figure.** None of "
        f"the {part['spec_id'].nunique():,} specifications of this curve could be estimated on "
        f"the {data_label} ({listed or 'no reason recorded'}), so there is no curve to draw and "
        "its test has no statistic."
    )


def curve_sentence(summary: pd.DataFrame, outcome: str) -> str:
    """One line per effect of one curve: the median, the 90% range and the shares significant."""
    parts = []
    rows = summary.loc[summary["outcome"] == outcome]
    for _, row in rows.iterrows():
        if int(row["n_specs"]) == 0:
            parts.append(
                f"**{effect_label(row['effect'])}**: no specification could be estimated "
                f"({int(row['n_failed']):,} failed)."
            )
            continue
        share = row["share_significant_dominant"]
        direction = "positive" if row["dominant_sign"] > 0 else "negative"
        verdict = (
            "robust: most specifications agree"
            if share >= ROBUST_SHARE
            else "not robust: most specifications are not significant in either direction"
        )
        reference = (
            f"; the baseline specification's is {_num(row['reference_std'])}"
            if np.isfinite(row["reference_std"])
            else ""
        )
        parts.append(
            f"**{effect_label(row['effect'])}**: median standardised effect "
            f"{_num(row['median'])} (5-95% of the curve: {_num(row['q05'])} to "
            f"{_num(row['q95'])}){reference}; {_pct(row['share_positive'])} of the "
            f"{int(row['n_specs']):,} estimates are positive and {_pct(share)} are significant "
            f"and {direction} with city-clustered SEs "
            f"({_pct(row['share_significant_dominant_dk'])} with Driscoll-Kraay SEs) — {verdict}."
        )
    head = f"Curve of {OUTCOME_TEXT.get(outcome, outcome)}:"
    return "\n".join([head, *(f"* {part}" for part in parts)])


def test_table(pvalues: pd.DataFrame, language: str = "en") -> pd.DataFrame:
    """:attr:`~inertia.multiverse.CurveTest.pvalues` with display labels."""
    return display_table(pvalues, language)


test_table.__test__ = False  # type: ignore[attr-defined]  # read by pytest: a helper, not a test


def test_sentence(pvalues: pd.DataFrame, n_draws: int, scheme: str) -> str:
    """Whether each curve is distinguishable from the curves under the null of no effect."""
    weights = scheme.removeprefix("wild-").capitalize()
    lines = [
        f"Under the null ({n_draws:,} draws of the restricted wild cluster bootstrap with "
        f"{weights} weights by city, the null imposed and every specification re-estimated "
        "in every draw):"
    ]
    for outcome, part in pvalues.groupby("outcome", sort=False):
        lines.append(f"* {outcome_label(str(outcome))}:")
        for _, row in part.iterrows():
            if not np.isfinite(row["p_median"]):
                lines.append(
                    f"  * **{effect_label(row['effect'])}**: no specification of the curve was "
                    "estimated, so the test has no statistic."
                )
                continue
            rejects = row["p_median"] < ALPHA
            verdict = (
                "further from zero than in the null curves, so the curve rejects 'no effect'"
                if rejects
                else "within the range of the null curves"
            )
            sign = "positive" if row["dominant_sign"] > 0 else "negative"
            lines.append(
                f"  * **{effect_label(row['effect'])}**: the median of {_num(row['median'])} is "
                f"{verdict} ({_p(row['p_median'], n_draws)}; 95% of the null medians lie in "
                f"{_num(row['null_median_q025'])} to {_num(row['null_median_q975'])}); the "
                f"share significant and {sign}, {_pct(row['share_significant_dominant'])}, "
                f"against {_pct(row['null_share_q95'])} at the null's 95th percentile "
                f"({_p(row['p_share'], n_draws)})."
            )
    return "\n".join(lines)


test_sentence.__test__ = False  # type: ignore[attr-defined]  # read by pytest: a helper, not a test


def influence_table(
    influence: pd.DataFrame, language: str = "en", top: int | None = None
) -> pd.DataFrame:
    """:func:`~inertia.multiverse.fork_influence`, largest influence first within each curve."""
    if influence.empty:
        return influence
    out = influence.copy()
    if top is not None:
        out = out.groupby(["outcome", "effect"], sort=False).head(top)
    out = display_table(out.reset_index(drop=True), language)
    out["fork"] = [fork_name(f, language) for f in out["fork"]]
    return out


def influence_sentence(influence: pd.DataFrame, outcome: str) -> str:
    """Which choice moves each effect of one curve most."""
    parts = []
    rows = influence.loc[influence["outcome"] == outcome] if len(influence) else influence
    for effect, part in rows.groupby("effect", sort=False):
        best = part.sort_values("eta_squared", ascending=False).iloc[0]
        parts.append(
            f"for **{effect_label(str(effect)).lower()}** it is the {fork_name(best['fork'])} "
            f"choice ({_pct(best['eta_squared'])} of the curve's variance; medians "
            f"{_num(best['median_range'])} apart between {best['low_level']} and "
            f"{best['high_level']})"
        )
    if not parts:
        return f"No choice varies on the curve of {outcome_label(outcome).lower()}."
    return (
        f"On the curve of {outcome_label(outcome).lower()}, the choice that moves the "
        "estimates most: " + "; ".join(parts) + "."
    )


def estimator_sentence(by_estimator: pd.DataFrame, outcome: str) -> str:
    """The median standardised effect and share significant by estimator, on one curve.

    Parameters
    ----------
    by_estimator : DataFrame
        :func:`~inertia.multiverse.estimator_summary`.
    outcome : str

    Returns
    -------
    str
    """
    part = by_estimator.loc[by_estimator["outcome"] == outcome]
    lines = []
    for estimator, rows in part.groupby("estimator", sort=False):
        pieces = [
            f"{effect_label(str(row['effect'])).lower()} {_num(row['median'])} "
            f"({_pct(row['share_significant'])} significant)"
            for _, row in rows.iterrows()
        ]
        name = ESTIMATOR_TEXT.get(str(estimator), str(estimator))
        lines.append(
            f"* {name} ({int(rows['n_specs'].max()):,} specifications): " + ", ".join(pieces)
        )
    head = f"Median standardised effect by estimator, curve of {outcome_label(outcome).lower()}:"
    return "\n".join([head, *lines])


def pinned_sentence(rules: Sequence[Mapping[str, Any]]) -> str:
    """The forks pinned where they cannot change the estimates, from the multiverse's rules."""
    parts = []
    for rule in rules:
        condition, excluded = rule.get("if") or {}, rule.get("exclude") or {}
        if list(excluded) == ["shortfall_reference"] and condition == {
            "time_effects": "cluster_year"
        }:
            parts.append(
                "the shortfall reference with cluster-by-year effects (they absorb the "
                "reference level and its share of the required closure)"
            )
        for fork, scope in ESTIMATOR_SCOPE.items():
            if list(excluded) == [fork] and list(condition) == ["estimator"]:
                parts.append(
                    f"the {fork_name(fork)} outside {' and '.join(scope)} (it changes nothing else)"
                )
    if not parts:
        return "No fork is pinned."
    return "Pinned to the baseline, so that no estimate is counted twice: " + "; ".join(parts) + "."
