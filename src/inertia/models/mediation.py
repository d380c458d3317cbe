r"""Serial mediation of the role chain W -> D -> R -> y on within-transformed panel data.

The chain reaction of chapter 5 (docs/design.md section 3) is Hayes' PROCESS model 6
with two serial mediators (Hayes 2018, *Introduction to Mediation, Moderation,
and Conditional Process Analysis*, 2nd ed., Guilford, ch. 5), estimated on
data from which city and year effects have been removed:

.. math::

    \ddot D_{it} &= a_1 \ddot W_{it} + \ddot c_{1,it}'\gamma_1 + e_{1,it}

    \ddot R_{it} &= a_2 \ddot D_{it} + a_3 \ddot W_{it} + \ddot c_{2,it}'\gamma_2 + e_{2,it}

    \ddot y_{it} &= b_1 \ddot W_{it} + b_2 \ddot D_{it} + b_3 \ddot R_{it}
        + \ddot c_{3,it}'\gamma_3 + e_{3,it}

where :math:`\ddot v` is the two-way within transformation of :math:`v`: the
residual of :math:`v` on city and year dummies. By Frisch-Waugh-Lovell each
equation then gives exactly the coefficients of linearmodels
``PanelOLS(..., entity_effects=True, time_effects=True)``, on balanced *and*
unbalanced panels (the residuals are computed exactly, not by the balanced-panel
formula :math:`v - \bar v_{i\cdot} - \bar v_{\cdot t} + \bar v`).

Paths (the panel adaptation of PROCESS model 6: the effects are *within-city*
effects of year-to-year variation, net of common year shocks):

==========================  ==========================================
``direct_W_y``              :math:`b_1`
``direct_D_y``              :math:`b_2`
``direct_R_y``              :math:`b_3`
``a1_W_D`` ...              :math:`a_1, a_2, a_3` (``a2_D_R``, ``a3_W_R``)
``indirect_W_D_y``          :math:`a_1 b_2`
``indirect_W_R_y``          :math:`a_3 b_3`
``indirect_W_D_R_y``        :math:`a_1 a_2 b_3`
``indirect_D_R_y``          :math:`a_2 b_3`
``total_indirect_W``        :math:`a_1 b_2 + a_3 b_3 + a_1 a_2 b_3`
``total_W``                 :math:`b_1 + a_1 b_2 + a_3 b_3 + a_1 a_2 b_3`
``total_D``                 :math:`b_2 + a_2 b_3`
``proportion_mediated_W``   ``total_indirect_W / total_W``
==========================  ==========================================

Inference is by a **cluster (city) bootstrap**: each draw resamples whole
cities with replacement; a city drawn twice enters as two distinct cities, so
each copy gets its own city effect. Standard errors are the standard
deviations of the draws; intervals are percentile and bias-corrected (BC)
percentile intervals (Efron & Tibshirani 1993, *An Introduction to the
Bootstrap*, ch. 14; the BC interval is the one PROCESS reports by default in
its first versions). The draws are computed from per-city cross-product blocks
(see :class:`_Blocks`), so a draw costs a few microseconds and never touches
pandas.

Per-equation controls identify the chain when a mediator has other parents:
in the simulated panel the true R equation also contains the neighbours'
deviation and the city's lagged deviation, so the recovery test passes
``controls={"m2": ["neighbour_deviation", "lagged_deviation"]}``. Without them
:math:`a_2` absorbs the part of those terms correlated with own deviation.

All equations use one common sample: the city-years with every variable of
every equation observed (listwise deletion), so the paths multiply coherently.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from inertia.errors import DataError, ParameterError
from inertia.results import EstimationResultsMixin
from inertia.transforms import calendar_lags

__all__ = [
    "COEFFICIENT_NAMES",
    "MediationResult",
    "SensitivityResult",
    "bias_corrected_interval",
    "error_correlation_shift",
    "path_values",
    "sensitivity",
    "serial_mediation",
    "shock_propagation",
]

#: Order of the six chain coefficients in :attr:`MediationResult.boot`.
COEFFICIENT_NAMES: tuple[str, ...] = ("a1", "a2", "a3", "b1", "b2", "b3")

#: Paths reported, as (name, description).
PATHS: tuple[tuple[str, str], ...] = (
    ("a1_W_D", "W -> D (a1)"),
    ("a2_D_R", "D -> R (a2)"),
    ("a3_W_R", "W -> R (a3)"),
    ("direct_W_y", "W -> y direct (b1)"),
    ("direct_D_y", "D -> y direct (b2)"),
    ("direct_R_y", "R -> y direct (b3)"),
    ("indirect_W_D_y", "W -> D -> y (a1 b2)"),
    ("indirect_W_R_y", "W -> R -> y (a3 b3)"),
    ("indirect_W_D_R_y", "W -> D -> R -> y (a1 a2 b3)"),
    ("indirect_D_R_y", "D -> R -> y (a2 b3)"),
    ("total_indirect_W", "W -> y indirect (a1 b2 + a3 b3 + a1 a2 b3)"),
    ("total_W", "W -> y total"),
    ("total_D", "D -> y total (b2 + a2 b3)"),
    ("proportion_mediated_W", "share of the W total that is indirect"),
)
EQUATIONS = ("m1", "m2", "y")


def path_values(coefficients: np.ndarray) -> np.ndarray:
    """Paths of :data:`PATHS` from the chain coefficients.

    ``coefficients`` is one vector or a stack of draws whose last axis holds
    the six coefficients in :data:`COEFFICIENT_NAMES` order.

    Parameters
    ----------
    coefficients : ndarray, shape (..., 6)
        ``a1, a2, a3, b1, b2, b3`` on the last axis.

    Returns
    -------
    ndarray, shape (..., len(PATHS))
        The paths in :data:`PATHS` order on the last axis; the proportion
        mediated is NaN where the total effect is zero.
    """
    coef = np.asarray(coefficients, dtype=float)
    a1, a2, a3, b1, b2, b3 = (coef[..., k] for k in range(6))
    ind_wdy, ind_wry, ind_wdry = a1 * b2, a3 * b3, a1 * a2 * b3
    indirect = ind_wdy + ind_wry + ind_wdry
    total = b1 + indirect
    with np.errstate(divide="ignore", invalid="ignore"):
        proportion = np.where(total != 0, indirect / np.where(total != 0, total, 1.0), np.nan)
    return np.stack(
        [
            a1,
            a2,
            a3,
            b1,
            b2,
            b3,
            ind_wdy,
            ind_wry,
            ind_wdry,
            a2 * b3,
            indirect,
            total,
            b2 + a2 * b3,
            proportion,
        ],
        axis=-1,
    )


def bias_corrected_interval(
    draws: np.ndarray, estimate: float, ci: float = 0.95
) -> tuple[float, float]:
    r"""Bias-corrected (BC) percentile bootstrap interval.

    .. math::

        z_0 = \Phi^{-1}\Big(\frac{\#\{\theta^*_b < \hat\theta\} + \tfrac12
              \#\{\theta^*_b = \hat\theta\}}{B}\Big),\quad
        \alpha_{lo} = \Phi(2 z_0 + z_{(1-c)/2}),\quad
        \alpha_{hi} = \Phi(2 z_0 + z_{(1+c)/2}),

    and the interval is the :math:`\alpha_{lo}` and :math:`\alpha_{hi}`
    quantiles of the draws (numpy's linear interpolation). With
    :math:`z_0 = 0` (half the draws below the estimate) it is the percentile
    interval. Efron & Tibshirani (1993), *An Introduction to the Bootstrap*,
    section 14.3 (the BCa interval with acceleration 0). NaN when all draws lie
    on one side of the estimate or there are no finite draws.

    Parameters
    ----------
    draws : ndarray
        Bootstrap draws :math:`\theta^*_b` (non-finite ones are dropped).
    estimate : float
        The point estimate :math:`\hat\theta`.
    ci : float, default 0.95
        Confidence level :math:`c`.

    Returns
    -------
    (float, float)
        Lower and upper bound.
    """
    values = np.asarray(draws, dtype=float)
    values = values[np.isfinite(values)]
    if values.size == 0 or not np.isfinite(estimate):
        return (np.nan, np.nan)
    share = (np.sum(values < estimate) + 0.5 * np.sum(values == estimate)) / values.size
    if share <= 0.0 or share >= 1.0:
        return (np.nan, np.nan)
    z0 = stats.norm.ppf(share)
    alpha = (1.0 - ci) / 2.0
    lo = stats.norm.cdf(2.0 * z0 + stats.norm.ppf(alpha))
    hi = stats.norm.cdf(2.0 * z0 + stats.norm.ppf(1.0 - alpha))
    return (float(np.quantile(values, lo)), float(np.quantile(values, hi)))


@dataclass
class MediationResult(EstimationResultsMixin):
    """A fitted serial mediation with its city-bootstrap draws.

    An :class:`inertia.results.EstimationResults` over the six chain
    coefficients ``a1, a2, a3, b1, b2, b3`` (:data:`COEFFICIENT_NAMES`):
    ``cov`` is their bootstrap covariance (:attr:`covariance`, the draws in
    which all six are identified), ``std_errors`` its root diagonal, ``nobs``
    the city-years :attr:`n`, and t and Wald statistics are referred to the
    normal and :math:`\\chi^2` (a bootstrap covariance has no degrees of
    freedom). The paths, products of the coefficients, have their percentile
    and bias-corrected intervals in :attr:`paths`.

    Attributes
    ----------
    paths : DataFrame
        One row per path (:data:`PATHS`): ``path, description, estimate, se``
        (s.d. of the bootstrap draws), ``ci_low, ci_high`` (percentile),
        ``bc_low, bc_high`` (bias-corrected), ``ci`` (level).
    coefficients : DataFrame
        Every coefficient of the three equations: ``equation`` (``m1``, ``m2``,
        ``y``), ``dependent``, ``term``, ``estimate``, ``se`` (bootstrap; NaN
        for controls, whose draws are not kept).
    boot : ndarray, shape (n_boot, 6)
        Bootstrap draws of ``a1, a2, a3, b1, b2, b3`` (:data:`COEFFICIENT_NAMES`).
    boot_paths : ndarray, shape (n_boot, len(PATHS))
        The paths of each draw.
    persistence : DataFrame
        ``variable, role, estimate, se, n``: AR(1) coefficient of each of
        x, m1, m2 and y on two-way within-transformed data (used by
        :func:`shock_propagation`).
    boot_persistence : ndarray, shape (n_boot, 4)
        Their draws, from the same resampled cities (order x, m1, m2, y).
    n, n_entities, n_periods : int
        City-years, cities and years in the common sample.
    n_boot, seed : int
    ci : float
    variables : dict
        ``x, m1, m2, y, entity, time``.
    controls : dict
        Controls per equation (``m1``, ``m2``, ``y``).
    instruments : dict
        Regressor -> instrument of the measurement-error correction (empty: OLS).
    n_failed : int
        Bootstrap draws whose chain coefficients are not identified (a chain
        variable without within variation in the resample); they are NaN in
        ``boot`` and left out of the SEs and intervals.
    boot_terms : dict
        Equation (``m1``, ``m2``, ``y``) -> draws ``(n_boot, k)`` of every
        coefficient of that equation, controls included, in the order of its
        rows in ``coefficients`` (e.g. the neighbours' deviation in ``m2``).
    boot_counts : ndarray, shape (n_boot, len(entities))
        How often each draw picks each city: the resample every estimated
        piece of a later chapter can reuse (:mod:`inertia.chapters.corrective_measures`).
    entities : ndarray
        The city codes in the column order of ``boot_counts``.
    columns : tuple of str
        The variables of the residual cross products, in their order.
    equations : dict
        Equation -> (dependent, regressors).
    moments, boot_moments : ndarray
        Residual cross products (``columns`` x ``columns``) of the two-way
        within-transformed sample, and of every bootstrap draw: what
        :func:`sensitivity` needs.
    """

    paths: pd.DataFrame
    coefficients: pd.DataFrame
    boot: np.ndarray
    boot_paths: np.ndarray
    persistence: pd.DataFrame
    boot_persistence: np.ndarray
    n: int
    n_entities: int
    n_periods: int
    n_boot: int
    seed: int | None
    ci: float
    variables: dict[str, str] = field(default_factory=dict)
    controls: dict[str, tuple[str, ...]] = field(default_factory=dict)
    instruments: dict[str, str] = field(default_factory=dict)
    n_failed: int = 0
    boot_terms: dict[str, np.ndarray] = field(default_factory=dict)
    boot_counts: np.ndarray = field(default_factory=lambda: np.zeros((0, 0)))
    entities: np.ndarray = field(default_factory=lambda: np.zeros(0))
    columns: tuple[str, ...] = ()
    equations: dict[str, tuple[str, tuple[str, ...]]] = field(default_factory=dict)
    moments: np.ndarray = field(default_factory=lambda: np.zeros((0, 0)))
    boot_moments: np.ndarray = field(default_factory=lambda: np.zeros((0, 0, 0)))

    @property
    def estimates(self) -> np.ndarray:
        """Point estimates of ``a1, a2, a3, b1, b2, b3``."""
        table = self.paths.set_index("path")["estimate"]
        return table.loc[
            ["a1_W_D", "a2_D_R", "a3_W_R", "direct_W_y", "direct_D_y", "direct_R_y"]
        ].to_numpy(dtype=float)

    @property
    def covariance(self) -> np.ndarray:
        """Bootstrap covariance (6 x 6) of ``a1, a2, a3, b1, b2, b3`` (NaN without draws)."""
        finite = self.boot[np.all(np.isfinite(self.boot), axis=1)]
        if finite.shape[0] < 2:
            return np.full((6, 6), np.nan)
        return np.cov(finite, rowvar=False)

    @property
    def params(self) -> pd.Series:
        """The chain coefficients ``a1, a2, a3, b1, b2, b3`` (:attr:`estimates`)."""
        return pd.Series(self.estimates, index=pd.Index(COEFFICIENT_NAMES, name="term"))

    @property
    def cov(self) -> pd.DataFrame:
        """:attr:`covariance` labelled by :data:`COEFFICIENT_NAMES`."""
        return pd.DataFrame(self.covariance, index=COEFFICIENT_NAMES, columns=COEFFICIENT_NAMES)

    @property
    def std_errors(self) -> pd.Series:
        """Root diagonal of :attr:`cov` (NaN without two complete draws)."""
        return pd.Series(np.sqrt(np.diag(self.covariance)), index=self.params.index)

    @property
    def nobs(self) -> int:
        """City-years in the common sample (:attr:`n`)."""
        return self.n

    @property
    def inference_df(self) -> None:
        """None: statistics on the bootstrap covariance are referred to the normal.

        Returns
        -------
        None
        """
        return None


# --------------------------------------------------------------------------- machinery


def _normalise_controls(
    controls: Sequence[str] | Mapping[str, Sequence[str]],
) -> dict[str, tuple[str, ...]]:
    if isinstance(controls, str):
        controls = [controls]
    if isinstance(controls, Mapping):
        unknown = sorted(set(controls) - set(EQUATIONS) - {"all"})
        if unknown:
            raise ParameterError(
                f"Serial mediation: controls keys must be among {EQUATIONS} or 'all'; "
                f"got {unknown}."
            )
        common = tuple(controls.get("all", ()))
        out = {eq: tuple(dict.fromkeys([*common, *controls.get(eq, ())])) for eq in EQUATIONS}
    else:
        out = dict.fromkeys(EQUATIONS, tuple(dict.fromkeys(controls)))
    for eq, names in out.items():
        if any(not isinstance(name, str) for name in names):
            raise ParameterError(f"Serial mediation: controls of {eq!r} must be column names.")
    return out


class _Blocks:
    r"""Per-city cross products that make a two-way within regression a sum over cities.

    For city :math:`g`, let :math:`\tilde Z_g` be its variables demeaned
    within the city and :math:`\tilde T_g` its year dummies (first year
    dropped) demeaned within the city. With city weights :math:`c_g` (how
    often a bootstrap draw picks the city) the two-way residual cross
    products are, by Frisch-Waugh-Lovell,

    .. math::

        M = S_{ZZ} - S_{ZT} S_{TT}^{+} S_{TZ},\qquad
        S_{AB} = \sum_g c_g \tilde A_g' \tilde B_g,

    exact on unbalanced panels; each copy of a resampled city has its own
    city effect because the within-city demeaning is done per copy.
    """

    def __init__(
        self,
        frame: pd.DataFrame,
        columns: Sequence[str],
        entity: str,
        time: str,
        entities: np.ndarray,
        periods: np.ndarray,
    ) -> None:
        self.k = len(columns)
        n_dummies = max(len(periods) - 1, 0)
        size = self.k + n_dummies
        n_groups = len(entities)
        group = np.searchsorted(entities, frame[entity].to_numpy())
        order = np.argsort(group, kind="stable")
        group = group[order]
        stacked = np.zeros((len(frame), size))
        stacked[:, : self.k] = frame[list(columns)].to_numpy(dtype=float)[order]
        year = np.searchsorted(periods, frame[time].to_numpy())[order]
        dummy = year >= 1  # the first year is the omitted dummy
        stacked[np.flatnonzero(dummy), self.k + year[dummy] - 1] = 1.0
        # Demean within each city, then sum the outer products city by city.
        rows_per_group = np.bincount(group, minlength=n_groups)
        means = np.zeros((n_groups, size))
        np.add.at(means, group, stacked)
        means /= np.maximum(rows_per_group, 1)[:, None]
        stacked -= means[group]
        outer = stacked[:, :, None] * stacked[:, None, :]
        self.blocks = np.zeros((n_groups, size, size))
        if len(frame):
            starts = np.flatnonzero(np.r_[True, group[1:] != group[:-1]])
            self.blocks[group[starts]] = np.add.reduceat(outer, starts, axis=0)
        self.flat = self.blocks.reshape(n_groups, -1)
        self.size = size

    def residual_moments(self, counts: np.ndarray) -> np.ndarray:
        """Two-way residual cross products ``(n_draws, k, k)`` for city weights ``(n_draws, G)``."""
        sums = (counts @ self.flat).reshape(-1, self.size, self.size)
        k = self.k
        szz, szt, stt = sums[:, :k, :k], sums[:, :k, k:], sums[:, k:, k:]
        if stt.shape[-1] == 0:
            return szz
        try:
            # S_TT^{-1} S_TZ; a draw missing a whole year makes S_TT singular: pseudo-inverse.
            solved = np.linalg.solve(stt, np.swapaxes(szt, 1, 2))
            if not np.all(np.isfinite(solved)):
                raise np.linalg.LinAlgError
        except np.linalg.LinAlgError:
            solved = np.linalg.pinv(stt, hermitian=True) @ np.swapaxes(szt, 1, 2)
        return szz - szt @ solved


def _solve(
    moments: np.ndarray,
    regressors: Sequence[int],
    dependent: int,
    reference: np.ndarray,
    n_chain: int,
    instruments: Sequence[int] | None = None,
) -> np.ndarray:
    """OLS or just-identified IV coefficients ``(n_draws, len(regressors))`` from cross products.

    With ``instruments`` (one column per regressor, a regressor's own
    position for an exogenous one) the coefficients solve
    :math:`Z'X b = Z'y`, the just-identified 2SLS estimator; without, OLS.

    A bootstrap draw can leave a control without within variation (e.g. no
    city of one cluster drawn, so its milestone exposure is zero after the
    within transformation). Such a regressor, with residual sum of squares
    below ``1e-10`` times its full-sample value ``reference``, is dropped from
    that draw (coefficient 0), as a regression package drops a collinear
    column. If one of the first ``n_chain`` regressors (the chain variables)
    is dropped, or the draw's design is still singular, the draw's
    coefficients are NaN.
    """
    regressors = list(regressors)
    instruments = regressors if instruments is None else list(instruments)
    xx = moments[:, instruments][:, :, regressors].copy()
    xy = moments[:, instruments, dependent].copy()
    diagonal = np.diagonal(moments[:, regressors][:, :, regressors], axis1=1, axis2=2)
    dead = diagonal <= 1e-10 * reference[None, :]
    if dead.any():
        draw, column = np.nonzero(dead)
        xx[draw, column, :] = 0.0
        xx[draw, :, column] = 0.0
        xx[draw, column, column] = 1.0
        xy[draw, column] = 0.0
    try:
        coef = np.linalg.solve(xx, xy[..., None])[..., 0]
    except np.linalg.LinAlgError:
        coef = np.full(xy.shape, np.nan)
        for b in range(xx.shape[0]):
            try:
                coef[b] = np.linalg.solve(xx[b], xy[b])
            except np.linalg.LinAlgError:
                continue
    coef[dead[:, :n_chain].any(axis=1)] = np.nan
    return coef


def _summarise(estimates: np.ndarray, draws: np.ndarray, ci: float) -> dict[str, np.ndarray]:
    alpha = (1.0 - ci) / 2.0
    n_boot = draws.shape[0]
    if n_boot >= 2:
        se = np.nanstd(draws, axis=0, ddof=1)
        low = np.nanquantile(draws, alpha, axis=0)
        high = np.nanquantile(draws, 1.0 - alpha, axis=0)
        bc = [bias_corrected_interval(draws[:, j], estimates[j], ci) for j in range(len(estimates))]
    else:
        se = low = high = np.full(len(estimates), np.nan)
        bc = [(np.nan, np.nan)] * len(estimates)
    return {
        "se": se,
        "ci_low": low,
        "ci_high": high,
        "bc_low": np.array([b[0] for b in bc]),
        "bc_high": np.array([b[1] for b in bc]),
    }


def _lagged(frame: pd.DataFrame, column: str, entity: str, time: str) -> pd.DataFrame:
    """``entity, time, value, lag`` with the calendar-year lag (NaN after a gap) dropped."""
    lag = calendar_lags(frame, [column], [1], entity=entity, time=time)[f"{column}_lag1"]
    out = pd.DataFrame(
        {entity: frame[entity], time: frame[time], "value": frame[column], "lag": lag}
    )
    return out.dropna().reset_index(drop=True)


# --------------------------------------------------------------------------- estimator


def _resolve_columns(
    frame: pd.DataFrame,
    roles: list[str],
    controls: Sequence[str] | Mapping[str, Sequence[str]],
    entity: str,
    time: str,
    instruments: Mapping[str, str] | None,
) -> tuple[dict[str, tuple[str, ...]], dict[str, str], list[str]]:
    """Check the variable names of :func:`serial_mediation` and list the columns it uses.

    Parameters
    ----------
    frame : DataFrame
        The data, with ``entity`` and ``time`` as columns.
    roles : list of str
        ``x, m1, m2, y``.
    controls : sequence of str, or mapping equation -> sequence of str
        As in :func:`serial_mediation`.
    entity, time : str
        City and absorbed-effect columns.
    instruments : mapping regressor -> instrument column, optional
        As in :func:`serial_mediation`.

    Returns
    -------
    per_equation : dict
        Equation (``m1``, ``m2``, ``y``) -> its controls.
    instruments : dict
        Regressor -> instrument column (empty: OLS).
    columns : list of str
        The chain variables, then the controls, then the instruments that are
        not chain variables: the variables of the residual cross products.

    Raises
    ------
    ParameterError
        Equal chain variables, controls that are chain variables, instruments
        for non-regressors, or columns not in ``frame``.
    """
    per_equation = _normalise_controls(controls)
    if len(set(roles)) < 4:
        raise ParameterError(f"Serial mediation: x, m1, m2, y must differ; got {roles}.")
    all_controls = list(dict.fromkeys(c for eq in EQUATIONS for c in per_equation[eq]))
    clash = sorted(set(all_controls) & set(roles))
    if clash:
        raise ParameterError(f"Serial mediation: controls {clash} are also chain variables.")
    x, m1, m2, _ = roles
    instrument_map = dict(instruments or {})
    unknown = sorted(set(instrument_map) - {x, m1, m2, *all_controls})
    if unknown:
        raise ParameterError(
            f"Serial mediation: instruments are given for {unknown}, which are not regressors."
        )
    instrument_columns = [c for c in dict.fromkeys(instrument_map.values()) if c not in roles]
    columns = list(dict.fromkeys([*roles, *all_controls, *instrument_columns]))
    absent = [c for c in [entity, time, *columns] if c not in frame.columns]
    if absent:
        raise ParameterError(
            f"Serial mediation: column(s) {absent} are not in the data; it has "
            f"{list(frame.columns)}."
        )
    return per_equation, instrument_map, columns


def _common_sample(
    frame: pd.DataFrame, columns: list[str], entity: str, time: str, lag_time: str
) -> tuple[pd.DataFrame, pd.DataFrame, np.ndarray, np.ndarray]:
    """The listwise-complete sample of :func:`serial_mediation`, its cities and years.

    Parameters
    ----------
    frame : DataFrame
        The data, with ``entity``, ``time`` and ``lag_time`` as columns.
    columns : list of str
        The variables (see :func:`_resolve_columns`).
    entity, time, lag_time : str
        City, absorbed-effect and calendar-year columns.

    Returns
    -------
    full : DataFrame
        The key columns and ``columns`` (as float) of every row.
    sample : DataFrame
        The rows of ``full`` with every variable observed, sorted by city and year.
    entities : ndarray
        Every city code of ``full``, sorted.
    periods : ndarray
        The values of ``time`` in ``sample``, sorted.

    Raises
    ------
    DataError
        Duplicate city-years, or too few complete city-years or cities for
        city and year effects.
    """
    full = frame[list(dict.fromkeys([entity, time, lag_time, *columns]))].copy()
    full[columns] = full[columns].astype(float)
    sample = full.dropna().sort_values([entity, lag_time], ignore_index=True)
    if sample.duplicated([entity, lag_time]).any():
        raise DataError("Serial mediation: the data have duplicate (entity, time) rows.")
    entities = np.sort(full[entity].unique())
    periods = np.sort(sample[time].unique())
    n_entities = int(sample[entity].nunique())
    if n_entities < 3 or len(sample) < len(columns) + n_entities + len(periods):
        raise DataError(
            f"Serial mediation: only {len(sample)} complete city-years in {n_entities} cities "
            f"for {columns}; too few for city and year effects."
        )
    return full, sample, entities, periods


def _checked_point_moments(blocks: _Blocks, columns: list[str], n_rows: int) -> np.ndarray:
    """Full-sample residual cross products, after checking every variable keeps variation.

    Parameters
    ----------
    blocks : _Blocks
        Per-city cross products of ``columns``.
    columns : list of str
        Their variables, in order.
    n_rows : int
        City-years in the sample (scale of the tolerance).

    Returns
    -------
    ndarray, shape (1, k, k)
        The two-way residual cross products with every city weighted once.

    Raises
    ------
    DataError
        A variable without variation after removing city and year effects.
    """
    n_cities = blocks.blocks.shape[0]
    point_moments = blocks.residual_moments(np.ones((1, n_cities)))
    for j, name in enumerate(columns):
        if point_moments[0, j, j] <= 1e-12 * max(n_rows, 1):
            raise DataError(
                f"Serial mediation: {name!r} has no variation left after removing city and "
                "year effects."
            )
    return point_moments


def _fit_equations(
    moments: np.ndarray,
    equations: Mapping[str, tuple[str, list[str]]],
    position: Mapping[str, int],
    instruments: Mapping[str, str],
    point_moments: np.ndarray,
) -> dict[str, np.ndarray]:
    """Coefficients of the three equations for each set of residual cross products.

    Parameters
    ----------
    moments : ndarray, shape (n_draws, k, k)
        Residual cross products (the full sample, or bootstrap draws).
    equations : mapping
        Equation -> (dependent, regressors), the chain variables first.
    position : mapping
        Variable -> its index in the cross products.
    instruments : mapping
        Regressor -> instrument (a regressor not listed is its own instrument).
    point_moments : ndarray, shape (1, k, k)
        Full-sample cross products: the reference of the collinearity rule of :func:`_solve`.

    Returns
    -------
    dict
        Equation -> coefficients ``(n_draws, len(regressors))``.
    """
    out = {}
    for eq, (dep, regs) in equations.items():
        columns_used = [position[r] for r in regs]
        instrumented = [position[instruments.get(r, r)] for r in regs]
        reference = point_moments[0, columns_used, columns_used]
        n_chain = {"m1": 1, "m2": 2, "y": 3}[eq]
        out[eq] = _solve(moments, columns_used, position[dep], reference, n_chain, instrumented)
    return out


def _chain_draws(coefficients: Mapping[str, np.ndarray]) -> np.ndarray:
    """The six chain coefficients (:data:`COEFFICIENT_NAMES`) from the equations' coefficients.

    Parameters
    ----------
    coefficients : mapping
        Output of :func:`_fit_equations`.

    Returns
    -------
    ndarray, shape (n_draws, 6)
        ``a1, a2, a3, b1, b2, b3`` of each draw.
    """
    return np.column_stack(
        [
            coefficients["m1"][:, 0],
            coefficients["m2"][:, 0],
            coefficients["m2"][:, 1],
            coefficients["y"][:, 0],
            coefficients["y"][:, 1],
            coefficients["y"][:, 2],
        ]
    )


def _bootstrap_counts(
    entities: np.ndarray, sampled: np.ndarray, n_boot: int, seed: int | None
) -> np.ndarray:
    """How often each city-bootstrap draw picks each city.

    Parameters
    ----------
    entities : ndarray
        Every city code, sorted (the columns of the result).
    sampled : ndarray
        The codes of the cities with complete data; only they are resampled
        (the others keep weight zero).
    n_boot : int
        Draws.
    seed : int, optional
        Seed of ``numpy.random.default_rng``.

    Returns
    -------
    ndarray, shape (n_boot, len(entities))
        Each draw picks ``len(sampled)`` cities with replacement.
    """
    if not n_boot:
        return np.zeros((0, len(entities)))
    rng = np.random.default_rng(seed)
    n_entities = len(sampled)
    present = np.isin(entities, sampled)
    picks = rng.multinomial(n_entities, np.full(n_entities, 1.0 / n_entities), size=n_boot)
    counts = np.zeros((n_boot, len(entities)))
    counts[:, present] = picks
    return counts


def _path_table(path_point: np.ndarray, boot_paths: np.ndarray, ci: float) -> pd.DataFrame:
    """The table of :attr:`MediationResult.paths`.

    Parameters
    ----------
    path_point : ndarray, shape (len(PATHS),)
        Point estimates of the paths.
    boot_paths : ndarray, shape (n_boot, len(PATHS))
        Their bootstrap draws.
    ci : float
        Interval level.

    Returns
    -------
    DataFrame
        ``path, description, estimate, se, ci_low, ci_high, bc_low, bc_high, ci``.
    """
    return pd.DataFrame(
        {
            "path": [p for p, _ in PATHS],
            "description": [d for _, d in PATHS],
            "estimate": path_point,
            **_summarise(path_point, boot_paths, ci),
            "ci": ci,
        }
    )


def _coefficient_table(
    equations: Mapping[str, tuple[str, list[str]]],
    point: Mapping[str, np.ndarray],
    boot_coef: Mapping[str, np.ndarray] | None,
    n_boot: int,
) -> pd.DataFrame:
    """The table of :attr:`MediationResult.coefficients`.

    Parameters
    ----------
    equations : mapping
        Equation -> (dependent, regressors).
    point : mapping
        Equation -> full-sample coefficients ``(1, k)``.
    boot_coef : mapping, optional
        Equation -> bootstrap coefficients ``(n_boot, k)`` (None without draws).
    n_boot : int
        Draws.

    Returns
    -------
    DataFrame
        ``equation, dependent, term, estimate, se``: one row per coefficient,
        with the s.d. of its draws (NaN with fewer than two).
    """
    coefficient_rows = []
    for eq, (dep, regs) in equations.items():
        boot_se = (
            np.nanstd(boot_coef[eq], axis=0, ddof=1)
            if boot_coef is not None and n_boot >= 2
            else np.full(len(regs), np.nan)
        )
        for j, term in enumerate(regs):
            coefficient_rows.append((eq, dep, term, float(point[eq][0, j]), float(boot_se[j])))
    return pd.DataFrame(
        coefficient_rows, columns=["equation", "dependent", "term", "estimate", "se"]
    )


def _persistence(
    full: pd.DataFrame,
    roles: list[str],
    entity: str,
    lag_time: str,
    entities: np.ndarray,
    counts: np.ndarray,
) -> tuple[pd.DataFrame, list[np.ndarray]]:
    """Two-way within AR(1) coefficient of each chain variable, with its bootstrap draws.

    Parameters
    ----------
    full : DataFrame
        Every row (see :func:`_common_sample`); each variable uses the rows where it
        and its calendar-year lag are observed.
    roles : list of str
        ``x, m1, m2, y``.
    entity, lag_time : str
        City and calendar-year columns.
    entities : ndarray
        Every city code, sorted (the columns of ``counts``).
    counts : ndarray, shape (n_boot, len(entities))
        The city bootstrap's draws (see :func:`_bootstrap_counts`).

    Returns
    -------
    persistence : DataFrame
        ``variable, role, estimate, se, n`` (NaN where too few consecutive years).
    draws : list of ndarray
        The ``n_boot`` draws of each coefficient, in the order of ``roles``.
    """
    n_boot = counts.shape[0]
    ones = np.ones((1, len(entities)))
    persistence_rows, persistence_draws = [], []
    for role, name in zip(("x", "m1", "m2", "y"), roles, strict=True):
        lagged = _lagged(full[[entity, lag_time, name]].dropna(), name, entity, lag_time)
        estimate, draws_rho = np.nan, np.full(n_boot, np.nan)
        if lagged[entity].nunique() >= 3 and len(lagged) > lagged[entity].nunique() + 2:
            lag_blocks = _Blocks(
                lagged,
                ["value", "lag"],
                entity,
                lag_time,
                entities,
                np.sort(lagged[lag_time].unique()),
            )
            moments = lag_blocks.residual_moments(ones)
            if moments[0, 1, 1] > 0:
                estimate = float(moments[0, 0, 1] / moments[0, 1, 1])
                if n_boot:
                    boot_moments = lag_blocks.residual_moments(counts)
                    with np.errstate(divide="ignore", invalid="ignore"):
                        draws_rho = boot_moments[:, 0, 1] / boot_moments[:, 1, 1]
        # Data without consecutive years (a triennial panel) leave no draw: no SE, no warning.
        finite_draws = np.isfinite(draws_rho).sum()
        se = float(np.nanstd(draws_rho, ddof=1)) if finite_draws >= 2 else np.nan
        persistence_rows.append((name, role, estimate, se, len(lagged)))
        persistence_draws.append(draws_rho)
    persistence = pd.DataFrame(
        persistence_rows, columns=["variable", "role", "estimate", "se", "n"]
    )
    return persistence, persistence_draws


def serial_mediation(
    data: pd.DataFrame,
    x: str = "weakness",
    m1: str = "deviation",
    m2: str = "reinforcement",
    y: str = "shortfall",
    controls: Sequence[str] | Mapping[str, Sequence[str]] = (),
    *,
    entity: str = "code",
    time: str = "year",
    instruments: Mapping[str, str] | None = None,
    lag_time: str | None = None,
    n_boot: int = 1000,
    seed: int | None = 20240601,
    ci: float = 0.95,
) -> MediationResult:
    """Serial mediation x -> m1 -> m2 -> y with city and year effects and a city bootstrap.

    Parameters
    ----------
    data : DataFrame
        Long panel with ``entity`` and ``time`` columns (or a two-level index
        with those names) and the variables.
    x, m1, m2, y : str
        Columns of the antecedent (role weakness), first mediator (role
        deviation), second mediator (negative reinforcement) and outcome (the
        city shortfall, or public-service growth).
    controls : sequence of str, or mapping equation -> sequence of str
        Extra regressors. A sequence enters all three equations; a mapping
        with keys ``"m1"`` (the m1 equation), ``"m2"``, ``"y"`` and ``"all"``
        sets them per equation.
    entity, time : str
        City column and the column of the second absorbed effect: the year, or
        e.g. a cluster-by-year label (its dummies are partialled out exactly).
    instruments : mapping regressor -> instrument column, optional
        Measurement-error correction: wherever a listed variable is a
        regressor, its equation is estimated by just-identified 2SLS with the
        instrument in its place (e.g. each role's marker instrumented by its
        second indicator, :func:`inertia.models.panel.fit_eiv`). As a
        dependent variable it enters as measured (its error only adds noise).
    lag_time : str, optional
        Calendar-year column of the persistence (AR(1)) regressions, when
        ``time`` is not the year (default: ``time``).
    n_boot : int, default 1000
        Bootstrap draws (0: point estimates only).
    seed : int, optional
        Seed of ``numpy.random.default_rng`` for the city resampling.
    ci : float, default 0.95
        Interval level.

    Returns
    -------
    MediationResult

    Raises
    ------
    ParameterError
        Bad column names, level or number of draws.
    DataError
        Too few complete city-years or cities, or a regressor without
        within variation.
    """
    if isinstance(n_boot, bool) or not isinstance(n_boot, int | np.integer) or n_boot < 0:
        raise ParameterError(f"Serial mediation: n_boot must be an integer >= 0; got {n_boot!r}.")
    if not 0.0 < ci < 1.0:
        raise ParameterError(f"Serial mediation: ci must lie strictly between 0 and 1; got {ci!r}.")
    frame = data.reset_index() if entity not in data.columns else data
    roles = [x, m1, m2, y]
    per_equation, instrument_map, columns = _resolve_columns(
        frame, roles, controls, entity, time, instruments
    )
    lag_time = lag_time or time
    full, sample, entities, periods = _common_sample(frame, columns, entity, time, lag_time)

    position = {name: j for j, name in enumerate(columns)}
    equations = {
        "m1": (m1, [x, *per_equation["m1"]]),
        "m2": (m2, [m1, x, *per_equation["m2"]]),
        "y": (y, [x, m1, m2, *per_equation["y"]]),
    }
    blocks = _Blocks(sample, columns, entity, time, entities, periods)
    point_moments = _checked_point_moments(blocks, columns, len(sample))
    point = _fit_equations(point_moments, equations, position, instrument_map, point_moments)

    counts = _bootstrap_counts(entities, sample[entity].unique(), n_boot, seed)
    chain_boot_moments = blocks.residual_moments(counts) if n_boot else None
    boot_coef = (
        _fit_equations(chain_boot_moments, equations, position, instrument_map, point_moments)
        if chain_boot_moments is not None
        else None
    )
    boot = _chain_draws(boot_coef) if boot_coef is not None else np.zeros((0, 6))
    path_point = path_values(_chain_draws(point)[0])
    boot_paths = path_values(boot) if n_boot else np.zeros((0, len(PATHS)))
    persistence, persistence_draws = _persistence(full, roles, entity, lag_time, entities, counts)

    return MediationResult(
        paths=_path_table(path_point, boot_paths, ci),
        coefficients=_coefficient_table(equations, point, boot_coef, n_boot),
        boot=boot,
        boot_paths=boot_paths,
        persistence=persistence,
        boot_persistence=np.column_stack(persistence_draws) if n_boot else np.zeros((0, 4)),
        n=len(sample),
        n_entities=int(sample[entity].nunique()),
        n_periods=len(periods),
        n_boot=int(n_boot),
        seed=seed,
        ci=ci,
        variables={
            "x": x, "m1": m1, "m2": m2, "y": y, "entity": entity, "time": time,
            "lag_time": lag_time,
        },
        controls=per_equation,
        instruments=instrument_map,
        n_failed=int(np.sum(~np.all(np.isfinite(boot), axis=1))),
        boot_terms=(
            {eq: values.copy() for eq, values in boot_coef.items()} if boot_coef else {}
        ),
        boot_counts=counts,
        entities=entities,
        columns=tuple(columns),
        equations={eq: (dep, tuple(regs)) for eq, (dep, regs) in equations.items()},
        moments=point_moments[0],
        boot_moments=(
            chain_boot_moments
            if chain_boot_moments is not None
            else np.zeros((0, len(columns), len(columns)))
        ),
    )


# --------------------------------------------------------------------------- dynamics


def _responses(coef: np.ndarray, rho: np.ndarray, shock: str, horizon: int) -> np.ndarray:
    """Responses ``(..., horizon + 1, 4)`` of x, m1, m2, y to a one-time unit shock."""
    a1, a2, a3, b1, b2, b3 = (coef[..., k] for k in range(6))
    steps = np.arange(horizon + 1)
    decay = rho[..., None] ** steps  # (..., H+1)
    zero = np.zeros_like(decay)
    if shock == "x":
        gains = [np.ones_like(a1), a1, a3 + a2 * a1, b1 + a1 * b2 + a3 * b3 + a1 * a2 * b3]
    elif shock == "m1":
        gains = [np.zeros_like(a1), np.ones_like(a1), a2, b2 + a2 * b3]
    else:
        gains = [np.zeros_like(a1), np.zeros_like(a1), np.ones_like(a1), b3]
    out = [decay * g[..., None] if np.any(g != 0) else zero for g in gains]
    return np.stack(out, axis=-1)


def _quantiles(draws: np.ndarray, alpha: float) -> tuple[np.ndarray, np.ndarray]:
    """Percentiles over axis 0, NaN (without a warning) where no draw is finite."""
    import warnings

    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "All-NaN slice encountered", RuntimeWarning)
        low, high = np.nanquantile(draws, [alpha, 1.0 - alpha], axis=0)
    return low, high


def shock_propagation(
    result: MediationResult, horizon: int = 5, shock: str = "x", ci: float | None = None
) -> pd.DataFrame:
    r"""How a one-time unit shock to a role index propagates through the chain over the years.

    The mediation model is static: the paths are contemporaneous. The only
    dynamics used are the persistence of the shocked index, its AR(1)
    coefficient :math:`\hat\rho` on two-way within-transformed data
    (:attr:`MediationResult.persistence`). A unit innovation to W in year 0
    leaves :math:`W_h = \hat\rho_W^h`, and each year the chain maps it
    contemporaneously: :math:`D_h = a_1 W_h`, :math:`R_h = (a_3 + a_2 a_1) W_h`,
    :math:`y_h = \text{total}_W\, W_h`. A shock to D uses :math:`\hat\rho_D`
    (:math:`R_h = a_2 D_h`, :math:`y_h = (b_2 + a_2 b_3) D_h`); a shock to R uses
    :math:`\hat\rho_R`. This is the persistence-in-errors reading of the
    chain (as in the simulated panel, where each index has AR(1) errors and
    no lagged dependent variable): a shock to W moves D and R only while W
    itself is displaced. ``cumulative`` sums y over the years, the level
    effect when y is a growth rate.

    Caveat: the within AR(1) coefficient has Nickell (1981) bias of about
    :math:`-(1+\rho)/(T-1)` (about -0.1 for T = 18), so the decay shown is
    somewhat too fast.

    Parameters
    ----------
    result : MediationResult
    horizon : int
        Last year after the shock (0 = the shock year).
    shock : {"x", "m1", "m2"}
        Index receiving the unit shock (also accepts the column names).
    ci : float, optional
        Band level (default: the result's).

    Returns
    -------
    DataFrame
        ``horizon, variable, role, estimate, low, high, cumulative,
        cumulative_low, cumulative_high`` (bands: percentiles of the bootstrap
        draws of paths and persistence; NaN without draws).
    """
    names = {result.variables[r]: r for r in ("x", "m1", "m2")}
    shock = names.get(shock, shock)
    if shock not in ("x", "m1", "m2"):
        raise ParameterError(
            f"shock_propagation: shock must be one of x, m1, m2 or {list(names)}; got {shock!r}."
        )
    if isinstance(horizon, bool) or not isinstance(horizon, int | np.integer) or horizon < 0:
        raise ParameterError(
            f"shock_propagation: horizon must be an integer >= 0; got {horizon!r}."
        )
    ci = result.ci if ci is None else ci
    column = {"x": 0, "m1": 1, "m2": 2}[shock]
    rho = float(result.persistence["estimate"].iloc[column])
    point = _responses(result.estimates, np.asarray(rho), shock, horizon)  # (H+1, 4)
    alpha = (1.0 - ci) / 2.0
    if result.boot.shape[0] >= 2:
        draws = _responses(result.boot, result.boot_persistence[:, column], shock, horizon)
        cumulative_draws = np.cumsum(draws, axis=1)
        low, high = _quantiles(draws, alpha)
        c_low, c_high = _quantiles(cumulative_draws, alpha)
    else:
        low = high = c_low = c_high = np.full_like(point, np.nan)
    cumulative = np.cumsum(point, axis=0)
    rows: list[dict[str, Any]] = []
    roles = ("x", "m1", "m2", "y")
    for h in range(horizon + 1):
        for j, role in enumerate(roles):
            rows.append(
                {
                    "horizon": h,
                    "variable": result.variables[role],
                    "role": role,
                    "estimate": point[h, j],
                    "low": low[h, j],
                    "high": high[h, j],
                    "cumulative": cumulative[h, j],
                    "cumulative_low": c_low[h, j],
                    "cumulative_high": c_high[h, j],
                }
            )
    table = pd.DataFrame(rows)
    table.attrs.update(shock=result.variables[shock], persistence=rho, ci=ci)
    return table


# --------------------------------------------------------------------------- sensitivity

#: Error correlations the sensitivity analysis varies: label -> (equation whose
#: error is the mediator's, later equation whose error it is correlated with).
SENSITIVITY_PAIRS: dict[str, tuple[str, str]] = {
    "D_y": ("m1", "y"),
    "R_y": ("m2", "y"),
    "D_R": ("m1", "m2"),
}
#: The indirect effects whose sensitivity is reported.
INDIRECT_PATHS: tuple[str, ...] = (
    "indirect_W_D_y",
    "indirect_W_R_y",
    "indirect_W_D_R_y",
    "indirect_D_R_y",
    "total_indirect_W",
)
#: Default grid of the error correlation.
RHO_GRID = np.round(np.arange(-0.95, 0.9501, 0.01), 2)


def _residual_vector(
    columns: Sequence[str], dependent: str, regressors: Sequence[str], coef: np.ndarray
) -> np.ndarray:
    """Weights ``(n_draws, n_columns)`` that turn the columns into the equation's residual."""
    position = {name: j for j, name in enumerate(columns)}
    out = np.zeros((coef.shape[0], len(columns)))
    out[:, position[dependent]] = 1.0
    for j, name in enumerate(regressors):
        out[:, position[name]] -= coef[:, j]
    return out


def error_correlation_shift(
    moments: np.ndarray,
    columns: Sequence[str],
    mediator: tuple[str, Sequence[str]],
    mediator_coef: np.ndarray,
    outcome: tuple[str, Sequence[str]],
    outcome_coef: np.ndarray,
    instruments: Mapping[str, str] | None = None,
) -> dict[str, np.ndarray]:
    r"""How the later equation's coefficients move with the error correlation :math:`\rho`.

    The sensitivity model of Imai, Keele & Yamamoto (2010, *Statistical
    Science* 25(1), 51-71, section 5; linear structural equations) lets an
    unmeasured confounder correlate the error :math:`e_m` of a mediator's
    equation with the error :math:`e_q` of a later (outcome) equation:
    :math:`e_q = \kappa e_m + u` with :math:`u` uncorrelated with the
    later equation's instruments (its regressors, for OLS). The estimator
    :math:`\hat b = (Z'X)^{-1}Z'q` then converges to :math:`b + \kappa\delta`,
    :math:`\delta = (Z'X)^{-1}Z'e_m`, so the coefficients consistent with
    :math:`\kappa` are :math:`b(\kappa) = \hat b - \kappa\delta`. The
    correlation of the two errors is
    :math:`\rho = \kappa\sigma_m / \sqrt{\kappa^2\sigma_m^2 + \sigma_u^2}`,
    i.e. :math:`\kappa = \rho\,\sigma_u / (\sigma_m\sqrt{1-\rho^2})`, with
    :math:`\sigma_m` and :math:`\sigma_u` the standard deviations of the two
    equations' estimated residuals. When every regressor of the mediator's
    equation is a regressor (with the same instrument) of the later equation,
    :math:`\delta` is the mediator's equation written on the later one's
    regressors, :math:`\hat u` is the later equation's residual exactly, and
    with OLS this is the closed form of Imai, Keele & Yamamoto (2010,
    Theorem 2): the single-mediator effect :math:`\beta_2\gamma(\rho)`
    vanishes at :math:`\rho = \tilde\rho`, the correlation of the mediator's
    and the reduced form's errors. Otherwise (a mediator regressor excluded
    from the later equation) :math:`\sigma_u` is approximated by the later
    equation's residual standard deviation.

    Parameters
    ----------
    moments : ndarray, shape (n_draws, k, k) or (k, k)
        Residual cross products of ``columns`` (:attr:`MediationResult.moments`).
    columns : sequence of str
        The variables of ``moments``, in its order.
    mediator : (str, sequence of str)
        Dependent variable and regressors of the mediator's equation.
    mediator_coef : ndarray, shape (n_draws, k_eq) or (k_eq,)
        Its estimated coefficients, in the regressors' order.
    outcome : (str, sequence of str)
        Dependent variable and regressors of the later equation.
    outcome_coef : ndarray, shape (n_draws, k_eq) or (k_eq,)
        Its estimated coefficients, in the regressors' order.
    instruments : mapping, optional
        Regressor -> instrument of the later equation (2SLS); default OLS.

    Returns
    -------
    dict
        ``delta`` (n_draws, k_outcome): the shift per unit of :math:`\kappa`;
        ``sd_mediator``, ``sd_outcome`` (n_draws,): residual standard deviations
        (same divisor; only their ratio matters).
    """
    moments = np.asarray(moments, dtype=float)
    if moments.ndim == 2:
        moments = moments[None]
    mediator_coef = np.atleast_2d(np.asarray(mediator_coef, dtype=float))
    outcome_coef = np.atleast_2d(np.asarray(outcome_coef, dtype=float))
    instruments = dict(instruments or {})
    position = {name: j for j, name in enumerate(columns)}
    c_m = _residual_vector(columns, mediator[0], mediator[1], mediator_coef)
    c_q = _residual_vector(columns, outcome[0], outcome[1], outcome_coef)
    regressors = [position[r] for r in outcome[1]]
    instrumented = [position[instruments.get(r, r)] for r in outcome[1]]
    zx = moments[:, instrumented][:, :, regressors]
    ze = np.einsum("dzk,dk->dz", moments[:, instrumented, :], c_m)
    with np.errstate(invalid="ignore"):
        delta = np.full(ze.shape, np.nan)
        finite = np.all(np.isfinite(zx), axis=(1, 2)) & np.all(np.isfinite(ze), axis=1)
        if finite.any():
            delta[finite] = np.linalg.solve(zx[finite], ze[finite][..., None])[..., 0]
        var_m = np.einsum("dk,dkl,dl->d", c_m, moments, c_m)
        var_q = np.einsum("dk,dkl,dl->d", c_q, moments, c_q)
    return {
        "delta": delta,
        "sd_mediator": np.sqrt(np.clip(var_m, 0.0, None)),
        "sd_outcome": np.sqrt(np.clip(var_q, 0.0, None)),
    }


def kappa_of_rho(rho: np.ndarray, sd_mediator: np.ndarray, sd_outcome: np.ndarray) -> np.ndarray:
    r"""The confounding coefficient of an error correlation (:func:`error_correlation_shift`).

    Parameters
    ----------
    rho : ndarray, shape (n_rho,)
        Error correlations in (-1, 1).
    sd_mediator, sd_outcome : ndarray, shape (n_draws,)
        :math:`\sigma_m` and :math:`\sigma_u`.

    Returns
    -------
    ndarray, shape (n_draws, n_rho)
        :math:`\kappa = \rho\,\sigma_u / (\sigma_m\sqrt{1-\rho^2})`.
    """
    rho = np.asarray(rho, dtype=float)
    ratio = np.asarray(sd_outcome, dtype=float) / np.asarray(sd_mediator, dtype=float)
    return ratio[..., None] * (rho / np.sqrt(1.0 - rho**2))


def rho_of_kappa(
    kappa: np.ndarray, sd_mediator: np.ndarray, sd_outcome: np.ndarray
) -> np.ndarray:
    r"""The error correlation of a confounding coefficient (the inverse of :func:`kappa_of_rho`).

    Parameters
    ----------
    kappa : ndarray
    sd_mediator, sd_outcome : ndarray
        Broadcast against ``kappa``.

    Returns
    -------
    ndarray
        :math:`\rho = \kappa\sigma_m / \sqrt{\kappa^2\sigma_m^2 + \sigma_u^2}`.
    """
    scaled = np.asarray(kappa, dtype=float) * np.asarray(sd_mediator, dtype=float)
    return scaled / np.sqrt(scaled**2 + np.asarray(sd_outcome, dtype=float) ** 2)


@dataclass
class SensitivityResult:
    """The chain's indirect effects as functions of the error correlations.

    Attributes
    ----------
    rho : ndarray
        The grid of error correlations.
    curves : DataFrame
        ``pair, path, rho, estimate, low, high``: each path's value when the
        pair's errors correlate by ``rho`` (other equations as estimated), and
        the percentile band of the city-bootstrap draws.
    table : DataFrame
        One row per (path, pair) whose path moves with that correlation:
        ``path, description, pair, mediator_equation, later_equation,
        estimate, ci_low, ci_high, rho_zero`` (where the effect vanishes),
        ``rho_zero_low, rho_zero_high`` (percentiles of its draws) and
        ``rho_band_zero`` (the smallest ``|rho|`` on the grid, on the side of
        ``rho_zero``, at which the band covers 0; 0 when it does at ``rho``
        = 0; NaN if nowhere on the grid).
    ci : float
    n_boot : int
    """

    rho: np.ndarray
    curves: pd.DataFrame
    table: pd.DataFrame
    ci: float
    n_boot: int


def _chain_coefficients(result: MediationResult, draws: bool) -> dict[str, np.ndarray]:
    """Per equation, coefficients ``(n, k)``: the point estimate, then (optionally) the draws."""
    out = {}
    for eq, (_, regressors) in result.equations.items():
        rows = result.coefficients[result.coefficients["equation"] == eq]
        point = rows.set_index("term").loc[list(regressors), "estimate"].to_numpy(float)[None]
        out[eq] = np.vstack([point, result.boot_terms[eq]]) if draws else point
    return out


def _six(coefficients: Mapping[str, np.ndarray]) -> np.ndarray:
    """``(..., 6)`` chain coefficients a1, a2, a3, b1, b2, b3 from per-equation arrays."""
    m1, m2, y = coefficients["m1"], coefficients["m2"], coefficients["y"]
    return np.stack(
        [m1[..., 0], m2[..., 0], m2[..., 1], y[..., 0], y[..., 1], y[..., 2]], axis=-1
    )


def sensitivity(
    result: MediationResult,
    rho: Sequence[float] | np.ndarray | None = None,
    *,
    ci: float | None = None,
) -> SensitivityResult:
    r"""Sensitivity of the indirect effects to mediator-outcome confounding (IKY 2010).

    For each pair of :data:`SENSITIVITY_PAIRS` (the deviation equation's error
    with the outcome's, the reinforcement equation's with the outcome's, the
    deviation equation's with the reinforcement equation's) the later
    equation's coefficients are moved as :func:`error_correlation_shift`
    says, the other equations kept as estimated, and every path is
    recomputed. Sequential ignorability is :math:`\rho = 0` for every pair;
    ``rho_zero`` is the correlation at which an indirect effect vanishes.
    Each path is linear in :math:`\kappa` (it has at most one coefficient of
    each equation), so ``rho_zero`` is exact, not read off the grid. The band
    recomputes the whole map in every city-bootstrap draw.

    With the measurement correction the residuals are those of the measured
    markers, so :math:`\rho` is the correlation of the equations' errors as
    measured (each marker's noise included), not of the latent roles' shocks.

    Parameters
    ----------
    result : MediationResult
        :func:`serial_mediation` (with its cross products).
    rho : sequence of float, optional
        Grid in (-1, 1) (default :data:`RHO_GRID`).
    ci : float, optional
        Band level (default: the result's).

    Returns
    -------
    SensitivityResult
    """
    if result.moments.size == 0 or not result.equations:
        raise ParameterError(
            "sensitivity needs a MediationResult with its cross products (serial_mediation)."
        )
    grid = RHO_GRID if rho is None else np.asarray(rho, dtype=float)
    if grid.ndim != 1 or grid.size == 0 or not np.all(np.abs(grid) < 1.0):
        raise ParameterError("sensitivity: rho must be a non-empty grid strictly inside (-1, 1).")
    ci = result.ci if ci is None else float(ci)
    alpha = (1.0 - ci) / 2.0
    with_draws = result.n_boot >= 2 and bool(result.boot_terms)
    coefficients = _chain_coefficients(result, with_draws)
    moments = (
        np.concatenate([result.moments[None], result.boot_moments])
        if with_draws
        else result.moments[None]
    )
    names = [p for p, _ in PATHS]
    described = dict(PATHS)
    curve_rows, table_rows = [], []
    for pair, (mediator_eq, later_eq) in SENSITIVITY_PAIRS.items():
        shift = error_correlation_shift(
            moments,
            result.columns,
            result.equations[mediator_eq],
            coefficients[mediator_eq],
            result.equations[later_eq],
            coefficients[later_eq],
            result.instruments,
        )
        kappa = kappa_of_rho(grid, shift["sd_mediator"], shift["sd_outcome"])  # (n, R)
        moved = dict(coefficients)
        moved[later_eq] = (
            coefficients[later_eq][:, None, :] - kappa[..., None] * shift["delta"][:, None, :]
        )
        for eq in coefficients:
            if eq != later_eq:
                moved[eq] = np.broadcast_to(
                    coefficients[eq][:, None, :],
                    (coefficients[eq].shape[0], grid.size, coefficients[eq].shape[1]),
                )
        paths = path_values(_six(moved))  # (n, R, n_paths)
        # Linear in kappa: value at kappa = 0 and the slope per unit of kappa.
        at_zero = path_values(_six(coefficients))
        unit = dict(coefficients)
        unit[later_eq] = coefficients[later_eq] - shift["delta"]
        slope = path_values(_six(unit)) - at_zero
        with np.errstate(divide="ignore", invalid="ignore"):
            kappa_zero = np.where(slope != 0, -at_zero / slope, np.nan)
        rho_zero = rho_of_kappa(
            kappa_zero, shift["sd_mediator"][:, None], shift["sd_outcome"][:, None]
        )
        if with_draws:
            draws = paths[1:]
            low, high = np.nanquantile(draws, [alpha, 1.0 - alpha], axis=0)
        else:
            low = high = np.full(paths.shape[1:], np.nan)
        for path in INDIRECT_PATHS:
            j = names.index(path)
            if not np.isfinite(slope[0, j]) or abs(slope[0, j]) <= 1e-12 * (
                abs(at_zero[0, j]) + 1e-300
            ):
                continue  # this correlation does not move this path
            curve_rows.append(
                pd.DataFrame(
                    {
                        "pair": pair,
                        "path": path,
                        "rho": grid,
                        "estimate": paths[0, :, j],
                        "low": low[:, j],
                        "high": high[:, j],
                    }
                )
            )
            zero = float(rho_zero[0, j])
            covers = (low[:, j] <= 0.0) & (high[:, j] >= 0.0)
            side = grid * np.sign(zero) >= 0 if np.isfinite(zero) else np.ones_like(grid, bool)
            candidates = np.abs(grid[side & covers])
            if with_draws:
                z_low, z_high = np.nanquantile(rho_zero[1:, j], [alpha, 1.0 - alpha])
            else:
                z_low = z_high = np.nan
            at_zero_row = result.paths.set_index("path").loc[path]
            table_rows.append(
                {
                    "path": path,
                    "description": described[path],
                    "pair": pair,
                    "mediator_equation": mediator_eq,
                    "later_equation": later_eq,
                    "estimate": float(at_zero[0, j]),
                    "ci_low": float(at_zero_row["ci_low"]),
                    "ci_high": float(at_zero_row["ci_high"]),
                    "rho_zero": zero,
                    "rho_zero_low": float(z_low),
                    "rho_zero_high": float(z_high),
                    "rho_band_zero": float(candidates.min()) if candidates.size else np.nan,
                }
            )
    order = {path: k for k, path in enumerate(INDIRECT_PATHS)}
    pairs = {pair: k for k, pair in enumerate(SENSITIVITY_PAIRS)}
    table = pd.DataFrame(table_rows)
    table = table.iloc[
        np.lexsort((table["pair"].map(pairs).to_numpy(), table["path"].map(order).to_numpy()))
    ].reset_index(drop=True)
    return SensitivityResult(
        rho=grid,
        curves=pd.concat(curve_rows, ignore_index=True),
        table=table,
        ci=ci,
        n_boot=int(result.n_boot),
    )
