"""Specification-curve figures of chapter 7 (robustness).

The specification curve of Simonsohn, Simmons & Nelson (2020, *Nature Human
Behaviour* 4, 1208-1214): for one role effect, the top panel shows every
specification's estimate with its 95% interval, sorted by the estimate and
coloured by significance and sign; the bottom panel is the indicator matrix
of the choices, one row per fork level, with a mark in the column of every
specification that uses that level. Forks with one level in the table are
left out of the matrix (they do not vary).

The functions take :attr:`inertia.multiverse.MultiverseResult.table` (one row
per specification x effect) and return a :class:`matplotlib.figure.Figure`;
publishing (and the simulated-data mark) is left to
:class:`inertia.report.outputs.Publisher`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from inertia.errors import ParameterError
from inertia.viz.labels import check_language, fork_name, term_label, text

if TYPE_CHECKING:  # pragma: no cover - typing only
    from matplotlib.figure import Figure

#: Significance colours: positive and significant, negative and significant, not significant.
CURVE_COLOURS = {"positive": "#D55E00", "negative": "#0072B2", "ns": "#9E9E9E"}
#: Legend phrases (:data:`inertia.viz.labels.PHRASES` keys) of the significance classes.
CURVE_PHRASES = {
    "positive": "significant_positive",
    "negative": "significant_negative",
    "ns": "not_significant",
}
#: Table columns of the forks, in the order the matrix lists them (top to bottom).
FORK_ROWS: tuple[str, ...] = (
    "index_method",
    "shortfall_reference",
    "horizon",
    "synergy_measure",
    "target_rule",
    "role_weighting",
    "growth_tilt",
    "spending_rule",
    "sample",
    "outcome",
    "controls",
    "lags",
    "se_type",
)


def curve_frame(table: pd.DataFrame, effect: str, alpha: float = 0.05) -> pd.DataFrame:
    """The estimated specifications of one effect, sorted for the curve.

    Sorted by estimate (ties by ``spec_id``, so the order is reproducible), with
    ``rank`` (0, 1, ...) and ``significance`` in ``positive``/``negative``/``ns``
    (:math:`p < \\alpha` and the sign of the estimate). Failed specifications
    (NaN estimate) are dropped.
    """
    if effect not in set(table["effect"]):
        raise ParameterError(
            f"The multiverse table has no effect {effect!r}; it has {sorted(set(table['effect']))}."
        )
    part = table.loc[(table["effect"] == effect) & table["estimate"].notna()]
    part = part.sort_values(["estimate", "spec_id"], kind="mergesort").reset_index(drop=True)
    significant = part["pvalue"] < alpha
    part["significance"] = np.where(
        significant, np.where(part["estimate"] > 0, "positive", "negative"), "ns"
    )
    part["rank"] = np.arange(len(part))
    return part


def indicator_rows(table: pd.DataFrame) -> list[tuple[str, str]]:
    """(fork column, level) of each matrix row, top to bottom: varying forks only.

    Levels keep the order of their first appearance in ``table`` (the multiverse
    table is in product order, so that is the declared order).
    """
    rows = []
    for column in FORK_ROWS:
        if column not in table.columns:
            continue
        levels = list(pd.unique(table[column].astype(str)))
        if len(levels) < 2:
            continue
        rows.extend((column, level) for level in levels)
    return rows


def _baseline_rank(curve: pd.DataFrame) -> int | None:
    """Rank of the chapter 4 baseline specification in the curve, if it is in it."""
    from inertia.multiverse import BASELINE, FORK_COLUMNS

    mask = pd.Series(True, index=curve.index)
    for fork, column in FORK_COLUMNS.items():
        level = BASELINE[fork]
        if fork == "controls":
            level = "+".join(level) if level else "none"
        mask &= curve[column].astype(str) == str(level)
    ranks = curve.loc[mask, "rank"]
    return int(ranks.iloc[0]) if len(ranks) else None


def specification_curve(
    table: pd.DataFrame,
    effect: str,
    *,
    alpha: float = 0.05,
    language: str = "en",
    title: str | None = None,
) -> Figure:
    """Specification curve of one role effect (Simonsohn, Simmons & Nelson 2020).

    Parameters
    ----------
    table : DataFrame
        :attr:`~inertia.multiverse.MultiverseResult.table`.
    effect : {"weakness", "deviation", "reinforcement"}
    alpha : float
        Significance level of the colours.
    language : {"en", "zh"}
    title : str, optional
        Default "Specification curve: <effect label>".

    Returns
    -------
    Figure
        Axes 0: the sorted estimates (one point and interval per specification,
        dashed line at the median, dotted line at the baseline specification);
        axes 1: the indicator matrix, one row per level of each varying fork.
    """
    import matplotlib.pyplot as plt
    from matplotlib.lines import Line2D

    check_language(language)
    curve = curve_frame(table, effect, alpha)
    if curve.empty:
        raise ParameterError(f"No specification of {effect!r} has an estimate to plot.")
    rows = indicator_rows(table.loc[table["effect"] == effect])
    n = len(curve)
    matrix_height = 0.16 * max(len(rows), 2)
    fig, (top, bottom) = plt.subplots(
        2,
        1,
        sharex=True,
        figsize=(7.2, 2.8 + matrix_height),
        gridspec_kw={"height_ratios": [2.8, matrix_height], "hspace": 0.06},
    )
    # Marks shrink with the number of specifications so that thousands stay readable.
    marker_size = float(np.clip(2400 / n, 2.0, 16))
    line_width = float(np.clip(250 / n, 0.25, 1.5))
    for kind, colour in CURVE_COLOURS.items():
        part = curve.loc[curve["significance"] == kind]
        if part.empty:
            continue
        top.vlines(
            part["rank"],
            part["ci_low"],
            part["ci_high"],
            colors=colour,
            alpha=float(np.clip(60 / n, 0.15, 0.35)),
            linewidth=line_width,
        )
        top.scatter(part["rank"], part["estimate"], s=marker_size, color=colour, linewidths=0)
    top.axhline(0.0, color="black", linewidth=0.7)
    median = float(curve["estimate"].median())
    top.axhline(median, color="black", linewidth=0.8, linestyle="--")
    handles = [
        Line2D(
            [],
            [],
            marker="o",
            linestyle="",
            color=colour,
            label=text(CURVE_PHRASES[kind], language),
        )
        for kind, colour in CURVE_COLOURS.items()
        if (curve["significance"] == kind).any()
    ]
    handles.append(Line2D([], [], color="black", linestyle="--", label=text("median", language)))
    baseline = _baseline_rank(curve)
    if baseline is not None:
        for ax in (top, bottom):
            ax.axvline(baseline, color="#444444", linewidth=0.8, linestyle=":")
        handles.append(
            Line2D(
                [],
                [],
                color="#444444",
                linestyle=":",
                label=text("baseline_specification", language),
            )
        )
    top.legend(handles=handles, frameon=False, fontsize=7, loc="upper left", ncol=2)
    top.set_ylabel(text("estimate_ci", language))
    effect_label = term_label(effect, language)
    top.set_title(
        title if title is not None else text("curve_title", language, effect=effect_label)
    )
    top.grid(axis="x", visible=False)

    # Indicator matrix: row y = position of (fork, level), marks where the spec uses it.
    for y, (column, level) in enumerate(rows):
        used = curve.loc[curve[column].astype(str) == level, "rank"]
        bottom.scatter(
            used,
            np.full(len(used), y),
            marker="|",
            s=18,
            linewidths=line_width,
            color="#333333",
        )
    bottom.set_yticks(range(len(rows)))
    bottom.set_yticklabels(
        [f"{fork_name(column, language)}: {level}" for column, level in rows], fontsize=6
    )
    bottom.set_ylim(len(rows) - 0.5, -0.5)
    # Thin separators between forks.
    starts = [i for i, (column, _) in enumerate(rows) if i == 0 or rows[i - 1][0] != column]
    for start in starts[1:]:
        bottom.axhline(start - 0.5, color="#BBBBBB", linewidth=0.5)
    bottom.grid(False)
    bottom.set_xlim(-0.01 * n - 0.5, n - 0.5 + 0.01 * n)
    bottom.set_xlabel(text("specification_rank", language))
    return fig
