"""One plotting style for every figure, fixed so that figures are byte-identical.

:func:`use` selects the non-interactive Agg backend, a seaborn theme and the
rcParams that make SVG output reproducible (``svg.hashsalt`` fixed, text kept
as text). Dates are stripped when saving (see
:func:`inertia.report.outputs.Publisher.figure`).
"""

from __future__ import annotations

import matplotlib

#: A fixed colour per cluster (Okabe-Ito, colour-blind safe).
CLUSTER_COLOURS = {"jjj": "#0072B2", "yrd": "#E69F00", "prd": "#009E73"}

#: Journal column widths in inches (single, double).
SINGLE_COLUMN = 3.5
DOUBLE_COLUMN = 7.2

_RC = {
    "svg.hashsalt": "inertia-compendium",
    "svg.fonttype": "none",
    "pdf.compression": 6,
    "path.simplify": True,
    "figure.dpi": 100,
    "savefig.dpi": 150,
    "savefig.bbox": "tight",
    "figure.figsize": (DOUBLE_COLUMN, 4.2),
    "axes.spines.top": False,
    "axes.spines.right": False,
    "font.family": "sans-serif",
    "font.sans-serif": ["DejaVu Sans"],
}


def use() -> None:
    """Apply the compendium's backend, theme and reproducibility settings."""
    # Inside Jupyter keep the inline backend (it renders with Agg too).
    if "inline" not in matplotlib.get_backend():
        matplotlib.use("Agg")
    import seaborn as sns

    sns.set_theme(context="paper", style="whitegrid", palette="colorblind", rc=_RC)
    matplotlib.rcParams.update(_RC)
