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
from inertia.formatting import number as _num
from inertia.formatting import p_value as fmt_p
from inertia.viz.labels import synergy_label

__all__ = [
    "break_sentence",
    "conclusion_sentence",
    "convergence_sentence",
    "coupling_sentence",
    "decomposition_sentence",
    "delivery_sentence",
    "event_study_sentence",
    "fmt_p",
    "gap_sentence",
    "index_sentence",
    "measure_label",
    "notes_markdown",
    "population_sentence",
    "setup_sentence",
]

RULE_LABELS = {
    "plan": "the plan path (every city closes the committed share of its milestone gap to the "
    "cluster's best performer by the horizon)",
    "frontier": "the frontier path (every city closes its gap to the cluster's best "
    "performer at the best historical speed)",
}


def measure_label(measure: str, language: str = "en") -> str:
    """The name of a synergy measure in the narrative ("1 − Dagum Gini").

    Parameters
    ----------
    measure : str
        A registered synergy measure (:data:`inertia.synergy_measures.SYNERGY_REGISTRY`).
    language : {"en", "zh"}

    Returns
    -------
    str
    """
    return synergy_label(measure, language)


def _name(cluster: str) -> str:
    return reference.CLUSTER_NAMES.get(cluster, (cluster.upper(),))[0]


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
        "geometric": "the weighted geometric mean of the indicators' ratios to their medians, "
        "equal weights per domain",
        "entropy": "pooled entropy weights (which reward dispersion, not validity)",
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
    """How the per-person denominator was obtained, with a caution when concepts mix.

    ``population_source`` is :attr:`PublicServiceIndex.population_source`
    (:func:`inertia.measures.public_service.population`). Returns an empty
    string when every city-year has its own registered population.
    """
    counts = population_source.dropna().astype(str).value_counts()
    total = int(counts.sum())
    filled = int(counts.get("registered_interpolated", 0) + counts.get("registered_carried", 0))
    resident = int(counts.get("resident", 0))
    if not filled and not resident:
        return ""
    text = ""
    if filled:
        text += (
            f"The registered population was interpolated or carried within the city for "
            f"{filled:,} of {total:,} city-years that lack it, so that the denominator keeps one "
            "definition. "
        )
    if resident:
        text += (
            f"**Caution:** {resident:,} city-years of cities that never report a registered "
            "population use the resident population; their levels are not comparable with the "
            "others'."
        )
    return text.strip()


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
    text = (
        f"Measured by {measure_label(measure)} against {RULE_LABELS[target_rule]}, "
        f"the synergy gap I = E − S is {_join(parts)}. "
        f"Actual synergy is **below** the expected path in {positive} of {len(usable)} clusters "
        f"at the end of the data"
    )
    if positive < len(usable):
        text += f" and above it in {len(usable) - positive}"
    text += (
        ". The gap is zero at the milestone by construction; whether cities closed their "
        "gaps as the plans committed is tested city by city below."
    )
    return text


def delivery_sentence(delivery: Any, validation: pd.DataFrame | None = None) -> str:
    """The delivered share of the commitments, pooled and per cluster, with its test.

    Parameters
    ----------
    delivery : DeliveryResult
        :func:`inertia.chapters.inertia_evidence.delivery_test`.
    validation : DataFrame, optional
        The harness summary (:func:`inertia.validation.summarise`), to say how
        informative each test is.
    """
    from inertia.report.validation_text import informativeness

    table = delivery.table.set_index("scope")
    pooled = table.loc["pooled"]
    parts = []
    for scope, row in table.drop(index="pooled").iterrows():
        parts.append(
            f"{_name(str(scope))} {_num(row['estimate'], 2)} "
            f"[{_num(row['ci_low'], 2)}, {_num(row['ci_high'], 2)}], "
            f"{row['cities']} cities"
        )
    share = pooled["estimate"]
    text = (
        f"Of the gap closure the plans committed to by the last data year, the cities delivered "
        f"a share of **{_num(share, 2)}** (95% interval [{_num(pooled['ci_low'], 2)}, "
        f"{_num(pooled['ci_high'], 2)}], {pooled['n']:,} city-years in {pooled['cities']} cities; "
        f"1 = the commitment was met). By cluster: {_join(parts)}. "
    )
    if np.isfinite(pooled["pvalue"]):
        met = not bool(pooled["inertia"])
        text += (
            f"The one-sided test of the null that the commitments were met gives "
            f"{fmt_p(pooled['pvalue'])}: "
            + (
                "the data are consistent with delivery."
                if met
                else "the cities closed **significantly less** of their gaps than committed."
            )
        )
    if delivery.dropped:
        text += (
            f" {delivery.dropped} post-milestone city-years of cities without a value in the "
            "base year are left out."
        )
    if getattr(delivery, "excluded", 0):
        text += (
            f" {delivery.excluded} post-milestone city-years whose index carries an indicator "
            "forward or borrows a median are left out (their change is not the city's own)."
        )
    if validation is not None:
        text += " Validation: " + informativeness(validation, "inertia")
        weak = [
            _name(str(scope))
            for scope in table.index
            if scope != "pooled"
            and informativeness(validation, f"inertia_{scope}", only_verdict=True)
            == "not informative"
        ]
        if weak:
            text += (
                f" The harness finds the single-cluster tests of {_join(weak)} not informative "
                "(see the validation appendix); they are reported, not used for the verdict."
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
            f"On the shortfall from the planned path (before the milestone: the drift of the "
            f"gap since the base year), the post-milestone effects average {behind.mean:+.4f} "
            f"(SE {behind.se:.4f}, "
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
    """The chapter's conclusion, from its :class:`~inertia.chapters.verdicts.ChapterVerdict`.

    The conclusion is the verdict of the claim ``inertia`` (the pooled test of
    the null that the commitments were met); the clusters' own verdicts follow.
    """
    main = verdict.claim("inertia")
    if main.verdict == "not estimable":
        return (
            "**Conclusion: the data cannot tell whether synergistic inertia exists** (the "
            "delivered share could not be estimated; see the notes above)."
        )
    if main.verdict == "inertia":
        head = (
            "**Conclusion: synergistic inertia exists in these data.** The cities closed "
            f"{_num(main.estimate, 2)} of the gap closure their plans committed to "
            f"(95% interval [{_num(main.ci_low, 2)}, {_num(main.ci_high, 2)}]), significantly "
            f"less than all of it ({fmt_p(main.p_value)})."
        )
    else:
        head = (
            "**Conclusion: these data show no synergistic inertia.** The delivered share "
            f"{_num(main.estimate, 2)} (95% interval [{_num(main.ci_low, 2)}, "
            f"{_num(main.ci_high, 2)}]) is not significantly below 1 ({fmt_p(main.p_value)}): "
            "the data are consistent with the commitments having been met."
        )
    clusters = [c for c in verdict.claims if c.claim.startswith("inertia_")]
    if clusters:
        parts = [
            f"{_name(c.claim.removeprefix('inertia_'))}: {c.verdict} "
            f"({_num(c.estimate, 2)}, {fmt_p(c.p_value)})"
            for c in clusters
        ]
        head += " By cluster: " + "; ".join(parts) + "."
    effect = [c for c in verdict.claims if c.claim == "milestone_effect"]
    if effect:
        claim = effect[0]
        if claim.verdict == "effect":
            head += (
                " Against the cities that had no milestone, the milestones did raise the cluster "
                f"cities' public services (mean effect {_num(claim.estimate, 4)} log points, "
                f"randomisation over placebo clusters {fmt_p(claim.p_value)}), by less than "
                "the plans committed to."
                if main.verdict == "inertia"
                else " Against the cities that had no milestone, the milestones raised the "
                f"cluster cities' public services (mean effect {_num(claim.estimate, 4)} log "
                f"points, randomisation over placebo clusters {fmt_p(claim.p_value)})."
            )
        else:
            head += (
                " Against the cities that had no milestone, the milestones' effect on the "
                f"cluster cities' public services ({_num(claim.estimate, 4)} log points) is not "
                f"distinguishable from placebo clusters ({fmt_p(claim.p_value)})."
            )
    return head
