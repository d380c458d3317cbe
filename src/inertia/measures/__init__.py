"""Measurement primitives of chapter 3.

Plain functions on pandas/numpy objects:

* weighting: :func:`entropy_weights`, :func:`minmax_scale`, :func:`topsis`
* inequality: :func:`theil`, :func:`dagum_gini`, :func:`coefficient_of_variation`,
  :func:`absolute_gini`
* subsystems: :func:`coupling_coordination`, :func:`coordination_grade`,
  :func:`subsystem_order_degree`, :func:`synergy_degree`
* convergence: :func:`sigma_convergence`, :func:`sigma_trend`,
  :func:`beta_convergence`, :func:`convergence_speed`

Importing this package does not import ``linearmodels``; only
:func:`beta_convergence` does, when called.
"""

from inertia.measures.convergence import (
    BetaConvergenceResult,
    beta_convergence,
    convergence_speed,
    sigma_convergence,
    sigma_trend,
)
from inertia.measures.coupling import (
    COORDINATION_GRADES,
    coordination_grade,
    coupling_coordination,
    subsystem_order_degree,
    synergy_degree,
)
from inertia.measures.inequality import (
    DagumGiniResult,
    TheilResult,
    absolute_gini,
    coefficient_of_variation,
    dagum_gini,
    theil,
)
from inertia.measures.weighting import entropy_weights, minmax_scale, topsis

__all__ = [
    "COORDINATION_GRADES",
    "BetaConvergenceResult",
    "DagumGiniResult",
    "TheilResult",
    "absolute_gini",
    "beta_convergence",
    "coefficient_of_variation",
    "convergence_speed",
    "coordination_grade",
    "coupling_coordination",
    "dagum_gini",
    "entropy_weights",
    "minmax_scale",
    "sigma_convergence",
    "sigma_trend",
    "subsystem_order_degree",
    "synergy_degree",
    "theil",
    "topsis",
]
