"""Coefficient plot: point estimates with confidence intervals, one colour per model."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from inertia.errors import ParameterError
from inertia.results import EstimationResults

if TYPE_CHECKING:
    from matplotlib.figure import Figure

REQUIRED = ("term", "coef", "ci_low", "ci_high", "model")


def coefficient_plot(
    tidy: pd.DataFrame | Mapping[str, EstimationResults],
    terms: Sequence[str] | None = None,
    labels: Mapping[str, str] | None = None,
    *,
    models: Sequence[str] | None = None,
    ax: Any = None,
    palette: str | Sequence[Any] = "colorblind",
    dodge: float = 0.6,
    reference: float | None = 0.0,
    xlabel: str = "Coefficient (95% CI)",
) -> Figure:
    """Horizontal coefficient plot from a tidy coefficient table.

    Each term is a row; each model a colour, its estimates dodged vertically
    around the row so that the intervals do not overlap. The point is the
    coefficient, the line its interval ``[ci_low, ci_high]`` as the table gives
    it (95% from :mod:`inertia.models.panel`).

    Parameters
    ----------
    tidy : DataFrame, or mapping of str to EstimationResults
        Columns ``term, coef, ci_low, ci_high, model`` (e.g. the ``tidy()`` of a
        fit, or several concatenated); or model name -> fit, whose ``tidy()``
        tables are stacked with the names as ``model``.
    terms : sequence of str, optional
        Terms to plot, top to bottom (default: all except ``const``, in order
        of first appearance).
    labels : mapping, optional
        Display label per term.
    models : sequence of str, optional
        Models to plot, in legend order (default: order of appearance).
    ax : matplotlib Axes, optional
        Draw here instead of a new figure.
    palette : str or sequence
        Seaborn palette name or list of colours.
    dodge : float
        Total vertical spread of the models within a term row (in row units).
    reference : float or None
        Position of a dashed reference line (None for none).
    xlabel : str
        Axis label.

    Returns
    -------
    matplotlib.figure.Figure
    """
    import matplotlib.pyplot as plt
    import seaborn as sns

    if not isinstance(tidy, pd.DataFrame):
        if not tidy:
            raise ParameterError("coefficient_plot: give at least one model.")
        tidy = pd.concat(
            [fit.tidy().assign(model=name) for name, fit in tidy.items()], ignore_index=True
        )
    absent = [c for c in REQUIRED if c not in tidy.columns]
    if absent:
        raise ParameterError(f"coefficient_plot: the table has no column(s) {absent}.")
    if terms is None:
        terms = [t for t in pd.unique(tidy["term"]) if t != "const"]
    if models is None:
        models = list(pd.unique(tidy["model"]))
    terms, models = list(terms), list(models)
    labels = dict(labels or {})
    colours = sns.color_palette(palette, n_colors=len(models))
    if ax is None:
        fig, ax = plt.subplots(figsize=(6.0, 0.6 + 0.55 * len(terms) * max(1, len(models)) ** 0.5))
    else:
        fig = ax.figure
    offsets = np.linspace(-dodge / 2, dodge / 2, len(models)) if len(models) > 1 else np.zeros(1)
    rows = {term: len(terms) - 1 - k for k, term in enumerate(terms)}  # first term on top
    for model, colour, offset in zip(models, colours, offsets, strict=True):
        part = tidy[(tidy["model"] == model) & tidy["term"].isin(terms)]
        if part.empty:
            continue
        y = part["term"].map(rows).to_numpy() + offset
        ax.hlines(y, part["ci_low"], part["ci_high"], color=colour, linewidth=1.6)
        ax.plot(part["coef"], y, "o", color=colour, label=model, markersize=5)
    if reference is not None:
        ax.axvline(reference, color="0.4", linestyle="--", linewidth=0.8)
    ax.set_yticks([rows[t] for t in terms], [labels.get(t, t) for t in terms])
    ax.set_ylim(-0.5 - dodge / 2, len(terms) - 0.5 + dodge / 2)
    ax.set_xlabel(xlabel)
    if len(models) > 1:
        ax.legend(frameon=False, loc="best")
    return fig
