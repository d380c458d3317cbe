"""Sentences of chapter 3's comparison with the rest of China, read from the results.

Every function takes result objects or tables and returns Markdown; the words
follow the numbers (a reversed result gives the reversed sentence).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

import numpy as np
import pandas as pd

from inertia.formatting import number as _num
from inertia.report.inertia_text import _join, _name, fmt_p
from inertia.results import EventTimeResults

__all__ = [
    "bacon_sentence",
    "comparison_sentence",
    "inference_sentence",
    "n_controls",
    "no_comparison_note",
    "sensitivity_sentence",
    "synthetic_sentence",
]


class Comparison(Protocol):
    """The comparison with the rest of China as the sentences read it.

    :class:`~inertia.chapters.inertia_evidence.Identification` is one.
    """

    @property
    def frame(self) -> pd.DataFrame:
        """The staggered frame (``code``, ``cohort`` NA for the never-treated cities ...)."""
        ...

    @property
    def fits(self) -> Mapping[str, EventTimeResults]:
        """Estimator -> its event-time fit."""
        ...

    @property
    def spacing(self) -> int:
        """Data spacing in years."""
        ...


def n_controls(identification: Comparison) -> int:
    """Number of never-treated cities in the comparison."""
    frame = identification.frame
    return int(frame.loc[frame["cohort"].isna(), "code"].nunique())


def no_comparison_note() -> str:
    """Why the comparison with the rest of China is not shown (``comparison: none``)."""
    return (
        "comparison: none keeps the cluster cities only, so there are no never-treated cities: "
        "the heterogeneity-robust estimators, the randomisation over placebo clusters and the "
        "synthetic controls need them and are not computed; the TWFE event study above is the "
        "only event-time evidence, and the verdict rests on the delivery test alone."
    )


def _window(fit: EventTimeResults, spacing: int) -> str:
    first, last = fit.post
    unit = "years" if spacing == 1 else f"periods of {spacing} years"
    return f"event times {first} to {last} ({unit})"


def comparison_sentence(identification: Comparison) -> str:
    """The estimators' mean post-milestone effects side by side."""
    fits = identification.fits
    head = fits["imputation"]
    low, high = head.post_interval
    robust = [
        f"{fits[name].label} {_num(fits[name].post_mean, 4)}"
        for name in ("sun_abraham", "callaway_santanna")
        if name in fits
    ]
    twfe, alone = fits.get("twfe"), fits.get("twfe_clusters_only")
    parts = [
        f"Against the {n_controls(identification)} prefecture cities that had no milestone, the "
        f"imputation estimator puts the milestones' mean effect on the log public-service index "
        f"over {_window(head, identification.spacing)} at {_num(head.post_mean, 4)} "
        f"(95% interval [{_num(low, 4)}, {_num(high, 4)}], clustered by city)"
    ]
    if robust:
        parts[0] += "; " + _join(robust)
    sentence = parts[0] + "."
    if twfe is not None and alone is not None:
        sentence += (
            f" The binned TWFE event study gives {_num(twfe.post_mean, 4)} with the never-treated "
            f"cities and {_num(alone.post_mean, 4)} on the cluster cities alone, where every "
            "comparison is between clusters treated at different dates."
        )
    pre = [
        f"{fit.label} {fmt_p(fit.pretrend_pvalue)}"
        for name, fit in fits.items()
        if np.isfinite(fit.pretrend_pvalue)
    ]
    if pre:
        sentence += " Tests that the leads are jointly zero: " + _join(pre) + "."
    return sentence


def bacon_sentence(bacon: Any) -> str:
    """Which comparisons drive the static TWFE estimate."""
    kinds = bacon.by_kind.set_index("kind")
    parts = [
        f"{kind} carry {_num(row['weight'] * 100, 1)}% of the weight (mean 2x2 estimate "
        f"{_num(row['estimate'], 4)})"
        for kind, row in kinds.iterrows()
    ]
    late = kinds["weight"].get("later vs earlier treated", 0.0)
    return (
        f"The static TWFE estimate {_num(bacon.twfe, 4)} on the balanced panel of "
        f"{bacon.cities} cities is a weighted average of 2x2 comparisons: " + _join(parts)
        + f". Comparisons that use already-treated clusters as controls weigh "
        f"{_num(late * 100, 1)}%."
    )


def inference_sentence(identification: Any) -> str:
    """The p-values of the few-cluster inference and which one the verdict uses."""
    table = identification.inference_table()
    parts = []
    for _, row in table.iterrows():
        p = row["p_one_sided"] if np.isfinite(row["p_one_sided"]) else row["p_two_sided"]
        side = "one-sided" if np.isfinite(row["p_one_sided"]) else "two-sided"
        parts.append(f"{row['inference']}: {side} {fmt_p(p)}")
    used = table[table["used_by_verdict"]]
    sentence = "Tests of no milestone effect: " + "; ".join(parts) + "."
    if len(used):
        row = used.iloc[0]
        word = "rejects" if row["p_one_sided"] < 0.05 else "does not reject"
        sentence += (
            f" The verdict uses the randomisation over placebo clusters, which {word} the null "
            f"({fmt_p(row['p_one_sided'])}, {int(row['draws'])} placebo assignments)."
        )
    return sentence


def synthetic_sentence(summary: pd.DataFrame) -> str:
    """Per cluster: the post-milestone gap to the synthetic cluster and its placebo p-value."""
    parts = []
    for _, row in summary.iterrows():
        direction = "above" if row["post_gap"] > 0 else "below"
        parts.append(
            f"{_name(row['cluster'])}'s synergy ran {_num(abs(row['post_gap']), 4)} {direction} "
            f"its synthetic cluster after the milestone (placebo {fmt_p(row['placebo_pvalue'])}, "
            f"{int(row['placebos'])} pseudo-clusters)"
        )
    return "Against synthetic clusters of provinces' cities outside the clusters: " + "; ".join(
        parts
    ) + "."


def sensitivity_sentence(identification: Any) -> str:
    """The relative-magnitudes breakdown value of the post-milestone mean."""
    bounds = identification.sensitivity
    if bounds is None:
        return ""
    value = bounds.breakdown
    if not np.isfinite(value):
        said = "the leads show no pre-milestone change, so no violation bounded by them"
        tail = "overturns it"
    elif value == 0:
        said = "the interval includes zero already under exact parallel trends"
        tail = "so there is nothing to overturn"
    else:
        said = f"the breakdown value is M̄* = {_num(value, 2)}"
        tail = (
            "post-milestone violations of parallel trends up to that multiple of the largest "
            "pre-milestone change leave the effect significantly positive"
            if bounds.estimate > 0
            else "post-milestone violations of parallel trends up to that multiple of the "
            "largest pre-milestone change leave the effect significantly negative"
        )
    return (
        f"Sensitivity to violations of parallel trends (relative magnitudes, Rambachan & Roth, "
        f"on the Callaway-Sant'Anna mean {_num(bounds.estimate, 4)}; largest pre-milestone "
        f"change {_num(bounds.max_pre_step, 4)}): {said}; {tail}."
    )
