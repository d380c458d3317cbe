"""Tables and sentences of the chain reaction (chapter 5) and corrective measures (chapter 6).

Every sentence is built from a result table, so the narrative of notebooks
``05_chain_reaction`` and ``06_corrective_measures`` changes when the numbers do.
The tables derived here (the ranking of measures, the priority of each
dimension per cluster) are computed from
:class:`inertia.models.mediation.MediationResult` and
:class:`inertia.scenarios.ScenarioResult` outputs, never typed in.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from inertia.data.reference import CLUSTERS
from inertia.formatting import interval as _interval
from inertia.formatting import number as _num
from inertia.viz import labels

__all__ = [
    "chain_sentence",
    "disagreement_sentence",
    "overlap_sentence",
    "priority_sentence",
    "priority_table",
    "projection_sentence",
    "ranking_table",
    "sample_sentence",
    "scenario_truth_sentence",
    "scenario_truth_table",
    "sensitivity_sentence",
    "shock_sentence",
    "support_sentence",
    "top_gains_sentence",
    "truth_sentence",
]

DIMENSION_NAMES = {
    "weakness": "role weakness",
    "deviation": "role deviation",
    "reinforcement": "negative reinforcement",
}


def _cluster(code: str) -> str:
    # The names are the reference table's (labels.cluster_name); a delta takes "the".
    if code not in CLUSTERS:
        return code
    name = labels.cluster_name(code, "en")
    return f"the {name}" if name.endswith("Delta") else name


def _excludes_zero(low: float, high: float) -> bool:
    return bool(np.isfinite(low) and np.isfinite(high) and (low > 0 or high < 0))


# --------------------------------------------------------------------------- chapter 5


def truth_sentence(table: pd.DataFrame, level: float = 0.95) -> str:
    """How many of the simulation's stated paths the measured chain's intervals cover.

    Parameters
    ----------
    table : DataFrame
        :func:`inertia.chapters.chain_reaction.truth_check`.
    level : float
        Interval level.

    Returns
    -------
    str
    """
    n = len(table)
    covered = int(table["covered"].sum())
    text = (
        f"On this simulated panel, estimated from the measured components, {covered} of the "
        f"{n} true paths lie inside their {level:.0%} percentile bootstrap intervals."
    )
    misses = table[~table["covered"]]
    if len(misses):
        described = "; ".join(
            f"{row.description}: truth {_num(row.truth)}, estimate {_num(row.estimate)} "
            f"{_interval(row.ci_low, row.ci_high)}"
            for row in misses.itertuples()
        )
        text += f" Missed: {described}."
    return (
        text + " One panel says little about an estimator; how often the intervals cover the "
        "truth over many panels is in the validation appendix."
    )


def sample_sentence(
    n: int,
    n_entities: int,
    n_periods: int,
    n_boot: int,
    n_failed: int,
    seed: int | None,
    outcome_text: str,
) -> str:
    """The estimation sample and the bootstrap."""
    failed = (
        f" {n_failed} draws had a chain variable without within variation and are left out."
        if n_failed
        else ""
    )
    return (
        f"The chain is estimated on {n} city-years ({n_entities} cities, {n_periods} periods) "
        f"with {outcome_text} as y, after removing city and year effects. Intervals come "
        f"from {n_boot} city-bootstrap draws (seed {seed}).{failed}"
    )


def chain_sentence(paths: pd.DataFrame) -> str:
    """The links of the chain whose percentile interval excludes zero, and the mediated share."""
    table = paths.set_index("path")
    level = float(table["ci"].iloc[0]) if "ci" in table.columns else 0.95
    links = []
    for name in ("a1_W_D", "a2_D_R", "a3_W_R", "direct_W_y", "direct_D_y", "direct_R_y"):
        row = table.loc[name]
        mark = "" if _excludes_zero(row["ci_low"], row["ci_high"]) else " (interval covers 0)"
        links.append(
            f"{row['description']} = {_num(row['estimate'])} "
            f"{_interval(row['ci_low'], row['ci_high'])}{mark}"
        )
    clear = [
        table.loc[name, "description"]
        for name in ("indirect_W_D_y", "indirect_W_R_y", "indirect_W_D_R_y", "indirect_D_R_y")
        if _excludes_zero(table.loc[name, "ci_low"], table.loc[name, "ci_high"])
    ]
    total, indirect = table.loc["total_W"], table.loc["total_indirect_W"]
    text = (
        f"Estimated links ({level:.0%} percentile intervals): " + "; ".join(links) + ". "
        f"The total effect of weakness on y is {_num(total['estimate'])} "
        f"{_interval(total['ci_low'], total['ci_high'])}, of which the indirect part is "
        f"{_num(indirect['estimate'])} {_interval(indirect['ci_low'], indirect['ci_high'])}. "
    )
    if clear:
        text += "Indirect paths with intervals excluding zero: " + ", ".join(clear) + "."
    else:
        text += "No indirect path has an interval excluding zero."
    share = table.loc["proportion_mediated_W"]
    if _excludes_zero(total["ci_low"], total["ci_high"]) and np.isfinite(share["estimate"]):
        text += f" The chain carries {share['estimate']:.0%} of the total effect of weakness."
    else:
        text += (
            " The total effect of weakness is not distinguishable from zero, so the share "
            "it mediates is not interpretable."
        )
    return text


PAIR_WORDS = {
    "D_y": "the deviation and outcome equations",
    "R_y": "the reinforcement and outcome equations",
    "D_R": "the deviation and reinforcement equations",
}


def sensitivity_sentence(table: pd.DataFrame, level: float = 0.95) -> str:
    """Where each indirect effect vanishes as the equations' errors correlate.

    Parameters
    ----------
    table : DataFrame
        :attr:`inertia.models.mediation.SensitivityResult.table`.
    level : float
        Band level.

    Returns
    -------
    str
        Per indirect path, the correlation (and pair of equations) of smallest
        magnitude at which the estimate vanishes, with the interval of its
        draws, and from which correlation the band covers zero; then the most
        fragile path.
    """
    if table.empty:
        return "No indirect effect moves with the error correlations."
    parts, fragile = [], None
    for _, rows in table.groupby("path", sort=False):
        ordered = rows.assign(size=rows["rho_zero"].abs()).sort_values("size", kind="mergesort")
        best = ordered.iloc[0]
        band = best["rho_band_zero"]
        band_text = (
            "its band already covers zero at ρ = 0"
            if np.isfinite(band) and band == 0
            else f"its {level:.0%} band covers zero from |ρ| = {_num(band, 2)}"
            if np.isfinite(band)
            else "its band covers zero nowhere on the grid"
        )
        parts.append(
            f"{best['description']} ({_num(best['estimate'])}) vanishes if the errors of "
            f"{PAIR_WORDS.get(best['pair'], best['pair'])} correlate by ρ = "
            f"{_num(best['rho_zero'], 2)} (bootstrap interval "
            f"{_interval(best['rho_zero_low'], best['rho_zero_high'], 2)}); {band_text}"
        )
        if fragile is None or best["size"] < fragile[1]:
            fragile = (best["description"], best["size"])
    text = (
        "Under sequential ignorability every error correlation is zero. " + "; ".join(parts) + "."
    )
    if fragile is not None:
        text += (
            f" The most fragile is {fragile[0]}: a confounder that correlates the errors by "
            f"{_num(fragile[1], 2)} would explain it away."
        )
    return text


def overlap_sentence(table: pd.DataFrame) -> str:
    """Which yearbook variables two dimensions' components share (from ``component_data``).

    Parameters
    ----------
    table : DataFrame
        :func:`inertia.chapters.chain_reaction.component_data` (``dimension,
        component, data``).

    Returns
    -------
    str
        For each pair of dimensions, the variables read by components of both
        (and by which), or that they share none.
    """
    reads = {
        (row.dimension, row.component): {v.strip() for v in str(row.data).split(",")}
        for row in table.itertuples()
    }
    parts, overlapping = [], False
    for first, second in (
        ("weakness", "deviation"),
        ("deviation", "reinforcement"),
        ("weakness", "reinforcement"),
    ):
        names = f"{DIMENSION_NAMES[first]} and {DIMENSION_NAMES[second]}"
        shared: dict[str, list[str]] = {}
        for (dim_a, comp_a), vars_a in reads.items():
            for (dim_b, comp_b), vars_b in reads.items():
                if dim_a != first or dim_b != second:
                    continue
                for variable in sorted(vars_a & vars_b):
                    shared.setdefault(variable, [])
                    shared[variable] += [c for c in (comp_a, comp_b) if c not in shared[variable]]
        if shared:
            overlapping = True
            listed = "; ".join(f"{v} (read by {', '.join(c)})" for v, c in shared.items())
            parts.append(f"{names} share {listed}")
        else:
            parts.append(f"{names} share no data")
    text = "Reading the components' sources: " + "; ".join(parts) + "."
    if overlapping:
        text += (
            " An error in a shared variable moves both dimensions' components at once, so the "
            "link between them is partly definitional unless that variable is measured without "
            "error; the links between dimensions that share no data are not."
        )
    return text


def _periods(count: int, period_years: int) -> str:
    if period_years == 1:
        return f"{count} year{'s' if count != 1 else ''}"
    return f"{count} period{'s' if count != 1 else ''} ({count * period_years} years)"


def shock_sentence(table: pd.DataFrame, period_years: int = 1) -> str:
    """Response of y to a unit shock: on impact, after the last period, cumulated.

    ``period_years`` is the length of one observed period (1 for annual data,
    3 for yearbook editions every third year).
    """
    rows = table[table["role"] == "y"].sort_values("horizon")
    first, last = rows.iloc[0], rows.iloc[-1]
    rho = table.attrs.get("persistence", np.nan)
    shocked = table.attrs.get("shock", "the index")
    shock_name = DIMENSION_NAMES.get(shocked, shocked)
    horizon = int(last["horizon"])
    per = "year" if period_years == 1 else f"{period_years}-year period"
    return (
        f"A one-time unit shock to {shock_name} (within persistence {_num(rho, 2)} per {per}) "
        f"moves y by {_num(first['estimate'], 4)} {_interval(first['low'], first['high'], 4)} "
        f"on impact and {_num(last['estimate'], 4)} {_interval(last['low'], last['high'], 4)} "
        f"{_periods(horizon, period_years)} later; cumulated over "
        f"{_periods(horizon + 1, period_years)}, {_num(last['cumulative'], 4)} "
        f"{_interval(last['cumulative_low'], last['cumulative_high'], 4)}."
    )


# --------------------------------------------------------------------------- chapter 6


RANKED_QUANTITIES = (
    "gap_change",
    "gap_change_per_unit",
    "share_horizon_gap_closed",
    "abs_gini_change",
    "share_horizon_abs_gap_closed",
    "shortfall_change",
)


def ranking_table(summary: pd.DataFrame, ranking: pd.DataFrame) -> pd.DataFrame:
    """One row per cluster and measure, in rank order, with effects and intervals.

    Joins :attr:`ScenarioResult.ranking` (rank, criterion, ``prob_best``) with
    :attr:`ScenarioResult.summary`: the change of the relative gap E - S by
    the horizon, per unit of the lever and as a share of the gap projected to
    the horizon; the change of the absolute Gini and its share of the
    projected absolute gap; and the shortfall change, each with its interval.
    """
    columns = ["measure", "cluster", "dimension", "size", "unit", "horizon_year", "n_targeted"]
    for quantity in RANKED_QUANTITIES:
        columns += [quantity, f"{quantity}_low", f"{quantity}_high"]
    merged = ranking[["cluster", "rank", "measure", "prob_best"]].merge(
        summary[columns], on=["cluster", "measure"], how="left"
    )
    return merged.sort_values(["cluster", "rank"], ignore_index=True)


def priority_table(ranked: pd.DataFrame, draws: pd.DataFrame | None = None) -> pd.DataFrame:
    """Per cluster, the single-lever measure that closes most of the gap.

    Only single-lever measures (not combinations) compete, so the winner names a
    dimension. The criterion is the mean change in E - S (lower is better; the
    shortfall change when the gap change is missing). With the draws table
    (:attr:`ScenarioResult.draws`), ``prob_best`` is the share of draws in
    which that measure is the best single lever.

    Returns ``cluster, measure, dimension, criterion, mean, low, high,
    share_horizon_gap_closed, runner_up, runner_up_dimension, prob_best``.
    """
    # A lever that reaches no city of the cluster has no effect there: it does not compete.
    singles = ranked[(ranked["dimension"] != "combination") & (ranked["n_targeted"] > 0)]
    rows = []
    for cluster, part in singles.groupby("cluster", sort=True):
        criterion = "gap_change" if part["gap_change"].notna().all() else "shortfall_change"
        ordered = part.sort_values(criterion, kind="mergesort")
        best = ordered.iloc[0]
        second = ordered.iloc[1] if len(ordered) > 1 else None
        prob = np.nan
        if draws is not None:
            wide = draws[(draws["cluster"] == cluster) & draws["measure"].isin(part["measure"])]
            wide = wide.pivot(index="draw", columns="measure", values=criterion).dropna()
            if not wide.empty:
                prob = float(np.mean(wide.idxmin(axis=1) == best["measure"]))
        rows.append(
            {
                "cluster": cluster,
                "measure": best["measure"],
                "dimension": best["dimension"],
                "criterion": criterion,
                "mean": float(best[criterion]),
                "low": float(best[f"{criterion}_low"]),
                "high": float(best[f"{criterion}_high"]),
                "share_horizon_gap_closed": float(best["share_horizon_gap_closed"]),
                "runner_up": None if second is None else second["measure"],
                "runner_up_dimension": None if second is None else second["dimension"],
                "prob_best": prob,
            }
        )
    return pd.DataFrame(rows)


def priority_sentence(priority: pd.DataFrame, baseline_year: int | None = None) -> str:
    """Which dimension's correction matters most in each cluster (from :func:`priority_table`).

    Parameters
    ----------
    priority : DataFrame
        :func:`priority_table`.
    baseline_year : int, optional
        Unused: shares are of the gap projected to each cluster's horizon.

    Returns
    -------
    str
    """
    sentences = []
    for row in priority.itertuples():
        what = "the synergy gap E − S" if row.criterion == "gap_change" else "the mean shortfall"
        if row.mean < 0:
            text = (
                f"In {_cluster(row.cluster)} the correction of {DIMENSION_NAMES[row.dimension]} "
                f"({row.measure}) matters most: it changes {what} by {_num(row.mean, 4)} "
                f"{_interval(row.low, row.high, 4)} by the plan horizon"
            )
        else:
            text = (
                f"In {_cluster(row.cluster)} no single lever narrows {what} on average; the "
                f"least adverse is the correction of {DIMENSION_NAMES[row.dimension]} "
                f"({row.measure}), {_num(row.mean, 4)} {_interval(row.low, row.high, 4)} by "
                "the plan horizon"
            )
        if np.isfinite(row.share_horizon_gap_closed) and row.mean < 0:
            text += (
                f", {row.share_horizon_gap_closed:.0%} of the gap projected to that horizon "
                "without it"
            )
        if np.isfinite(row.prob_best):
            text += f"; it is the best single lever in {row.prob_best:.0%} of the draws"
        if isinstance(row.runner_up, str):
            text += f" (next: {DIMENSION_NAMES[row.runner_up_dimension]}, {row.runner_up})"
        if row.mean < 0 and not _excludes_zero(row.low, row.high):
            text += "; its interval covers zero, so even this lever's effect is uncertain"
        sentences.append(text + ".")
    dimensions = set(priority["dimension"])
    if len(dimensions) == 1 and len(priority) > 1:
        sentences.append(
            f"The same dimension, {DIMENSION_NAMES[next(iter(dimensions))]}, leads in every "
            "cluster."
        )
    elif len(priority) > 1:
        sentences.append("The leading dimension differs between clusters.")
    return " ".join(sentences)


def top_gains_sentence(
    gains: pd.Series, names: Mapping[int, str], measure: str, top: int = 3
) -> str:
    """The cities whose public-service index gains most (or loses least) under ``measure``."""
    ordered = gains.dropna().sort_values(ascending=False)
    if ordered.empty:
        return f"No city has a computed gain under {measure}."
    leaders = ", ".join(
        f"{names.get(int(code), str(code))} ({value:+.4f})"
        for code, value in ordered.head(top).items()
    )
    last_code, last_value = ordered.index[-1], float(ordered.iloc[-1])
    last = f"{names.get(int(last_code), str(last_code))} ({last_value:+.4f})"
    if ordered.iloc[0] < 0:
        return (
            f"Under {measure} every city's public-service index falls by the plan horizon "
            f"(mean over draws): least in {leaders}, most in {last}."
        )
    if last_value < 0:
        lead = f"the largest gains by the plan horizon go to {leaders}, while {last} loses most"
    else:
        lead = f"the largest gains by the plan horizon go to {leaders}; the smallest is {last}"
    return f"Under {measure}, {lead} (PS index points, mean over draws)."


def scenario_truth_table(summary: pd.DataFrame, true_change: Mapping[str, float]) -> pd.DataFrame:
    """Per cluster, the true shortfall change of a scenario against its interval.

    ``summary`` is the :attr:`ScenarioResult.summary` of one measure run on the
    latent variables; ``true_change`` maps cluster -> true change.
    """
    out = summary[
        [
            "measure",
            "cluster",
            "horizon_year",
            "shortfall_change",
            "shortfall_change_low",
            "shortfall_change_high",
        ]
    ].copy()
    out.insert(3, "truth", out["cluster"].map(true_change).astype(float))
    out["covered"] = (out["shortfall_change_low"] <= out["truth"]) & (
        out["truth"] <= out["shortfall_change_high"]
    )
    return out.reset_index(drop=True)


def scenario_truth_sentence(table: pd.DataFrame, level: float = 0.95) -> str:
    """Whether each measure's true effect lies inside its interval, per cluster and pooled.

    Parameters
    ----------
    table : DataFrame
        :func:`inertia.chapters.corrective_measures.truth_check` (or
        :func:`scenario_truth_table`): ``measure, cluster, truth,
        shortfall_change_low, shortfall_change_high, covered``.
    level : float

    Returns
    -------
    str
    """
    covered = int(table["covered"].sum())
    misses = table[~table["covered"]]
    text = (
        f"The true change of the shortfall lies inside the {level:.0%} whole-pipeline interval "
        f"in {covered} of {len(table)} measure-by-cluster cells."
    )
    if len(misses):
        text += " Missed: " + "; ".join(
            f"{row.measure} in {_cluster(row.cluster) if row.cluster != 'all' else 'the pool'}"
            f" (truth {_num(row.truth, 4)}, interval "
            f"{_interval(row.shortfall_change_low, row.shortfall_change_high, 4)})"
            for row in misses.itertuples()
        ) + "."
    return text + (
        " One panel says little about the interval; how often it covers the truth over many "
        "panels, and how often a lever without effect is found to have one, is in the "
        "validation appendix."
    )


def _sign_word(estimate: float, low: float, high: float, tolerance: float = 1e-12) -> str:
    if abs(estimate) <= tolerance and abs(low) <= tolerance and abs(high) <= tolerance:
        return "no change"
    if not _excludes_zero(low, high):
        return "no clear change"
    return "narrows" if estimate < 0 else "widens"


def disagreement_sentence(summary: pd.DataFrame) -> str:
    """Where the relative (E - S) and the absolute (absolute Gini) measure disagree.

    Parameters
    ----------
    summary : DataFrame
        :attr:`ScenarioResult.summary` (``gap_change`` and ``abs_gini_change``
        with their intervals).

    Returns
    -------
    str
        The measure-by-cluster cells in which the two measures' verdicts
        (narrows, widens, no change, no clear change) differ, with the numbers;
        "no change" and "no clear change" count as agreeing.
    """
    # "no change" (exactly) and "no clear change" (an interval around zero) do not contradict.
    undetected = {"no change", "no clear change"}
    cells = []
    for row in summary.itertuples():
        relative = _sign_word(row.gap_change, row.gap_change_low, row.gap_change_high)
        absolute = _sign_word(
            row.abs_gini_change, row.abs_gini_change_low, row.abs_gini_change_high
        )
        if relative != absolute and not {relative, absolute} <= undetected:
            cells.append(
                f"{row.measure} in {_cluster(row.cluster)} (relative gap: {relative}, "
                f"{_num(row.gap_change, 4)}; absolute Gini: {absolute}, "
                f"{_num(row.abs_gini_change, 4)})"
            )
    if not cells:
        return (
            "The relative and the absolute inequality measure agree on every measure in every "
            "cluster."
        )
    return (
        f"The relative and the absolute measure disagree in {len(cells)} of {len(summary)} "
        "measure-by-cluster cells: " + "; ".join(cells) + ". A gain proportional to a city's "
        "level leaves a relative Gini unchanged but widens absolute differences; a gain that is "
        "the same for every city narrows a relative Gini but not an absolute one."
    )


def support_sentence(table: pd.DataFrame) -> str:
    """How far each lever lies from the data (from ``lever_support``).

    Parameters
    ----------
    table : DataFrame
        :func:`inertia.chapters.corrective_measures.lever_support`.

    Returns
    -------
    str
        Per lever: its size, the component's change in within-city SDs and in
        SDs of the variation the chain is estimated on, the share of observed
        city-years deviating as much, and the share of targeted cities that
        stay inside their own observed range; a warning for a lever beyond
        two within-city SDs or one that fewer than 5% of the observed
        city-years match.
    """
    parts, far = [], []
    for row in table.itertuples():
        parts.append(
            f"{row.measure} ({row.size:g} {row.unit}) moves {row.component} by "
            f"{_num(row.change, 4)}, {_num(row.size_within_sd, 2)} within-city standard deviations "
            f"({_num(row.size_two_way_sd, 2)} of the variation the chain is estimated on); "
            f"{row.share_as_large:.0%} of the observed city-years deviate from their city's mean "
            f"by as much, and {row.share_in_own_range:.0%} of the targeted cities stay inside "
            "the range they have observed"
        )
        if row.size_within_sd > 2 or row.share_as_large < 0.05:
            far.append(row.measure)
    text = "; ".join(parts) + "."
    if far:
        text += (
            f" {', '.join(far)} lie{'s' if len(far) == 1 else ''} far from the data: "
            "the chain's linear effects are extrapolated there."
        )
    else:
        text += " Every lever stays within the variation the data show."
    outside = table[table["share_in_own_range"] < 0.5]["measure"].tolist()
    if outside:
        text += (
            f" Under {', '.join(outside)} most targeted cities reach a level of the component "
            "they have not observed themselves (it trends, and the lever extends the trend)."
        )
    return text


def projection_sentence(
    parameters: pd.DataFrame, summary: pd.DataFrame, gap: pd.DataFrame | None = None
) -> str:
    """The business-as-usual projection: each cluster's growth, convergence and horizon gap.

    Parameters
    ----------
    parameters : DataFrame
        :attr:`inertia.models.projection.ProjectionDraws.parameters`.
    summary : DataFrame
        :attr:`ScenarioResult.summary` (``horizon_gap`` with its interval).
    gap : DataFrame, optional
        Chapter 3's ``cluster, year, gap`` (E - S) for the last observed gap.

    Returns
    -------
    str
    """
    first = summary.drop_duplicates("cluster").set_index("cluster")
    parts = []
    for row in parameters.itertuples():
        cell = first.loc[row.cluster]
        text = (
            f"{_cluster(row.cluster)}: mean growth {_num(row.mu, 3)} per year, convergence "
            f"{_num(row.beta, 3)} per year ({int(row.n_years)} years since the milestone), so "
            f"E − S at the {int(cell['horizon_year'])} horizon is projected at "
            f"{_num(cell['horizon_gap'], 4)} "
            f"{_interval(cell['horizon_gap_low'], cell['horizon_gap_high'], 4)}"
        )
        if gap is not None:
            observed = gap[gap["cluster"] == row.cluster].dropna(subset=["gap"])
            if len(observed):
                last = observed.sort_values("year").iloc[-1]
                text += f" (observed {_num(float(last['gap']), 4)} in {int(last['year'])})"
        parts.append(text)
    return (
        "Without a measure, the projection carries each city forward from the baseline: "
        + "; ".join(parts)
        + ". The measures' shares are of these projected gaps, not of the last observed ones."
    )
