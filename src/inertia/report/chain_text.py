"""Tables and sentences of the chain reaction (chapter 4) and corrective measures (chapter 5).

Every sentence is built from a result table, so the narrative of notebooks
``05_chain_reaction`` and ``06_corrective_measures`` changes when the numbers do.
The tables derived here (recovery of the true paths, the ranking of measures,
the priority of each dimension per cluster) are computed from
:class:`inertia.models.mediation.MediationResult` and
:class:`inertia.scenarios.ScenarioResult` outputs, never typed in.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from inertia.errors import DataError
from inertia.models.mediation import PATHS, path_values

__all__ = [
    "chain_sentence",
    "priority_sentence",
    "priority_table",
    "ranking_table",
    "recovery_sentence",
    "recovery_table",
    "sample_sentence",
    "scenario_truth_sentence",
    "scenario_truth_table",
    "shock_sentence",
    "top_gains_sentence",
    "true_coefficients",
    "true_paths",
]

DIMENSION_NAMES = {
    "weakness": "role weakness",
    "deviation": "role deviation",
    "reinforcement": "negative reinforcement",
}
CLUSTER_NAMES = {
    "jjj": "Beijing-Tianjin-Hebei",
    "yrd": "the Yangtze River Delta",
    "prd": "the Pearl River Delta",
}
#: Keys of ``truth["chain"]`` for a1, a2, a3.
TRUTH_CHAIN_KEYS = (
    "weakness_to_deviation",
    "deviation_to_reinforcement",
    "weakness_to_reinforcement",
)
#: Keys of ``truth["outcome"]["effects"]`` for b1, b2, b3.
TRUTH_EFFECT_KEYS = ("true_weakness", "true_deviation", "true_reinforcement")


def _num(value: float, digits: int = 3) -> str:
    if value is None or not np.isfinite(value):
        return "n/a"
    text = f"{value:.{digits}f}"
    return "0." + "0" * digits if text in (f"-0.{'0' * digits}",) else text


def _interval(low: float, high: float, digits: int = 3) -> str:
    return f"[{_num(low, digits)}, {_num(high, digits)}]"


def _cluster(code: str) -> str:
    return CLUSTER_NAMES.get(code, code)


def _excludes_zero(low: float, high: float) -> bool:
    return bool(np.isfinite(low) and np.isfinite(high) and (low > 0 or high < 0))


# --------------------------------------------------------------------------- chapter 4


def true_coefficients(truth: Mapping) -> np.ndarray:
    """True ``a1, a2, a3, b1, b2, b3`` of the simulated panel (:mod:`inertia.data.simulate`).

    ``a`` from ``truth["chain"]`` (weakness -> deviation, deviation ->
    reinforcement, weakness -> reinforcement), ``b`` from
    ``truth["outcome"]["effects"]`` (latent roles on public-service growth).
    """
    try:
        chain, effects = truth["chain"], truth["outcome"]["effects"]
        values = [chain[k] for k in TRUTH_CHAIN_KEYS] + [effects[k] for k in TRUTH_EFFECT_KEYS]
    except KeyError as exc:
        raise DataError(f"The simulation truth lacks {exc}; cannot build the true chain.") from None
    return np.array(values, dtype=float)


def true_paths(truth: Mapping) -> pd.Series:
    """True value of every mediation path (the products of :func:`true_coefficients`)."""
    return pd.Series(path_values(true_coefficients(truth)), index=[p for p, _ in PATHS])


def recovery_table(paths: pd.DataFrame, truth: pd.Series) -> pd.DataFrame:
    """Estimate against truth per path, and whether the truth lies inside each interval.

    Returns ``path, description, truth, estimate, bias, ci_low, ci_high,
    covered`` (percentile) ``, bc_low, bc_high, covered_bc``.
    """
    table = paths.set_index("path").loc[[p for p in truth.index if p in set(paths["path"])]]
    out = pd.DataFrame(
        {
            "path": table.index,
            "description": table["description"].to_numpy(),
            "truth": truth.loc[table.index].to_numpy(dtype=float),
            "estimate": table["estimate"].to_numpy(dtype=float),
        }
    )
    out["bias"] = out["estimate"] - out["truth"]
    out["ci_low"], out["ci_high"] = table["ci_low"].to_numpy(), table["ci_high"].to_numpy()
    out["covered"] = (out["ci_low"] <= out["truth"]) & (out["truth"] <= out["ci_high"])
    out["bc_low"], out["bc_high"] = table["bc_low"].to_numpy(), table["bc_high"].to_numpy()
    out["covered_bc"] = (out["bc_low"] <= out["truth"]) & (out["truth"] <= out["bc_high"])
    return out


def recovery_sentence(table: pd.DataFrame, level: float = 0.95) -> str:
    """How many true paths lie inside their percentile and BC intervals, naming the misses."""
    n = len(table)
    covered, covered_bc = int(table["covered"].sum()), int(table["covered_bc"].sum())
    text = (
        f"On the latent variables, {covered} of the {n} true paths lie inside their "
        f"{level:.0%} percentile bootstrap intervals and {covered_bc} of {n} inside the "
        "bias-corrected ones."
    )
    misses = table[~table["covered"]]
    if misses.empty:
        return text + " The estimator recovers the chain."
    described = "; ".join(
        f"{row.description}: truth {_num(row.truth)}, estimate {_num(row.estimate)} "
        f"{_interval(row.ci_low, row.ci_high)}"
        for row in misses.itertuples()
    )
    expected = n * (1 - level)
    return (
        text + f" Missed: {described}. With {n} intervals (correlated, since the paths share "
        f"coefficients) about {expected:.1f} misses are expected by chance at this level."
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


# --------------------------------------------------------------------------- chapter 5


def ranking_table(summary: pd.DataFrame, ranking: pd.DataFrame) -> pd.DataFrame:
    """One row per cluster and measure, in rank order, with effects and intervals.

    Joins :attr:`ScenarioResult.ranking` (rank, criterion, ``prob_best``) with
    :attr:`ScenarioResult.summary` (change in E - S, per unit of the lever,
    share of the observed gap closed, shortfall change, each with its interval).
    """
    columns = ["measure", "cluster", "dimension", "size", "unit", "horizon_year", "n_targeted"]
    quantities = [
        "gap_change",
        "gap_change_per_unit",
        "share_gap_closed",
        "shortfall_change",
        "shortfall_change_per_unit",
    ]
    for quantity in quantities:
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
    (:attr:`ScenarioResult.draws`), ``prob_best`` is the share of coefficient
    draws in which that measure is the best single lever.

    Returns ``cluster, measure, dimension, criterion, mean, low, high,
    share_gap_closed, runner_up, runner_up_dimension, prob_best``.
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
                "share_gap_closed": float(best["share_gap_closed"]),
                "runner_up": None if second is None else second["measure"],
                "runner_up_dimension": None if second is None else second["dimension"],
                "prob_best": prob,
            }
        )
    return pd.DataFrame(rows)


def priority_sentence(priority: pd.DataFrame, baseline_year: int) -> str:
    """Which dimension's correction matters most in each cluster (from :func:`priority_table`)."""
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
        if np.isfinite(row.share_gap_closed) and row.mean < 0:
            text += f", {row.share_gap_closed:.0%} of the {baseline_year} gap"
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
    """Whether the true effect of the check scenario lies inside its interval in each cluster."""
    covered = int(table["covered"].sum())
    parts = "; ".join(
        f"{_cluster(row.cluster)}: truth {_num(row.truth, 4)}, interval "
        f"{_interval(row.shortfall_change_low, row.shortfall_change_high, 4)}"
        for row in table.itertuples()
    )
    verdict = (
        "The propagation with coefficient draws recovers the true effect."
        if covered == len(table)
        else "The interval misses the truth where marked; see the recovery table of chapter 4."
    )
    return (
        f"The true effect lies inside the {level:.0%} interval in {covered} of {len(table)} "
        f"clusters ({parts}). {verdict}"
    )
