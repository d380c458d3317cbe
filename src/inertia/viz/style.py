"""One plotting style for every figure, fixed so that figures are byte-identical.

:func:`use` selects the non-interactive Agg backend, a seaborn theme and the
rcParams that make SVG output reproducible (``svg.hashsalt`` fixed, glyphs
drawn as paths so no viewer needs the fonts). Dates are stripped when saving
(see :func:`inertia.report.outputs.Publisher.figure`).

Chinese labels need a CJK font, and the machines this runs on have none: the
Noto Sans CJK collection comes from the ``noto-cjk-sans-otc`` package (OFL)
and is registered with matplotlib when this module is imported, as the
fallback after DejaVu Sans, so Latin text keeps its look and city names such
as 北京 render as characters rather than boxes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import matplotlib
from matplotlib import font_manager

if TYPE_CHECKING:
    from matplotlib.typing import RcKeyType

CJK_FAMILY = "Noto Sans CJK SC"


def _register_cjk_font() -> None:
    try:
        import noto_cjk_sans_otc
    except ImportError:  # pragma: no cover - the lock installs it
        return
    if not any(f.name == CJK_FAMILY for f in font_manager.fontManager.ttflist):
        font_manager.fontManager.addfont(str(noto_cjk_sans_otc.FONT_PATH))


_register_cjk_font()

#: A fixed colour per cluster (Okabe-Ito, colour-blind safe).
CLUSTER_COLOURS = {"jjj": "#0072B2", "yrd": "#E69F00", "prd": "#009E73"}

#: Journal column widths in inches (single, double).
SINGLE_COLUMN = 3.5
DOUBLE_COLUMN = 7.2

_RC: dict[RcKeyType, Any] = {
    "svg.hashsalt": "inertia-compendium",
    "svg.fonttype": "path",
    "pdf.compression": 6,
    "path.simplify": True,
    "figure.dpi": 100,
    "savefig.dpi": 150,
    "savefig.bbox": "tight",
    "figure.figsize": (DOUBLE_COLUMN, 4.2),
    "axes.spines.top": False,
    "axes.spines.right": False,
    "font.family": ["DejaVu Sans", CJK_FAMILY],
}


def use() -> None:
    """Apply the compendium's backend, theme and reproducibility settings."""
    # Inside Jupyter keep the inline backend (it renders with Agg too).
    if "inline" not in matplotlib.get_backend():
        matplotlib.use("Agg")
    import seaborn as sns

    sns.set_theme(context="paper", style="whitegrid", palette="colorblind", rc=_RC)
    matplotlib.rcParams.update(_RC)
