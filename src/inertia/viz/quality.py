"""Data-quality figures: coverage of the canonical panel.

:func:`plot_coverage` draws, for each cluster, a heat map of the share of
roster cities that have a value, by variable (rows) and year (columns). It
builds a :class:`matplotlib.figure.Figure` directly (no pyplot state, nothing
shown), so it works under the Agg backend and in tests.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from inertia.data.ccsy import coverage_table
from inertia.data.reference import CLUSTER_NAMES, CLUSTERS


def plot_coverage(panel: pd.DataFrame, *, annotate: bool = True) -> Figure:
    """Heat map of data coverage: share of roster cities with a value.

    Parameters
    ----------
    panel : DataFrame
        Canonical panel (``code``, ``year`` and variable columns).
    annotate : bool
        Write the share (in per cent) in each cell.

    Returns
    -------
    Figure
        One panel per cluster present in the data; rows are variables, columns
        are years, colour is the share 0-1 (see
        :func:`inertia.data.ccsy.coverage_table`).
    """
    table = coverage_table(panel)
    clusters = [c for c in CLUSTERS if c in set(table["cluster"])] or sorted(set(table["cluster"]))
    variables = [c for c in panel.columns if c not in ("code", "year")]
    years = sorted(table["year"].unique())
    width = max(4.0, 1.2 + 0.45 * len(years)) * len(clusters)
    figure = Figure(figsize=(width, 0.32 * len(variables) + 1.6), layout="constrained")
    axes = figure.subplots(1, len(clusters), sharey=True, squeeze=False)[0]
    image = None
    for ax, cluster in zip(axes, clusters, strict=True):
        grid = (
            table[table["cluster"] == cluster]
            .pivot(index="variable", columns="year", values="share")
            .reindex(index=variables, columns=years)
        )
        values = grid.to_numpy(dtype=float)
        image = ax.imshow(values, vmin=0, vmax=1, cmap="viridis", aspect="auto")
        ax.set_xticks(range(len(years)), [str(y) for y in years], rotation=90)
        ax.set_yticks(range(len(variables)), variables)
        name = CLUSTER_NAMES.get(cluster, (cluster,))[0]
        ax.set_title(name)
        ax.grid(False)
        if annotate:
            for (i, j), share in np.ndenumerate(values):
                if np.isfinite(share):
                    ax.text(
                        j,
                        i,
                        f"{share * 100:.0f}",
                        ha="center",
                        va="center",
                        fontsize=6,
                        color="white" if share < 0.6 else "black",
                    )
    if image is not None:
        figure.colorbar(image, ax=list(axes), label="share of cities with a value")
    return figure
