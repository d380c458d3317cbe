"""Maps of the three city clusters.

The clusters lie 900-1,900 km apart, so one map of all three would leave each
cluster a speck. :func:`plot_clusters` draws one panel per cluster instead, each
at its own scale, with a colour per cluster (:data:`inertia.viz.style.CLUSTER_COLOURS`)
or a choropleth of a value per city on one shared colour scale.

The synthetic ``national`` and ``county`` rosters of :mod:`inertia.data.simulate`
have coordinates (``x_km``, ``y_km``) but no boundaries; :func:`map_shapes`
draws each of their units as a disc at its location, so every map works on
every roster.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from typing import TYPE_CHECKING, overload

import numpy as np
import pandas as pd

from inertia.data import reference
from inertia.data.geometry import is_synthetic
from inertia.errors import ParameterError
from inertia.viz.labels import cluster_name
from inertia.viz.style import CLUSTER_COLOURS

if TYPE_CHECKING:  # pragma: no cover - typing only
    from geopandas import GeoDataFrame
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure, SubFigure

#: Simplification tolerance in degrees (about 500 m) for drawing; spatial weights use full detail.
DRAW_TOLERANCE = 0.005


@cache
def _drawing_shapes() -> GeoDataFrame:
    """Roster boundaries simplified for drawing and projected (cached: they never change)."""
    from inertia.data.geometry import CHINA_ALBERS, boundaries

    shapes = boundaries()
    # Simplify for drawing speed, then project so that shapes are not stretched east-west.
    shapes["geometry"] = shapes.geometry.simplify(DRAW_TOLERANCE, preserve_topology=True)
    return shapes.to_crs(CHINA_ALBERS)


def map_shapes(roster: pd.DataFrame | None = None) -> GeoDataFrame:
    """Shapes to draw, indexed by code, with ``cluster`` and ``geometry`` (projected).

    Parameters
    ----------
    roster : DataFrame, optional
        The run's roster (``bundle.roster``). ``None`` or the real roster gives
        the simplified city boundaries; a synthetic roster (with ``x_km`` and
        ``y_km``) gives a disc per unit whose radius is 45% of the median
        nearest-neighbour distance, so that neighbouring discs do not overlap
        much; these carry a ``disc`` column (see :func:`edge_width`).
    """
    if roster is None or not is_synthetic(roster):
        shapes = _drawing_shapes()
        if roster is not None:
            shapes = shapes.loc[[code for code in shapes.index if code in roster.index]]
        return shapes
    import geopandas as gpd
    from scipy.spatial import cKDTree

    from inertia.data.geometry import CHINA_ALBERS

    xy = roster[["x_km", "y_km"]].to_numpy(dtype=float) * 1000.0
    if len(xy) > 1:
        nearest, _ = cKDTree(xy).query(xy, k=2)
        radius = 0.45 * float(np.median(np.asarray(nearest)[:, 1]))
    else:
        radius = 10_000.0
    points = gpd.points_from_xy(xy[:, 0], xy[:, 1], crs=CHINA_ALBERS)
    shapes = gpd.GeoDataFrame(
        {"cluster": roster["cluster"].to_numpy(), "disc": True},
        geometry=points.buffer(radius, quad_segs=4),
        index=pd.Index(roster.index.astype("int64"), name="code"),
        crs=CHINA_ALBERS,
    )
    return shapes


def edge_width(shapes: GeoDataFrame) -> float:
    """White outline between neighbouring cities; none around discs, which it would hide."""
    return 0.0 if "disc" in shapes.columns else 0.4


def _panel_axes(
    ax: Axes | Sequence[Axes] | np.ndarray | None, figsize: tuple[float, float]
) -> list[Axes]:
    import matplotlib.pyplot as plt

    if ax is None:
        _figure, axes = plt.subplots(1, len(reference.CLUSTERS), figsize=figsize)
        return list(np.atleast_1d(axes))
    if isinstance(ax, Sequence) or isinstance(ax, np.ndarray):
        axes = list(np.ravel(np.asarray(ax, dtype=object)))
        if len(axes) != len(reference.CLUSTERS):
            raise ParameterError(
                f"plot_clusters needs one axes per cluster ({len(reference.CLUSTERS)}); "
                f"got {len(axes)}."
            )
        return axes
    # One Axes given: draw the clusters as three insets side by side inside it.
    ax.set_axis_off()
    width = 1.0 / len(reference.CLUSTERS)
    return [
        ax.inset_axes((i * width, 0.0, width * 0.96, 1.0)) for i in range(len(reference.CLUSTERS))
    ]


# A new figure is a Figure; given axes, the figure they lie on (a SubFigure when they do).
@overload
def plot_clusters(
    ax: None = None,
    values: pd.Series | None = None,
    *,
    cmap: str = "viridis",
    value_label: str | None = None,
    title: str | None = None,
    language: str = "en",
    note: str | None = None,
    figsize: tuple[float, float] = (7.2, 3.4),
    roster: pd.DataFrame | None = None,
) -> Figure: ...


@overload
def plot_clusters(
    ax: Axes | Sequence[Axes] | np.ndarray,
    values: pd.Series | None = None,
    *,
    cmap: str = "viridis",
    value_label: str | None = None,
    title: str | None = None,
    language: str = "en",
    note: str | None = None,
    figsize: tuple[float, float] = (7.2, 3.4),
    roster: pd.DataFrame | None = None,
) -> Figure | SubFigure: ...


def plot_clusters(
    ax: Axes | Sequence[Axes] | np.ndarray | None = None,
    values: pd.Series | None = None,
    *,
    cmap: str = "viridis",
    value_label: str | None = None,
    title: str | None = None,
    language: str = "en",
    note: str | None = None,
    figsize: tuple[float, float] = (7.2, 3.4),
    roster: pd.DataFrame | None = None,
) -> Figure | SubFigure:
    """Draw the three city clusters, one panel each.

    Parameters
    ----------
    ax : Axes, sequence or array of three Axes, or None
        Where to draw. ``None`` makes a new figure with three panels; one Axes
        is split into three insets; three Axes get one cluster each (in the
        order of :data:`inertia.data.reference.CLUSTERS`).
    values : Series, optional
        A value per city indexed by code: drawn as a choropleth on one colour
        scale shared by the panels (cities without a value are hatched grey),
        with panel frames in the cluster colours. Without values every city is
        filled in its cluster's colour.
    cmap : str, default "viridis"
        Colour map of the choropleth.
    value_label : str, optional
        Colour-bar label (defaults to the Series name).
    title : str, optional
        Figure title.
    language : {"en", "zh"}
        Language of the cluster names.
    note : str, optional
        A note printed under the panels, e.g. that the values are simulated.
    figsize : (float, float)
        Size of a new figure in inches.
    roster : DataFrame, optional
        The run's roster; a synthetic roster is drawn as discs (:func:`map_shapes`).

    Returns
    -------
    matplotlib.figure.Figure or matplotlib.figure.SubFigure
        The figure that holds the panels: a SubFigure when ``ax`` lies on one.
    """
    from matplotlib import colors
    from matplotlib.cm import ScalarMappable
    from matplotlib.patches import Patch

    shapes = map_shapes(roster).copy()
    if values is not None:
        values = pd.Series(values, dtype=float)
        values.index = values.index.astype("int64")
        on_roster = set(shapes.index) | (set() if roster is None else set(roster.index))
        unknown = sorted(set(values.index) - on_roster)
        if unknown:
            raise ParameterError(
                f"plot_clusters: values are indexed by codes not on the roster: {unknown[:5]}."
            )
        # A national roster's cities outside the three clusters are not drawn.
        values = values[values.index.isin(shapes.index)]
        finite = values.dropna()
        if finite.empty:
            raise ParameterError("plot_clusters: values has no non-missing entry to map.")
        norm = colors.Normalize(vmin=float(finite.min()), vmax=float(finite.max()))
        shapes["value"] = values.reindex(shapes.index)

    axes = _panel_axes(ax, figsize)
    figure = axes[0].figure
    for panel, cluster in zip(axes, reference.CLUSTERS, strict=True):
        members = shapes[shapes["cluster"] == cluster]
        colour = CLUSTER_COLOURS[cluster]
        if values is None:
            members.plot(ax=panel, color=colour, edgecolor="white", linewidth=edge_width(shapes))
        else:
            present = members[members["value"].notna()]
            absent = members[members["value"].isna()]
            if not present.empty:
                present.plot(
                    ax=panel,
                    column="value",
                    cmap=cmap,
                    norm=norm,
                    edgecolor="white",
                    linewidth=edge_width(shapes),
                )
            if not absent.empty:
                absent.plot(
                    ax=panel,
                    color="#DDDDDD",
                    hatch="///",
                    edgecolor="white",
                    linewidth=edge_width(shapes),
                )
            for spine in panel.spines.values():
                spine.set_visible(True)
                spine.set_edgecolor(colour)
                spine.set_linewidth(2.0)
        panel.set_title(cluster_name(cluster, language), fontsize=9, color=colour)
        panel.set_xticks([])
        panel.set_yticks([])
        panel.set_xlabel("")
        panel.set_ylabel("")
        panel.set_aspect("equal")

    if values is None:
        handles = [
            Patch(facecolor=CLUSTER_COLOURS[c], label=f"{cluster_name(c, language)} ({c})")
            for c in reference.CLUSTERS
        ]
        figure.legend(
            handles=handles, loc="lower center", ncol=len(handles), frameon=False, fontsize=8
        )
    else:
        mappable = ScalarMappable(norm=norm, cmap=cmap)
        bar = figure.colorbar(
            mappable, ax=axes, orientation="horizontal", fraction=0.05, pad=0.04, shrink=0.6
        )
        bar.set_label(value_label or (values.name if values.name is not None else "value"))
    if title:
        figure.suptitle(title)
    if note:
        figure.text(0.01, 0.0, note, fontsize=7, ha="left", va="bottom", style="italic")
    return figure
