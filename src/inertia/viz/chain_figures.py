"""Figures of the chain reaction (chapter 4) and the corrective measures (chapter 5).

* :func:`path_diagram`: the serial mediation W -> D -> R -> y drawn from the
  estimates with matplotlib only (boxes and arrows; arrow width proportional to
  the absolute effect, label ``estimate [CI]``);
* :func:`shock_figure`: how a one-time unit shock propagates, with bootstrap bands
  (:func:`inertia.models.mediation.shock_propagation`);
* :func:`sensitivity_figure`: each indirect effect as a function of the error
  correlation that unmeasured confounding would induce, with its band
  (:func:`inertia.models.mediation.sensitivity`);
* :func:`fan_chart`: the change of the synergy gap E - S under each measure, per
  cluster (:attr:`inertia.scenarios.ScenarioResult.path` quantiles);
* :func:`gains_map`: a choropleth of the per-city gain (a thin wrapper of
  :func:`inertia.viz.maps.plot_clusters`).

Every function takes ``language`` ("en" or "zh") for its labels.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from inertia.errors import ParameterError
from inertia.formatting import number
from inertia.viz.labels import cluster_name, text
from inertia.viz.style import CLUSTER_COLOURS, DOUBLE_COLUMN

__all__ = ["fan_chart", "gains_map", "path_diagram", "sensitivity_figure", "shock_figure"]

#: Colours of the error-correlation pairs of the sensitivity figure.
PAIR_COLOURS = {"D_y": "#2166AC", "R_y": "#B2182B", "D_R": "#4D9221"}

#: Box positions of the path diagram (axes coordinates).
NODE_POSITIONS = {"x": (0.11, 0.25), "m1": (0.3, 0.8), "m2": (0.7, 0.8), "y": (0.89, 0.25)}
#: Arrows: path name, from, to, and where the label goes: the fraction along the
#: arrow, an offset in axes units and the horizontal alignment.
ARROWS = (
    ("a1_W_D", "x", "m1", (0.5, (-0.02, 0.02), "right")),
    ("a2_D_R", "m1", "m2", (0.5, (0.0, 0.07), "center")),
    ("a3_W_R", "x", "m2", (0.5, (0.0, 0.075), "center")),
    ("direct_W_y", "x", "y", (0.5, (0.0, -0.07), "center")),
    ("direct_D_y", "m1", "y", (0.5, (0.0, -0.075), "center")),
    ("direct_R_y", "m2", "y", (0.5, (0.02, 0.02), "left")),
)
ROLE_KEYS = {"x": "weakness", "m1": "deviation", "m2": "reinforcement"}
SYMBOLS = {"x": "W", "m1": "D", "m2": "R", "y": "y"}


def _node_label(role: str, language: str, outcome_label: str | None) -> str:
    import textwrap

    name = (
        (outcome_label or text("ps_growth", language))
        if role == "y"
        else text(ROLE_KEYS[role], language)
    )
    width = 16 if language == "en" else 8
    return "\n".join(textwrap.wrap(name, width)) + f" ({SYMBOLS[role]})"


def _edge_points(
    box_from: tuple[float, float, float, float], box_to: tuple[float, float, float, float]
) -> tuple[tuple[float, float], tuple[float, float]]:
    """Where the line between two boxes' centres leaves the first and enters the second."""
    centres = [((b[0] + b[2]) / 2, (b[1] + b[3]) / 2) for b in (box_from, box_to)]
    dx, dy = centres[1][0] - centres[0][0], centres[1][1] - centres[0][1]
    points = []
    for (cx, cy), box, sign in zip(centres, (box_from, box_to), (1.0, -1.0), strict=True):
        half_w, half_h = (box[2] - box[0]) / 2, (box[3] - box[1]) / 2
        t = min(half_w / abs(dx) if dx else np.inf, half_h / abs(dy) if dy else np.inf)
        points.append((cx + sign * t * dx, cy + sign * t * dy))
    return points[0], points[1]


def _fmt(value: float, digits: int = 3) -> str:
    return number(value, digits, missing="NA")


def path_diagram(
    paths: pd.DataFrame,
    language: str = "en",
    *,
    interval: str = "percentile",
    outcome_label: str | None = None,
    digits: int = 3,
    figsize: tuple[float, float] = (DOUBLE_COLUMN, 3.8),
) -> Figure:
    """Path diagram of the serial mediation, drawn from the estimates.

    Parameters
    ----------
    paths : DataFrame
        :attr:`inertia.models.mediation.MediationResult.paths` (``path,
        estimate, ci_low, ci_high, bc_low, bc_high, ci``).
    language : {"en", "zh"}
    interval : {"percentile", "bc"}
        Which bootstrap interval the labels show.
    outcome_label : str, optional
        Name of y in the box (default: public-service growth).
    digits : int
        Decimals of the labels.
    figsize : (float, float)

    Returns
    -------
    Figure
        One Axes with four boxes (W, D, R, y), six arrows whose line width is
        proportional to ``|estimate|`` (scaled separately within the a-paths
        and within the b-paths, which are in different units), dashed when
        the interval covers zero, each labelled ``estimate [low, high]``.
    """
    import matplotlib.pyplot as plt
    from matplotlib.patches import FancyArrowPatch

    if interval not in ("percentile", "bc"):
        raise ParameterError(
            f"path_diagram: interval must be 'percentile' or 'bc'; got {interval!r}."
        )
    table = paths.set_index("path")
    missing = [name for name, *_ in ARROWS if name not in table.index]
    if missing:
        raise ParameterError(f"path_diagram: the paths table lacks {missing}.")
    low_col, high_col = ("ci_low", "ci_high") if interval == "percentile" else ("bc_low", "bc_high")
    level = float(table["ci"].iloc[0]) if "ci" in table.columns else 0.95

    fig, ax = plt.subplots(figsize=figsize)
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.axis("off")
    box = {"boxstyle": "round,pad=0.5", "facecolor": "#f2f2f2", "edgecolor": "#333333"}
    nodes = {}
    for role, (px, py) in NODE_POSITIONS.items():
        nodes[role] = ax.text(
            px,
            py,
            _node_label(role, language, outcome_label),
            ha="center",
            va="center",
            fontsize=9,
            bbox=box,
            zorder=3,
            gid=f"node_{SYMBOLS[role]}",
        )

    # Box extents in axes coordinates, padded, for the arrows' end points.
    fig.canvas.draw()
    to_axes = ax.transAxes.inverted()
    boxes = {}
    for role, node in nodes.items():
        patch = node.get_bbox_patch()
        assert patch is not None, "every node is drawn with a bbox"
        (left, bottom), (right, top) = to_axes.transform(patch.get_window_extent())
        boxes[role] = (left - 0.01, bottom - 0.02, right + 0.01, top + 0.02)
    a_max = max(abs(float(table.loc[n, "estimate"])) for n, *_ in ARROWS[:3]) or 1.0
    b_max = max(abs(float(table.loc[n, "estimate"])) for n, *_ in ARROWS[3:]) or 1.0
    for index, (name, start, end, (fraction, offset, align)) in enumerate(ARROWS):
        estimate = float(table.loc[name, "estimate"])
        low, high = float(table.loc[name, low_col]), float(table.loc[name, high_col])
        scale = a_max if index < 3 else b_max
        width = 0.8 + 5.2 * (abs(estimate) / scale if np.isfinite(estimate) else 0.0)
        covers_zero = not (np.isfinite(low) and np.isfinite(high)) or low <= 0.0 <= high
        colour = "#B2182B" if estimate > 0 else "#2166AC"
        (x0, y0), (x1, y1) = NODE_POSITIONS[start], NODE_POSITIONS[end]
        # From edge to edge of the boxes, so any label length works.
        (sx, sy), (ex, ey) = _edge_points(boxes[start], boxes[end])
        arrow = FancyArrowPatch(
            (sx, sy),
            (ex, ey),
            arrowstyle="-|>,head_length=0.5,head_width=0.25",
            mutation_scale=12 + 1.6 * width,
            linewidth=width,
            linestyle="--" if covers_zero else "-",
            color=colour,
            shrinkA=0,
            shrinkB=0,
            zorder=2,
            transform=ax.transAxes,
        )
        ax.add_patch(arrow)
        arrow.set_gid(f"arrow_{name}")
        label = f"{_fmt(estimate, digits)} [{_fmt(low, digits)}, {_fmt(high, digits)}]"
        lx = x0 + fraction * (x1 - x0) + offset[0]
        ly = y0 + fraction * (y1 - y0) + offset[1]
        ax.text(
            lx,
            ly,
            f"{SYMBOLS[start]}→{SYMBOLS[end]}: {label}",
            ha=align,
            va="center",
            fontsize=8,
            color=colour,
            zorder=4,
            gid=f"label_{name}",
            bbox={"facecolor": "white", "edgecolor": "none", "pad": 1.0, "alpha": 0.85},
        )
    if "total_indirect_W" in table.index:
        row = table.loc["total_indirect_W"]
        value = (
            f"{_fmt(float(row['estimate']), digits)} [{_fmt(float(row[low_col]), digits)}, "
            f"{_fmt(float(row[high_col]), digits)}]"
        )
        ax.text(0.5, 0.04, text("total_indirect", language, value=value), ha="center", fontsize=8)
    ax.set_title(text("path_title", language, ci=level), fontsize=10)
    fig.text(0.5, -0.01, text("path_note", language), ha="center", fontsize=7, color="#555555")
    return fig


def shock_figure(
    table: pd.DataFrame,
    language: str = "en",
    *,
    outcome_label: str | None = None,
    period_label: str | None = None,
    figsize: tuple[float, float] = (DOUBLE_COLUMN, 2.6),
) -> Figure:
    """Responses of W, D, R and y (and cumulative y) to a unit shock, with bands.

    Parameters
    ----------
    table : DataFrame
        :func:`inertia.models.mediation.shock_propagation` output (``horizon,
        role, estimate, low, high, cumulative, cumulative_low, cumulative_high``;
        ``attrs["shock"]`` names the shocked index).
    language : {"en", "zh"}
    outcome_label, period_label : str, optional
        Name of y and of the horizon axis.

    Returns
    -------
    Figure
        Five panels: the four responses and the cumulative response of y.
    """
    import matplotlib.pyplot as plt

    roles = ("x", "m1", "m2", "y")
    fig, axes = plt.subplots(1, 5, figsize=figsize, sharex=True)
    names = {r: text(ROLE_KEYS[r], language) for r in roles[:3]}
    names["y"] = outcome_label or text("ps_growth_short", language)
    for ax, role in zip(axes[:4], roles, strict=True):
        rows = table[table["role"] == role].sort_values("horizon")
        ax.fill_between(
            rows["horizon"], rows["low"], rows["high"], color="#9ecae1", alpha=0.6, linewidth=0
        )
        ax.plot(rows["horizon"], rows["estimate"], color="#08519c", marker="o", markersize=3)
        ax.axhline(0.0, color="#555555", linewidth=0.6)
        ax.set_title(names[role], fontsize=8)
    rows = table[table["role"] == "y"].sort_values("horizon")
    axes[4].fill_between(
        rows["horizon"],
        rows["cumulative_low"],
        rows["cumulative_high"],
        color="#fdae6b",
        alpha=0.6,
        linewidth=0,
    )
    axes[4].plot(rows["horizon"], rows["cumulative"], color="#a63603", marker="o", markersize=3)
    axes[4].axhline(0.0, color="#555555", linewidth=0.6)
    axes[4].set_title(text("cumulative", language), fontsize=8)
    for ax in axes:
        ax.tick_params(labelsize=7)
        ax.set_xlabel(period_label or text("years_after", language), fontsize=7)
    axes[0].set_ylabel(text("response", language), fontsize=8)
    shocked = table.attrs.get("shock", "")
    key = {v: k for k, v in ROLE_KEYS.items()}
    shock_name = text(shocked, language) if shocked in key else str(shocked)
    fig.suptitle(text("shock_title", language, variable=shock_name), fontsize=9)
    fig.tight_layout()
    return fig


def sensitivity_figure(
    curves: pd.DataFrame,
    table: pd.DataFrame,
    language: str = "en",
    *,
    ci: float = 0.95,
    max_rho: float = 0.9,
    panel_size: tuple[float, float] = (2.3, 2.1),
) -> Figure:
    """Each indirect effect against the error correlation, one panel per path.

    Parameters
    ----------
    curves : DataFrame
        :attr:`inertia.models.mediation.SensitivityResult.curves` (``pair,
        path, rho, estimate, low, high``).
    table : DataFrame
        :attr:`inertia.models.mediation.SensitivityResult.table` (``pair, path,
        rho_zero``): where each curve crosses zero (dotted vertical line); its
        order of paths is the order of the panels.
    language : {"en", "zh"}
    ci : float
        Band level, for the title.
    max_rho : float
        Largest ``|rho|`` drawn.
    panel_size : (float, float)
        Inches per panel.

    Returns
    -------
    Figure
        One panel per path, a line and a band per error-correlation pair that
        moves the path, the zero line, and a dotted line where each crosses 0.
    """
    import matplotlib.pyplot as plt

    needed = {"pair", "path", "rho", "estimate", "low", "high"}
    if not needed <= set(curves.columns) or curves.empty:
        raise ParameterError(f"sensitivity_figure: curves need the columns {sorted(needed)}.")
    # Near |rho| = 1 the implied confounding grows without bound; the panels stop at 0.9.
    curves = curves[curves["rho"].abs() <= max_rho + 1e-12]
    present = list(dict.fromkeys(curves["path"]))
    # Panels in the table's order of paths (the model sorts it along the chain); the
    # figure takes the order from its input, so the render layer imports no model.
    order = list(dict.fromkeys(table["path"])) if "path" in table.columns else []
    paths = [p for p in order if p in present] + [p for p in present if p not in order]
    columns = min(3, len(paths))
    rows = -(-len(paths) // columns)
    fig, axes = plt.subplots(
        rows,
        columns,
        figsize=(panel_size[0] * columns + 0.6, panel_size[1] * rows + 0.7),
        squeeze=False,
        sharex=True,
    )
    zeros = table.set_index(["path", "pair"])["rho_zero"] if len(table) else pd.Series(dtype=float)
    for ax, path in zip(axes.ravel(), paths, strict=False):
        part = curves[curves["path"] == path]
        for pair, rows_of_pair in part.groupby("pair", sort=False):
            colour = PAIR_COLOURS.get(pair, "#555555")
            ordered = rows_of_pair.sort_values("rho")
            ax.fill_between(
                ordered["rho"], ordered["low"], ordered["high"], color=colour, alpha=0.15,
                linewidth=0,
            )  # fmt: skip
            ax.plot(
                ordered["rho"], ordered["estimate"], color=colour, linewidth=1.3,
                label=text(f"pair_{pair}", language), gid=f"curve_{path}_{pair}",
            )  # fmt: skip
            zero = zeros.get((path, pair), np.nan)
            if np.isfinite(zero):
                ax.axvline(zero, color=colour, linestyle=":", linewidth=1.0)
        ax.axhline(0.0, color="#555555", linewidth=0.6)
        ax.axvline(0.0, color="#999999", linewidth=0.5)
        ax.set_title(text(f"path_{path}", language), fontsize=8)
        ax.tick_params(labelsize=7)
    for ax in axes.ravel()[len(paths) :]:
        ax.axis("off")
    for column in range(columns):
        # The lowest panel drawn in each column carries the axis label and tick labels.
        lowest = axes[max(r for r in range(rows) if r * columns + column < len(paths)), column]
        lowest.set_xlabel(text("error_correlation", language), fontsize=7)
        lowest.tick_params(labelbottom=True)
    for ax in axes[:, 0]:
        ax.set_ylabel(text("indirect_effect", language), fontsize=7)
    handles, labels = [], []
    for ax in axes.ravel():
        for handle, label in zip(*ax.get_legend_handles_labels(), strict=True):
            if label not in labels:
                handles.append(handle)
                labels.append(label)
    fig.legend(handles, labels, loc="lower center", ncol=len(labels), fontsize=7, frameon=False)
    fig.suptitle(text("sensitivity_title", language, ci=ci), fontsize=9)
    fig.tight_layout(rect=(0, 0.06, 1, 0.97))
    return fig


def fan_chart(
    path: pd.DataFrame,
    language: str = "en",
    *,
    quantity: str = "gap_change",
    measures: Sequence[str] | None = None,
    measure_labels: Mapping[str, str] | None = None,
    clusters: Sequence[str] | None = None,
    share_y: bool = False,
    panel_size: tuple[float, float] = (1.8, 1.5),
) -> Figure:
    """Fan charts of a scenario quantity, one row per cluster and one column per measure.

    Parameters
    ----------
    path : DataFrame
        :attr:`inertia.scenarios.ScenarioResult.path` (``measure, cluster,
        year, quantity, q02_5, q10, q25, q50, q75, q90, q97_5``).
    language : {"en", "zh"}
    quantity : {"gap_change", "abs_gini_change", "shortfall_change"}
    measures, clusters : sequence, optional
        Order of the columns and rows (default: order of appearance).
    measure_labels : mapping, optional
        Column titles per measure name.
    share_y : bool, default False
        One y scale per row (compare measures by eye) instead of one per panel
        (see a small measure's fan next to a large one).
    panel_size : (float, float)
        Inches per panel.

    Returns
    -------
    Figure
        Median line and the 50%, 80% and 95% bands in the cluster colour.
    """
    import matplotlib.pyplot as plt

    rows = path[path["quantity"] == quantity]
    if rows.empty:
        raise ParameterError(f"fan_chart: the path table has no {quantity!r} rows.")
    measures = list(measures or dict.fromkeys(rows["measure"]))
    clusters = list(clusters or dict.fromkeys(rows["cluster"]))
    measure_labels = dict(measure_labels or {})
    fig, axes = plt.subplots(
        len(clusters),
        len(measures),
        figsize=(panel_size[0] * len(measures) + 0.8, panel_size[1] * len(clusters) + 0.6),
        sharex="row",
        sharey="row" if share_y else False,
        squeeze=False,
    )
    bands = (("q02_5", "q97_5", 0.18), ("q10", "q90", 0.28), ("q25", "q75", 0.42))
    for i, cluster in enumerate(clusters):
        colour = CLUSTER_COLOURS.get(cluster, "#555555")
        for j, measure in enumerate(measures):
            ax = axes[i, j]
            part = rows[(rows["cluster"] == cluster) & (rows["measure"] == measure)]
            part = part.sort_values("year")
            if not part.empty:
                # Start the fan at zero in the baseline year.
                years = np.r_[part["year"].iloc[0] - 1, part["year"].to_numpy()]
                for low, high, alpha in bands:
                    ax.fill_between(
                        years,
                        np.r_[0.0, part[low]],
                        np.r_[0.0, part[high]],
                        color=colour,
                        alpha=alpha,
                        linewidth=0,
                    )
                ax.plot(years, np.r_[0.0, part["q50"]], color=colour, linewidth=1.4)
            ax.axhline(0.0, color="#555555", linewidth=0.6)
            ax.tick_params(labelsize=7)
            if i == 0:
                ax.set_title(measure_labels.get(measure, measure), fontsize=8)
            if j == 0:
                ax.set_ylabel(cluster_name(cluster, language), fontsize=8, color=colour)
            if i == len(clusters) - 1:
                ax.set_xlabel(text("year", language), fontsize=7)
    titles = {"gap_change": "synergy_gap_change", "abs_gini_change": "abs_gini_change"}
    title = text(titles[quantity], language) if quantity in titles else quantity
    fig.suptitle(f"{title} · {text('band_note', language)}", fontsize=9)
    fig.tight_layout()
    return fig


def gains_map(
    gains: pd.Series,
    language: str = "en",
    *,
    title: str | None = None,
    note: str | None = None,
    roster: pd.DataFrame | None = None,
) -> Figure:
    """Choropleth of the per-city gain (indexed by city code), one panel per cluster.

    ``roster`` is the run's roster (synthetic rosters are drawn as discs).
    """
    from inertia.viz.maps import plot_clusters

    return plot_clusters(
        values=gains,
        cmap="YlGn",
        value_label=text("ps_gain", language),
        title=title,
        language=language,
        note=note,
        roster=roster,
    )
