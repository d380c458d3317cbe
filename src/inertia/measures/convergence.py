"""Sigma and beta convergence of a city-year panel.

``linearmodels`` is imported inside :func:`beta_convergence` only, so that
``import inertia.measures`` stays light.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd

from inertia.errors import DataError, ParameterError

__all__ = [
    "BetaConvergenceResult",
    "beta_convergence",
    "convergence_speed",
    "sigma_convergence",
    "sigma_trend",
]


def _as_columns(panel: pd.DataFrame, needed: Sequence[str], what: str) -> pd.DataFrame:
    """Return ``panel`` with ``needed`` as columns (moving index levels out if necessary)."""
    if not isinstance(panel, pd.DataFrame):
        raise ParameterError(f"{what}: panel must be a pandas DataFrame.")
    frame = panel
    levels = [name for name in frame.index.names if name is not None and name in needed]
    if levels:
        frame = frame.reset_index(level=levels)
    missing = [name for name in needed if name not in frame.columns]
    if missing:
        raise ParameterError(
            f"{what}: the panel has no column or index level {missing}; it has columns "
            f"{list(frame.columns)}. Merge the city roster (inertia.data.reference.cities()) "
            "for 'cluster'."
        )
    return frame


def sigma_convergence(
    panel: pd.DataFrame,
    value: str = "ps",
    by: Sequence[str] = ("cluster", "year"),
    *,
    ddof: int = 0,
) -> pd.DataFrame:
    r"""Sigma convergence: cross-sectional dispersion per group and year.

    For the values :math:`y_{it}` of the :math:`n_{gt}` cities of group
    :math:`g` in year :math:`t` (NaN dropped, so ``n`` may vary by year):

    .. math::

        \mathrm{CV}_{gt} = \frac{s(y_{it})}{\bar y_{gt}},\qquad
        \mathrm{SD\,log}_{gt} = s(\ln y_{it}),

    with :math:`s` the standard deviation with ``ddof`` (default 0, the
    population form). Sigma convergence is a falling dispersion over time;
    :func:`sigma_trend` fits the linear trend
    :math:`\text{dispersion}_{gt} = a_g + b_g t + e_{gt}` by OLS per group,
    and its table is also attached as ``result.attrs["trend"]``.

    Parameters
    ----------
    panel : DataFrame
        Long panel with ``value`` and the ``by`` columns (or index levels).
    value : str, default "ps"
        The variable whose dispersion is measured; must be > 0 (for logs).
    by : sequence of str, default ("cluster", "year")
        Grouping columns; the **last** one is time. ``("year",)`` gives the
        dispersion of the whole sample.
    ddof : int, default 0
        Delta degrees of freedom of the standard deviations.

    Returns
    -------
    DataFrame
        One row per group-year with columns ``by``, ``n``, ``mean``, ``sd``,
        ``cv``, ``sd_log``; ``attrs["trend"]`` holds :func:`sigma_trend` of it.

    References
    ----------
    Barro, R. J., & Sala-i-Martin, X. (1992). Convergence. *Journal of
    Political Economy* 100(2): 223-251.
    Sala-i-Martin, X. (1996). The classical approach to convergence analysis.
    *Economic Journal* 106(437): 1019-1036.
    """
    by = [by] if isinstance(by, str) else list(by)
    frame = _as_columns(panel, [*by, value], "sigma convergence")
    if ddof not in (0, 1):
        raise ParameterError(f"sigma convergence: ddof must be 0 or 1; got {ddof!r}.")
    data = frame[[*by, value]].dropna(subset=[value])
    if (data[value] <= 0).any():
        raise DataError(
            f"sigma convergence: {value!r} must be > 0 for the SD of logs; "
            f"{int((data[value] <= 0).sum())} values are not."
        )
    data = data.assign(_log=np.log(data[value]))
    grouped = data.groupby(by, sort=True)
    table = pd.DataFrame(
        {
            "n": grouped[value].size(),
            "mean": grouped[value].mean(),
            "sd": grouped[value].std(ddof=ddof),
            "sd_log": grouped["_log"].std(ddof=ddof),
        }
    )
    table["cv"] = table["sd"] / table["mean"]
    table = table[["n", "mean", "sd", "cv", "sd_log"]].reset_index()
    table.attrs["trend"] = sigma_trend(table, groups=by[:-1], time=by[-1])
    return table


def sigma_trend(
    dispersion: pd.DataFrame,
    groups: Sequence[str] = ("cluster",),
    time: str = "year",
    measures: Sequence[str] = ("cv", "sd_log"),
) -> pd.DataFrame:
    r"""Linear time trend of dispersion per group, by OLS.

    Fits :math:`m_{gt} = a_g + b_g t + e_{gt}` separately for each group and
    measure, with the classical OLS standard error
    :math:`\mathrm{se}(b) = \sqrt{\hat\sigma^2 / \sum_t (t - \bar t)^2}`,
    :math:`\hat\sigma^2 = \sum e^2/(T - 2)`, and a two-sided t test of
    :math:`b = 0` with :math:`T - 2` degrees of freedom. A negative, significant
    slope is evidence of sigma convergence. Years are few and serially
    correlated, so read the SE as descriptive.

    Parameters
    ----------
    dispersion : DataFrame
        Output of :func:`sigma_convergence`.
    groups : sequence of str
        Group columns (empty for one overall trend).
    time : str
        Time column.
    measures : sequence of str
        Dispersion columns to trend.

    Returns
    -------
    DataFrame
        One row per group and dispersion measure (column ``dispersion``):
        ``slope``, ``se``, ``t``, ``pvalue``, ``n_years``. SE, t and p are NaN
        with fewer than three years.
    """
    from scipy import stats

    groups = list(groups)
    rows = []
    pieces = dispersion.groupby(groups, sort=True) if groups else [((), dispersion)]
    for key, piece in pieces:
        key = key if isinstance(key, tuple) else (key,)
        for measure in measures:
            data = piece[[time, measure]].dropna()
            t = data[time].to_numpy(dtype="float64")
            m = data[measure].to_numpy(dtype="float64")
            n_years = t.size
            slope = se = tstat = pvalue = np.nan
            if n_years >= 2 and np.ptp(t) > 0:
                centred = t - t.mean()
                sxx = (centred**2).sum()
                slope = (centred * (m - m.mean())).sum() / sxx
                if n_years >= 3:
                    residual = m - m.mean() - slope * centred
                    se = np.sqrt((residual**2).sum() / (n_years - 2) / sxx)
                    tstat = slope / se if se > 0 else np.nan
                    pvalue = 2 * stats.t.sf(abs(tstat), n_years - 2) if se > 0 else np.nan
            rows.append(
                {
                    **dict(zip(groups, key, strict=True)),
                    "dispersion": measure,
                    "slope": slope,
                    "se": se,
                    "t": tstat,
                    "pvalue": pvalue,
                    "n_years": n_years,
                }
            )
    return pd.DataFrame(rows)


@dataclass(frozen=True)
class BetaConvergenceResult:
    """Beta-convergence estimate.

    Attributes
    ----------
    beta, se, pvalue : float
        Coefficient on the lagged log level, its (clustered) SE and p-value.
    n : int
        Observations used (city-years with a defined growth rate).
    n_entities : int
        Cities used.
    interval : int
        Growth interval T in years.
    speed : float
        :math:`\\lambda = -\\ln(1 + \\beta)/T`; NaN if :math:`1 + \\beta \\le 0`.
    half_life : float
        :math:`\\ln 2 / \\lambda` in years; NaN unless :math:`\\lambda > 0`.
    effects : str
        ``"twoway"``, ``"entity"`` or ``"none"``.
    conditional : list of str
        Control variables (empty for absolute convergence).
    fitted : linearmodels PanelEffectsResults
        The full fitted model, for tables and diagnostics.
    """

    beta: float
    se: float
    pvalue: float
    n: int
    n_entities: int
    interval: int
    speed: float
    half_life: float
    effects: str
    conditional: list[str] = field(default_factory=list)
    fitted: Any = field(default=None, repr=False)


def convergence_speed(beta: float, interval: int = 1) -> tuple[float, float]:
    r"""Speed :math:`\lambda = -\ln(1+\beta)/T` and half-life :math:`\ln 2/\lambda`.

    Returns NaN speed when :math:`1 + \beta \le 0`, and NaN half-life unless
    :math:`\lambda > 0` (no convergence, no half-life).

    Parameters
    ----------
    beta : float
        Slope of the beta-convergence regression (:func:`beta_convergence`).
    interval : int, default 1
        Years :math:`T` between the two levels the growth is measured over.

    Returns
    -------
    speed : float
        :math:`\lambda` per year (NaN when :math:`1 + \beta \le 0`).
    half_life : float
        Years to close half the gap, :math:`\ln 2/\lambda` (NaN unless :math:`\lambda > 0`).
    """
    if 1 + beta <= 0:
        return float("nan"), float("nan")
    speed = -np.log1p(beta) / interval
    half_life = np.log(2) / speed if speed > 0 else float("nan")
    return float(speed), float(half_life)


def beta_convergence(
    panel: pd.DataFrame,
    value: str = "ps",
    entity: str = "code",
    time: str = "year",
    conditional: list[str] | None = None,
    effects: Literal["twoway", "entity", "none"] = "twoway",
    cluster: Literal["entity", "time", "twoway"] | None = "entity",
    *,
    interval: int = 1,
) -> BetaConvergenceResult:
    r"""Absolute or conditional beta convergence with panel fixed effects.

    .. math::

        \ln y_{it} - \ln y_{i,t-T} = \alpha + \beta \ln y_{i,t-T}
            + \gamma' x_{it} + \mu_i + \eta_t + \varepsilon_{it},

    estimated with ``linearmodels.PanelOLS`` (``EntityEffects`` for
    :math:`\mu_i`, ``TimeEffects`` for :math:`\eta_t`, per ``effects``).
    :math:`\beta < 0` is convergence; speed :math:`\lambda = -\ln(1+\beta)/T`
    and half-life :math:`\ln 2/\lambda`.

    The lag is the value exactly ``interval`` years earlier for the same
    city (not the previous available row), so a yearbook gap removes the
    growth rates that straddle it. Controls in ``conditional`` enter as
    supplied in the row of year :math:`t`; lag them beforehand if they should
    be predetermined.

    .. warning::

       With entity effects the lagged level is correlated with the demeaned
       error (Nickell 1981): the within estimator of :math:`\beta` is biased
       downward (towards faster convergence) by roughly :math:`-(1+\beta)/(T_i-1)`
       for :math:`T_i` years per city, material in short panels. Report the
       ``effects="none"`` estimate beside it, or use a GMM estimator
       (Arellano-Bond) for inference on the speed.

    Parameters
    ----------
    panel : DataFrame
        Long panel with ``entity``, ``time``, ``value`` and the controls, as
        columns or index levels. ``value`` must be > 0 where present.
    value : str, default "ps"
    entity, time : str, default "code", "year"
    conditional : list of str, optional
        Controls for conditional convergence; None for absolute convergence.
    effects : {"twoway", "entity", "none"}, default "twoway"
        City and year effects, city effects only, or pooled OLS with a constant.
    cluster : {"entity", "time", "twoway"} or None, default "entity"
        Clustering of the SEs (by city by default, because three clusters are
        too few to cluster on); None gives classical SEs.
    interval : int, default 1
        Growth interval T in years.

    Returns
    -------
    BetaConvergenceResult

    References
    ----------
    Barro, R. J., & Sala-i-Martin, X. (1992). Convergence. *Journal of
    Political Economy* 100(2): 223-251.
    Islam, N. (1995). Growth empirics: a panel data approach. *Quarterly
    Journal of Economics* 110(4): 1127-1170.
    Nickell, S. (1981). Biases in dynamic models with fixed effects.
    *Econometrica* 49(6): 1417-1426.
    """
    from linearmodels.panel import PanelOLS

    controls = list(conditional or [])
    if effects not in ("twoway", "entity", "none"):
        raise ParameterError(
            f"beta convergence: effects must be 'twoway', 'entity' or 'none'; got {effects!r}."
        )
    if cluster not in ("entity", "time", "twoway", None):
        raise ParameterError(
            f"beta convergence: cluster must be 'entity', 'time', 'twoway' or None; "
            f"got {cluster!r}."
        )
    if not isinstance(interval, int | np.integer) or interval < 1:
        raise ParameterError(
            f"beta convergence: interval must be a positive integer; got {interval!r}."
        )
    frame = _as_columns(panel, [entity, time, value, *controls], "beta convergence")
    data = frame[[entity, time, value, *controls]].copy()
    if data.duplicated([entity, time]).any():
        raise DataError(f"beta convergence: ({entity}, {time}) is not a unique key of the panel.")
    present = data[value].dropna()
    if (present <= 0).any():
        raise DataError(
            f"beta convergence: {value!r} must be > 0 to take logs; "
            f"{int((present <= 0).sum())} values are not."
        )
    data["log_level"] = np.log(data[value])
    lagged = data[[entity, time, "log_level"]].assign(**{time: data[time] + interval})
    data = data.merge(
        lagged.rename(columns={"log_level": "lag_log_level"}), on=[entity, time], how="left"
    )
    data["growth"] = data["log_level"] - data["lag_log_level"]
    data = data.dropna(subset=["growth", "lag_log_level", *controls])
    if data[entity].nunique() < 2 or len(data) < 3:
        raise DataError(
            f"beta convergence: only {len(data)} growth observations from "
            f"{data[entity].nunique()} cities; need consecutive years for several cities."
        )
    data = data.set_index([entity, time]).sort_index()
    exog = data[["lag_log_level", *controls]].assign(const=1.0)
    model = PanelOLS(
        data["growth"],
        exog[["const", "lag_log_level", *controls]],
        entity_effects=effects in ("twoway", "entity"),
        time_effects=effects == "twoway",
        drop_absorbed=True,
    )
    if cluster is None:
        fitted = model.fit(cov_type="unadjusted")
    else:
        fitted = model.fit(
            cov_type="clustered",
            cluster_entity=cluster in ("entity", "twoway"),
            cluster_time=cluster in ("time", "twoway"),
        )
    beta = float(fitted.params["lag_log_level"])
    speed, half_life = convergence_speed(beta, interval)
    return BetaConvergenceResult(
        beta=beta,
        se=float(fitted.std_errors["lag_log_level"]),
        pvalue=float(fitted.pvalues["lag_log_level"]),
        n=int(fitted.nobs),
        n_entities=int(fitted.entity_info["total"]),
        interval=int(interval),
        speed=speed,
        half_life=half_life,
        effects=effects,
        conditional=controls,
        fitted=fitted,
    )
