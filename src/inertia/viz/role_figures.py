"""Figures of chapter 4: role-index maps, Moran's I over time, local Moran maps, coefficients.

All functions return a :class:`matplotlib.figure.Figure` and draw nothing
else; publishing (and the simulated-data mark) is left to
:class:`inertia.report.outputs.Publisher`. Maps reuse
:func:`inertia.viz.maps.plot_clusters` (one panel per cluster, each at its
own scale).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from inertia.data import reference
from inertia.errors import ParameterError
from inertia.viz.labels import text

if TYPE_CHECKING:  # pragma: no cover - typing only
    from matplotlib.figure import Figure

#: Colours of the local Moran cluster types (the usual LISA map palette) and of "ns".
LISA_COLOURS = {
    "HH": "#D7191C",
    "HL": "#FDAE61",
    "LH": "#ABD9E9",
    "LL": "#2C7BB6",
    "ns": "#EEEEEE",
}


def lisa_label(kind: str, language: str = "en") -> str:
    """Legend label of a local Moran type (``HH`` … ``LL``, or ``ns``)."""
    return text("not_significant" if kind == "ns" else f"lisa_{kind}", language)


def index_map(
    frame: pd.DataFrame,
    column: str,
    year: int,
    *,
    value_label: str,
    title: str | None = None,
    cmap: str = "magma_r",
    roster: pd.DataFrame | None = None,
) -> Figure:
    """Choropleth of one role index across the three clusters in ``year``.

    ``frame`` has ``code``, ``year`` and ``column``; cities without a value
    that year are hatched grey. Darker = more of the problem (``magma_r``).
    """
    rows = frame.loc[frame["year"] == year, ["code", column]]
    if rows[column].notna().sum() == 0:
        raise ParameterError(f"index_map: {column!r} has no value in {year}.")
    values = rows.set_index("code")[column]
    from inertia.viz.maps import plot_clusters

    return plot_clusters(
        values=values,
        cmap=cmap,
        value_label=value_label,
        title=title or f"{value_label}, {year}",
        figsize=(7.2, 3.6),
        roster=roster,
    )


def moran_figure(
    moran: pd.DataFrame, *, variable: str, alpha: float = 0.05, language: str = "en"
) -> Figure:
    """Global Moran's I by year with its expectation under no association.

    One line per cluster when ``moran`` has a ``cluster`` column
    (:func:`inertia.models.spatial.moran_by_year` with ``by="cluster"``), in the
    cluster colours; else one line. Filled markers: significant at ``alpha``
    (permutation p-value ``p_sim``, or the analytical ``p_rand`` when
    permutations were skipped); dotted: :math:`E[I]`.
    """
    import matplotlib.pyplot as plt
    from matplotlib.lines import Line2D

    from inertia.viz.labels import cluster_name
    from inertia.viz.style import CLUSTER_COLOURS

    if moran.empty:
        raise ParameterError("moran_figure: the Moran table is empty.")
    p_column = "p_sim" if moran["p_sim"].notna().all() else "p_rand"
    fig, ax = plt.subplots(figsize=(6.4, 3.4))
    lines: list[tuple[str | None, str, pd.DataFrame]]
    if "cluster" in moran.columns:
        lines = [
            (cluster_name(c, language), CLUSTER_COLOURS[c], moran[moran["cluster"] == c])
            for c in reference.CLUSTERS
            if (moran["cluster"] == c).any()
        ]
    else:
        lines = [(None, "#0072B2", moran)]
    handles = []
    for name, colour, rows in lines:
        rows = rows.sort_values("year")
        ax.plot(rows["year"], rows["I"], color=colour, linewidth=1.4, zorder=2)
        ax.plot(rows["year"], rows["expected_I"], color=colour, linestyle=":", linewidth=0.9)
        significant = (rows[p_column] < alpha).to_numpy()
        ax.scatter(
            rows["year"],
            rows["I"],
            s=28,
            zorder=3,
            color=[colour if flag else "white" for flag in significant],
            edgecolor=colour,
        )
        if name is not None:
            handles.append(Line2D([], [], color=colour, linewidth=1.4, label=name))
    handles += [
        Line2D([], [], marker="o", linestyle="", color="0.3",
               label=text("significant_at", language, alpha=alpha)),
        Line2D([], [], marker="o", linestyle="", markerfacecolor="white",
               markeredgecolor="0.3", label=text("not_significant", language)),
        Line2D([], [], color="0.3", linestyle=":", label=text("expected_i", language)),
    ]  # fmt: skip
    ax.set_xlabel(text("year", language))
    ax.set_ylabel(text("morans_i", language))
    ax.set_title(text("moran_title", language, variable=variable))
    years = np.sort(moran["year"].unique())
    step = max(1, int(np.ceil(len(years) / 10)))
    ax.set_xticks(years[::step])
    ax.legend(handles=handles, frameon=False, fontsize=7, loc="best")
    return fig


def local_moran_maps(
    lisas: Mapping[int, pd.DataFrame],
    *,
    variable: str,
    significance: float = 0.05,
    language: str = "en",
    roster: pd.DataFrame | None = None,
) -> Figure:
    """LISA cluster maps, one row per year and one panel per cluster.

    ``roster`` is the run's roster (synthetic rosters are drawn as discs; see
    :func:`inertia.viz.maps.map_shapes`).

    ``lisas`` maps a year to :func:`inertia.models.spatial.local_moran`
    output (``code``, ``cluster`` in HH/HL/LH/LL/ns). Roster cities without a
    value that year are hatched grey.
    """
    import matplotlib.pyplot as plt
    from matplotlib.patches import Patch

    from inertia.viz.labels import cluster_name
    from inertia.viz.maps import edge_width, map_shapes
    from inertia.viz.style import CLUSTER_COLOURS

    if not lisas:
        raise ParameterError("local_moran_maps needs at least one year.")
    shapes = map_shapes(roster)
    edge = edge_width(shapes)
    clusters = list(reference.CLUSTERS)
    fig, axes = plt.subplots(
        len(lisas), len(clusters), figsize=(7.2, 2.9 * len(lisas) + 0.6), squeeze=False
    )
    for row, (year, lisa) in enumerate(lisas.items()):
        kind = lisa.set_index("code")["cluster"]
        for column, cluster in enumerate(clusters):
            ax = axes[row][column]
            members = shapes[shapes["cluster"] == cluster]
            types = kind.reindex(members.index)
            present = members[types.notna()]
            absent = members[types.isna()]
            if not present.empty:
                colours = types.dropna().map(LISA_COLOURS).reindex(present.index)
                present.plot(ax=ax, color=colours.tolist(), edgecolor="white", linewidth=edge)
            if not absent.empty:
                absent.plot(ax=ax, color="#DDDDDD", hatch="///", edgecolor="white", linewidth=edge)
            ax.set_xticks([])
            ax.set_yticks([])
            ax.set_xlabel("")
            ax.set_ylabel("")
            ax.set_aspect("equal")
            for spine in ax.spines.values():
                spine.set_visible(True)
                spine.set_edgecolor(CLUSTER_COLOURS[cluster])
                spine.set_linewidth(1.5)
            name = cluster_name(cluster, language)
            ax.set_title(f"{name}, {year}", fontsize=9, color=CLUSTER_COLOURS[cluster])
    handles = [
        Patch(facecolor=LISA_COLOURS[k], edgecolor="0.6", label=lisa_label(k, language))
        for k in LISA_COLOURS
    ]
    fig.suptitle(text("lisa_title", language, variable=variable, significance=significance))
    fig.tight_layout(rect=(0, 0.07, 1, 0.97))
    # Left of centre, so that the publisher's "Simulated data" mark fits at the right.
    fig.legend(
        handles=handles,
        loc="lower center",
        bbox_to_anchor=(0.45, 0.01),
        ncol=len(handles),
        frameon=False,
        fontsize=8,
    )
    return fig


def coefficient_figure(
    tidy: pd.DataFrame,
    terms: Sequence[str],
    labels: Mapping[str, str],
    *,
    models: Sequence[str] | None = None,
    title: str | None = None,
    xlabel: str | None = None,
    language: str = "en",
) -> Figure:
    """Coefficient plot of ``terms`` across ``models`` (via ``coefplot.coefficient_plot``).

    Wider than the default so that the legend and long labels fit.
    """
    import matplotlib.pyplot as plt

    from inertia.viz.coefplot import coefficient_plot

    n_models = len(models) if models is not None else tidy["model"].nunique()
    fig, ax = plt.subplots(figsize=(6.8, 1.2 + 0.5 * len(terms) * max(1, n_models) ** 0.5))
    xlabel = text("coefficient_ci", language) if xlabel is None else xlabel
    coefficient_plot(tidy, terms, labels, models=models, ax=ax, xlabel=xlabel)
    if ax.get_legend() is not None:
        ax.legend(frameon=False, fontsize=8, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    if title:
        ax.set_title(title)
    return fig


def recovery_figure(
    table: pd.DataFrame, labels: Mapping[str, str], *, language: str = "en"
) -> Figure:
    """Estimates with 95% intervals against the truth (simulated data), per SE type.

    ``table`` is :func:`inertia.report.role_text.recovery_table` output.
    """
    tidy = table.rename(columns={"estimate": "coef", "se_type": "model"})
    terms = list(pd.unique(table["term"]))
    fig = coefficient_figure(tidy, terms, labels, xlabel=text("coefficient_truth", language))
    ax = fig.axes[0]
    truths = table.drop_duplicates("term").set_index("term")["truth"]
    for k, term in enumerate(terms):
        ax.plot(truths[term], len(terms) - 1 - k, "x", color="black", markersize=8, zorder=4)
    return fig
