"""Models: the event study and convergence-break test of chapter 3, the panel models of chapter 4.

Submodules import :mod:`linearmodels` themselves; importing this package stays light.
The regression fits implement :class:`inertia.results.EstimationResults`; the
type checker verifies it here (nothing is imported at run time).
"""

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from inertia.models.event_study import ConvergenceBreakResult, EventStudyResult
    from inertia.models.panel import AbsorbedIVResult, PanelFit
    from inertia.models.twfe_core import IVResult, OLSResult
    from inertia.results import EstimationResults

    _REGRESSION_FITS: tuple[type[EstimationResults], ...] = (
        OLSResult,
        IVResult,
        PanelFit,
        AbsorbedIVResult,
        EventStudyResult,
        ConvergenceBreakResult,
    )
