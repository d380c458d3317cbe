"""Figures of chapter 3's comparison with the rest of China.

The estimator comparison, the Goodman-Bacon decomposition, the per-cluster
synthetic controls with their placebos, and the randomisation distributions.
Every function returns a matplotlib Figure; call :func:`inertia.viz.style.use`
first.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from inertia.data import reference
from inertia.viz import labels
from inertia.viz.labels import text
from inertia.viz.style import CLUSTER_COLOURS, DOUBLE_COLUMN

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = [
    "bacon_figure",
    "estimator_comparison_figure",
    "randomisation_figure",
    "synthetic_control_figure",
]

#: Colour and marker of each estimator (Okabe-Ito palette).
ESTIMATOR_STYLE = {
    "twfe": ("#999999", "s"),
    "twfe_clusters_only": ("#000000", "x"),
    "sun_abraham": ("#E69F00", "^"),
    "callaway_santanna": ("#56B4E9", "D"),
    "imputation": ("#0072B2", "o"),
}


def estimator_comparison_figure(
    comparison: pd.DataFrame, spacing: int = 1, language: str = "en"
) -> Figure:
    """Event-time coefficients of every estimator with 95% intervals, side by side.

    Parameters
    ----------
    comparison : DataFrame
        :meth:`~inertia.chapters.inertia_evidence.Identification.comparison_table`.
    spacing : int
        Years per period (the x axis is in years relative to the milestone).
    language : {"en", "zh"}
    """
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(DOUBLE_COLUMN, 3.4))
    names = [n for n in ESTIMATOR_STYLE if n in set(comparison["estimator"])]
    width = 0.7 / max(len(names), 1)
    ax.axhline(0.0, color="0.4", linewidth=0.8)
    ax.axvline(-0.5 * spacing, color="0.4", linestyle=":", linewidth=0.9)
    for k, name in enumerate(names):
        colour, marker = ESTIMATOR_STYLE[name]
        part = comparison[comparison["estimator"] == name]
        shift = (k - (len(names) - 1) / 2) * width
        x = (part["event_time"].to_numpy(float) + shift) * spacing
        estimated = part["se"].notna().to_numpy()
        ax.errorbar(
            x[estimated], part["coef"].to_numpy()[estimated],
            yerr=[(part["coef"] - part["ci_low"]).to_numpy()[estimated],
                  (part["ci_high"] - part["coef"]).to_numpy()[estimated]],
            fmt=marker, color=colour, markersize=3.5, capsize=1.5, linewidth=1.0,
            label=text(f"est_{name}", language),
        )
        ax.plot(x[~estimated], part["coef"].to_numpy()[~estimated], marker, mfc="white",
                mec=colour, markersize=3.5)
    ax.set_xlabel(text("years_relative", language))
    ax.set_ylabel(text("effect_log_index", language))
    ax.legend(frameon=False, fontsize=7, ncol=3, loc="upper left")
    fig.tight_layout()
    return fig


def bacon_figure(table: pd.DataFrame, twfe: float, language: str = "en") -> Figure:
    """The 2x2 comparisons of the static TWFE estimate: estimate against weight, by kind."""
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(DOUBLE_COLUMN * 0.6, 3.0))
    kinds = {
        "treated vs never treated": ("bacon_never", "#0072B2", "o"),
        "earlier vs later treated": ("bacon_early", "#E69F00", "^"),
        "later vs earlier treated": ("bacon_late", "#D55E00", "v"),
    }
    for kind, (key, colour, marker) in kinds.items():
        part = table[table["kind"] == kind]
        if part.empty:
            continue
        ax.scatter(part["weight"], part["estimate"], color=colour, marker=marker, s=28,
                   label=text(key, language))
    ax.axhline(twfe, color="0.3", linestyle="--", linewidth=0.9, label="TWFE")
    ax.axhline(0.0, color="0.6", linewidth=0.6)
    ax.set_xlabel(text("bacon_weight", language))
    ax.set_ylabel(text("bacon_estimate", language))
    ax.legend(frameon=False, fontsize=7)
    fig.tight_layout()
    return fig


def synthetic_control_figure(
    paths: pd.DataFrame, placebos: Mapping[str, Any], language: str = "en"
) -> Figure:
    """Per cluster: actual against synthetic synergy (top) and the gap against the placebos'.

    Parameters
    ----------
    paths : DataFrame
        :func:`~inertia.chapters.inertia_evidence.synthetic_controls` paths.
    placebos : mapping
        Cluster -> (fit, placebo table, p-value), the raw results of
        :func:`~inertia.chapters.inertia_evidence.synthetic_controls`.
    language : {"en", "zh"}
    """
    import matplotlib.pyplot as plt

    clusters = [c for c in reference.CLUSTERS if c in set(paths["cluster"])]
    fig, axes = plt.subplots(2, len(clusters), figsize=(DOUBLE_COLUMN, 4.6), squeeze=False)
    for k, cluster in enumerate(clusters):
        path = paths[paths["cluster"] == cluster]
        fit, table, pvalue = placebos[cluster]
        colour = CLUSTER_COLOURS[cluster]
        top, bottom = axes[0, k], axes[1, k]
        top.plot(path["year"], path["actual"], color=colour, linewidth=1.6,
                 label=text("synergy_actual", language))
        top.plot(path["year"], path["synthetic"], color="0.3", linestyle="--", linewidth=1.2,
                 label=text("synergy_synthetic", language))
        top.axvline(fit.milestone - 0.5, color="0.4", linestyle=":", linewidth=0.9)
        top.set_title(f"{labels.cluster_name(cluster, language)} (p = {pvalue:.2f})", fontsize=9)
        # The placebo gaps: each donor against the other donors, as in the p-value.
        gaps = table.attrs.get("gaps")
        if gaps is not None:
            for donor in gaps.columns:
                if donor != cluster:
                    bottom.plot(gaps.index, gaps[donor], color="0.75", linewidth=0.6)
        bottom.plot(path["year"], path["gap"], color=colour, linewidth=1.6)
        bottom.axhline(0.0, color="0.4", linewidth=0.6)
        bottom.axvline(fit.milestone - 0.5, color="0.4", linestyle=":", linewidth=0.9)
        bottom.set_xlabel(text("year", language))
        if k == 0:
            top.set_ylabel(text("synergy_actual", language))
            bottom.set_ylabel(text("synergy_gap_sc", language))
            top.legend(frameon=False, fontsize=7)
    fig.tight_layout()
    return fig


def randomisation_figure(randomisation: Mapping[str, Any], language: str = "en") -> Figure:
    """Placebo distributions of the studentised imputation estimate, with the real one."""
    import matplotlib.pyplot as plt

    kinds = [k for k in ("clusters", "dates") if k in randomisation]
    fig, axes = plt.subplots(1, len(kinds), figsize=(DOUBLE_COLUMN, 2.8), squeeze=False)
    for ax, kind in zip(axes[0], kinds, strict=True):
        result = randomisation[kind]
        values = result.placebo
        bins = np.histogram_bin_edges(np.append(values, result.statistic), bins=30)
        ax.hist(values, bins=bins, color="0.7", label=text("placebo_statistic", language))
        ax.axvline(result.statistic, color="#D55E00", linewidth=1.6,
                   label=text("real_statistic", language))
        ax.set_title(
            f"{text(f'placebo_{kind}', language)} (p = {result.pvalue_greater:.3f})", fontsize=9
        )
        ax.set_ylabel(text("count", language))
        ax.legend(frameon=False, fontsize=7)
    fig.tight_layout()
    return fig
