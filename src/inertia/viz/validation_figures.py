"""Figure of the validation harness: size, power and coverage of every headline test.

Call :func:`inertia.viz.style.use` first.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from inertia.viz.labels import text
from inertia.viz.style import DOUBLE_COLUMN

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["harness_figure"]


def harness_figure(summary: pd.DataFrame, language: str = "en") -> Figure:
    """Rejection rates (size and power) and coverage per claim, with the targets shaded.

    Parameters
    ----------
    summary : DataFrame
        :func:`inertia.validation.summarise`.
    language : {"en", "zh"}

    Returns
    -------
    Figure
        Left: the rejection rate of each claim's test under each truth, size
        (truth = the null) and power; right: the coverage of the 95% interval.
    """
    import matplotlib.pyplot as plt

    claims = list(dict.fromkeys(summary["claim"]))
    position = {claim: i for i, claim in enumerate(claims)}
    fig, (left, right) = plt.subplots(
        1, 2, figsize=(DOUBLE_COLUMN, 0.28 * len(claims) + 1.2), sharey=True
    )
    left.axvspan(0.02, 0.08, color="#cfe8cf", zorder=0)
    left.axvspan(0.80, 1.0, color="#cfe0f0", zorder=0)
    right.axvspan(0.92, 0.98, color="#cfe8cf", zorder=0)
    for kind, marker, colour in (("size", "o", "#d62728"), ("power", "s", "#0072B2")):
        part = summary[summary["kind"] == kind]
        y = part["claim"].map(position).to_numpy(dtype=float)
        left.scatter(part["rejection_rate"], y, marker=marker, color=colour, s=18,
                     label=text(f"harness_{kind}", language), zorder=2)
        right.scatter(part["coverage"], y, marker=marker, color=colour, s=18, zorder=2)
    left.set_yticks(np.arange(len(claims)), [c.replace("_", " ") for c in claims], fontsize=7)
    left.invert_yaxis()
    left.set_xlim(-0.02, 1.02)
    right.set_xlim(0.75, 1.01)
    left.set_xlabel(text("harness_rejection", language), fontsize=8)
    right.set_xlabel(text("harness_coverage", language), fontsize=8)
    left.legend(fontsize=7, frameon=False, loc="lower right")
    fig.tight_layout()
    return fig
