"""Specification-curve figures of chapter 7 (robustness).

The specification curve of Simonsohn, Simmons & Nelson (2020, *Nature Human
Behaviour* 4, 1208-1214): for one role effect on one outcome, the top panel
shows every specification's standardised estimate with two 95% bands on the
same estimate, city-clustered (coloured by significance and sign) and
Driscoll-Kraay (grey, behind), sorted by the estimate; the bottom panel is the
indicator matrix of the choices, one row per fork level, with a mark in the
column of every specification that uses that level. Forks with one level on
the curve are left out of the matrix (they do not vary). Specifications that
repeat another's estimates (``duplicate_of``) or failed are not on the curve.

:func:`null_figure` shows, per role effect, where the observed curve's median
and share significant (with its dominant sign) lie in the distribution of the
curves under the null (:func:`inertia.multiverse.bootstrap_test`).

The functions take :attr:`inertia.multiverse.MultiverseResult.table` (one row
per specification x effect) or :class:`inertia.multiverse.CurveTest` tables and
return a :class:`matplotlib.figure.Figure`; publishing (and the simulated-data
mark) is left to :class:`inertia.report.outputs.Publisher`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from inertia.errors import ParameterError
from inertia.specification import OUTCOME_PHRASES, in_curve
from inertia.viz.labels import check_language, fork_name, term_label, text

if TYPE_CHECKING:  # pragma: no cover - typing only
    from matplotlib.figure import Figure

#: Significance colours: positive and significant, negative and significant, not significant.
CURVE_COLOURS = {"positive": "#D55E00", "negative": "#0072B2", "ns": "#9E9E9E"}
#: Colour of the Driscoll-Kraay band, drawn behind the clustered one.
KRAAY_COLOUR = "#C8C8C8"
#: Legend phrases (:data:`inertia.viz.labels.PHRASES` keys) of the significance classes.
CURVE_PHRASES = {
    "positive": "significant_positive",
    "negative": "significant_negative",
    "ns": "not_significant",
}
#: Table columns of the forks, in the order the matrix lists them (top to bottom).
FORK_ROWS: tuple[str, ...] = (
    "estimator",
    "time_effects",
    "index_method",
    "shortfall_reference",
    "horizon",
    "role_method",
    "reinforcement_rule",
    "spending_rule",
    "sample",
    "controls",
    "lags",
)


def _outcome_label(outcome: str, language: str) -> str:
    return text(OUTCOME_PHRASES.get(outcome, outcome), language)


def curve_frame(
    table: pd.DataFrame, effect: str, outcome: str | None = None, alpha: float = 0.05
) -> pd.DataFrame:
    """The specifications on one curve, sorted.

    Parameters
    ----------
    table : DataFrame
        :attr:`~inertia.multiverse.MultiverseResult.table`.
    effect : str
    outcome : str, optional
        Default: the table's only outcome.
    alpha : float

    Returns
    -------
    DataFrame
        The estimated, non-duplicate rows of ``effect`` and ``outcome``,
        sorted by the standardised estimate (ties by ``spec_id``, so the order is
        reproducible), with ``rank`` (0, 1, ...) and ``significance`` in
        ``positive``/``negative``/``ns`` (clustered :math:`p < \\alpha` and the sign).
    """
    if effect not in set(table["effect"]):
        raise ParameterError(
            f"The multiverse table has no effect {effect!r}; it has {sorted(set(table['effect']))}."
        )
    outcomes = list(pd.unique(table["outcome"]))
    if outcome is None:
        if len(outcomes) != 1:
            raise ParameterError(f"The table has several outcomes {outcomes}; name one.")
        outcome = outcomes[0]
    elif outcome not in outcomes:
        raise ParameterError(f"The multiverse table has no outcome {outcome!r}; it has {outcomes}.")
    mask = (table["effect"] == effect) & (table["outcome"] == outcome) & in_curve(table)
    part = table.loc[mask]
    part = part.sort_values(["std_estimate", "spec_id"], kind="mergesort").reset_index(drop=True)
    significant = part["pvalue"] < alpha
    part["significance"] = np.where(
        significant, np.where(part["std_estimate"] > 0, "positive", "negative"), "ns"
    )
    part["rank"] = np.arange(len(part))
    return part


def indicator_rows(table: pd.DataFrame) -> list[tuple[str, str]]:
    """(fork column, level) of each matrix row, top to bottom: varying forks only.

    Parameters
    ----------
    table : DataFrame
        The curve's rows in the multiverse table's order (product order), so
        that levels keep their declared order (the baseline's first).

    Returns
    -------
    list of (str, str)
    """
    rows: list[tuple[str, str]] = []
    for column in FORK_ROWS:
        if column not in table.columns:
            continue
        levels = list(pd.unique(table[column].astype(str)))
        if len(levels) < 2:
            continue
        rows.extend((column, level) for level in levels)
    return rows


def specification_curve(
    table: pd.DataFrame,
    effect: str,
    outcome: str | None = None,
    *,
    alpha: float = 0.05,
    baseline_id: str | None = None,
    language: str = "en",
    title: str | None = None,
) -> Figure:
    """Specification curve of one role effect on one outcome (Simonsohn et al. 2020).

    Parameters
    ----------
    table : DataFrame
        :attr:`~inertia.multiverse.MultiverseResult.table`.
    effect : {"weakness", "deviation", "reinforcement"}
    outcome : str, optional
        Default: the table's only outcome.
    alpha : float
        Significance level of the colours.
    baseline_id : str, optional
        ``spec_id`` of the curve's baseline specification, marked when on the curve.
    language : {"en", "zh"}
    title : str, optional
        Default "Specification curve: <effect> on <outcome>".

    Returns
    -------
    Figure
        Axes 0: the sorted standardised estimates with the Driscoll-Kraay
        (grey) and clustered (coloured) 95% bands, a dashed line at the median
        and a dotted line at the baseline; axes 1: the indicator matrix.
    """
    import matplotlib.pyplot as plt
    from matplotlib.lines import Line2D

    check_language(language)
    curve = curve_frame(table, effect, outcome, alpha)
    if curve.empty:
        raise ParameterError(f"No specification of {effect!r} has an estimate to plot.")
    outcome = str(curve["outcome"].iloc[0])
    rows = indicator_rows(table.loc[table["spec_id"].isin(set(curve["spec_id"]))])
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
    alpha_band = float(np.clip(60 / n, 0.15, 0.35))
    top.vlines(
        curve["rank"],
        curve["std_ci_low_dk"],
        curve["std_ci_high_dk"],
        colors=KRAAY_COLOUR,
        linewidth=line_width * 2,
        alpha=min(1.0, 2 * alpha_band),
        zorder=1,
    )
    for kind, colour in CURVE_COLOURS.items():
        part = curve.loc[curve["significance"] == kind]
        if part.empty:
            continue
        top.vlines(
            part["rank"],
            part["std_ci_low"],
            part["std_ci_high"],
            colors=colour,
            alpha=alpha_band,
            linewidth=line_width,
            zorder=2,
        )
        top.scatter(
            part["rank"], part["std_estimate"], s=marker_size, color=colour, linewidths=0, zorder=3
        )
    top.axhline(0.0, color="black", linewidth=0.7)
    median = float(curve["std_estimate"].median())
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
    handles.append(Line2D([], [], color="#777777", label=text("ci_clustered", language)))
    handles.append(
        Line2D([], [], color=KRAAY_COLOUR, linewidth=3, label=text("ci_driscoll_kraay", language))
    )
    handles.append(Line2D([], [], color="black", linestyle="--", label=text("median", language)))
    ranks = curve.loc[curve["spec_id"] == baseline_id, "rank"] if baseline_id else None
    if ranks is not None and len(ranks):
        for ax in (top, bottom):
            ax.axvline(int(ranks.iloc[0]), color="#444444", linewidth=0.8, linestyle=":")
        handles.append(
            Line2D(
                [],
                [],
                color="#444444",
                linestyle=":",
                label=text("baseline_specification", language),
            )
        )
    top.legend(handles=handles, frameon=False, fontsize=7, loc="upper left", ncol=3)
    top.set_ylabel(text("standardised_effect", language), fontsize=8)
    top.set_title(
        title
        if title is not None
        else text(
            "curve_title_outcome",
            language,
            effect=term_label(effect, language),
            outcome=_outcome_label(outcome, language),
        )
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


def null_figure(
    null: pd.DataFrame,
    pvalues: pd.DataFrame,
    outcome: str,
    *,
    language: str = "en",
) -> Figure:
    """The observed curve against the curves under the null, for one outcome.

    Parameters
    ----------
    null : DataFrame
        :attr:`~inertia.multiverse.CurveTest.null` (one row per draw, outcome and effect).
    pvalues : DataFrame
        :attr:`~inertia.multiverse.CurveTest.pvalues`.
    outcome : str
    language : {"en", "zh"}

    Returns
    -------
    Figure
        Two rows of three panels (one per role effect): histograms of the null
        curves' median standardised effect (top) and share significant with its
        dominant sign (bottom), a vertical line at the observed value.
    """
    import matplotlib.pyplot as plt

    check_language(language)
    part = null.loc[null["outcome"] == outcome]
    observed = pvalues.loc[pvalues["outcome"] == outcome].set_index("effect")
    if part.empty or observed.empty:
        raise ParameterError(f"The curve test has no outcome {outcome!r}.")
    effects = list(observed.index)
    fig, axes = plt.subplots(2, len(effects), figsize=(7.2, 4.4), squeeze=False)
    statistics = (
        ("median", "median", "null_curves_median"),
        ("share_significant_dominant", "share_significant_dominant", "share_significant_dominant"),
    )
    for row, (null_column, observed_column, phrase) in enumerate(statistics):
        for column, effect in enumerate(effects):
            ax = axes[row, column]
            values = part.loc[part["effect"] == effect, null_column].dropna().to_numpy()
            value = float(observed.at[effect, observed_column])
            if values.size == 0 or not np.isfinite(value):
                # A curve with no estimated specification: an empty panel that says so.
                ax.text(0.5, 0.5, text("no_estimate", language), ha="center", va="center",
                        transform=ax.transAxes, fontsize=7)  # fmt: skip
            else:
                span = np.concatenate([values, [value]])
                low, high = float(np.min(span)), float(np.max(span))
                pad = 0.05 * (high - low) if high > low else 0.05
                bins = np.linspace(low - pad, high + pad, 31)
                ax.hist(
                    values, bins=bins, color=CURVE_COLOURS["ns"], edgecolor="white", linewidth=0.3
                )
                ax.axvline(value, color=CURVE_COLOURS["positive"], linewidth=1.4)
            if row == 0:
                ax.set_title(term_label(effect, language), fontsize=8)
            ax.set_xlabel(text(phrase, language), fontsize=7)
            ax.tick_params(labelsize=6)
            if column == 0:
                ax.set_ylabel(text("null_draws", language), fontsize=7)
    axes[0, 0].plot([], [], color=CURVE_COLOURS["positive"], label=text("observed_curve", language))
    axes[0, 0].legend(frameon=False, fontsize=6, loc="upper left")
    fig.suptitle(text("null_title", language, outcome=_outcome_label(outcome, language)))
    fig.tight_layout()
    return fig
