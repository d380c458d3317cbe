"""Models: the estimators of chapters 3 to 6 (see docs/design.md, "Layers").

Submodules import :mod:`linearmodels` themselves; importing this package stays light.
The fits implement :class:`inertia.results.EstimationResults` (the staggered
fits also :class:`~inertia.results.EventTimeResults`); the type checker
verifies it here (nothing is imported at run time).
"""

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from inertia.models.event_study import ConvergenceBreakResult, EventStudyResult
    from inertia.models.mediation import MediationResult
    from inertia.models.panel import AbsorbedIVResult, PanelFit
    from inertia.models.staggered import StaggeredFit
    from inertia.models.twfe_core import IVResult, OLSResult
    from inertia.results import EstimationResults, EventTimeResults

    _REGRESSION_FITS: tuple[type[EstimationResults], ...] = (
        OLSResult,
        IVResult,
        PanelFit,
        AbsorbedIVResult,
        EventStudyResult,
        ConvergenceBreakResult,
        StaggeredFit,
        MediationResult,
    )
    _EVENT_TIME_FITS: tuple[type[EventTimeResults], ...] = (StaggeredFit,)
