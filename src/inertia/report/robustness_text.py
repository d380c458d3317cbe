"""Sentences and report tables of chapter 7 (robustness: the specification curve).

Every number in the chapter's narrative comes from here, built from
:func:`inertia.multiverse.curve_summary`, :func:`inertia.multiverse.fork_influence`
and :class:`inertia.multiverse.PermutationResult`; nothing is estimated here.

Conventions: "significant" means :math:`p < 0.05` (two-sided); shares are
written as whole percentages; estimates with three significant digits.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from inertia.viz.labels import fork_name
from inertia.viz.labels import text as label_text

#: Significance level of the verdicts.
ALPHA = 0.05
#: Display names of the SE types.
SE_NAMES = {"clustered": "city-clustered", "driscoll-kraay": "Driscoll-Kraay"}
#: A curve is called "robust" when at least this share is significant with the median's sign.
ROBUST_SHARE = 0.5


def effect_label(effect: str, language: str = "en") -> str:
    """Display label of a role effect ("Role weakness")."""
    return label_text(effect, language)


def _pct(share: float) -> str:
    return "n/a" if not np.isfinite(share) else f"{100 * share:.0f}%"


def _num(value: float) -> str:
    return "n/a" if not np.isfinite(value) else f"{value:.3g}"


def _p(value: float, draws: int) -> str:
    # The smallest attainable permutation p-value is 1 / (B + 1).
    if value <= 1 / (draws + 1) + 1e-12:
        return f"p = {value:.3f}, the smallest attainable with {draws} draws"
    return f"p = {value:.3f}"


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
    n_specs: int, n_tasks: int, n_failed: int, data_label: str, se_types: list[str]
) -> str:
    """How large the multiverse is and how it was estimated.

    ``n_failed`` counts specifications (:func:`failed_specifications`).
    """
    failed = (
        "every specification was estimated"
        if n_failed == 0
        else f"**{n_failed:,} of them could not be estimated** on these data and are left out "
        f"of the curves (the reasons are tabulated below)"
    )
    se_names = " and ".join(SE_NAMES.get(se_type, se_type) for se_type in se_types)
    return (
        f"The multiverse has **{n_specs:,} specifications** ({n_tasks} measurement "
        f"combinations, each computed once and reused by its model choices) on the "
        f"{data_label}; {failed}. Each specification gives the three role effects, with "
        f"{se_names} standard errors as the SE fork decides (linearmodels' small-sample "
        f"convention, Student t intervals)."
    )


def summary_table(summary: pd.DataFrame, language: str = "en") -> pd.DataFrame:
    """:func:`~inertia.multiverse.curve_summary` with display labels, for publication."""
    out = summary.copy()
    out.insert(0, "role effect", [effect_label(e, language) for e in out["effect"]])
    return out.drop(columns="effect")


def curve_sentence(summary: pd.DataFrame) -> str:
    """One sentence per effect: the median, the 90% range and the share significant."""
    parts = []
    for _, row in summary.iterrows():
        share = row["share_significant_same_sign"]
        direction = "positive" if row["median"] > 0 else "negative"
        robust = share >= ROBUST_SHARE
        verdict = (
            "robust: most specifications agree"
            if robust
            else "not robust: most specifications are not significant in that direction"
        )
        parts.append(
            f"**{effect_label(row['effect'])}**: median estimate {_num(row['median'])} "
            f"(5-95% of the curve: {_num(row['q05'])} to {_num(row['q95'])}); "
            f"{_pct(row['share_positive'])} of the {int(row['n_specs']):,} estimates are "
            f"positive and {_pct(share)} are significant and {direction} — {verdict}."
        )
    return "\n".join(f"* {part}" for part in parts)


def permutation_table(pvalues: pd.DataFrame, language: str = "en") -> pd.DataFrame:
    """:attr:`~inertia.multiverse.PermutationResult.pvalues` with display labels."""
    out = pvalues.copy()
    out.insert(0, "role effect", [effect_label(e, language) for e in out["effect"]])
    return out.drop(columns="effect")


def permutation_sentence(
    pvalues: pd.DataFrame,
    n_draws: int,
    n_specs: int,
    scheme: str,
    n_estimable: int | None = None,
) -> str:
    """Whether each curve is distinguishable from curves under the null of no effect.

    ``n_estimable``: how many of the ``n_specs`` tested specifications have estimates
    (default: all).
    """
    how = (
        "whole city histories of the role indices reassigned to other cities"
        if scheme == "city"
        else "the role indices shuffled across cities within each year"
    )
    lines = []
    for _, row in pvalues.iterrows():
        rejects = row["p_median"] < ALPHA
        verdict = (
            "further from zero than in the null curves, so the curve rejects 'no effect'"
            if rejects
            else "within the range of the null curves"
        )
        lines.append(
            f"* **{effect_label(row['effect'])}**: the median of {_num(row['median'])} is "
            f"{verdict} ({_p(row['p_median'], n_draws)}); for the share significant with its "
            f"sign ({_pct(row['share_significant_same_sign'])}), "
            f"{_p(row['p_share'], n_draws)}."
        )
    tested = f"{n_specs} specifications drawn at random"
    if n_estimable is not None and n_estimable < n_specs:
        tested += f", of which {n_estimable} could be estimated"
    head = f"Under the null ({n_draws} draws with {how}; {tested}):"
    return "\n".join([head, *lines])


def influence_table(
    influence: pd.DataFrame, language: str = "en", top: int | None = None
) -> pd.DataFrame:
    """:func:`~inertia.multiverse.fork_influence`, largest influence first within each effect."""

    out = influence.sort_values(
        ["effect", "eta_squared"],
        ascending=[True, False],
        key=lambda s: (
            s.map({"weakness": 0, "deviation": 1, "reinforcement": 2}) if s.name == "effect" else s
        ),
    )
    if top is not None:
        out = out.groupby("effect", sort=False).head(top)
    out = out.reset_index(drop=True)
    out.insert(0, "role effect", [effect_label(e, language) for e in out["effect"]])
    out["fork"] = [fork_name(f, language) for f in out["fork"]]
    return out.drop(columns="effect")


def influence_sentence(influence: pd.DataFrame) -> str:
    """Which choice moves each effect most."""

    parts = []
    for effect, part in influence.groupby("effect", sort=False):
        best = part.sort_values("eta_squared", ascending=False).iloc[0]
        parts.append(
            f"for **{effect_label(str(effect)).lower()}** it is the {fork_name(best['fork'])} "
            f"choice ({_pct(best['eta_squared'])} of the curve's variance; median "
            f"{_num(best['median_range'])} apart between {best['low_level']} and "
            f"{best['high_level']})"
        )
    if not parts:
        return "No choice varies, so no fork influence can be computed."
    return "The choice that moves the estimates most: " + "; ".join(parts) + "."
