r"""Event studies for staggered milestones with never-treated controls.

Chapter 3's milestones are staggered (JJJ 2014, PRD 2017, YRD 2019) and their
effects differ by cluster and grow with time since the milestone. A two-way
fixed-effects (TWFE) event study then mixes effects of other event times and
cohorts into each coefficient, and with all cities eventually treated it
compares late with already-treated clusters (Goodman-Bacon 2021; Sun &
Abraham 2021; Callaway & Sant'Anna 2021; Borusyak, Jaravel & Spiess 2024).
The prefecture cities outside the three clusters never received a milestone,
so they are the comparison group of the estimators here:

* :func:`twfe_event_study`: the conventional binned TWFE event study
  (reference period :math:`-1`), kept as the benchmark;
* :func:`sun_abraham`: the interaction-weighted estimator, a regression
  saturated in cohort :math:`\times` event time with city and period effects
  (the never-treated cities the control cohort), its cohort-by-event-time
  coefficients averaged with the cohorts' shares at each event time;
* :func:`callaway_santanna`: group-time ATTs against the never-treated cities
  with the universal base period :math:`g - 1`, aggregated to event time with
  cohort-size weights;
* :func:`imputation_event_study`: the imputation estimator (city and period
  effects fitted on the untreated city-periods only, the treated cities'
  untreated outcomes imputed from them), with its pre-trend test regression;
* :func:`bacon_decomposition`: the static TWFE estimate as a weighted average
  of all 2x2 comparisons.

All work on the same frame (:func:`staggered_frame`): ``code``, ``period``
(the data's periods; years for annual data), outcome ``y``, ``cohort`` (the
period of the city's milestone; NA when never treated) and ``group`` (the
unit at which treatment is assigned: the cluster, or the province of a city
outside the clusters). Event time is :math:`e = \text{period} - \text{cohort}`;
:math:`e = 0` is the milestone's period.

Inference: every estimator is linear in the outcome, so each event-time
coefficient has an influence function per city, :math:`\psi_i`; the
covariance is :math:`\frac{G}{G-1}\sum_i \psi_i\psi_i'` (clustered by city;
for the regressions this is the CR1 sandwich with its small-sample factor),
and intervals use Student :math:`t_{G-1}`. Clustering by city is what the
simulated truth justifies (its shocks are independent across cities); with
treatment assigned to three clusters, the few-cluster inference of
:mod:`inertia.models.few_clusters` is the robust alternative.

References
----------
Borusyak, K., Jaravel, X., & Spiess, J. (2024). Revisiting event-study designs:
robust and efficient estimation. *Review of Economic Studies* 91(6), 3253-3285.
Callaway, B., & Sant'Anna, P. H. C. (2021). Difference-in-differences with
multiple time periods. *Journal of Econometrics* 225(2), 200-230.
Goodman-Bacon, A. (2021). Difference-in-differences with variation in treatment
timing. *Journal of Econometrics* 225(2), 254-277.
Sun, L., & Abraham, S. (2021). Estimating dynamic treatment effects in event
studies with heterogeneous treatment effects. *Journal of Econometrics* 225(2),
175-199.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from inertia.errors import DataError, ParameterError
from inertia.models.event_study import event_term
from inertia.results import EstimationResultsMixin

__all__ = [
    "ESTIMATORS",
    "BaconDecomposition",
    "StaggeredFit",
    "bacon_decomposition",
    "callaway_santanna",
    "estimate",
    "imputation_event_study",
    "staggered_frame",
    "sun_abraham",
    "twfe_event_study",
]

#: The estimators of the chapter's comparison, in the order of its table.
ESTIMATORS = ("twfe", "sun_abraham", "callaway_santanna", "imputation")
ESTIMATOR_LABELS = {
    "twfe": "TWFE event study (binned)",
    "twfe_clusters_only": "TWFE event study, cluster cities only",
    "sun_abraham": "Sun-Abraham interaction-weighted",
    "callaway_santanna": "Callaway-Sant'Anna, never-treated controls",
    "imputation": "Imputation (Borusyak-Jaravel-Spiess)",
}
_COLUMNS = ["code", "period", "y", "cohort", "group"]


# --------------------------------------------------------------------------- data


def staggered_frame(
    outcome: pd.Series,
    roster: pd.DataFrame,
    milestones: Mapping[str, int],
    *,
    first_year: int | None = None,
    spacing: int = 1,
) -> pd.DataFrame:
    """The frame of every estimator here, from a city outcome keyed by (code, year).

    Parameters
    ----------
    outcome : Series
        City outcome indexed by (``code``, ``year``); NaN rows are dropped.
    roster : DataFrame
        Indexed by code with ``cluster`` (NaN outside the clusters: never
        treated) and ``province``.
    milestones : mapping cluster -> year
        Milestone year of each treated cluster, as observed in the data (the
        first data year on or after the official one). Cities of a cluster not
        named here are dropped (they were treated at another date).
    first_year : int, optional
        First year of the period grid (default: the outcome's first year).
    spacing : int, default 1
        Years per period; period :math:`p = \\lceil (t - t_0)/s \\rceil`.

    Returns
    -------
    DataFrame
        ``code``, ``year``, ``period``, ``y``, ``cluster``, ``cohort`` (Int64,
        NA when never treated), ``group`` (the cluster, or
        ``province:<name>`` outside the clusters).
    """
    if list(outcome.index.names) != ["code", "year"]:
        raise ParameterError(
            f"The outcome must be indexed by (code, year); got {outcome.index.names}."
        )
    frame = outcome.rename("y").reset_index().dropna(subset=["y"])
    if frame.empty:
        raise DataError("The event-study outcome has no values.")
    unknown = sorted(set(frame["code"]) - set(roster.index))
    if unknown:
        raise DataError(
            f"City codes {unknown[:10]} (of {len(unknown)}) of the outcome are not on the roster."
        )
    cluster = frame["code"].map(roster["cluster"])
    treated = cluster.notna()
    keep = ~treated | cluster.isin(list(milestones))
    frame = frame[keep.to_numpy()].copy()
    cluster = cluster[keep.to_numpy()]
    start = int(frame["year"].min()) if first_year is None else int(first_year)

    def period(year: pd.Series | np.ndarray) -> np.ndarray:
        return -((-(np.asarray(year, dtype="int64") - start)) // int(spacing))

    frame["period"] = period(frame["year"])
    frame["cluster"] = cluster.to_numpy()
    cohort_year = frame["cluster"].map(dict(milestones))
    frame["cohort"] = pd.array(
        [period([y])[0] if pd.notna(y) else pd.NA for y in cohort_year], dtype="Int64"
    )
    province = frame["code"].map(roster["province"]).astype(str)
    frame["group"] = np.where(
        frame["cluster"].notna(), frame["cluster"].astype(str), "province:" + province
    )
    return frame[["code", "year", "period", "y", "cluster", "cohort", "group"]].reset_index(
        drop=True
    )


def _check(frame: pd.DataFrame) -> pd.DataFrame:
    missing = sorted(set(_COLUMNS) - set(frame.columns))
    if missing:
        raise ParameterError(f"The staggered frame lacks the columns {missing} (staggered_frame).")
    frame = frame.dropna(subset=["y"])
    if frame["cohort"].isna().sum() == 0:
        raise DataError(
            "These estimators need never-treated cities (cities outside the clusters); the "
            "frame has none (comparison: none keeps the cluster cities only, for TWFE)."
        )
    if frame["cohort"].notna().sum() == 0:
        raise DataError("The frame has no treated city-period.")
    return frame


def _event_time(frame: pd.DataFrame) -> np.ndarray:
    cohort = frame["cohort"].astype("Float64").to_numpy(dtype=float, na_value=np.nan)
    return frame["period"].to_numpy(dtype=float) - cohort


# --------------------------------------------------------------------------- results


def _influence_factor(n_cities: int) -> float:
    """:math:`G/(G-1)`, the clustered-covariance factor of the influences (NaN for one city)."""
    return n_cities / (n_cities - 1) if n_cities > 1 else np.nan


@dataclass(frozen=True)
class StaggeredFit(EstimationResultsMixin):
    """Event-time estimates of one estimator, with their city-clustered covariance.

    An :class:`inertia.results.EstimationResults`: ``params`` are the estimated
    event-time coefficients, named ``lead_k`` (:math:`e = -k`) and ``lag_k``
    (:math:`e = k`) as in :func:`inertia.models.event_study.event_study` (the
    reference and the event times without an estimate left out); ``cov`` is
    :math:`\\frac{G}{G-1}\\Psi'\\Psi` from the cities' influence :math:`\\Psi`
    (cities x event times), the covariance behind every SE, interval and test
    of the fit; and t and F statistics refer to :math:`G - 1` degrees of
    freedom, so that ``tidy()`` reproduces :attr:`coefficients`,
    ``lincom`` of the post event times :attr:`post_mean` and :attr:`post_se`,
    and ``wald`` of the leads the pre-trend test.

    Attributes
    ----------
    estimator : str
        A key of :data:`ESTIMATOR_LABELS`.
    coefficients : DataFrame
        One row per event time in the window: ``event_time``, ``coef``, ``se``,
        ``ci_low``, ``ci_high`` (level ``level``), ``n_obs`` (treated
        city-periods behind it) and ``reference`` (True where the coefficient
        is 0 by normalisation).
    influence : DataFrame
        Cities x event times: each city's influence on each coefficient.
    post_mean, post_se : float
        Mean of the coefficients at event times ``post`` and its SE.
    pretrend_stat, pretrend_df, pretrend_pvalue : float, int, float
        Wald test (F with ``pretrend_df`` and :math:`G - 1` degrees of
        freedom) that the leads before :math:`-1` are jointly zero.
    cities : int
        :math:`G`, the number of cities (clusters of the covariance).
    window : int
    post : tuple of int
        First and last event time of the post-milestone mean.
    nobs : int
        City-periods of the panel the estimator read (after dropping missing
        outcomes and the cities it cannot use).
    level : float
    notes : list of str
    """

    estimator: str
    coefficients: pd.DataFrame
    influence: pd.DataFrame
    post_mean: float
    post_se: float
    pretrend_stat: float
    pretrend_df: int
    pretrend_pvalue: float
    cities: int
    window: int
    post: tuple[int, int]
    nobs: int
    level: float = 0.95
    notes: list[str] = field(default_factory=list)

    @property
    def label(self) -> str:
        """The estimator's name in words (:data:`ESTIMATOR_LABELS`)."""
        return ESTIMATOR_LABELS.get(self.estimator, self.estimator)

    @property
    def _estimated(self) -> pd.DataFrame:
        """The rows of :attr:`coefficients` with an estimate (not the reference)."""
        table = self.coefficients
        return table[~table["reference"].astype(bool) & np.isfinite(table["coef"])]

    @property
    def params(self) -> pd.Series:
        """Estimated event-time coefficients, indexed ``lead_k`` / ``lag_k``."""
        rows = self._estimated
        return pd.Series(
            rows["coef"].to_numpy(dtype=float),
            index=pd.Index([event_term(int(e)) for e in rows["event_time"]], name="term"),
            name="coef",
        )

    @property
    def std_errors(self) -> pd.Series:
        """City-clustered SEs of :attr:`params` (the ``se`` of :attr:`coefficients`)."""
        return pd.Series(
            self._estimated["se"].to_numpy(dtype=float), index=self.params.index, name="se"
        )

    @property
    def cov(self) -> pd.DataFrame:
        """:math:`\\frac{G}{G-1}\\Psi'\\Psi` over the estimated event times, terms x terms."""
        psi = self.influence[self._estimated["event_time"].tolist()].to_numpy(dtype=float)
        factor = _influence_factor(self.cities)
        terms = self.params.index
        return pd.DataFrame(factor * psi.T @ psi, index=terms, columns=terms)

    @property
    def inference_df(self) -> int:
        """:math:`G - 1` (at least 1): the fit's t and F reference, as in its intervals.

        Returns
        -------
        int
        """
        return max(self.cities - 1, 1)

    @property
    def post_interval(self) -> tuple[float, float]:
        """Two-sided interval of :attr:`post_mean` at :attr:`level`."""
        critical = stats.t.ppf(0.5 + self.level / 2, max(self.cities - 1, 1))
        return self.post_mean - critical * self.post_se, self.post_mean + critical * self.post_se

    @property
    def post_pvalue(self) -> float:
        """Two-sided p-value of :math:`H_0`: post-milestone mean = 0."""
        if not self.post_se > 0:
            return float("nan")
        t_stat = self.post_mean / self.post_se
        return float(2 * stats.t.sf(abs(t_stat), max(self.cities - 1, 1)))

    def mean_of(self, event_times: range | list[int]) -> tuple[float, float]:
        """Mean of the coefficients at ``event_times`` (those estimated) and its SE.

        Parameters
        ----------
        event_times : range or list of int
            Event times to average; those without an estimate are skipped.

        Returns
        -------
        mean : float
            Mean of the estimated coefficients (NaN when none is).
        se : float
            Its city-clustered standard error, from the cities' influence.
        """
        table = self.coefficients.set_index("event_time")
        chosen = [
            e for e in event_times
            if e in self.influence.columns and np.isfinite(table.at[e, "coef"])
        ]
        if not chosen:
            return float("nan"), float("nan")
        factor = _influence_factor(self.cities)
        psi = self.influence[chosen].mean(axis=1)
        return float(table.loc[chosen, "coef"].mean()), float(np.sqrt(factor * (psi**2).sum()))

    def coefficient(self, event_time: int) -> pd.Series:
        """The row of :attr:`coefficients` at ``event_time``.

        Parameters
        ----------
        event_time : int
            An event time of the window.

        Returns
        -------
        Series
            ``coef``, ``se``, ``ci_low``, ``ci_high``, ``n_obs`` and ``reference``.
        """
        return self.coefficients.set_index("event_time").loc[int(event_time)]


def _finish(
    estimator: str,
    coefs: pd.Series,
    influence: pd.DataFrame,
    counts: pd.Series,
    *,
    window: int,
    post: tuple[int, int],
    level: float,
    nobs: int,
    reference: tuple[int, ...] = (-1,),
    notes: list[str] | None = None,
) -> StaggeredFit:
    """Standard errors, intervals, the post mean and the pre-trend test from influences."""
    n_cities = len(influence)
    factor = _influence_factor(n_cities)
    rows = []
    df = max(n_cities - 1, 1)
    critical = stats.t.ppf(0.5 + level / 2, df)
    for e in range(-window, window + 1):
        if e in reference and e not in coefs.index:
            rows.append((e, 0.0, np.nan, np.nan, np.nan, int(counts.get(e, 0)), True))
            continue
        if e not in coefs.index or not np.isfinite(coefs[e]):
            rows.append((e, np.nan, np.nan, np.nan, np.nan, int(counts.get(e, 0)), False))
            continue
        se = float(np.sqrt(factor * (influence[e] ** 2).sum()))
        value = float(coefs[e])
        rows.append(
            (
                e,
                value,
                se,
                value - critical * se,
                value + critical * se,
                int(counts.get(e, 0)),
                False,
            )
        )
    table = pd.DataFrame(
        rows, columns=["event_time", "coef", "se", "ci_low", "ci_high", "n_obs", "reference"]
    )
    post_terms = [
        e for e in range(post[0], post[1] + 1) if e in coefs.index and np.isfinite(coefs[e])
    ]
    if post_terms:
        post_mean = float(coefs[post_terms].mean())
        psi = influence[post_terms].mean(axis=1)
        post_se = float(np.sqrt(factor * (psi**2).sum()))
    else:
        post_mean, post_se = np.nan, np.nan
    leads = [
        e
        for e in range(-window, -1)
        if e in coefs.index and np.isfinite(coefs[e]) and e not in reference
    ]
    if leads:
        b = coefs[leads].to_numpy(dtype=float)
        psi = influence[leads].to_numpy(dtype=float)
        cov = factor * psi.T @ psi
        stat = float(b @ np.linalg.pinv(cov) @ b) / len(leads)
        pvalue = float(stats.f.sf(stat, len(leads), df))
    else:
        stat, pvalue = np.nan, np.nan
    return StaggeredFit(
        estimator=estimator,
        coefficients=table,
        influence=influence,
        post_mean=post_mean,
        post_se=post_se,
        pretrend_stat=stat,
        pretrend_df=len(leads),
        pretrend_pvalue=pvalue,
        cities=n_cities,
        window=int(window),
        post=(int(post[0]), int(post[1])),
        nobs=int(nobs),
        level=level,
        notes=list(notes or []),
    )


def _check_window(window: int, post: tuple[int, int], level: float) -> None:
    if isinstance(window, bool) or not isinstance(window, int | np.integer) or window < 2:
        raise ParameterError(f"event_window must be an integer >= 2; got {window!r}.")
    if not 0 <= post[0] <= post[1] <= window:
        raise ParameterError(f"post must satisfy 0 <= first <= last <= window; got {post!r}.")
    if not 0 < level < 1:
        raise ParameterError(f"level must be in (0, 1); got {level!r}.")


# --------------------------------------------------------------------------- regression core


def _ols_influence(
    y: np.ndarray, regressors: pd.DataFrame, codes: np.ndarray, periods: np.ndarray
) -> tuple[pd.Series, pd.DataFrame, int]:
    """OLS with city and period effects (Frisch-Waugh); coefficients and city influences.

    The influences carry the CR1 factor :math:`(N - 1)/(N - K)` (the
    :math:`G/(G-1)` part is applied by :func:`_finish`), so that
    :math:`\\frac{G}{G-1}\\sum_i\\psi_i\\psi_i'` is the CR1 covariance of
    statsmodels' and pyfixest's clustered OLS with the same dummies.
    """
    unit = pd.factorize(codes, sort=True)[0]
    time = pd.factorize(periods, sort=True)[0]
    n_units, n_times = unit.max() + 1, time.max() + 1
    solver = _TwoWaySolver(unit, time, n_units, n_times)
    both = np.column_stack([regressors.to_numpy(dtype=float), y.astype(float)])
    unit_part = np.zeros((n_units, both.shape[1]))
    time_part = np.zeros((n_times, both.shape[1]))
    np.add.at(unit_part, unit, both)
    np.add.at(time_part, time, both)
    z_unit, z_time = solver.solve(unit_part, time_part[1:])
    both = both - solver.rows(z_unit, z_time, unit, time)
    x, ytil = both[:, :-1], both[:, -1]
    n_effects = n_units + n_times - 1 - (len(solver.schur) - np.linalg.matrix_rank(solver.schur))
    xtx = x.T @ x
    rank = np.linalg.matrix_rank(xtx)
    if rank < x.shape[1]:
        raise DataError(
            f"The event-study regressors are collinear with the city and period effects "
            f"(rank {rank} of {x.shape[1]}): narrow the window or extend the years."
        )
    inverse = np.linalg.inv(xtx)
    beta = inverse @ (x.T @ ytil)
    resid = ytil - x @ beta
    n, k = len(y), x.shape[1] + n_effects
    scores = pd.DataFrame(x * resid[:, None]).groupby(codes).sum().to_numpy()
    influence = scores @ inverse * np.sqrt((n - 1) / max(n - k, 1))
    cities = pd.Index(pd.unique(codes)).sort_values()
    return (
        pd.Series(beta, index=regressors.columns),
        pd.DataFrame(influence, index=cities, columns=regressors.columns),
        k,
    )


class _TwoWaySolver:
    r"""Least squares on city and period dummies by the Schur complement of the period block.

    The normal equations of :math:`y = \alpha_i + \lambda_t` (first period
    dropped) on a sample are :math:`\begin{pmatrix} D_u & C \\ C' & D_t
    \end{pmatrix}`, with :math:`D_u` the cities' and :math:`D_t` the periods'
    counts; eliminating the city block leaves a system of the size of the
    periods, so a solve costs :math:`O(n)` instead of a dense factorisation.
    """

    def __init__(self, unit: np.ndarray, time: np.ndarray, n_units: int, n_times: int) -> None:
        self.unit, self.time = unit, time
        self.n_units, self.n_times = n_units, n_times
        self.unit_count = np.bincount(unit, minlength=n_units).astype(float)
        cross = np.zeros((n_units, n_times))
        np.add.at(cross, (unit, time), 1.0)
        self.cross = cross[:, 1:]
        time_count = np.bincount(time, minlength=n_times).astype(float)[1:]
        scaled = self.cross / np.maximum(self.unit_count, 1.0)[:, None]
        self.schur = np.diag(time_count) - self.cross.T @ scaled
        self.schur_inverse = np.linalg.pinv(self.schur)

    def solve(self, unit_part: np.ndarray, time_part: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Solve the normal equations for right-hand sides (city block, period block)."""
        inverse_count = np.where(self.unit_count > 0, 1.0 / np.maximum(self.unit_count, 1.0), 0.0)
        reduced = time_part - self.cross.T @ (inverse_count[:, None] * unit_part)
        z_time = self.schur_inverse @ reduced
        z_unit = inverse_count[:, None] * (unit_part - self.cross @ z_time)
        return z_unit, z_time

    def rows(
        self, z_unit: np.ndarray, z_time: np.ndarray, unit: np.ndarray, time: np.ndarray
    ) -> np.ndarray:
        """:math:`x_{it}'z` for rows (unit, time) of the full design."""
        padded = np.vstack([np.zeros((1, z_time.shape[1])), z_time])
        return z_unit[unit] + padded[time]


def _imputation_post(
    y: np.ndarray,
    unit: np.ndarray,
    time: np.ndarray,
    event: np.ndarray,
    cohort: np.ndarray,
    window_post: range,
) -> tuple[dict[int, float], dict[int, np.ndarray], dict[int, int], np.ndarray]:
    """The imputation estimates at event times ``window_post``, with per-row influence terms.

    Returns the estimates, per event time the vector :math:`v_{it}\tilde\varepsilon_{it}`
    (to be summed by city), the counts and the imputed effects.
    """
    n_units, n_times = unit.max() + 1, time.max() + 1
    treated_post = np.isfinite(event) & (event >= 0)
    untreated = ~treated_post
    solver = _TwoWaySolver(unit[untreated], time[untreated], n_units, n_times)

    def design_t(values: np.ndarray, mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """:math:`X'v` over the rows of ``mask`` for columns of ``values``."""
        unit_part = np.zeros((n_units, values.shape[1]))
        time_part = np.zeros((n_times, values.shape[1]))
        np.add.at(unit_part, unit[mask], values[mask])
        np.add.at(time_part, time[mask], values[mask])
        return unit_part, time_part[1:]

    z_unit, z_time = solver.solve(*design_t(y[:, None], untreated))
    fitted = solver.rows(z_unit, z_time, unit, time)[:, 0]
    tau = y - fitted
    residual = np.where(untreated, tau, np.nan)
    cell = (
        pd.Series(tau[treated_post])
        .groupby([cohort[treated_post], event[treated_post]])
        .transform("mean")
    )
    residual[treated_post] = tau[treated_post] - cell.to_numpy()
    chosen = [e for e in window_post if (treated_post & (event == e)).any()]
    coefs: dict[int, float] = {}
    terms: dict[int, np.ndarray] = {}
    counts: dict[int, int] = {}
    if not chosen:
        return coefs, terms, counts, tau
    indicator = np.column_stack(
        [
            (treated_post & (event == e)).astype(float) / (treated_post & (event == e)).sum()
            for e in chosen
        ]
    )
    b_unit, b_time = solver.solve(*design_t(indicator, treated_post))
    weights = indicator.copy()
    weights[untreated] = -solver.rows(b_unit, b_time, unit[untreated], time[untreated])
    for k, e in enumerate(chosen):
        coefs[e] = float(weights[:, k] @ y)
        terms[e] = weights[:, k] * residual
        counts[e] = int((treated_post & (event == e)).sum())
    return coefs, terms, counts, tau


# --------------------------------------------------------------------------- estimators


def twfe_event_study(
    frame: pd.DataFrame,
    *,
    window: int = 5,
    post: tuple[int, int] = (0, 5),
    level: float = 0.95,
    estimator: str = "twfe",
) -> StaggeredFit:
    r"""The conventional TWFE event study, endpoints binned, reference :math:`-1`.

    .. math:: y_{it} = \sum_{k \ne -1} \beta_k \mathbf 1[\operatorname{bin}(t - g_i) = k]
              + \alpha_i + \lambda_t + \varepsilon_{it},

    :math:`\operatorname{bin}(e) = \max(-w, \min(w, e))`; never-treated cities
    (if any) have every indicator zero. The same design as
    :func:`inertia.models.event_study.event_study` (its test oracle on the
    cluster cities), here with the never-treated cities.

    Parameters
    ----------
    frame : DataFrame
        :func:`staggered_frame` (never-treated cities optional).
    window : int
    post : (int, int)
        Event times of the post-milestone mean.
    level : float
    estimator : str
        Label stored on the result.

    Returns
    -------
    StaggeredFit
    """
    _check_window(window, post, level)
    frame = frame.dropna(subset=["y"])
    event = _event_time(frame)
    binned = np.clip(event, -window, window)
    terms = [k for k in range(-window, window + 1) if k != -1]
    regressors = pd.DataFrame({k: (binned == k).astype(float) for k in terms}, index=frame.index)
    empty = [k for k in terms if regressors[k].sum() == 0]
    if empty:
        raise DataError(f"The event-time bins {empty} have no city-periods; narrow the window.")
    beta, influence, _ = _ols_influence(
        frame["y"].to_numpy(), regressors, frame["code"].to_numpy(), frame["period"].to_numpy()
    )
    counts = pd.Series(binned[np.isfinite(binned)]).value_counts()
    return _finish(
        estimator, beta, influence, counts, window=window, post=post, level=level, nobs=len(frame)
    )


def sun_abraham(
    frame: pd.DataFrame,
    *,
    window: int = 5,
    post: tuple[int, int] = (0, 5),
    level: float = 0.95,
) -> StaggeredFit:
    r"""Sun and Abraham's interaction-weighted event study, never-treated controls.

    Step 1, a regression saturated in cohort and event time:

    .. math:: y_{it} = \sum_g \sum_{e \ne -1} \beta_{g,e}\,\mathbf 1[g_i = g,\, t - g = e]
              + \alpha_i + \lambda_t + \varepsilon_{it},

    every event time of every cohort (no binning), the never-treated cities
    the control cohort. Step 2, :math:`\hat\beta_e = \sum_g \hat\Pr(g \mid e)
    \hat\beta_{g,e}`, the cohorts weighted by their shares of the treated
    city-periods at :math:`e` (held fixed in the variance, as the shares are
    known design quantities here).

    Parameters
    ----------
    frame : DataFrame
        :func:`staggered_frame`: ``code``, ``period``, ``y``, ``cohort`` (NA for
        the never-treated cities, which must be present) and ``group``.
    window : int, default 5
        Event times :math:`-w, \dots, w` estimated.
    post : (int, int), default (0, 5)
        First and last event time of the post-milestone mean.
    level : float, default 0.95
        Confidence level of the intervals.

    Returns
    -------
    StaggeredFit
    """
    _check_window(window, post, level)
    frame = _check(frame)
    event = _event_time(frame)
    cohort = frame["cohort"].to_numpy(dtype=float, na_value=np.nan)
    cells = sorted(
        {(int(g), int(e)) for g, e in zip(cohort, event, strict=True) if np.isfinite(g) and e != -1}
    )
    regressors = pd.DataFrame(
        {f"{g}:{e}": ((cohort == g) & (event == e)).astype(float) for g, e in cells},
        index=frame.index,
    )
    beta, influence, _ = _ols_influence(
        frame["y"].to_numpy(), regressors, frame["code"].to_numpy(), frame["period"].to_numpy()
    )
    coefs, psi, counts = {}, {}, {}
    for e in range(-window, window + 1):
        names = [f"{g}:{k}" for g, k in cells if k == e]
        if not names:
            continue
        weights = regressors[names].sum()
        counts[e] = int(weights.sum())
        weights = weights / weights.sum()
        coefs[e] = float(beta[names] @ weights)
        psi[e] = influence[names].to_numpy() @ weights.to_numpy()
    influence_e = pd.DataFrame(psi, index=influence.index)
    return _finish(
        "sun_abraham",
        pd.Series(coefs),
        influence_e,
        pd.Series(counts),
        window=window,
        post=post,
        level=level,
        nobs=len(frame),
    )


def callaway_santanna(
    frame: pd.DataFrame,
    *,
    window: int = 5,
    post: tuple[int, int] = (0, 5),
    level: float = 0.95,
) -> tuple[StaggeredFit, pd.DataFrame]:
    r"""Callaway and Sant'Anna's group-time ATTs, never-treated controls, universal base.

    .. math:: \widehat{ATT}(g, t) = \big(\bar y_{g,t} - \bar y_{g,g-1}\big)
              - \big(\bar y_{C,t} - \bar y_{C,g-1}\big),

    each over the cities observed in both periods (:math:`C`: the
    never-treated cities), without covariates (the unconditional
    parallel-trends estimator). Event-time aggregation:
    :math:`\widehat{ATT}(e) = \sum_g w_g \widehat{ATT}(g, g + e)` with
    :math:`w_g` the cohorts' numbers of cities among the cohorts observed at
    :math:`e` (the ``dynamic`` aggregation). Influence of city :math:`i` on
    :math:`ATT(g,t)`: :math:`(\Delta y_i - \overline{\Delta y}_g)/n_g` for a
    city of :math:`g` and :math:`-(\Delta y_i - \overline{\Delta y}_C)/n_C` for
    a control.

    Parameters
    ----------
    frame : DataFrame
        :func:`staggered_frame`: ``code``, ``period``, ``y``, ``cohort`` (NA for
        the never-treated cities, which must be present) and ``group``.
    window : int, default 5
        Event times :math:`-w, \dots, w` estimated.
    post : (int, int), default (0, 5)
        First and last event time of the post-milestone mean.
    level : float, default 0.95
        Confidence level of the intervals.

    Returns
    -------
    (StaggeredFit, DataFrame)
        The event-time fit and the group-time table (``cohort``, ``period``,
        ``event_time``, ``att``, ``se`` (from the influence function, clustered
        by city), ``n_treated``, ``n_control``).
    """
    _check_window(window, post, level)
    frame = _check(frame)
    wide = frame.pivot_table(index="code", columns="period", values="y", aggfunc="first")
    cohort_of = frame.groupby("code")["cohort"].first()
    cities = wide.index
    controls = cohort_of.reindex(cities).isna().to_numpy()
    periods = list(wide.columns)
    rows = []
    influences: dict[tuple[int, int], np.ndarray] = {}
    for g in sorted(int(c) for c in cohort_of.dropna().unique()):
        base = g - 1
        if base not in wide.columns:
            continue
        members = (cohort_of.reindex(cities) == g).fillna(False).to_numpy()
        for t in periods:
            if t == base:
                continue
            change = (wide[t] - wide[base]).to_numpy()
            ok = np.isfinite(change)
            treated, control = members & ok, controls & ok
            n_g, n_c = int(treated.sum()), int(control.sum())
            if n_g == 0 or n_c == 0:
                continue
            mean_g, mean_c = change[treated].mean(), change[control].mean()
            psi = np.zeros(len(cities))
            psi[treated] = (change[treated] - mean_g) / n_g
            psi[control] = -(change[control] - mean_c) / n_c
            influences[(g, int(t))] = psi
            n_cities = len(cities)
            rows.append(
                {
                    "cohort": g,
                    "period": int(t),
                    "event_time": int(t) - g,
                    "att": float(mean_g - mean_c),
                    "se": float(np.sqrt(n_cities / (n_cities - 1) * (psi**2).sum())),
                    "n_treated": n_g,
                    "n_control": n_c,
                }
            )
    table = pd.DataFrame(rows)
    if table.empty:
        raise DataError(
            "No cohort has a base period (the period before its milestone) in the data."
        )
    coefs, psi_e, counts = {}, {}, {}
    for e in range(-window, window + 1):
        cells = table[table["event_time"] == e]
        if cells.empty:
            continue
        weights = cells["n_treated"].to_numpy(float)
        weights = weights / weights.sum()
        coefs[e] = float(cells["att"].to_numpy() @ weights)
        psi_e[e] = sum(
            w * influences[(int(g), int(t))]
            for w, g, t in zip(weights, cells["cohort"], cells["period"], strict=True)
        )
        counts[e] = int(cells["n_treated"].sum())
    influence = pd.DataFrame(psi_e, index=cities)
    fit = _finish(
        "callaway_santanna",
        pd.Series(coefs),
        influence,
        pd.Series(counts),
        window=window,
        post=post,
        level=level,
        nobs=len(frame),
    )
    return fit, table


def imputation_event_study(
    frame: pd.DataFrame,
    *,
    window: int = 5,
    post: tuple[int, int] = (0, 5),
    level: float = 0.95,
    leads: bool = True,
) -> StaggeredFit:
    r"""The imputation estimator of Borusyak, Jaravel and Spiess (2024).

    1. Fit :math:`y_{it} = \alpha_i + \lambda_t + \varepsilon_{it}` on the
       untreated city-periods :math:`\Omega_0` (the never-treated cities and
       the treated cities before their milestone).
    2. Impute :math:`\hat y_{it}(0) = \hat\alpha_i + \hat\lambda_t` and
       :math:`\hat\tau_{it} = y_{it} - \hat y_{it}(0)` for the treated
       city-periods, :math:`e \ge 0`.
    3. :math:`\widehat{ATT}(e)` is the mean of :math:`\hat\tau_{it}` at event time
       :math:`e` (every treated city-period weighs the same, so the cohorts
       weigh by their numbers of cities).

    The estimator is linear, :math:`\widehat{ATT}(e) = \sum_{it} v_{it} y_{it}`,
    with :math:`v_{it} = 1/N_e` for the treated city-periods at :math:`e` and
    :math:`v_{\Omega_0} = -X_0 (X_0'X_0)^{-1} \sum_{e} x_{it}/N_e` for the
    untreated ones. Variance: BJS's conservative estimator,
    :math:`\sum_i (\sum_t v_{it}\tilde\varepsilon_{it})^2`, with
    :math:`\tilde\varepsilon` the first-step residuals on :math:`\Omega_0` and
    :math:`\hat\tau_{it}` minus its cohort-by-event-time mean on the treated
    city-periods (so the variance is that of the sample ATT of the treated
    cities, the estimand). Leads (:math:`e < 0`) come from BJS's pre-trend
    test: the first-step regression on :math:`\Omega_0` with indicators of
    :math:`e = -w, \dots, -2` (reference: :math:`e = -1`, earlier periods and the
    never-treated cities). The estimates equal Gardner's two-stage ``did2s``
    with an event-time second stage (the test oracle, pyfixest).

    ``leads=False`` skips the pre-trend regression (the randomisation
    inference of :mod:`inertia.models.few_clusters` needs the post-milestone
    mean only).

    Parameters
    ----------
    frame : DataFrame
        :func:`staggered_frame`: ``code``, ``period``, ``y``, ``cohort`` (NA for
        the never-treated cities, which must be present) and ``group``.
    window : int, default 5
        Event times :math:`-w, \dots, w` estimated.
    post : (int, int), default (0, 5)
        First and last event time of the post-milestone mean.
    level : float, default 0.95
        Confidence level of the intervals.
    leads : bool, default True
        Estimate the leads (BJS's pre-trend regression); False skips it.

    Returns
    -------
    StaggeredFit
    """
    _check_window(window, post, level)
    frame = _check(frame).reset_index(drop=True)
    event = _event_time(frame)
    treated_post = np.isfinite(event) & (event >= 0)
    untreated = ~treated_post
    codes = frame["code"].to_numpy()
    periods = frame["period"].to_numpy()
    y = frame["y"].to_numpy(dtype=float)
    notes: list[str] = []
    # Cities without an untreated period cannot be imputed (no city effect).
    imputable = pd.Series(untreated).groupby(codes).any()
    lost = imputable.index[~imputable.to_numpy()]
    if len(lost):
        notes.append(
            f"{len(lost)} treated cities have no period before their milestone and are left out."
        )
        keep = ~pd.Series(codes).isin(lost).to_numpy()
        frame, event = frame[keep].reset_index(drop=True), event[keep]
        codes, periods, y = codes[keep], periods[keep], y[keep]
        treated_post, untreated = treated_post[keep], untreated[keep]

    unit = pd.factorize(codes, sort=True)[0]
    time = pd.factorize(periods, sort=True)[0]
    missing_times = sorted(set(time[treated_post]) - set(time[untreated]))
    if missing_times:
        raise DataError(
            "Some treated periods have no untreated city to impute from: "
            f"{[int(np.unique(periods[time == k])[0]) for k in missing_times]}."
        )
    cohort = frame["cohort"].to_numpy(dtype=float, na_value=np.nan)
    coefs, terms, counts, _ = _imputation_post(y, unit, time, event, cohort, range(0, window + 1))
    cities = pd.Index(pd.unique(codes)).sort_values()
    psi = {
        e: pd.Series(term).groupby(codes).sum().reindex(cities).to_numpy()
        for e, term in terms.items()
    }
    # Leads: the pre-trend regression on the untreated city-periods.
    lead_terms = [k for k in range(-window, -1)]
    sample = frame[untreated]
    lead_regressors = pd.DataFrame(
        {k: (event[untreated] == k).astype(float) for k in lead_terms}, index=sample.index
    )
    lead_regressors = lead_regressors.loc[:, lead_regressors.sum() > 0]
    if leads and lead_regressors.shape[1]:
        lead_beta, lead_influence, _ = _ols_influence(
            sample["y"].to_numpy(),
            lead_regressors,
            sample["code"].to_numpy(),
            sample["period"].to_numpy(),
        )
        for k in lead_regressors.columns:
            coefs[k] = float(lead_beta[k])
            psi[k] = lead_influence[k].reindex(cities).fillna(0.0).to_numpy()
            counts[k] = int(lead_regressors[k].sum())
    influence = pd.DataFrame(psi, index=cities)
    return _finish(
        "imputation",
        pd.Series(coefs),
        influence,
        pd.Series(counts),
        window=window,
        post=post,
        level=level,
        nobs=len(frame),
        notes=notes,
    )


def estimate(
    frame: pd.DataFrame,
    estimator: str,
    *,
    window: int = 5,
    post: tuple[int, int] = (0, 5),
    level: float = 0.95,
) -> StaggeredFit:
    """Run one estimator of :data:`ESTIMATORS` (``twfe_clusters_only`` drops the controls).

    Parameters
    ----------
    frame : DataFrame
        :func:`staggered_frame`.
    estimator : str
        ``twfe``, ``twfe_clusters_only``, ``sun_abraham``,
        ``callaway_santanna`` or ``imputation``.
    window, post, level
        As in the estimators.

    Returns
    -------
    StaggeredFit
    """
    options: dict[str, Any] = {"window": window, "post": post, "level": level}
    if estimator == "twfe":
        return twfe_event_study(frame, **options)
    if estimator == "twfe_clusters_only":
        treated = frame[frame["cohort"].notna()]
        return twfe_event_study(treated, estimator="twfe_clusters_only", **options)
    if estimator == "sun_abraham":
        return sun_abraham(frame, **options)
    if estimator == "callaway_santanna":
        return callaway_santanna(frame, **options)[0]
    if estimator == "imputation":
        return imputation_event_study(frame, **options)
    raise ParameterError(
        f"Unknown estimator {estimator!r}; the estimators are "
        f"{[*ESTIMATORS, 'twfe_clusters_only']}."
    )


# --------------------------------------------------------------------------- Bacon


@dataclass(frozen=True)
class BaconDecomposition:
    """The static TWFE estimate as a weighted average of 2x2 comparisons.

    Attributes
    ----------
    table : DataFrame
        One row per comparison: ``kind`` (``treated vs never treated``,
        ``earlier vs later treated`` (the later cohort not yet treated) or
        ``later vs earlier treated`` (the earlier, already treated cohort as
        control)), ``treated`` and ``control`` (cohort periods; ``never``),
        ``estimate`` (the 2x2 DiD) and ``weight``.
    by_kind : DataFrame
        Weights and weighted mean estimates per kind.
    twfe : float
        The static TWFE coefficient on the balanced panel.
    cities : int
        Cities of the balanced panel.
    dropped : int
        Cities left out for an incomplete panel.
    """

    table: pd.DataFrame
    by_kind: pd.DataFrame
    twfe: float
    cities: int
    dropped: int

    @property
    def weighted_sum(self) -> float:
        """:math:`\\sum_k w_k \\hat\\beta_k`: equals :attr:`twfe` (the decomposition's identity)."""
        return float((self.table["weight"] * self.table["estimate"]).sum())


def bacon_decomposition(frame: pd.DataFrame) -> BaconDecomposition:
    r"""Goodman-Bacon's decomposition of the static TWFE DiD estimate.

    The static regression :math:`y_{it} = \beta D_{it} + \alpha_i + \lambda_t +
    \varepsilon_{it}`, :math:`D_{it} = \mathbf 1[t \ge g_i]`, on a balanced
    panel (cities with a value in every period; the others are dropped) is
    :math:`\hat\beta = \sum s_{kU}\hat\beta_{kU} + \sum_{k<l}
    (s^k_{kl}\hat\beta^k_{kl} + s^l_{kl}\hat\beta^l_{kl})`, with the weights of
    Goodman-Bacon (2021), eq. (10): for timing groups :math:`k` (earlier) and
    :math:`l` (later) with shares of units :math:`n` and shares of treated
    periods :math:`\bar D`,

    * :math:`s_{kU} \propto (n_k + n_U)^2\, n_{kU}(1 - n_{kU})\,\bar D_k(1 - \bar D_k)`;
    * :math:`s^k_{kl} \propto ((n_k + n_l)(1 - \bar D_l))^2\, n_{kl}(1 - n_{kl})
      \frac{\bar D_k - \bar D_l}{1 - \bar D_l}\frac{1 - \bar D_k}{1 - \bar D_l}`;
    * :math:`s^l_{kl} \propto ((n_k + n_l)\bar D_k)^2\, n_{kl}(1 - n_{kl})
      \frac{\bar D_l}{\bar D_k}\frac{\bar D_k - \bar D_l}{\bar D_k}`,

    normalised to sum to one; :math:`n_{ab} = n_a/(n_a + n_b)`. The test
    checks the identity :math:`\sum s\hat\beta = \hat\beta` to 1e-10.

    Parameters
    ----------
    frame : DataFrame
        :func:`staggered_frame`: ``code``, ``period``, ``y`` and ``cohort``.

    Returns
    -------
    BaconDecomposition
    """
    frame = frame.dropna(subset=["y"])
    periods = np.sort(frame["period"].unique())
    wide = frame.pivot_table(index="code", columns="period", values="y", aggfunc="first")
    complete = wide.notna().all(axis=1)
    dropped = int((~complete).sum())
    wide = wide[complete]
    cohort = frame.groupby("code")["cohort"].first().reindex(wide.index)
    # Cohorts treated in every period (no pre-period) act as always-treated: not handled.
    always = cohort.notna() & (cohort <= periods.min())
    if always.any():
        wide, cohort = wide[~always.to_numpy()], cohort[~always]
        dropped += int(always.sum())
    n_total = len(wide)
    values = wide.to_numpy(dtype=float)
    groups: dict[str | int, np.ndarray] = {"never": cohort.isna().to_numpy()}
    for g in sorted(int(c) for c in cohort.dropna().unique()):
        groups[g] = (cohort == g).fillna(False).to_numpy()
    share = {k: mask.sum() / n_total for k, mask in groups.items()}
    treated_share = {k: float((periods >= k).mean()) for k in groups if k != "never"}
    mean_path = {k: values[mask].mean(axis=0) for k, mask in groups.items()}

    def did(treated: Any, control: Any, pre: np.ndarray, post: np.ndarray) -> float:
        gap = mean_path[treated] - mean_path[control]
        return float(gap[post].mean() - gap[pre].mean())

    rows: list[tuple[str, str | int, str | int, float, Any]] = []
    timing = [k for k in groups if k != "never"]
    if share["never"] > 0:
        for k in timing:
            n_ku = share[k] / (share[k] + share["never"])
            weight = (share[k] + share["never"]) ** 2 * n_ku * (1 - n_ku)
            weight *= treated_share[k] * (1 - treated_share[k])
            estimate = did(k, "never", periods < k, periods >= k)
            rows.append(("treated vs never treated", k, "never", estimate, weight))
    for a, k in enumerate(timing):
        for late in timing[a + 1 :]:
            d_k, d_l = treated_share[k], treated_share[late]
            n_kl = share[k] / (share[k] + share[late])
            common = n_kl * (1 - n_kl)
            w_early = ((share[k] + share[late]) * (1 - d_l)) ** 2 * common
            w_early *= (d_k - d_l) / (1 - d_l) * (1 - d_k) / (1 - d_l)
            window = periods < late
            early_estimate = did(k, late, window & (periods < k), window & (periods >= k))
            rows.append(("earlier vs later treated", k, late, early_estimate, w_early))
            w_late = ((share[k] + share[late]) * d_k) ** 2 * common
            w_late *= (d_l / d_k) * (d_k - d_l) / d_k
            window = periods >= k
            late_estimate = did(late, k, window & (periods < late), window & (periods >= late))
            rows.append(("later vs earlier treated", late, k, late_estimate, w_late))
    table = pd.DataFrame(rows, columns=["kind", "treated", "control", "estimate", "weight"])
    table["weight"] = table["weight"] / table["weight"].sum()
    by_kind = (
        table.assign(product=table["weight"] * table["estimate"])
        .groupby("kind", sort=False)
        .agg(weight=("weight", "sum"), product=("product", "sum"))
    )
    by_kind["estimate"] = by_kind["product"] / by_kind["weight"]
    by_kind = by_kind.drop(columns="product").reset_index()
    # The static TWFE coefficient on the same balanced panel.
    long = wide.stack().rename("y").reset_index()
    treat = (long["period"] >= long["code"].map(cohort)).fillna(False).astype(float)
    beta, _, _ = _ols_influence(
        long["y"].to_numpy(),
        pd.DataFrame({"D": treat.to_numpy()}),
        long["code"].to_numpy(),
        long["period"].to_numpy(),
    )
    table["treated"] = table["treated"].astype(str)
    table["control"] = table["control"].astype(str)
    return BaconDecomposition(table, by_kind, float(beta["D"]), n_total, dropped)
