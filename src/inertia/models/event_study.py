r"""Inference that inertia exists: the event study and the convergence-break test.

Both use each cluster's integration milestone :math:`m_c` (JJJ 2014, PRD 2017,
YRD 2019 by default, from ``data/reference/plan_horizons.csv``) as the
"treatment" date of all its cities.

Identification
--------------
Every city of a cluster shares one treatment date, and the regressions have
city and year effects, so the event-time coefficients are identified only from
the **differences in timing across the three clusters**: the year effects are
learned from the clusters not at the same event time in that year. The
effects are therefore cluster-timing comparisons (a staggered design with
three cohorts and no never-treated group), and with heterogeneous effects
across clusters the usual two-way fixed-effects caveats apply (Sun & Abraham
2021; Borusyak, Jaravel & Spiess 2024). Binning the endpoints of the event
window is what separates the event-time profile from the city and year
effects (without binning, a linear trend in event time is not identified).
Standard errors are clustered by **city**, because three clusters are far
too few clusters for a cluster-robust covariance.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd
from scipy import stats

from inertia.errors import DataError, ParameterError
from inertia.measures.convergence import convergence_speed
from inertia.measures.public_service import PublicServiceIndex, cluster_of
from inertia.measures.synergy import plan_schedule
from inertia.models.covariance import LinearmodelsResults, linearmodels_options
from inertia.options import SeType

__all__ = [
    "ConvergenceBreakResult",
    "EventStudyResult",
    "convergence_break_test",
    "event_study",
    "event_time_dummies",
    "plan_required_change",
]


def _cov_options(se: str, n_periods: int) -> tuple[dict[str, Any], str]:
    """linearmodels fit options for the SE type (same conventions as models.panel).

    Clustered: the small-sample factor G/(G-1) (N-1)/(N-K), as statsmodels' OLS with
    city and year dummies and ``cov_type="cluster"`` reports.
    """
    options, label, _ = linearmodels_options(
        se, n_periods, kernel="bartlett", debiased=True, kernel_label="Bartlett"
    )
    return options, label


def event_term(event_time: int) -> str:
    """Name of an event-time coefficient: ``lead_k`` for :math:`e = -k < 0`, else ``lag_k``.

    Parameters
    ----------
    event_time : int
        Event time :math:`e`, periods from the milestone.

    Returns
    -------
    str
    """
    return f"lead_{-event_time}" if event_time < 0 else f"lag_{event_time}"


def _city_milestones(
    codes: pd.Index,
    roster: pd.DataFrame | pd.Series | None,
    milestones: Mapping[str, int] | None,
) -> pd.Series:
    """Milestone year of each city code via its cluster."""
    mapping = cluster_of(roster)
    unknown = sorted(set(codes) - set(mapping.index))
    if unknown:
        raise DataError(
            f"City codes {unknown[:10]} (of {len(unknown)}) are not on the roster, so their "
            "cluster and milestone are unknown."
        )
    clusters = mapping.reindex(codes)
    schedule = plan_schedule(sorted(clusters.unique()), milestones=milestones)
    return clusters.map(schedule["milestone_year"]).rename("milestone_year")


def _outcome_series(outcome: pd.Series | pd.DataFrame, column: str) -> pd.Series:
    """The outcome as a Series keyed by (code, year)."""
    if isinstance(outcome, pd.DataFrame):
        frame = outcome
        if {"code", "year"} <= set(frame.columns):
            frame = frame.set_index(["code", "year"])
        if column not in frame.columns:
            raise ParameterError(
                f"The outcome table has no column {column!r}; it has {list(frame.columns)}."
            )
        series = frame[column]
    elif isinstance(outcome, pd.Series):
        series = outcome
    else:
        raise ParameterError(
            f"The outcome must be a Series or DataFrame keyed by (code, year); "
            f"got {type(outcome).__name__}."
        )
    if list(series.index.names) != ["code", "year"]:
        raise ParameterError(
            f"The outcome must be indexed by (code, year); got {series.index.names}."
        )
    return series.astype("float64").rename("outcome")


def event_time_dummies(
    years: pd.Series | np.ndarray,
    milestone_years: pd.Series | np.ndarray,
    window: int = 5,
    reference_period: int = -1,
) -> pd.DataFrame:
    """Binned event-time indicators.

    Event time :math:`e = t - m_c` is binned at the window's ends
    (:math:`e \\le -w \\to -w`, :math:`e \\ge w \\to w`); one indicator per binned
    value except ``reference_period``, named ``lead_k`` (:math:`e = -k`) and
    ``lag_k`` (:math:`e = k`, ``lag_0`` the milestone year).

    Parameters
    ----------
    years : Series or ndarray
        Year of each observation (a Series keeps its index in the result).
    milestone_years : Series or ndarray
        Milestone year of each observation's cluster, aligned with ``years``.
    window : int, default 5
        Bins at ``-window`` and ``window``.
    reference_period : int, default -1
        Event time left out (the reference).

    Returns
    -------
    DataFrame
        One float column per non-reference event time, in event-time order,
        plus the integer column ``event_time`` (binned).
    """
    event = np.asarray(years, dtype="int64") - np.asarray(milestone_years, dtype="int64")
    binned = np.clip(event, -window, window)
    index = years.index if isinstance(years, pd.Series) else None
    columns = {
        event_term(e): (binned == e).astype("float64")
        for e in range(-window, window + 1)
        if e != reference_period
    }
    out = pd.DataFrame(columns, index=index)
    out["event_time"] = binned
    return out


@dataclass(frozen=True)
class EventStudyResult(LinearmodelsResults):
    """Event-study estimates around the cluster milestones.

    An :class:`inertia.results.EstimationResults`: ``params``, ``std_errors``,
    ``cov``, ``tidy()``, ``lincom()`` and ``wald()`` are those of the event-time
    regression (terms ``lead_<k>`` and ``lag_<k>``, the reference period omitted).

    Attributes
    ----------
    coefficients : DataFrame
        One row per binned event time from ``-window`` to ``window``:
        ``event_time``, ``term``, ``coef``, ``se``, ``ci_low``, ``ci_high``,
        ``n_obs`` (city-years in the bin) and ``reference`` (True for the
        omitted period, whose coefficient is 0 by normalisation). With
        ``required`` given, also ``required`` (the change the plan requires).
    pretrend_stat, pretrend_df, pretrend_pvalue : float, int, float
        Wald test that all leads (event times below the reference, i.e.
        :math:`e \\le -2` for the default) are jointly zero, chi-squared with
        ``pretrend_df`` degrees of freedom, from the same covariance.
    window, reference_period : int
    se_type : str
    nobs, n_entities : int
    outcome : str
    result : linearmodels PanelEffectsResults
    """

    coefficients: pd.DataFrame
    pretrend_stat: float
    pretrend_df: int
    pretrend_pvalue: float
    window: int
    reference_period: int
    se_type: str
    nobs: int
    n_entities: int
    outcome: str
    result: Any = field(repr=False)

    @property
    def leads(self) -> pd.DataFrame:
        """Coefficients before the reference period."""
        table = self.coefficients
        return table[table["event_time"] < self.reference_period]

    @property
    def lags(self) -> pd.DataFrame:
        """Coefficients from the milestone year on."""
        table = self.coefficients
        return table[table["event_time"] >= 0]


def event_study(
    outcome: pd.Series | pd.DataFrame,
    roster: pd.DataFrame | pd.Series | None = None,
    *,
    column: str = "gap",
    milestones: Mapping[str, int] | None = None,
    window: int = 5,
    reference_period: int = -1,
    se: SeType = "clustered",
    level: float = 0.95,
    required: pd.Series | None = None,
) -> EventStudyResult:
    r"""Event study of a city outcome around each cluster's milestone.

    .. math::

        y_{it} = \sum_{e \ne r} \beta_e\,\mathbf 1[\operatorname{bin}(t - m_{c(i)}) = e]
                 + \alpha_i + \gamma_t + \varepsilon_{it},

    with binned event time :math:`\operatorname{bin}(k) = \max(-w, \min(w, k))`,
    reference period :math:`r` (default :math:`-1`), city effects
    :math:`\alpha_i` and year effects :math:`\gamma_t`, fitted by
    ``linearmodels.PanelOLS``; SEs clustered by city (or Driscoll-Kraay).
    The pre-trend test is the Wald test :math:`H_0: \beta_e = 0` for all
    :math:`e < r`.

    With one treatment date per cluster and year effects, identification comes
    from the timing differences across clusters (JJJ 2014, PRD 2017, YRD 2019);
    see the module docstring (and Sun & Abraham 2021 on heterogeneous effects).

    Parameters
    ----------
    outcome : Series or DataFrame
        City outcome keyed by (code, year). Two uses:
        :func:`~inertia.measures.synergy.city_gap` (gap to the cluster frontier,
        ``column="gap"``; the leads give the pre-trend test, the lags are compared
        with :func:`plan_required_change`), or
        :func:`~inertia.measures.synergy.city_shortfall` with ``pre="zero"``
        (``column="shortfall"``): 0 before the milestone by construction, so the
        lags measure directly how far cities fall behind their planned paths
        (positive = less gap closure than the plan requires); its leads are not
        a pre-trend test.
    roster : DataFrame or Series, optional
        Code -> cluster (default: the reference roster).
    column : str, default "gap"
        Column of a DataFrame ``outcome``.
    milestones : mapping cluster -> year, optional
        Overrides the milestone years of ``plan_horizons.csv``.
    window : int, default 5
        Event times beyond :math:`\pm w` are binned into the end points.
    reference_period : int, default -1
        The omitted event time; must lie inside the window.
    se : {"clustered", "driscoll-kraay"}
    level : float, default 0.95
        Confidence level of ``ci_low``/``ci_high``.
    required : Series, optional
        Change in the outcome the plan requires at each event time (e.g.
        :func:`plan_required_change`), added as a column for comparison.

    Returns
    -------
    EventStudyResult

    References
    ----------
    Sun, L., & Abraham, S. (2021). Estimating dynamic treatment effects in event
    studies with heterogeneous treatment effects. *Journal of Econometrics*
    225(2): 175-199.
    Borusyak, K., Jaravel, X., & Spiess, J. (2024). Revisiting event-study
    designs: robust and efficient estimation. *Review of Economic Studies* 91(6).
    """
    from linearmodels.panel import PanelOLS

    if not isinstance(window, int | np.integer) or window < 1:
        raise ParameterError(f"event_window must be a positive integer; got {window!r}.")
    if not -window <= reference_period < window or reference_period >= 0:
        raise ParameterError(
            f"reference_period must be a pre-milestone event time inside the window "
            f"[-{window}, -1]; got {reference_period!r}."
        )
    y = _outcome_series(outcome, column).dropna()
    codes = y.index.get_level_values("code")
    milestone = _city_milestones(pd.Index(codes.unique()), roster, milestones)
    years = pd.Series(y.index.get_level_values("year"), index=y.index)
    city_m = pd.Series(milestone.reindex(codes).to_numpy(), index=y.index)
    dummies = event_time_dummies(years, city_m, window, reference_period)
    event_time = dummies.pop("event_time")
    counts = event_time.value_counts()
    empty = [term for term in dummies.columns if dummies[term].sum() == 0]
    if empty:
        raise DataError(
            f"The event-time bins {empty} have no city-years in the data: narrow the window "
            f"(now {window}) or extend the years."
        )
    data = pd.concat([y, dummies], axis=1)
    n_periods = int(years.nunique())
    options, se_type = _cov_options(se, n_periods)
    model = PanelOLS(
        data["outcome"], data[list(dummies.columns)], entity_effects=True, time_effects=True
    )
    try:
        result = model.fit(**options)
    except ValueError as exc:
        raise DataError(
            "The event-study design is rank deficient (the event-time indicators are "
            "collinear with the city and year effects). This happens when the clusters' "
            "milestones do not differ enough relative to the window, or when no city-year "
            f"falls beyond the window's ends. Details: {exc}"
        ) from None
    params, cov = result.params, result.cov
    bounds = result.conf_int(level=level)
    rows = []
    for e in range(-window, window + 1):
        term = event_term(e)
        if e == reference_period:
            rows.append((e, term, 0.0, np.nan, np.nan, np.nan, True))
            continue
        low, high = bounds.loc[term].to_numpy(dtype=float)
        rows.append(
            (e, term, float(params[term]), float(result.std_errors[term]), low, high, False)
        )
    table = pd.DataFrame(
        rows, columns=["event_time", "term", "coef", "se", "ci_low", "ci_high", "reference"]
    )
    table.insert(6, "n_obs", table["event_time"].map(counts).fillna(0).astype("int64"))
    if required is not None:
        table["required"] = table["event_time"].map(required)
    leads = [event_term(e) for e in range(-window, reference_period)]
    if leads:
        b = params[leads].to_numpy()
        v = cov.loc[leads, leads].to_numpy()
        stat = float(b @ np.linalg.pinv(v) @ b)
        pvalue = float(stats.chi2.sf(stat, len(leads)))
    else:
        stat, pvalue = np.nan, np.nan
    return EventStudyResult(
        coefficients=table,
        pretrend_stat=stat,
        pretrend_df=len(leads),
        pretrend_pvalue=pvalue,
        window=int(window),
        reference_period=int(reference_period),
        se_type=se_type,
        nobs=int(result.nobs),
        n_entities=int(result.entity_info["total"]),
        outcome=column if isinstance(outcome, pd.DataFrame) else str(outcome.name or "outcome"),
        result=result,
    )


def plan_required_change(shortfall: pd.DataFrame, window: int = 5) -> pd.Series:
    r"""Mean change in the city gap the plan requires, by binned event time.

    From a :func:`~inertia.measures.synergy.city_shortfall` table: the mean
    over cities of the planned change of the gap since the base year,
    :math:`-(1 - r) g_{ib}\min(1, e/(h - m))` (the column ``required`` with
    its sign flipped), binned like the event study; 0 before the milestone.
    Compare it with the event-study lags on the gap: lags above it (less
    negative) mean gaps closed more slowly than planned.

    Parameters
    ----------
    shortfall : DataFrame
        :func:`~inertia.measures.synergy.city_shortfall`, with ``event_time`` and ``required``.
    window : int, default 5
        Event times binned at ``-window`` and ``window``, as in the event study.

    Returns
    -------
    Series
        Indexed by ``event_time`` from ``-window`` to ``window``, named ``required``.
    """
    needed = {"event_time", "required"}
    missing = needed - set(shortfall.columns)
    if missing:
        raise ParameterError(
            f"plan_required_change needs a city_shortfall table; missing columns {sorted(missing)}."
        )
    change = -shortfall["required"].fillna(0.0)
    binned = shortfall["event_time"].clip(-window, window)
    required = change.groupby(binned).mean()
    required = required.reindex(range(-window, window + 1)).fillna(0.0)
    required.index.name = "event_time"
    return required.rename("required")


@dataclass(frozen=True)
class ConvergenceBreakResult(LinearmodelsResults):
    """Test that beta convergence got faster after the milestones.

    An :class:`inertia.results.EstimationResults` over the convergence regression,
    with the test's degrees of freedom (:attr:`inference_df`).

    Attributes
    ----------
    delta, se, t_stat : float
        Coefficient on ``lagged log level x post``, its SE and t statistic.
    pvalue_one_sided : float
        p-value of :math:`H_0: \\delta \\ge 0` (post-milestone convergence not
        faster) against :math:`H_1: \\delta < 0`; small values reject inertia in
        the convergence sense.
    beta_pre, beta_post, se_beta_post : float
        Convergence coefficients before and after (:math:`\\beta + \\delta`).
    speed_pre, speed_post, half_life_pre, half_life_post : float
        :math:`\\lambda = -\\ln(1+\\beta)` and :math:`\\ln 2/\\lambda` (NaN without convergence).
    nobs, n_entities : int
    se_type : str
    effects : str
    result : linearmodels PanelEffectsResults
    """

    delta: float
    se: float
    t_stat: float
    pvalue_one_sided: float
    beta_pre: float
    beta_post: float
    se_beta_post: float
    speed_pre: float
    speed_post: float
    half_life_pre: float
    half_life_post: float
    nobs: int
    n_entities: int
    se_type: str
    effects: str
    result: Any = field(repr=False)

    @property
    def inference_df(self) -> int | None:
        """The test's own rule: :math:`G - 1` for SEs clustered by city, else None (normal).

        Returns
        -------
        int or None
        """
        clustered = linearmodels_options("clustered", 1)[1]
        return self.n_entities - 1 if self.se_type == clustered else None

    def faster_after(self, alpha: float = 0.05) -> bool:
        """True when H0 (not faster after the milestone) is rejected at ``alpha``.

        Parameters
        ----------
        alpha : float, default 0.05
            Level of the one-sided test.

        Returns
        -------
        bool
            Whether ``pvalue_one_sided < alpha``.
        """
        return bool(self.pvalue_one_sided < alpha)


def convergence_break_test(
    index: PublicServiceIndex | pd.Series,
    roster: pd.DataFrame | pd.Series | None = None,
    *,
    milestones: Mapping[str, int] | None = None,
    se: SeType = "clustered",
    effects: Literal["twoway", "time"] = "twoway",
) -> ConvergenceBreakResult:
    r"""One-sided test that post-milestone beta convergence is no faster than before.

    .. math::

        \ln PS_{it} - \ln PS_{i,t-1} = \beta \ln PS_{i,t-1}
            + \delta\,(\ln PS_{i,t-1} \times \mathrm{post}_{it})
            + \kappa\,\mathrm{post}_{it} + \alpha_i + \gamma_t + \varepsilon_{it},

    with :math:`\mathrm{post}_{it} = \mathbf 1[t \ge m_{c(i)}]` (the growth over
    the milestone year counts as post), city and year effects, fitted by
    ``linearmodels.PanelOLS`` with SEs clustered by city. Post-milestone
    convergence coefficient: :math:`\beta + \delta`.
    :math:`H_0: \delta \ge 0` (not faster) against :math:`H_1: \delta < 0`;
    the one-sided p-value is :math:`F_{t,G-1}(\hat\delta/\widehat{se})`
    with :math:`G` the number of cities (clustered) or the normal CDF
    (Driscoll-Kraay). The lag is the value of exactly the previous year, so a
    data gap removes the growth rates that straddle it.

    Caveat: with city effects the lagged level is correlated with the
    demeaned error (Nickell 1981), which biases :math:`\beta` towards faster
    convergence, and more so where the within-city variation of the level is
    small relative to the noise. Late, short post-milestone spells of a
    converging panel can have exactly that, which biases :math:`\delta`
    downwards, i.e. towards finding faster post-milestone convergence. A
    non-rejection is therefore conservative for the inertia argument; for a
    check free of the Nickell bias use ``effects="time"`` (year effects only,
    absolute convergence pooled across cities).

    Parameters
    ----------
    index : PublicServiceIndex or Series
        PS keyed by (code, year); must be > 0 (logs).
    roster : DataFrame or Series, optional
    milestones : mapping cluster -> year, optional
    se : {"clustered", "driscoll-kraay"}
    effects : {"twoway", "time"}, default "twoway"
        City and year effects, or year effects only.

    Returns
    -------
    ConvergenceBreakResult

    References
    ----------
    Barro, R. J., & Sala-i-Martin, X. (1992). Convergence. *Journal of Political
    Economy* 100(2): 223-251.
    """
    from linearmodels.panel import PanelOLS

    scores = index.scores if isinstance(index, PublicServiceIndex) else index
    if not isinstance(scores, pd.Series) or list(scores.index.names) != ["code", "year"]:
        raise ParameterError(
            "convergence_break_test needs a PublicServiceIndex or a Series keyed by (code, year)."
        )
    scores = scores.dropna().sort_index()
    if (scores <= 0).any():
        raise DataError(
            f"convergence_break_test: PS must be > 0 to take logs; {int((scores <= 0).sum())} "
            "city-years are not (use a positive min-max shift or the entropy index)."
        )
    if roster is None and isinstance(index, PublicServiceIndex):
        roster = index.cluster.droplevel("year").groupby(level="code").first()
    log_level = np.log(scores).rename("log_level").reset_index()
    previous = log_level.assign(year=log_level["year"] + 1).rename(
        columns={"log_level": "lagged_log_level"}
    )
    data = log_level.merge(previous, on=["code", "year"], how="inner")
    data["growth"] = data["log_level"] - data["lagged_log_level"]
    milestone = _city_milestones(pd.Index(data["code"].unique()), roster, milestones)
    data["post"] = (data["year"] >= data["code"].map(milestone)).astype("float64")
    if data["post"].nunique() < 2:
        raise DataError(
            "convergence_break_test needs growth rates both before and after the milestones; "
            f"the data have only {'post' if data['post'].iloc[0] else 'pre'}-milestone years."
        )
    data["lagged_x_post"] = data["lagged_log_level"] * data["post"]
    data = data.set_index(["code", "year"])
    regressors = ["lagged_log_level", "lagged_x_post", "post"]
    options, se_type = _cov_options(se, int(data.index.get_level_values("year").nunique()))
    if effects not in ("twoway", "time"):
        raise ParameterError(f"effects must be 'twoway' or 'time'; got {effects!r}.")
    model = PanelOLS(
        data["growth"],
        data[regressors],
        entity_effects=effects == "twoway",
        time_effects=True,
    )
    result = model.fit(**options)
    params, cov = result.params, result.cov
    delta = float(params["lagged_x_post"])
    stderr = float(np.sqrt(cov.loc["lagged_x_post", "lagged_x_post"]))
    t_stat = delta / stderr if stderr > 0 else np.nan
    n_entities = int(result.entity_info["total"])
    if se == "clustered":
        pvalue = float(stats.t.cdf(t_stat, df=n_entities - 1))
    else:
        pvalue = float(stats.norm.cdf(t_stat))
    beta_pre = float(params["lagged_log_level"])
    beta_post = beta_pre + delta
    pair = cov.loc[["lagged_log_level", "lagged_x_post"], ["lagged_log_level", "lagged_x_post"]]
    se_post = float(np.sqrt(pair.to_numpy().sum()))
    speed_pre, half_pre = convergence_speed(beta_pre)
    speed_post, half_post = convergence_speed(beta_post)
    return ConvergenceBreakResult(
        delta=delta,
        se=stderr,
        t_stat=float(t_stat),
        pvalue_one_sided=pvalue,
        beta_pre=beta_pre,
        beta_post=beta_post,
        se_beta_post=se_post,
        speed_pre=speed_pre,
        speed_post=speed_post,
        half_life_pre=half_pre,
        half_life_post=half_post,
        nobs=int(result.nobs),
        n_entities=n_entities,
        se_type=se_type,
        effects=effects,
        result=result,
    )
