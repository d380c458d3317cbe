"""Figures of chapter 3: synergy against its expected path and the evidence beside it.

The evidence beside it: the decompositions, coupling, convergence and the event study.

Every function returns a matplotlib Figure (no ``plt.show``); colours per
cluster come from :data:`inertia.viz.style.CLUSTER_COLOURS`. Call
:func:`inertia.viz.style.use` first.
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from inertia.data import reference
from inertia.viz import labels
from inertia.viz.labels import text
from inertia.viz.style import CLUSTER_COLOURS, DOUBLE_COLUMN

if TYPE_CHECKING:
    from matplotlib.artist import Artist
    from matplotlib.figure import Figure

__all__ = [
    "coupling_heatmap",
    "decomposition_figure",
    "delivery_figure",
    "event_study_figure",
    "ps_map",
    "sigma_figure",
    "synergy_gap_figure",
]


def _clusters_in(values: Sequence[str]) -> list[str]:
    present = set(values)
    return [c for c in reference.CLUSTERS if c in present]


def _name(cluster: str, language: str = "en") -> str:
    return labels.cluster_name(cluster, language)


def _integer_years(ax: Any) -> None:
    from matplotlib.ticker import MaxNLocator

    ax.xaxis.set_major_locator(MaxNLocator(nbins=5, integer=True))


def synergy_gap_figure(
    gap: pd.DataFrame,
    milestones: pd.DataFrame,
    *,
    measure_label: str,
    rule_label: str,
    language: str = "en",
) -> Figure:
    """THE headline figure: expected against actual synergy, one panel per cluster.

    Parameters
    ----------
    gap : DataFrame
        :func:`inertia.measures.synergy.inertia_gap` (cluster, year, S, E, gap, post).
    milestones : DataFrame
        :func:`inertia.report.evidence.effective_milestones` (official and observed
        milestone per cluster).
    measure_label, rule_label : str
        Axis label of the synergy measure and legend label of the expected path.
    language : {"en", "zh"}
        Language of the labels.

    Notes
    -----
    The gap E - S after the milestone is shaded red where actual synergy is
    below the expected path and green where it is above.
    """
    import matplotlib.pyplot as plt
    from matplotlib.patches import Patch

    clusters = _clusters_in(gap["cluster"].unique())
    fig, axes = plt.subplots(
        1, len(clusters), figsize=(DOUBLE_COLUMN, 3.3), sharey=True, squeeze=False
    )
    for ax, cluster in zip(axes[0], clusters, strict=True):
        part = gap[gap["cluster"] == cluster].sort_values("year")
        colour = CLUSTER_COLOURS[cluster]
        years = part["year"].to_numpy()
        post = part["post"].to_numpy(dtype=bool)
        s, e = part["S"].to_numpy(float), part["E"].to_numpy(float)
        ax.plot(years, s, "-o", color=colour, markersize=3, linewidth=1.8, label="actual S")
        ax.plot(years[post], e[post], "--", color="0.15", linewidth=1.4, label="expected E")
        ax.fill_between(
            years, s, e, where=post & (e >= s), interpolate=True, color="#d62728", alpha=0.25,
            linewidth=0,
        )
        ax.fill_between(
            years, s, e, where=post & (e < s), interpolate=True, color="#2ca02c", alpha=0.25,
            linewidth=0,
        )
        official = int(milestones.at[cluster, "milestone_year"])
        ax.axvline(official, color="0.35", linestyle=":", linewidth=1.1)
        ax.annotate(
            f"{text('milestone', language).lower()} {official}",
            xy=(official, 0.0),
            xycoords=("data", "axes fraction"),
            xytext=(3, 3),
            textcoords="offset points",
            ha="left",
            va="bottom",
            fontsize=7,
            color="0.3",
        )
        observed = milestones.at[cluster, "observed_year"]
        if pd.notna(observed) and int(observed) != official:
            ax.axvline(int(observed), color="0.6", linestyle=":", linewidth=0.9)
        ax.set_title(_name(cluster, language), color=colour, fontsize=9)
        ax.set_xlabel(text("year", language))
        ax.tick_params(labelsize=7)
        _integer_years(ax)
    axes[0][0].set_ylabel(textwrap.fill(measure_label, 32))
    handles, _ = axes[0][0].get_legend_handles_labels()
    handles += [
        Patch(facecolor="#d62728", alpha=0.25, label="gap: S below E"),
        Patch(facecolor="#2ca02c", alpha=0.25, label="S above E"),
    ]
    names = [
        text("actual_synergy", language),
        f"{text('expected_rule', language)} ({rule_label})",
        text("gap_below", language),
        text("above", language),
    ]
    fig.legend(handles, names, loc="lower center", ncol=4, frameon=False, fontsize=7.5,
               bbox_to_anchor=(0.5, -0.04))
    fig.tight_layout(rect=(0, 0.06, 1, 1))
    return fig


def decomposition_figure(decomposition: pd.DataFrame, language: str = "en") -> Figure:
    """Stacked Dagum-Gini decomposition (left) and Theil within/between (right) over time."""
    import matplotlib.pyplot as plt
    import seaborn as sns

    years = decomposition.index.to_numpy()
    colours = sns.color_palette("colorblind", 3)
    fig, (left, right) = plt.subplots(1, 2, figsize=(DOUBLE_COLUMN, 3.2))
    left.stackplot(
        years,
        decomposition["gini_within"],
        decomposition["gini_between_net"],
        decomposition["gini_transvariation"],
        labels=[text(k, language) for k in ("within", "between_net", "transvariation")],
        colors=colours,
        alpha=0.85,
    )
    left.plot(years, decomposition["gini"], color="black", linewidth=1.0,
              label=text("total_gini", language))
    left.set_title(text("gini_title", language), fontsize=9)
    left.set_ylabel(text("gini_contribution", language))
    right.stackplot(
        years,
        decomposition["theil_within"],
        decomposition["theil_between"],
        labels=[text("within", language), text("between_clusters", language)],
        colors=colours[:2],
        alpha=0.85,
    )
    right.plot(years, decomposition["theil"], color="black", linewidth=1.0,
               label=text("total_theil", language))
    right.set_title(text("theil_title", language), fontsize=9)
    right.set_ylabel(text("theil_contribution", language))
    for ax, top in ((left, decomposition["gini"].max()), (right, decomposition["theil"].max())):
        ax.set_xlabel(text("year", language))
        ax.set_xlim(years.min(), years.max())
        # Headroom above the stack for the legend.
        ax.set_ylim(0, top * 1.4)
        ax.legend(loc="upper center", ncol=2, fontsize=7, frameon=False)
        _integer_years(ax)
    fig.tight_layout()
    return fig


#: Most rows of :func:`coupling_heatmap` drawn with city names.
HEATMAP_LABELLED_ROWS = 80


def coupling_heatmap(
    coupling: pd.DataFrame, roster: pd.DataFrame, language: str = "en"
) -> Figure:
    """Coupling coordination degree D per city (rows) and year (columns), coloured by grade.

    Cities are sorted by cluster, then by mean D. With more than
    :data:`HEATMAP_LABELLED_ROWS` cities the names are dropped and the height is fixed.

    Parameters
    ----------
    coupling : DataFrame
        :func:`inertia.report.evidence.coupling_table` (code, year, cluster, D, ...).
    roster : DataFrame
        Cities indexed by code with ``name_en``, ``name_zh`` and ``cluster``.
    language : {"en", "zh"}
        Language of the labels, city names and grades.
    """
    import matplotlib.pyplot as plt
    from matplotlib import colors, transforms

    from inertia.measures.coupling import COORDINATION_GRADES

    table = coupling.pivot(index="code", columns="year", values="D")
    cluster = coupling.groupby("code")["cluster"].first()
    order = {c: k for k, c in enumerate(reference.CLUSTERS)}
    mean_d = table.mean(axis=1)
    keys = pd.DataFrame({"c": cluster.map(order), "d": -mean_d})
    table = table.loc[keys.sort_values(["c", "d"]).index]
    bands = sorted(set(np.searchsorted(np.arange(0.1, 1.0, 0.1).round(1),
                                       table.to_numpy()[np.isfinite(table.to_numpy())],
                                       side="right") + 1))
    low, high = max(1, min(bands)), min(10, max(bands))
    edges = np.linspace((low - 1) / 10, high / 10, high - low + 2)
    cmap = plt.get_cmap("RdYlGn", high - low + 1)
    norm = colors.BoundaryNorm(edges, cmap.N)
    labelled = len(table) <= HEATMAP_LABELLED_ROWS
    # Beyond a readable number of rows (national and county rosters) the figure keeps a
    # fixed height and drops the city names: one pixel row per city, sorted as above.
    height = max(4.0, 0.12 * len(table) + 1.2) if labelled else 9.0
    fig, ax = plt.subplots(figsize=(DOUBLE_COLUMN, height))
    mesh = ax.pcolormesh(table.to_numpy(), cmap=cmap, norm=norm,
                         edgecolors="white" if labelled else "none",
                         linewidth=0.2 if labelled else 0.0)
    ax.invert_yaxis()
    years = table.columns.to_numpy()
    step = max(1, int(np.ceil(len(years) / 12)))
    ax.set_xticks(np.arange(len(years))[::step] + 0.5, [str(y) for y in years[::step]],
                  fontsize=7)
    column = f"name_{labels.check_language(language)}"
    fallback = pd.Series(table.index.astype(str), index=table.index)
    names = roster[column].reindex(table.index).fillna(fallback)
    if labelled:
        ax.set_yticks(np.arange(len(table)) + 0.5, names.to_numpy(), fontsize=5)
    else:
        ax.set_yticks([])
        ax.set_ylabel(text("cities_sorted", language).format(n=len(table)))
    ax.tick_params(axis="y", length=0)
    ax.grid(False)
    sorted_clusters = cluster.reindex(table.index).to_numpy()
    side = transforms.blended_transform_factory(ax.transAxes, ax.transData)
    for c in _clusters_in(sorted_clusters):
        rows = np.flatnonzero(sorted_clusters == c)
        ax.axhline(rows.max() + 1, color="black", linewidth=1.0 if labelled else 0.6)
        ax.text(1.01, rows.mean() + 0.5, c.upper(), color=CLUSTER_COLOURS[c], transform=side,
                fontsize=9, va="center", ha="left")
    ax.set_xlabel(text("year", language))
    bar = fig.colorbar(mesh, ax=ax, pad=0.1, fraction=0.04)
    ticks = (edges[:-1] + edges[1:]) / 2
    grades = COORDINATION_GRADES.loc[range(low, high + 1), f"grade_{language}"].to_numpy()
    bar.set_ticks(ticks.tolist(), labels=[f"{g} ({e:.1f}-{e + 0.1:.1f})" for g, e in
                                 zip(grades, edges[:-1], strict=True)])
    bar.ax.tick_params(labelsize=7)
    bar.set_label(text("coupling_bar", language))
    ax.set_title(text("coupling_title", language), fontsize=9)
    return fig


def sigma_figure(sigma: pd.DataFrame, milestones: pd.DataFrame, language: str = "en") -> Figure:
    """Coefficient of variation of PS by cluster and year (sigma convergence), milestones marked."""
    import matplotlib.pyplot as plt

    fig, (left, right) = plt.subplots(1, 2, figsize=(DOUBLE_COLUMN, 3.0), sharex=True)
    for cluster in _clusters_in(sigma["cluster"].unique()):
        part = sigma[sigma["cluster"] == cluster].sort_values("year")
        colour = CLUSTER_COLOURS[cluster]
        for ax, column in ((left, "cv"), (right, "sd_log")):
            ax.plot(part["year"], part[column], "-o", markersize=3, color=colour,
                    label=_name(cluster, language))
            ax.axvline(int(milestones.at[cluster, "milestone_year"]), color=colour,
                       linestyle=":", linewidth=1.0)
    left.set_ylabel(f"{text('cv', language)} (PS)")
    right.set_ylabel(f"{text('sd_log', language)} (PS)")
    for ax in (left, right):
        ax.set_xlabel(text("year", language))
        ax.set_ylim(bottom=0)
        _integer_years(ax)
    left.legend(fontsize=7, frameon=False, loc="best")
    fig.suptitle(text("sigma_title", language), fontsize=9)
    fig.tight_layout()
    return fig


def event_study_figure(gap_study: Any, shortfall_study: Any, language: str = "en") -> Figure:
    """Event-study coefficients with 95% CIs, by event-time bin in years.

    Two panels: the city gap (with the plan's requirement) and the shortfall from plan.
    """
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(DOUBLE_COLUMN, 3.3))
    panels = (
        (axes[0], gap_study, text("city_gap_change", language), text("gap_outcome", language)),
        (axes[1], shortfall_study, text("shortfall", language), text("shortfall", language)),
    )
    for ax, study, ylabel, title in panels:
        ax.set_title(title, fontsize=9)
        if not study.estimated:
            ax.text(0.5, 0.5, text("not_estimated", language), ha="center", va="center",
                    transform=ax.transAxes, fontsize=9, color="0.4")
            ax.set_axis_off()
            continue
        table = study.coefficients
        x = table["event_time"].to_numpy()
        pre = x < 0
        ax.axhline(0.0, color="0.4", linewidth=0.8)
        ax.axvline(-0.5, color="0.4", linestyle=":", linewidth=0.9)
        for mask, colour, label in (
            (pre, "0.45", text("event_lead", language)),
            (~pre, "#0072B2", text("event_lag", language)),
        ):
            part = table[mask]
            estimated = part[~part["reference"]]
            ax.errorbar(
                estimated["event_time"], estimated["coef"],
                yerr=[estimated["coef"] - estimated["ci_low"],
                      estimated["ci_high"] - estimated["coef"]],
                fmt="o", color=colour, markersize=4, capsize=2, linewidth=1.2, label=label,
            )
        ref = table[table["reference"]]
        ax.plot(ref["event_time"], ref["coef"], "o", mfc="white", mec="0.3", markersize=5,
                label=text("event_reference", language))
        if "required" in table.columns:
            ax.plot(x, table["required"], "s--", color="#d62728", markersize=3.5,
                    linewidth=1.2, label=text("required_by_plan", language))
        ax.set_xticks(x, table["label"].tolist(), fontsize=7)
        xlabel = text("years_relative", language)
        if study.spacing > 1:
            xlabel += f" ({study.spacing}{text('year_bins', language)})"
        ax.set_xlabel(xlabel)
        ax.set_ylabel(ylabel)
        if np.isfinite(study.pretrend_pvalue) and study.outcome == "gap":
            ax.set_title(
                f"{title}\n({text('pretrend', language)} p = {study.pretrend_pvalue:.3g})",
                fontsize=9,
            )
    handles: dict[str, Artist] = {}
    labels: dict[str, str] = {}
    for ax in axes:
        for handle, label in zip(*ax.get_legend_handles_labels(), strict=True):
            handles.setdefault(label, handle)
            labels[label] = label
    if handles:
        fig.legend(list(handles.values()), list(labels), loc="lower center", ncol=len(handles),
                   frameon=False, fontsize=7.5, bbox_to_anchor=(0.5, -0.02))
    fig.tight_layout(rect=(0, 0.07, 1, 1))
    return fig


def delivery_figure(design: pd.DataFrame, table: pd.DataFrame, language: str = "en") -> Figure:
    """Chapter 3's test, drawn: each city's closure against the closure its plan required.

    One panel per cluster: every post-milestone city-year as a point (required
    closure against the city's log growth since the base year, both relative
    to the cluster-year mean, which the cluster-by-year effects remove), the
    line of slope 1 (the commitment delivered) and the fitted line whose slope
    is the cluster's delivered share.

    Parameters
    ----------
    design : DataFrame
        :attr:`inertia.models.delivery.DeliveryResult.design`.
    table : DataFrame
        :attr:`inertia.models.delivery.DeliveryResult.table`.
    language : {"en", "zh"}

    Returns
    -------
    Figure
    """
    import matplotlib.pyplot as plt

    clusters = _clusters_in(design["cluster"].unique())
    fig, axes = plt.subplots(1, max(len(clusters), 1), figsize=(DOUBLE_COLUMN, 2.9),
                             squeeze=False)
    shares = table.set_index("scope")
    for ax, cluster in zip(axes[0], clusters, strict=False):
        part = design[design["cluster"] == cluster]
        cell = part["year"]
        x = part["required"] - part.groupby(cell)["required"].transform("mean")
        y = part["change"] - part.groupby(cell)["change"].transform("mean")
        ax.scatter(x, y, s=8, color=CLUSTER_COLOURS[cluster], alpha=0.6, linewidths=0)
        span = np.array([x.min(), x.max()])
        ax.plot(span, span, color="0.3", linestyle="--", linewidth=1.0,
                label=text("delivered_line", language))
        share = float(shares.at[cluster, "estimate"]) if cluster in shares.index else np.nan
        if np.isfinite(share):
            ax.plot(span, share * span, color=CLUSTER_COLOURS[cluster], linewidth=1.6,
                    label=text("fitted_share", language, share=f"{share:.2f}"))
        ax.axhline(0.0, color="0.8", linewidth=0.6)
        ax.set_title(_name(cluster, language), fontsize=9)
        ax.set_xlabel(text("required_closure", language), fontsize=8)
        ax.legend(fontsize=7, frameon=False, loc="upper left")
    axes[0][0].set_ylabel(text("actual_closure", language), fontsize=8)
    for ax in axes[0][len(clusters):]:
        ax.set_axis_off()
    fig.tight_layout()
    return fig


def ps_map(
    values: pd.Series,
    *,
    year: int,
    vmin: float,
    vmax: float,
    language: str = "en",
    roster: pd.DataFrame | None = None,
) -> Figure:
    """:func:`inertia.viz.maps.plot_clusters` of PS by code, on a fixed colour scale.

    The scale ``[vmin, vmax]`` is shared between the maps of different years so
    that colours compare across them.
    """
    from matplotlib.colors import Normalize

    from inertia.viz.maps import plot_clusters

    fig = plot_clusters(
        values=values,
        value_label=f"{text('public_service_level', language)} PS",
        title=f"{text('public_service_level', language)}, {year}",
        language=language,
        roster=roster,
    )
    # plot_clusters shares one Normalize between the panels and the colour bar;
    # moving its limits rescales all of them together.
    for ax in fig.axes:
        for collection in ax.collections:
            if collection.get_array() is not None:
                norm = collection.norm
                assert isinstance(norm, Normalize), "plot_clusters draws with a Normalize"
                norm.vmin, norm.vmax = vmin, vmax
    return fig
