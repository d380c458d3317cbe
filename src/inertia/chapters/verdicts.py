"""Machine-readable verdicts: what each chapter concludes, and from which test.

Every chapter publishes ``verdict_<chapter>.json`` beside its tables
(:meth:`inertia.report.outputs.Publisher.verdict`). For each claim it holds the
claim, the verdict word, the test, the statistic with its estimate, standard
error, interval and p-value, and the level. The narrative's conclusion and the
manuscript read it; the validation harness (:mod:`inertia.validation`)
computes the same :class:`Claim` objects on simulated data and checks how
often each verdict is right.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

__all__ = ["ChapterVerdict", "Claim"]


def _finite(value: Any) -> Any:
    """JSON-safe number: NaN and infinities become None."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


@dataclass(frozen=True)
class Claim:
    """One claim of a chapter and the verdict on it.

    Attributes
    ----------
    claim : str
        Machine name of the claim (e.g. ``"inertia"``, ``"effect_weakness"``).
    statement : str
        What the claim says, in one sentence.
    verdict : str
        The verdict word (e.g. ``"inertia"`` / ``"no inertia"``; ``"not
        estimable"`` when the test could not be run).
    rejected : bool or None
        Whether the test rejected its null at ``alpha`` (None: not estimable).
    test : str
        The test: its null, alternative and reference distribution.
    statistic : str
        What ``estimate`` is (e.g. ``"delivered share"``).
    estimate, se, ci_low, ci_high, p_value : float
        The estimate, its standard error, the two-sided ``1 - alpha`` interval
        and the p-value of the test.
    alpha : float
        Level of the test.
    null_value : float
        The value of the statistic under the null.
    n : int
        Observations used.
    details : dict
        Anything else worth keeping (per-cluster results, the estimator).
    """

    claim: str
    statement: str
    verdict: str
    rejected: bool | None
    test: str
    statistic: str
    estimate: float
    se: float
    ci_low: float
    ci_high: float
    p_value: float
    alpha: float
    null_value: float
    n: int
    details: Mapping[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dictionary (NaN as null).

        Returns
        -------
        dict
        """
        return {key: _finite(value) for key, value in asdict(self).items()}


@dataclass(frozen=True)
class ChapterVerdict:
    """All claims of one chapter.

    Attributes
    ----------
    chapter : str
        Notebook name, e.g. ``"03_inertia_evidence"``.
    data_source : str
        ``"simulated"`` or ``"ccsy"``.
    claims : tuple of Claim
    notes : tuple of str
        Caveats that bear on the verdicts (e.g. a test without power).
    """

    chapter: str
    data_source: str
    claims: tuple[Claim, ...]
    notes: tuple[str, ...] = ()

    def claim(self, name: str) -> Claim:
        """The claim called ``name``.

        Parameters
        ----------
        name : str

        Returns
        -------
        Claim

        Raises
        ------
        KeyError
            When the chapter has no such claim.
        """
        for item in self.claims:
            if item.claim == name:
                return item
        raise KeyError(f"{self.chapter} has no claim {name!r}; it has {self.names}.")

    @property
    def names(self) -> list[str]:
        """Names of the claims, in order."""
        return [item.claim for item in self.claims]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dictionary.

        Returns
        -------
        dict
        """
        return {
            "chapter": self.chapter,
            "data_source": self.data_source,
            "claims": [item.to_dict() for item in self.claims],
            "notes": list(self.notes),
        }


def claims_table(verdicts: Sequence[ChapterVerdict]) -> list[dict[str, Any]]:
    """Flat rows (one per claim) of several chapters' verdicts, for a table.

    Parameters
    ----------
    verdicts : sequence of ChapterVerdict

    Returns
    -------
    list of dict
    """
    rows = []
    for chapter in verdicts:
        for item in chapter.claims:
            row = item.to_dict()
            row.pop("details")
            rows.append({"chapter": chapter.chapter, **row})
    return rows
