r"""Chapter 6's analysis (notebook ``06_corrective_measures``): corrective measures.

The scenario layer (:mod:`inertia.scenarios`) propagates a lever through the
chain; this module is the chapter's glue around it, shared by the notebook and
the validation harness (:mod:`inertia.validation`):

* :func:`lever_frame`: the levers act on the roles' markers in natural units
  (the fiscal gap, the non-livelihood budget share, the growth push), and the
  cost-sharing lever removes the estimated imitation term
  :math:`\hat a_4 (\sum_j w_{ij} D_j - \text{cluster median})` of the growth push.
* :func:`pipeline_draws`: **whole-pipeline uncertainty.** Draw :math:`b`
  takes the :math:`b`-th city resample of the chain's bootstrap
  (:attr:`inertia.models.mediation.MediationResult.boot_counts`) and
  re-estimates on it every estimated piece the scenario uses: the chain
  (its six paths and the imitation coefficient :math:`a_4`, whose outcome
  equation is chapter 4's headline model) and the business-as-usual
  projection to the horizon (:mod:`inertia.models.projection`), then adds
  residual uncertainty (the projection's future shocks and the error of
  its mean growth). The roles need no separate re-estimation: the markers
  are ratios of each city's own data, and the parts of the other components
  that depend on the sample (cluster-year medians) are cluster-year
  constants, which the chain's cluster-by-year effects absorb, so
  re-computing the roles on a resample gives the same chain draw (a test
  re-runs the roles on a resampled panel and finds it).
* :func:`run`: the chapter's scenarios on the projected horizon, with the
  relative (1 - Gini or the chosen synergy measure) and the absolute (absolute
  Gini) inequality measure.
* :func:`lever_support`: each lever's size in natural units and in
  within-city standard deviations of the component it moves, and how far it
  lies from the data.
* :func:`true_effects` (simulated data): each measure's true effect on the
  shortfall by the horizon, from the simulation's truth.
* :func:`chapter_verdict`: per single-lever measure, the test that it changes
  the shortfall by the horizon (pooled over the clusters' cities).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from inertia.chapters.verdicts import ChapterVerdict, Claim
from inertia.errors import DataError, ParameterError
from inertia.synergy_measures import on_levels

__all__ = [
    "LEVER_MARKERS",
    "UNIT_CHANGES",
    "chapter_verdict",
    "lever_frame",
    "lever_support",
    "pipeline_draws",
    "pooled_changes",
    "run",
    "scenario_synergy_measure",
    "true_effects",
    "truth_check",
]

#: The marker each lever moves, and the column name the scenario layer reads it under.
LEVER_MARKERS = {
    "weakness": "fiscal_gap",
    "deviation": "non_livelihood_share",
    "reinforcement": "growth_push",
}
#: Marker change per natural unit: +1 point of self-sufficiency lowers the fiscal gap by
#: 0.01, +1 point of livelihood share lowers the non-livelihood share by 0.01; the
#: cost-sharing lever removes (a share of) the imitation term.
UNIT_CHANGES: dict[str, float | str] = {
    "weakness": -0.01,
    "deviation": -0.01,
    "reinforcement": "imitation_term",
}


def _neighbour() -> str:
    from inertia.chapters.chain_reaction import NEIGHBOUR

    return NEIGHBOUR


def imitation_coefficient(chain: Any) -> tuple[float, np.ndarray]:
    """The estimated imitation coefficient :math:`a_4` and its bootstrap draws.

    Parameters
    ----------
    chain : MediationResult
        :func:`inertia.chapters.chain_reaction.fit_chain`.

    Returns
    -------
    (float, ndarray)
        The estimate and its draws (one per resample; NaN where a draw failed).
    """
    neighbour = _neighbour()
    _, regressors = chain.equations["m2"]
    if neighbour not in regressors:
        raise DataError("The chain's reinforcement equation has no neighbours' deviation term.")
    rows = chain.coefficients.query("equation == 'm2'").set_index("term")
    column = list(regressors).index(neighbour)
    draws = chain.boot_terms["m2"][:, column] if chain.boot_terms else np.zeros(0)
    return float(rows.loc[neighbour, "estimate"]), draws


def lever_frame(frame: pd.DataFrame, chain: Any) -> pd.DataFrame:
    """The levers' frame: the markers under their dimensions' names and the imitation term.

    Parameters
    ----------
    frame : DataFrame
        :func:`inertia.chapters.chain_reaction.chain_frame` (or chapter 5's
        ``chain_frame`` artefact): ``code, year, cluster``, the markers and the
        neighbours' deviation.
    chain : MediationResult

    Returns
    -------
    DataFrame
        ``code, year, cluster, weakness, deviation, reinforcement`` (the
        markers), the neighbours' deviation and ``imitation_term``
        :math:`\\hat a_4 (N_{it} - \\operatorname{median}_c N_{\\cdot t})`.
    """
    neighbour = _neighbour()
    needed = ["code", "year", "cluster", *LEVER_MARKERS.values(), neighbour]
    absent = [c for c in needed if c not in frame.columns]
    if absent:
        raise DataError(f"The levers need the chain frame's columns {absent}.")
    levers = frame[needed].rename(columns={v: k for k, v in LEVER_MARKERS.items()})
    imitation, _ = imitation_coefficient(chain)
    norm = levers.groupby(["cluster", "year"])[neighbour].transform("median")
    levers["imitation_term"] = imitation * (levers[neighbour] - norm)
    return levers


def _plan_years(shortfall: pd.DataFrame) -> tuple[dict[str, int], dict[str, int]]:
    """Per cluster, the horizon and the first year after the milestone (chapter 3's schedule)."""
    schedule = shortfall.groupby("cluster")[["milestone_year", "horizon_year"]].first()
    horizons = {str(c): int(v) for c, v in schedule["horizon_year"].items()}
    first = {str(c): int(v) + 1 for c, v in schedule["milestone_year"].items()}
    return horizons, first


def pipeline_draws(
    levers: pd.DataFrame,
    shortfall: pd.DataFrame,
    chain: Any,
    *,
    seed: int | None,
    baseline_year: int | None = None,
    residual: bool = True,
) -> Any:
    """Whole-pipeline draws for the scenarios: one city resample per draw.

    Parameters
    ----------
    levers : DataFrame
        :func:`lever_frame`.
    shortfall : DataFrame
        Chapter 3's shortfall table (``code, year, cluster, level, ps`` and the plan columns).
    chain : MediationResult
        The chain with its bootstrap (its resamples are reused).
    seed : int, optional
        Seed of the residual draws.
    baseline_year : int, optional
        Default: :func:`inertia.scenarios.baseline_cross_section`'s.
    residual : bool
        Add the projection's residual uncertainty.

    Returns
    -------
    PipelineDraws
    """
    from inertia.models.projection import project_baseline
    from inertia.scenarios import PipelineDraws, baseline_cross_section

    if chain.n_boot < 2 or chain.boot_counts.shape[0] != chain.n_boot:
        raise ParameterError("The scenarios' pipeline draws need the chain's bootstrap resamples.")
    _, year0, _ = baseline_cross_section(levers, shortfall, baseline_year)
    horizons, first_years = _plan_years(shortfall)
    imitation, imitation_draws = imitation_coefficient(chain)
    scale = imitation_draws / imitation if imitation != 0 else np.ones(chain.n_boot)
    projection = project_baseline(
        shortfall,
        year0,
        horizons,
        first_years,
        counts=chain.boot_counts,
        entities=chain.entities,
        seed=seed,
        residual=residual,
    )
    return PipelineDraws(
        point=chain.estimates,
        coefficients=chain.boot,
        imitation_scale=scale,
        projection=projection,
    )


def scenario_synergy_measure(synergy_measure: str) -> str:
    """The relative measure the scenarios recompute for the run's ``synergy_measure``.

    The counterfactual is a set of public-service levels, so a measure of the
    levels alone is recomputed as it is, and a domain measure (coupling, the
    synergy degree) is replaced by the Dagum Gini
    (:func:`inertia.synergy_measures.on_levels`).

    Parameters
    ----------
    synergy_measure : str
        The run's ``synergy_measure`` parameter.

    Returns
    -------
    str
        A measure of :func:`inertia.synergy_measures.level_measures`.
    """
    return on_levels(synergy_measure)


def run(
    measures: Sequence[Any],
    levers: pd.DataFrame,
    shortfall: pd.DataFrame,
    chain: Any,
    roster: pd.DataFrame | None = None,
    *,
    synergy_measure: str = "dagum",
    seed: int | None = 20240601,
    log_scale: bool = True,
    paths: bool = True,
    residual: bool = True,
    pipeline: Any = None,
) -> Any:
    """The chapter's scenarios: every measure on the projected horizon with pipeline draws.

    Parameters
    ----------
    measures : list of Measure
    levers : DataFrame
        :func:`lever_frame`.
    shortfall : DataFrame
        Chapter 3's shortfall table.
    chain : MediationResult
    roster : DataFrame, optional
    synergy_measure : str
        The relative measure (:func:`scenario_synergy_measure`); the absolute
        Gini is always beside it.
    seed : int, optional
    log_scale : bool
        The shortfall is in log points of the index (the ``geometric`` index).
    paths : bool
        Compute the fan-chart table.
    residual : bool
        Add the projection's residual uncertainty.
    pipeline : PipelineDraws, optional
        :func:`pipeline_draws` of the same inputs, when already computed.

    Returns
    -------
    ScenarioResult
    """
    from inertia.scenarios import run_scenarios

    if pipeline is None:
        pipeline = pipeline_draws(levers, shortfall, chain, seed=seed, residual=residual)
    horizons, _ = _plan_years(shortfall)
    return run_scenarios(
        measures,
        levers,
        chain,
        shortfall,
        roster,
        horizon_years=horizons,
        outcome="shortfall_growth",
        synergy_measure=synergy_measure,
        unit_changes=UNIT_CHANGES,
        log_scale=log_scale,
        draws="pipeline",
        pipeline=pipeline,
        seed=seed,
        paths=paths,
    )


# --------------------------------------------------------------------------- support


def _within_sd(values: pd.DataFrame, column: str, effect: str) -> tuple[float, pd.Series]:
    """SD of ``column`` net of city means (``effect=None``) or of city and ``effect`` effects."""
    from inertia.models.panel import two_way_demean

    data = values.dropna(subset=[column])
    if effect == "city":
        residual = data[column] - data.groupby("code")[column].transform("mean")
        dof = len(data) - data["code"].nunique()
    else:
        indexed = data.set_index(["code", effect])[[column]]
        residual = two_way_demean(indexed)[column]
        residual.index = data.index
        dof = len(data) - data["code"].nunique() - data[effect].nunique() + 1
    return float(np.sqrt(np.sum(residual**2) / max(dof, 1))), residual


def lever_support(result: Any, levers: pd.DataFrame, measures: Sequence[Any]) -> pd.DataFrame:
    """How large each lever is against the variation of the component it moves.

    Parameters
    ----------
    result : ScenarioResult
        Its ``city`` table holds each city's first-round change (marker units).
    levers : DataFrame
        :func:`lever_frame` (the observed markers, every year).
    measures : list of Measure
        The measures run; combinations are skipped (their parts are rows).

    Returns
    -------
    DataFrame
        One row per single-lever measure: ``measure, dimension, component``,
        ``size, unit`` (natural units), ``change`` (mean first-round change of
        the component over the targeted cities, in its units), ``within_sd``
        (standard deviation of the component net of city means, the within-city
        variation), ``two_way_sd`` (net of city and cluster-by-year effects,
        the variation the chain is estimated on), ``size_within_sd`` and
        ``size_two_way_sd`` (``|change|`` in those units), ``max_within``
        (largest observed ``|deviation from the city mean|``),
        ``share_as_large`` (share of observed city-years whose deviation from
        their city mean is at least ``|change|``) and ``share_in_own_range``
        (share of targeted cities whose counterfactual value stays inside the
        range the city itself has observed).
    """
    frame = levers.copy()
    labels = frame["cluster"].astype(str) + ":" + frame["year"].astype(str)
    frame["cluster_year"] = pd.factorize(labels, sort=True)[0]
    city = result.city
    rows = []
    for measure in measures:
        if measure.dimension == "combination":
            continue
        dimension = measure.dimension
        component = LEVER_MARKERS[dimension]
        moved = city[(city["measure"] == measure.name) & city["targeted"]]
        change = moved[f"delta_{dimension}"].to_numpy(float)
        size = float(np.mean(np.abs(change))) if change.size else np.nan
        within, residual = _within_sd(frame, dimension, "city")
        two_way, _ = _within_sd(frame, dimension, "cluster_year")
        history = frame.groupby("code")[dimension].agg(["min", "max"])
        current = (
            frame[frame["year"] == result.baseline_year].set_index("code")[dimension]
        )
        counterfactual = current.reindex(moved["code"]).to_numpy(float) + change
        bounds = history.reindex(moved["code"])
        inside = (counterfactual >= bounds["min"].to_numpy() - 1e-12) & (
            counterfactual <= bounds["max"].to_numpy() + 1e-12
        )
        rows.append(
            {
                "measure": measure.name,
                "dimension": dimension,
                "component": component,
                "size": float(measure.size),
                "unit": measure.unit,
                "change": float(np.mean(change)) if change.size else np.nan,
                "within_sd": within,
                "two_way_sd": two_way,
                "size_within_sd": size / within if within > 0 else np.nan,
                "size_two_way_sd": size / two_way if two_way > 0 else np.nan,
                "max_within": float(np.abs(residual).max()),
                "share_as_large": float(np.mean(np.abs(residual) >= size)),
                "share_in_own_range": float(np.mean(inside)) if inside.size else np.nan,
            }
        )
    return pd.DataFrame(rows)


# --------------------------------------------------------------------------- results


def pooled_changes(result: Any) -> pd.DataFrame:
    """Each measure's mean shortfall change by the horizon over all the clusters' cities.

    Parameters
    ----------
    result : ScenarioResult

    Returns
    -------
    DataFrame
        ``measure, dimension, estimate`` (point coefficients), ``mean, se, ci_low,
        ci_high`` over the pipeline draws, ``p_value`` (two-sided percentile
        bootstrap test of no change), ``n_cities``, and ``draws`` (the array).
    """
    from inertia.chapters.chain_reaction import bootstrap_pvalue

    summary = result.summary
    level = float(result.params["ci"])
    alpha = (1.0 - level) / 2.0
    rows = []
    for measure, part in summary.groupby("measure", sort=False):
        weights = part.set_index("cluster")["n_cities"].astype(float)
        draws = (
            result.draws[result.draws["measure"] == measure]
            .pivot(index="draw", columns="cluster", values="shortfall_change")[weights.index]
        )
        pooled = draws.to_numpy() @ (weights.to_numpy() / weights.sum())
        point = float(part["shortfall_change_point"].to_numpy() @ (weights / weights.sum()))
        low, high = np.nanquantile(pooled, [alpha, 1 - alpha])
        rows.append(
            {
                "measure": measure,
                "dimension": part["dimension"].iloc[0],
                "estimate": point,
                "mean": float(np.nanmean(pooled)),
                "se": float(np.nanstd(pooled, ddof=1)),
                "ci_low": float(low),
                "ci_high": float(high),
                "p_value": bootstrap_pvalue(pooled),
                "n_cities": int(weights.sum()),
                "draws": pooled,
            }
        )
    return pd.DataFrame(rows)


def chapter_verdict(result: Any, data_source: str, *, alpha: float = 0.05) -> ChapterVerdict:
    """The verdict on each single-lever measure: does it change the shortfall by the horizon?

    Claim ``scenario_<measure>``: H0 no change of the mean shortfall (over the
    clusters' cities, each by its cluster's horizon), two-sided percentile
    test on the whole-pipeline draws. ``closes`` when the interval lies below
    zero (the measure lowers the shortfall), ``widens`` above, ``not
    detected`` otherwise.

    Parameters
    ----------
    result : ScenarioResult
        :func:`run`.
    data_source : str
    alpha : float

    Returns
    -------
    ChapterVerdict
    """
    pooled = pooled_changes(result)
    clusters = result.summary.set_index(["measure", "cluster"])
    claims = []
    for row in pooled.itertuples():
        if row.dimension == "combination":
            continue
        rejected = bool(np.isfinite(row.p_value) and row.p_value < alpha)
        word = ("closes" if row.estimate < 0 else "widens") if rejected else "not detected"
        per_cluster = clusters.loc[row.measure]
        claims.append(
            Claim(
                claim=f"scenario_{row.measure}",
                statement=(
                    f"The measure {row.measure} lowers the cities' shortfall from their planned "
                    "path by the plan horizon."
                ),
                verdict=word,
                rejected=rejected if np.isfinite(row.p_value) else None,
                test=(
                    "two-sided percentile test of H0: no change, over whole-pipeline "
                    f"city-bootstrap draws ({len(row.draws)}) that re-estimate the chain and "
                    "the projection"
                ),
                statistic="mean change of the shortfall by the plan horizon (log points of PS)",
                estimate=float(row.estimate),
                se=float(row.se),
                ci_low=float(row.ci_low),
                ci_high=float(row.ci_high),
                p_value=float(row.p_value),
                alpha=alpha,
                null_value=0.0,
                n=int(row.n_cities),
                details={
                    "by_cluster": {
                        str(c): {
                            "shortfall_change": float(r["shortfall_change_point"]),
                            "share_horizon_gap_closed": float(r["share_horizon_gap_closed"]),
                            "share_horizon_abs_gap_closed": float(
                                r["share_horizon_abs_gap_closed"]
                            ),
                        }
                        for c, r in per_cluster.iterrows()
                    }
                },
            )
        )
    return ChapterVerdict("06_corrective_measures", data_source, tuple(claims))


# --------------------------------------------------------------------------- truth


def true_effects(
    result: Any,
    measures: Sequence[Any],
    levers: pd.DataFrame,
    truth: Mapping[str, Any],
    latent: pd.DataFrame,
) -> pd.DataFrame:
    r"""Each measure's true change of the shortfall by the horizon (simulated data).

    The levers are applied as the pipeline applies them (the same targeted
    cities and first-round marker changes, clipping included); the truth is
    what the simulation's structural model makes of them
    (``truth["estimands"]``, docs/simulation.md section 5): per year, a change
    :math:`\Delta W` of the fiscal gap moves the shortfall growth by
    :math:`(b_W + a_{WD}b_D + (a_{WR} + a_{WD}a_{DR})b_R)\Delta W`, a change
    :math:`\Delta D` of the non-livelihood share by :math:`(b_D + a_{DR}b_R)\Delta D`,
    with :math:`b` the roles' effects on the shortfall growth and :math:`a`
    the chain; removing the share :math:`s` of the imitation term lowers the
    growth push by :math:`s\,a_{SR}(N^*_i - \operatorname{median}_c N^*)` with
    :math:`N^*` the neighbours' *latent* deviation, and moves the shortfall
    growth by :math:`b_R` times that. Each city's change accumulates over the
    years from the baseline to its cluster's horizon.

    Parameters
    ----------
    result : ScenarioResult
    measures : list of Measure
    levers : DataFrame
        :func:`lever_frame` (for the targets of the cost-sharing lever).
    truth : mapping
        ``SimulatedPanel.truth``.
    latent : DataFrame
        ``SimulatedPanel.latent`` (``code, year, neighbour_deviation``).

    Returns
    -------
    DataFrame
        ``measure, cluster, truth`` with one row per cluster and one with
        ``cluster = "all"`` (the mean over all cities, as :func:`pooled_changes`).
    """
    from inertia.scenarios import lever_changes

    chain = truth["estimands"]["chain"]
    effects = truth["estimands"]["roles"]["effect_on_shortfall_growth"]
    b_w, b_d, b_r = (float(effects[k]) for k in ("weakness", "deviation", "reinforcement"))
    a_wd = float(chain["weakness_to_deviation"])
    a_dr = float(chain["deviation_to_reinforcement"])
    a_wr = float(chain["weakness_to_reinforcement"])
    a_sr = float(chain["neighbour_deviation_to_reinforcement"])
    total_w = b_w + a_wd * b_d + (a_wr + a_wd * a_dr) * b_r
    total_d = b_d + a_dr * b_r
    year0 = result.baseline_year
    horizons = result.params["horizons"]
    latent0 = latent[latent["year"] == year0].set_index("code")["neighbour_deviation"]
    rows = []
    for measure in measures:
        city = result.city[result.city["measure"] == measure.name].set_index("code")
        years = city["cluster"].map(horizons).astype(float) - year0
        change = total_w * city["delta_weakness"] + total_d * city["delta_deviation"]
        parts = measure.parts if measure.dimension == "combination" else (measure,)
        factor = measure.size if measure.dimension == "combination" else 1.0
        for part in parts:
            if part.dimension != "reinforcement":
                continue
            targeted = lever_changes([part], levers, baseline_year=year0, unit_changes=UNIT_CHANGES)
            flags = targeted.set_index("code")["targeted"].reindex(city.index).fillna(False)
            neighbour = latent0.reindex(city.index)
            centred = neighbour - neighbour.groupby(city["cluster"]).transform("median")
            change = change + b_r * np.where(flags, -part.size * factor * a_sr * centred, 0.0)
        per_city = change * years
        for cluster, values in per_city.groupby(city["cluster"], sort=True):
            rows.append({"measure": measure.name, "cluster": cluster, "truth": values.mean()})
        rows.append({"measure": measure.name, "cluster": "all", "truth": per_city.mean()})
    return pd.DataFrame(rows)


def truth_check(result: Any, truths: pd.DataFrame) -> pd.DataFrame:
    """Each measure's estimated shortfall change against its truth, per cluster and pooled.

    Parameters
    ----------
    result : ScenarioResult
        :func:`run`.
    truths : DataFrame
        :func:`true_effects`.

    Returns
    -------
    DataFrame
        ``measure, cluster`` (``all``: pooled), ``horizon_year`` (NaN for the
        pool), ``truth, shortfall_change`` (point coefficients),
        ``shortfall_change_low, shortfall_change_high`` (whole-pipeline
        percentile interval) and ``covered``.
    """
    rows = result.summary[
        ["measure", "cluster", "horizon_year", "shortfall_change_point", "shortfall_change_low",
         "shortfall_change_high"]
    ].rename(columns={"shortfall_change_point": "shortfall_change"})  # fmt: skip
    pooled = pooled_changes(result)
    pooled_rows = pd.DataFrame(
        {
            "measure": pooled["measure"],
            "cluster": "all",
            "horizon_year": np.nan,
            "shortfall_change": pooled["estimate"],
            "shortfall_change_low": pooled["ci_low"],
            "shortfall_change_high": pooled["ci_high"],
        }
    )
    table = pd.concat([rows, pooled_rows], ignore_index=True).merge(
        truths, on=["measure", "cluster"], how="left", validate="1:1"
    )
    table["covered"] = (table["shortfall_change_low"] <= table["truth"]) & (
        table["truth"] <= table["shortfall_change_high"]
    )
    columns = ["measure", "cluster", "horizon_year", "truth", "shortfall_change",
               "shortfall_change_low", "shortfall_change_high", "covered"]  # fmt: skip
    return table[columns]
