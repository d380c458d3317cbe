"""Sentences about the validation harness: how informative is each chapter's test?

The chapters' narratives call :func:`informativeness` with the harness summary
(:func:`inertia.validation.summarise`, published by notebook ``02_validation``)
so that a test the harness finds without power, or without its nominal size or
coverage, is said to be not informative where its result is reported.
"""

from __future__ import annotations

import pandas as pd

__all__ = ["informativeness"]


def informativeness(summary: pd.DataFrame, claim: str, *, only_verdict: bool = False) -> str:
    """What the harness says of one claim's test, in one or two sentences.

    Parameters
    ----------
    summary : DataFrame
        :func:`inertia.validation.summarise`.
    claim : str
        The claim's name.
    only_verdict : bool
        Return ``"informative"`` or ``"not informative"`` instead of a sentence.

    Returns
    -------
    str
        Empty when the harness has no row for the claim.
    """
    rows = summary[summary["claim"] == claim]
    if rows.empty:
        return ""
    size = rows[rows["kind"] == "size"]
    power = rows[rows["kind"] == "power"]
    failing = rows[~rows["meets"].astype(bool)]
    reps = int(rows["reps"].max())
    if only_verdict:
        return "not informative" if len(failing) else "informative"
    pieces = []
    if len(size):
        pieces.append(f"rejected in {size['rejection_rate'].max():.0%} of the panels whose truth "
                      "is the null (size)")
    if len(power):
        pieces.append(f"in {power['rejection_rate'].min():.0%} or more of those where it is not "
                      "(power)")
    coverage = rows["coverage"].dropna()
    if len(coverage):
        pieces.append(
            f"and its 95% interval covered the truth in {coverage.min():.0%} to "
            f"{coverage.max():.0%} of them"
        )
    text = f"In the validation harness ({reps} simulated panels per truth) this test " + ", ".join(
        pieces
    ) + "."
    if len(failing):
        reasons = "; ".join(sorted(set(failing["reason"])))
        text += f" **The harness finds it not fully informative:** {reasons}."
    else:
        text += " It meets every target of the harness."
    return text
