"""The synergy-measure registry: one declaration per synergy measure (docs/design.md section 2).

Every place that offers a synergy measure reads :data:`SYNERGY_REGISTRY`: the
``synergy_measure`` parameter (:mod:`inertia.params`), actual and expected
synergy (:func:`inertia.measures.synergy.actual_synergy`), the scenarios'
vectorised synergy (:func:`inertia.scenarios.synergy_of`), the synthetic
control of chapter 3, and the labels (:func:`inertia.viz.labels.synergy_label`).
Adding a measure is one function plus one entry here (docs/extending.md).

A measure is computed either

* from the public-service **levels** of one cluster-year's cities alone
  (``of_levels``: :math:`S = 1 - I(x)` for an inequality index :math:`I`),
  written vectorised over the last axis, ``f(values, ddof) -> ndarray``, so
  that the scenarios can evaluate it on every coefficient draw at once; or
* from the six **domain** scores of the cluster's cities (``of_domains``:
  ``f(frame, base) -> Series`` of S by ``(cluster, year)``, with ``frame`` the
  city-year frame with ``cluster`` and the domain columns), for the subsystem
  measures; ``base_state`` (``f(frame, base_year) -> base``) gives the base a
  measure is relative to, which expected synergy takes from the actual data.

Functions are named by their import path (``"module:function"``) so that this
module imports neither numpy nor pandas: the parameter check runs in the
runner, which stays light. A callable may be given instead (a test registers
one); :func:`resolve` imports a path when the function is first needed.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from inertia.errors import ParameterError

__all__ = [
    "LEVELS_FALLBACK",
    "SYNERGY_REGISTRY",
    "SynergyMeasureSpec",
    "level_measures",
    "measure_spec",
    "on_levels",
    "resolve",
    "synergy_measures",
]

#: A function, or the path ``"module:function"`` of one.
FunctionRef = str | Callable[..., Any]


@dataclass(frozen=True)
class SynergyMeasureSpec:
    """How one actual-synergy measure is computed and named.

    Attributes
    ----------
    labels : (str, str)
        Display name in English and Chinese ("1 − Dagum Gini", "1 − Dagum 基尼系数").
    of_levels : function or path, optional
        ``f(values, ddof) -> ndarray``: S of each row of ``values`` (``..., n_cities``)
        from the public-service levels alone, vectorised over the last axis.
    cross_section : function or path, optional
        ``f(values, ddof) -> float``: S of one cluster-year's 1-d levels, where
        actual synergy has its own scalar implementation; default ``of_levels``.
    of_domains : function or path, optional
        ``f(frame, base) -> Series``: S by ``(cluster, year)`` from the six
        domain scores of a city-year frame. Exactly one of ``of_levels`` and
        ``of_domains`` is given.
    base_state : function or path, optional
        ``f(frame, base_year) -> base``: what an ``of_domains`` measure is
        relative to (default base year: each cluster's first).
    """

    labels: tuple[str, str]
    of_levels: FunctionRef | None = None
    cross_section: FunctionRef | None = None
    of_domains: FunctionRef | None = None
    base_state: FunctionRef | None = None

    def __post_init__(self) -> None:
        """Check that exactly one of ``of_levels`` and ``of_domains`` is given."""
        if (self.of_levels is None) == (self.of_domains is None):
            raise ParameterError(
                "A synergy measure is computed from the levels (of_levels) or from the domain "
                f"scores (of_domains), exactly one of them; got labels {self.labels!r}."
            )
        if self.of_domains is not None and self.cross_section is not None:
            raise ParameterError(
                f"The domain measure {self.labels[0]!r} has no cross_section function."
            )

    @property
    def needs_domains(self) -> bool:
        """Whether the measure needs the six domain scores, not only the levels."""
        return self.of_domains is not None


_SYNERGY = "inertia.measures.synergy"

#: Every actual-synergy measure, in the order in which they are offered.
SYNERGY_REGISTRY: dict[str, SynergyMeasureSpec] = {
    "dagum": SynergyMeasureSpec(
        labels=("1 − Dagum Gini", "1 − Dagum 基尼系数"),
        of_levels=f"{_SYNERGY}:gini_synergy_rows",
        cross_section=f"{_SYNERGY}:gini_synergy",
    ),
    "theil": SynergyMeasureSpec(
        labels=("1 − Theil", "1 − 泰尔指数"),
        of_levels=f"{_SYNERGY}:theil_synergy_rows",
        cross_section=f"{_SYNERGY}:theil_synergy",
    ),
    "cv": SynergyMeasureSpec(
        labels=("1 − coefficient of variation", "1 − 变异系数"),
        of_levels=f"{_SYNERGY}:cv_synergy_rows",
        cross_section=f"{_SYNERGY}:cv_synergy",
    ),
    "coupling": SynergyMeasureSpec(
        labels=("coupling coordination degree", "耦合协调度"),
        of_domains=f"{_SYNERGY}:coupling_synergy",
    ),
    "synergy_degree": SynergyMeasureSpec(
        labels=("composite-system synergy degree", "复合系统协同度"),
        of_domains=f"{_SYNERGY}:composite_synergy",
        base_state=f"{_SYNERGY}:composite_base_state",
    ),
}

#: The measure that stands in for a domain measure where only levels are known
#: (the scenarios' counterfactual levels, the synthetic control's donor pools).
LEVELS_FALLBACK = "dagum"


def synergy_measures() -> tuple[str, ...]:
    """The names of every registered synergy measure, in registry order.

    Returns
    -------
    tuple of str
    """
    return tuple(SYNERGY_REGISTRY)


def level_measures() -> tuple[str, ...]:
    """The measures computed from the public-service levels alone, in registry order.

    Returns
    -------
    tuple of str
    """
    return tuple(name for name, spec in SYNERGY_REGISTRY.items() if not spec.needs_domains)


def measure_spec(name: str) -> SynergyMeasureSpec:
    """The declaration of measure ``name``.

    Parameters
    ----------
    name : str

    Returns
    -------
    SynergyMeasureSpec

    Raises
    ------
    ParameterError
        Naming the measure and the registered ones when ``name`` is unknown.
    """
    spec = SYNERGY_REGISTRY.get(name) if isinstance(name, str) else None
    if spec is None:
        raise ParameterError(
            f"synergy_measure must be one of {list(SYNERGY_REGISTRY)}; got {name!r}."
        )
    return spec


def on_levels(name: str) -> str:
    """``name`` if it is computed from the levels alone, else :data:`LEVELS_FALLBACK`.

    Parameters
    ----------
    name : str
        A registered measure.

    Returns
    -------
    str
    """
    return LEVELS_FALLBACK if measure_spec(name).needs_domains else name


def resolve(ref: FunctionRef) -> Callable[..., Any]:
    """The function ``ref`` names (``"module:function"``), or ``ref`` itself if callable.

    Parameters
    ----------
    ref : str or callable

    Returns
    -------
    callable
    """
    if callable(ref):
        return ref
    module, _, name = ref.partition(":")
    return getattr(importlib.import_module(module), name)
