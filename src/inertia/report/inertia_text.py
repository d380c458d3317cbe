"""Sentences of chapter 3's narrative, read from the results.

Every function takes result objects or tables and returns Markdown. Nothing
here states a number or a conclusion that the inputs do not carry, so the
notebook's text says the opposite when the data say the opposite.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from inertia.data import reference

__all__ = [
    "break_sentence",
    "conclusion_sentence",
    "convergence_sentence",
    "coupling_sentence",
    "decomposition_sentence",
    "event_study_sentence",
    "fmt_p",
    "gap_sentence",
    "index_sentence",
    "notes_markdown",
    "population_sentence",
    "setup_sentence",
]

MEASURE_LABELS = {
    "dagum": "1 − Dagum Gini",
    "theil": "1 − Theil",
    "cv": "1 − coefficient of variation",
    "coupling": "coupling coordination degree",
    "synergy_degree": "composite-system synergy degree",
}
RULE_LABELS = {
    "plan": "the plan path (straight line to the target by the plan horizon)",
    "frontier": "the frontier path (every city closes its gap to the cluster's best "
    "performer at the best historical speed)",
}


def _name(cluster: str) -> str:
    return reference.CLUSTER_NAMES.get(cluster, (cluster.upper(),))[0]


def _num(value: float, digits: int = 3) -> str:
    if value is None or not np.isfinite(value):
        return "n/a"
    return f"{value:.{digits}f}"


def fmt_p(p: float) -> str:
    """A p-value for text: ``p < 0.001``, ``p = 0.042``, or ``p n/a``."""
    if p is None or not np.isfinite(p):
        return "p n/a"
    return "p < 0.001" if p < 0.001 else f"p = {p:.3f}"


def _join(parts: Sequence[str]) -> str:
    parts = list(parts)
    if len(parts) <= 1:
        return "".join(parts)
    return ", ".join(parts[:-1]) + " and " + parts[-1]


def notes_markdown(notes: Sequence[str]) -> str:
    """A bulleted note list, or an empty string when there is nothing to note."""
    notes = [n for n in notes if n]
    if not notes:
        return ""
    return "**Notes on the data:**\n\n" + "\n".join(f"* {n}" for n in notes)


def setup_sentence(
    label: str, years: Sequence[int], spacing: int, milestones: pd.DataFrame
) -> str:
    """Data years, their spacing and the milestones as observed."""
    years = sorted(int(y) for y in years)
    used = []
    for cluster, row in milestones.iterrows():
        text = f"{str(cluster).upper()} {int(row['milestone_year'])}"
        observed = row["observed_year"]
        if pd.notna(observed) and int(observed) != int(row["milestone_year"]):
            text += f" (observed from {int(observed)})"
        elif pd.isna(observed):
            text += " (after the data)"
        used.append(text)
    every = "every year" if spacing == 1 else f"every {spacing} years"
    text = (
        f"Data: the {label}, {len(years)} years from {years[0]} to {years[-1]} ({every}). "
        f"Milestones: {_join(used)}."
    )
    if "horizon_year" in milestones.columns and milestones["horizon_year"].notna().all():
        horizons = [
            f"{str(c).upper()} {int(h)}" for c, h in milestones["horizon_year"].items()
        ]
        text += f" Plan horizons: {_join(horizons)}."
    return text


def index_sentence(index: Any) -> str:
    """Index method, the heaviest indicators and domains, and how much was imputed."""
    weights = index.weights.sort_values("weight", ascending=False)
    top = weights.head(3)
    domains = weights.groupby("domain")["weight"].sum().sort_values(ascending=False)
    parts = [f"`{r.indicator}` ({r.weight:.1%})" for r in top.itertuples()]
    method = {
        "entropy": "pooled entropy weights",
        "topsis": "entropy-weighted TOPSIS closeness",
        "equal": "equal weights",
    }[index.method]
    imputed = index.n_imputed
    cells = int(index.imputed_mask.size)
    text = (
        f"The public-service index uses {method}. The heaviest indicators are {_join(parts)}; "
        f"by domain, {domains.index[0].replace('_', ' ')} weighs most ({domains.iloc[0]:.1%}) "
        f"and {domains.index[-1].replace('_', ' ')} least ({domains.iloc[-1]:.1%}). "
    )
    if imputed:
        text += (
            f"{imputed:,} of {cells:,} indicator cells ({imputed / cells:.1%}) were imputed "
            "by the documented rule."
        )
    else:
        text += "No indicator cell was imputed."
    return text


def population_sentence(population_source: pd.Series) -> str:
    """A warning when the per-person denominator switches population concept between years.

    ``population_source`` is :attr:`PublicServiceIndex.population_source` (registered /
    resident per city-year). Returns an empty string when one concept is used throughout.
    """
    table = population_source.dropna().astype(str).reset_index()
    if table.empty:
        return ""
    by_year = table.groupby("year")[population_source.name or "pop_source"].agg(
        lambda values: values.value_counts().idxmax()
    )
    if by_year.nunique() <= 1:
        return ""
    spans = []
    for source, years in by_year.groupby(by_year, sort=False):
        first, last = int(years.index.min()), int(years.index.max())
        spans.append(f"{source} population in {first if first == last else f'{first}-{last}'}")
    return (
        "**Caution:** the indicators are per person of " + _join(spans) + ". The switch of "
        "denominator can move PS and its dispersion by itself, so changes across it are "
        "not only changes in public services."
    )


def decomposition_sentence(decomposition: pd.DataFrame) -> str:
    """Overall Gini and Theil in the first and last year and what drives them."""
    first, last = decomposition.iloc[0], decomposition.iloc[-1]
    y0, y1 = int(decomposition.index[0]), int(decomposition.index[-1])
    direction = "fell" if last["gini"] < first["gini"] else "rose"
    shares = {
        "within clusters": last["gini_within_share"],
        "between clusters (net)": last["gini_between_net_share"],
        "transvariation (overlap)": last["gini_transvariation_share"],
    }
    largest = max(shares, key=lambda k: shares[k])
    return (
        f"Across the clusters' cities the Gini ratio of PS {direction} from "
        f"{_num(first['gini'])} in {y0} to {_num(last['gini'])} in {y1}. In {y1} the largest "
        f"part of it is {largest} ({shares[largest]:.0%}); the between-cluster share of "
        f"Theil is {last['theil_between_share']:.0%} (it was "
        f"{first['theil_between_share']:.0%} in {y0})."
    )


def coupling_sentence(coupling: pd.DataFrame) -> str:
    """Mean coordination degree per cluster in the first and last year, with its grade."""
    from inertia.measures.coupling import coordination_grade

    y0, y1 = int(coupling["year"].min()), int(coupling["year"].max())
    means = coupling.groupby(["cluster", "year"])["D"].mean()
    parts = []
    for cluster in [c for c in reference.CLUSTERS if c in means.index.get_level_values(0)]:
        start, end = means.get((cluster, y0), np.nan), means.get((cluster, y1), np.nan)
        grade = coordination_grade(pd.Series([end])).iloc[0]["grade_en"] if np.isfinite(end) else ""
        parts.append(f"{cluster.upper()} {_num(start)} → {_num(end)} ({grade})")
    return (
        f"Mean coupling coordination of the six domains, {y0} → {y1}: {_join(parts)}."
    )


def convergence_sentence(trend: pd.DataFrame, beta: pd.DataFrame) -> str:
    """Sigma convergence (sign and p of the CV trend per cluster) and beta convergence."""
    cv = trend[trend["dispersion"] == "cv"]
    parts = []
    for row in cv.itertuples():
        name = str(getattr(row, "cluster", "all")).upper()
        if not np.isfinite(row.slope):
            parts.append(f"{name}: n/a")
            continue
        way = "falls" if row.slope < 0 else "rises"
        parts.append(f"{name} {way} ({row.slope:+.4f} a year, {fmt_p(row.pvalue)})")
    falling = int((cv["slope"] < 0).sum())
    sigma = (
        f"Sigma convergence: the coefficient of variation of PS falls in {falling} of "
        f"{len(cv)} clusters ({'; '.join(parts)})."
    )
    main = beta.iloc[0]
    if main["beta"] < 0 and main["pvalue"] < 0.05:
        verdict = (
            f"PS converges (β = {_num(main['beta'])}, {fmt_p(main['pvalue'])}; speed "
            f"{main['speed']:.1%} a year, half-life {_num(main['half_life'], 1)} years)"
        )
    else:
        verdict = (
            f"there is no significant convergence (β = {_num(main['beta'])}, "
            f"{fmt_p(main['pvalue'])})"
        )
    others = [
        f"{row.model}: β = {_num(row.beta)} ({fmt_p(row.pvalue)})"
        for row in beta.iloc[1:].itertuples()
    ]
    interval = int(main["interval"])
    span = "one-year" if interval == 1 else f"{interval}-year"
    text = f"{sigma} Beta convergence over {span} growth, {main['model']}: {verdict}."
    if others:
        text += f" Other specifications: {'; '.join(others)}."
    return text


def gap_sentence(summary: pd.DataFrame, measure: str, target_rule: str) -> str:
    """The inertia gap and synergy efficiency per cluster at the end of the data."""
    usable = summary.dropna(subset=["gap_last"])
    if usable.empty:
        return (
            "No cluster has a data year after its milestone, so the synergy gap cannot be "
            "measured."
        )
    parts = []
    for cluster, row in usable.iterrows():
        parts.append(
            f"{_name(str(cluster))} {_num(row['gap_last'])} in {int(row['last_year'])} "
            f"(efficiency {_num(row['efficiency_last'], 2)}, i.e. "
            f"{row['efficiency_last']:.0%} of the expected gain realised)"
            if np.isfinite(row["efficiency_last"])
            else f"{_name(str(cluster))} {_num(row['gap_last'])} in {int(row['last_year'])}"
        )
    positive = int((usable["gap_last"] > 0).sum())
    closing = int((usable["gap_last"] < usable["gap_first_post"]).sum())
    text = (
        f"Measured by {MEASURE_LABELS.get(measure, measure)} against {RULE_LABELS[target_rule]}, "
        f"the synergy gap I = E − S is {_join(parts)}. "
        f"Actual synergy is **below** the expected path in {positive} of {len(usable)} clusters "
        f"at the end of the data"
    )
    if positive < len(usable):
        text += f" and above it in {len(usable) - positive}"
    text += (
        f"; the gap has narrowed since the first post-milestone year in {closing} of "
        f"{len(usable)}."
    )
    return text


def event_study_sentence(
    gap_study: Any, shortfall_study: Any, versus_required: Any, behind: Any
) -> str:
    """Pre-trend test, lags against the plan's requirement, and the shortfall effects.

    Parameters
    ----------
    gap_study, shortfall_study : EventStudySummary
        Event studies of the city gap and of the shortfall from plan.
    versus_required : LagAverage
        Average (lag - required) on the gap study.
    behind : LagAverage
        Average lag on the shortfall study.
    """
    if not gap_study.estimated:
        return "The event study of city gaps could not be estimated (see the notes above)."
    p = gap_study.pretrend_pvalue
    res = gap_study.result
    unit = "year" if gap_study.spacing == 1 else f"{gap_study.spacing}-year period"
    if np.isfinite(p) and p < 0.05:
        pre = (
            f"The leads are jointly significant (Wald χ²({res.pretrend_df}) = "
            f"{res.pretrend_stat:.1f}, {fmt_p(p)}): city gaps were already moving before the "
            "milestones, so the gap event study does not isolate a milestone effect and its lags "
            "are read only against the plan's requirement, not as causal effects."
        )
    elif np.isfinite(p):
        pre = (
            f"The leads are not jointly significant (Wald χ²({res.pretrend_df}) = "
            f"{res.pretrend_stat:.1f}, {fmt_p(p)}): no evidence of a pre-trend."
        )
    else:
        pre = "There are too few leads for a pre-trend test."
    text = (
        f"Event study of the city gap to the cluster frontier ({res.nobs:,} city-years, "
        f"{res.n_entities} cities, event time in {unit}s, {res.se_type}). {pre} "
    )
    if np.isfinite(versus_required.mean):
        mean_lag = versus_required.mean + versus_required.required
        slower = versus_required.mean > 0
        text += (
            f"Averaged over the post-milestone event-time bins, the city gap moved by "
            f"{mean_lag:+.4f} relative to the period just before the milestone, against "
            f"{versus_required.required:+.4f} that the plan requires: gaps closed "
            f"{'**less** than' if slower else '**at least as much as**'} planned (difference "
            f"{versus_required.mean:+.4f}, one-sided {fmt_p(versus_required.pvalue_positive)} "
            "for closing less). "
        )
    if shortfall_study.estimated and np.isfinite(behind.mean):
        way = "behind" if behind.mean > 0 else "ahead of"
        text += (
            f"On the shortfall from the planned path (0 before the milestone by construction), "
            f"the post-milestone effects average {behind.mean:+.4f} (SE {behind.se:.4f}, "
            f"one-sided {fmt_p(behind.pvalue_positive)} for being behind plan): on average "
            f"cities were **{way}** their planned convergence paths."
        )
    return text


def break_sentence(twoway: Any, time_only: Any) -> str:
    """The convergence-break test, two-way and year-effects-only specifications."""
    if twoway.result is None:
        return "The convergence-break test could not be estimated (see the notes above)."
    r = twoway.result
    faster = twoway.faster_after
    text = (
        f"Convergence-break test (city and year effects): β changes by δ = {r.delta:+.4f} "
        f"after the milestones (speed {twoway.speed_pre:.1%} → {twoway.speed_post:.1%} a year; "
        f"one-sided {fmt_p(r.pvalue_one_sided)} for H0 'not faster'), so post-milestone "
        f"convergence is {'**faster**' if faster else '**not faster**'} than before. "
    )
    if time_only.result is not None:
        t = time_only.result
        other = time_only.faster_after
        text += (
            f"With year effects only (free of the Nickell bias that pushes the two-way δ towards "
            f"'faster'), δ = {t.delta:+.4f}, {fmt_p(t.pvalue_one_sided)}: "
            f"{'faster' if other else 'not faster'}"
            f"{' — the two specifications disagree' if other != faster else ' as well'}."
        )
    return text


def conclusion_sentence(verdict: Any) -> str:
    """The chapter's conclusion, from :class:`~inertia.report.evidence.InertiaVerdict`.

    "Inertia exists" needs all three core findings (gap positive and not closing in
    every cluster, cities behind plan); "mixed" when only some hold (or hold in
    only some clusters); "no inertia" when none does.
    """
    n = verdict.n_clusters
    holds: list[str] = []
    partly: list[str] = []
    fails: list[str] = []
    for flag, count, finding in (
        (verdict.gap_positive, verdict.n_gap_positive,
         "actual synergy ends below the expected path"),
        (verdict.gap_not_closing, verdict.n_not_closing,
         "the gap does not narrow after the milestones"),
    ):
        if flag is None:
            continue
        if flag:
            holds.append(
                finding if n == 1 else f"{finding} in {'both' if n == 2 else f'all {n}'} clusters"
            )
        elif count > 0:
            partly.append(f"{finding} in {count} of {n} clusters")
        else:
            fails.append(f"{finding} in none of the {n} clusters")
    if verdict.behind_plan is True:
        holds.append(
            "post-milestone event-study effects are smaller than the planned path requires "
            "(cities fall significantly behind plan)"
        )
    elif verdict.behind_plan is False:
        fails.append(
            "post-milestone event-study effects are not significantly smaller than the planned "
            "path requires"
        )
    if verdict.core_inertia:
        head = "**Conclusion: synergistic inertia exists in these data.**"
    elif holds or partly:
        head = "**Conclusion: the evidence for synergistic inertia is mixed.**"
    else:
        head = "**Conclusion: these data show no synergistic inertia.**"
    text = head
    if holds:
        text += " Supporting it: " + "; ".join(holds) + "."
    if partly:
        text += " Partly supporting it: " + "; ".join(partly) + "."
    if fails:
        text += " Against it: " + "; ".join(fails) + "."
    unknown = [
        name for name, flag in (
            ("the gap", verdict.gap_positive),
            ("the event study", verdict.behind_plan),
        ) if flag is None
    ]
    if unknown:
        text += " Not computable: " + ", ".join(unknown) + "."
    if verdict.convergence_not_faster is not None:
        text += (
            " Beta convergence is "
            + ("not faster" if verdict.convergence_not_faster else "faster")
            + " after the milestones in the two-way specification"
            + (
                ", consistent with inertia."
                if verdict.convergence_not_faster
                else "; a speed-up is compatible with inertia only if it falls short of the "
                "plan, which the event study measures."
            )
        )
    return text
