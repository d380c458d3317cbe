"""Sentences about the validation harness: how informative is each chapter's test?

The chapters' narratives call :func:`informativeness` with the harness summary
(:func:`inertia.validation.summarise`, published by notebook ``02_validation``)
so that a test the harness finds without power, or without its nominal size or
coverage, is said to be not informative where its result is reported.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

__all__ = ["harness_notes", "harness_sentence", "identification_sentence", "informativeness"]


def informativeness(summary: pd.DataFrame, claim: str, *, only_verdict: bool = False) -> str:
    """What the harness says of one claim's test, in one sentence.

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
    failing = rows[~rows["meets"].astype(bool)]
    if only_verdict:
        return "not informative" if len(failing) else "informative"
    size = rows[rows["kind"] == "size"]["rejection_rate"]
    power = rows[rows["kind"] == "power"]["rejection_rate"]
    coverage = rows["coverage"].dropna()
    parts = []
    if len(size):
        parts.append(f"size {size.max():.2f}")
    if len(power):
        parts.append(f"power {power.min():.2f}" + ("" if len(power) == 1 else " or more"))
    if len(coverage):
        low, high = coverage.min(), coverage.max()
        parts.append(f"coverage {low:.2f}" if low == high else f"coverage {low:.2f}-{high:.2f}")
    reps = int(rows["reps"].max())
    text = f"`{claim}`: {', '.join(parts)} over {reps} simulated panels per truth"
    if len(failing):
        reasons = "; ".join(f"under `{row.truth}`, {row.reason}" for row in failing.itertuples())
        text += f"; **not every target holds** ({reasons})"
    else:
        text += "; every target holds"
    return text + "."


def harness_notes(summary: pd.DataFrame, claims: Sequence[str]) -> str:
    """The harness's verdict on several claims' tests, as a bulleted Markdown list.

    Parameters
    ----------
    summary : DataFrame
        :func:`inertia.validation.summarise`.
    claims : sequence of str

    Returns
    -------
    str
        Empty when the harness has none of the claims.
    """
    lines = [informativeness(summary, claim) for claim in claims]
    lines = [line for line in lines if line]
    if not lines:
        return ""
    return "**How informative the tests are** (validation appendix):\n\n" + "\n".join(
        f"* {line}" for line in lines
    )


def harness_sentence(summary: pd.DataFrame) -> str:
    """How many (claim, truth) rows meet their targets, and why the others do not.

    Parameters
    ----------
    summary : DataFrame
        :func:`inertia.validation.summarise`.

    Returns
    -------
    str
        Markdown: a sentence and a bulleted list of the failing rows.
    """
    reps = int(summary["reps"].max())
    meets = summary["meets"].astype(bool)
    text = (
        f"Of {len(summary)} (claim, truth) rows, **{int(meets.sum())} meet every target** over "
        f"{reps} simulated panels per truth."
    )
    failing = summary[~meets]
    if len(failing):
        text += " The others, and why:\n\n" + "\n".join(
            f"* `{row.claim}` under `{row.truth}`: {row.reason}."
            for row in failing.itertuples()
        )
    return text


def identification_sentence(summary: pd.DataFrame) -> str:
    """Bias and coverage of each chapter-3 estimator's post-milestone mean under the default.

    Parameters
    ----------
    summary : DataFrame
        :func:`inertia.validation.summarise` of the identification suite.

    Returns
    -------
    str
        Markdown: one sentence per estimator, then :func:`harness_sentence`.
    """
    rows = summary[(summary["truth"] == "default") & summary["claim"].str.endswith(": post")]
    parts = [
        f"`{row.claim.removesuffix(': post')}` bias {row.bias:+.4f} (RMSE {row.rmse:.4f}), "
        f"coverage {row.coverage:.2f}"
        for row in rows.itertuples()
    ]
    text = ""
    if parts:
        text = (
            "Under staggered milestones whose effects differ by cluster and grow with event "
            "time, the mean post-milestone effect: " + "; ".join(parts) + ". "
        )
    return text + harness_sentence(summary)
