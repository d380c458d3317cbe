"""Declarations of the specification curve that its renderers read (docs/design.md section 5).

The outcomes and estimators of :mod:`inertia.multiverse`, the phrase that names
each outcome's curve, the forks that only matter for some estimators, and the
rule that says which rows of a multiverse table count on the curve. They live
below :mod:`inertia.models` so that :mod:`inertia.report` and :mod:`inertia.viz`
read them without importing the multiverse, which imports the TWFE core
(design.md section 7, the render-only contract). The multiverse imports them
from here; nothing here estimates.
"""

from __future__ import annotations

import pandas as pd

__all__ = [
    "ESTIMATORS",
    "ESTIMATOR_SCOPE",
    "OUTCOME",
    "OUTCOMES",
    "OUTCOME_PHRASES",
    "in_curve",
]

#: Chapter 4's outcome, the headline curve.
OUTCOME = "shortfall_growth"
OUTCOMES: tuple[str, ...] = ("shortfall_growth", "shortfall")
#: The phrase (:data:`inertia.viz.labels.PHRASES` key) that names each outcome's curve.
OUTCOME_PHRASES: dict[str, str] = {
    "shortfall_growth": "shortfall_growth",
    "shortfall": "shortfall_level",
}
ESTIMATORS: tuple[str, ...] = ("eiv", "naive", "composite")
#: Forks whose level only matters for some estimators (:mod:`inertia.multiverse`'s docstring).
ESTIMATOR_SCOPE: dict[str, tuple[str, ...]] = {
    "role_method": ("composite",),
    "spending_rule": ("eiv", "composite"),
}


def in_curve(table: pd.DataFrame) -> pd.Series:
    """Rows that count on the curve: estimated and not a duplicate of another specification.

    Parameters
    ----------
    table : DataFrame
        :attr:`inertia.multiverse.MultiverseResult.table` or a part of it, with
        ``estimate`` and, when duplicates were looked for, ``duplicate_of``.

    Returns
    -------
    Series of bool
        True where ``estimate`` is not NaN and ``duplicate_of`` (if present) is.
    """
    estimated = table["estimate"].notna()
    if "duplicate_of" not in table.columns:
        return estimated
    return estimated & table["duplicate_of"].isna()
