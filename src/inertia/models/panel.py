"""Panel models of chapter 4: thin, named wrappers over :mod:`linearmodels`.

Every function takes a long DataFrame with ``code`` and ``year`` columns (or a
(code, year) MultiIndex), drops the rows with a missing value in the variables
it uses, fits one or more linearmodels estimators and returns a dataclass with
the linearmodels result(s) and a tidy coefficient table with columns
``term, coef, se, t, p, ci_low, ci_high, model, se_type``.

Standard errors
---------------
``se="clustered"``
    Clustered by city. The small-sample factor is
    :math:`\\frac{G}{G-1}\\frac{N-1}{N-K}` with :math:`K` counting the absorbed
    fixed effects (linearmodels ``debiased=True, group_debias=True``), which is
    exactly what statsmodels' OLS with city and year dummies and
    ``cov_type="cluster"`` reports. (Stata's ``xtreg, fe`` and ``reghdfe`` do
    not count city effects nested in the clusters, so their SEs are slightly
    smaller.)
``se="driscoll-kraay"``
    Driscoll & Kraay (1998, *Rev. Econ. Stat.* 80(4), 549-560), robust to
    cross-sectional and serial correlation: linearmodels ``cov_type="kernel"``.
    The default bandwidth is Newey & West's rule
    :math:`\\lfloor 4 (T/100)^{2/9} \\rfloor` (linearmodels' rule), computed here and
    recorded in :attr:`PanelFit.bandwidth`. The covariance is scaled by
    :math:`N/(N-K)`, :math:`K` again counting the absorbed effects.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from scipy import stats

from inertia.errors import DataError, ParameterError
from inertia.models.covariance import LinearmodelsResults, linearmodels_options
from inertia.results import EstimationResultsMixin
from inertia.transforms import calendar_lags

if TYPE_CHECKING:
    from libpysal.weights import W

TIDY_COLUMNS = ["term", "coef", "se", "t", "p", "ci_low", "ci_high", "model", "se_type"]


@dataclass
class PanelFit(LinearmodelsResults):
    """One fitted panel model (an :class:`inertia.results.EstimationResults`).

    Attributes
    ----------
    model : str
        Label, e.g. ``"TWFE"``, ``"Random effects"``.
    result : linearmodels results object or AbsorbedIVResult
        The full result (``summary``, ``cov``, ``wald_test`` ...).
    table : DataFrame
        Coefficient table (``TIDY_COLUMNS``), the one :meth:`tidy` returns.
    dependent : str
        Dependent variable.
    regressors : tuple of str
        Regressors in the order given (controls last).
    nobs, n_entities, n_periods : int
        Observations, cities and years in the estimation sample.
    r2_within : float
        For models with city and year effects, the R² of the regression on
        two-way demeaned data (reghdfe's "within R²"); otherwise linearmodels'
        ``rsquared_within``.
    entity_effects, time_effects : bool
        Whether city and year fixed effects are in the model.
    se_type : str
        Human-readable description of the standard errors.
    kernel, bandwidth
        Driscoll-Kraay kernel and the bandwidth actually used (None otherwise).
    extra : dict
        Anything model specific (first-stage diagnostics, tests ...).
    """

    model: str
    result: Any
    table: pd.DataFrame
    dependent: str
    regressors: tuple[str, ...]
    nobs: int
    n_entities: int
    n_periods: int
    r2_within: float
    entity_effects: bool
    time_effects: bool
    se_type: str
    kernel: str | None = None
    bandwidth: float | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def inference_df(self) -> int | None:
        """The result's own rule: an AbsorbedIVResult's ``df``, or linearmodels'.

        Returns
        -------
        int or None
            None when the result's p-values are normal.
        """
        if isinstance(self.result, EstimationResultsMixin):
            return self.result.inference_df
        return super().inference_df

    def tidy(self, level: float = 0.95) -> pd.DataFrame:
        """Coefficient table: :attr:`table`, with the intervals at ``level``.

        Parameters
        ----------
        level : float, default 0.95
            Confidence level of ``ci_low`` and ``ci_high``.

        Returns
        -------
        DataFrame
            ``TIDY_COLUMNS``, the terms of :attr:`table`.
        """
        if level == 0.95:
            return self.table
        table = tidy_result(self.result, self.model, self.se_type, level)
        return table.set_index("term").loc[self.table["term"]].reset_index()


@dataclass
class EstimatorComparison:
    """Pooled OLS, random effects, between and TWFE side by side."""

    fits: dict[str, PanelFit]
    tidy: pd.DataFrame


@dataclass
class MundlakTest:
    r"""Correlated random effects (Mundlak) test.

    ``stat`` is the cluster-robust Wald statistic
    :math:`\hat\delta' \hat V_\delta^{-1} \hat\delta \sim \chi^2_{df}` for
    the coefficients :math:`\delta` on the city means; rejecting says the
    random effects are correlated with the regressors (use fixed effects).
    """

    stat: float
    df: int
    pvalue: float
    mean_terms: tuple[str, ...]
    fit: PanelFit


@dataclass
class ClusterFits:
    """Heterogeneity by cluster.

    ``fits`` holds one TWFE model per cluster; ``slopes`` a pooled TWFE model
    with cluster-specific slopes (terms ``<x>:<cluster>``), and ``equality``
    the cluster-robust Wald test that each regressor's slopes are equal across
    clusters.
    """

    fits: dict[str, PanelFit]
    slopes: PanelFit
    equality: pd.DataFrame
    tidy: pd.DataFrame


@dataclass
class DynamicFit:
    """TWFE with a lagged dependent variable and lags of the regressors.

    ``long_run`` has the long-run effect of each regressor,
    :math:`\\sum_l \\beta_l / (1 - \\sum_k \\rho_k)`, with a delta-method SE.
    """

    fit: PanelFit
    long_run: pd.DataFrame


# ---------------------------------------------------------------------------
# helpers


def _indexed(data: pd.DataFrame, columns: Sequence[str], where: str) -> pd.DataFrame:
    """(code, year)-indexed copy of ``data[columns]`` without missing rows."""
    frame = data
    if not isinstance(frame.index, pd.MultiIndex):
        missing_key = [c for c in ("code", "year") if c not in frame.columns]
        if missing_key:
            raise ParameterError(
                f"{where}: the data need 'code' and 'year' columns or a (code, year) index; "
                f"missing {missing_key}."
            )
        frame = frame.set_index(["code", "year"])
    else:
        frame = frame.copy()
        frame.index = frame.index.set_names(["code", "year"])
    columns = list(dict.fromkeys(columns))
    absent = [c for c in columns if c not in frame.columns]
    if absent:
        raise ParameterError(
            f"{where}: the data have no column(s) {absent}; available: {list(frame.columns)}."
        )
    out = frame[columns].astype(float).dropna().sort_index()
    if out.empty:
        raise DataError(f"{where}: no complete observations of {columns}.")
    return out


def _cov_options(
    se: str, kernel: str, bandwidth: float | None, n_periods: int
) -> tuple[dict[str, Any], str, float | None]:
    """:func:`inertia.models.covariance.linearmodels_options`; ``debiased`` is set per fit."""
    return linearmodels_options(se, n_periods, kernel=kernel, bandwidth=bandwidth)


def tidy_result(result: Any, model: str, se_type: str, level: float = 0.95) -> pd.DataFrame:
    """Tidy coefficient table of a linearmodels result (``TIDY_COLUMNS``).

    Parameters
    ----------
    result : linearmodels result
        A fitted panel or IV model (``params``, ``std_errors``, ``tstats``,
        ``pvalues``, ``conf_int``).
    model : str
        Model label of every row.
    se_type : str
        Description of the standard errors of every row.
    level : float
        Confidence level of ``ci_low`` and ``ci_high``.

    Returns
    -------
    DataFrame
        One row per term, with the columns :data:`TIDY_COLUMNS`.
    """
    ci = result.conf_int(level=level)
    table = pd.DataFrame(
        {
            "term": result.params.index.astype(str),
            "coef": result.params.to_numpy(),
            "se": result.std_errors.to_numpy(),
            "t": result.tstats.to_numpy(),
            "p": result.pvalues.to_numpy(),
            "ci_low": ci.iloc[:, 0].to_numpy(),
            "ci_high": ci.iloc[:, 1].to_numpy(),
        }
    )
    table["model"] = model
    table["se_type"] = se_type
    return table[TIDY_COLUMNS]


def _panel_fit(
    model: str,
    result: Any,
    frame: pd.DataFrame,
    y: str,
    regressors: Sequence[str],
    *,
    entity_effects: bool,
    time_effects: bool,
    se_type: str,
    kernel: str | None = None,
    bandwidth: float | None = None,
) -> PanelFit:
    two_way = entity_effects and time_effects
    r2 = float(result.rsquared if two_way else result.rsquared_within)
    return PanelFit(
        model=model,
        result=result,
        table=tidy_result(result, model, se_type),
        dependent=y,
        regressors=tuple(regressors),
        nobs=int(frame.shape[0]),
        n_entities=int(frame.index.get_level_values(0).nunique()),
        n_periods=int(frame.index.get_level_values(1).nunique()),
        r2_within=r2,
        entity_effects=entity_effects,
        time_effects=time_effects,
        se_type=se_type,
        kernel=kernel,
        bandwidth=bandwidth,
    )


def _wald(params: pd.Series, cov: pd.DataFrame, restriction: np.ndarray) -> tuple[float, int]:
    """Wald statistic of ``restriction @ params = 0``."""
    r = np.atleast_2d(restriction)
    value = r @ params.to_numpy()
    middle = r @ cov.to_numpy() @ r.T
    return float(value @ np.linalg.solve(middle, value)), int(r.shape[0])


def _require_identified(
    where: str, endog: Sequence[str], what: str, instruments: Sequence[str]
) -> None:
    """A ParameterError unless there are at least as many instruments as ``endog``."""
    if len(instruments) < len(endog):
        raise ParameterError(
            f"{where}: {len(endog)} {what} need at least as many instruments; "
            f"got {instruments}."
        )


def _first_stage_table(
    result: Any, instruments: Sequence[str], *, name_instruments: bool = False
) -> pd.DataFrame:
    """First-stage diagnostics of a linearmodels IV fit, one row per endogenous regressor.

    Columns ``endog``, (``instrument``: the instruments joined, when
    ``name_instruments``), ``partial_r2``, ``shea_r2``, ``partial_F``, ``partial_F_p``.
    """
    diagnostics = result.first_stage.diagnostics
    columns: dict[str, Any] = {"endog": diagnostics.index.astype(str)}
    if name_instruments:
        columns["instrument"] = ", ".join(instruments)
    columns.update(
        {
            "partial_r2": diagnostics["partial.rsquared"].to_numpy(),
            "shea_r2": diagnostics["shea.rsquared"].to_numpy(),
            # linearmodels' f.stat is the robust Wald chi2(q) statistic; F = Wald / q.
            "partial_F": diagnostics["f.stat"].to_numpy() / len(instruments),
            "partial_F_p": diagnostics["f.pval"].to_numpy(),
        }
    )
    return pd.DataFrame(columns)


def add_lags(
    data: pd.DataFrame, columns: Sequence[str], lags: int | Sequence[int] = 1
) -> pd.DataFrame:
    """Copy of ``data`` with ``<column>_lag<k>`` = the city's value in year ``t - k``.

    Lags follow calendar years, not rows: when year ``t - k`` is missing
    from the panel the lag is NaN.

    Parameters
    ----------
    data : DataFrame
        Long panel with ``code`` and ``year``.
    columns : sequence of str
        Columns to lag.
    lags : int or sequence of int
        Lag orders, in years.

    Returns
    -------
    DataFrame
        ``data`` with one ``<column>_lag<k>`` column per column and lag.
    """
    lag_list = [lags] if isinstance(lags, int) else list(lags)
    out = data.copy()
    for name, values in calendar_lags(data, columns, lag_list).items():
        out[name] = values.to_numpy()
    return out


# ---------------------------------------------------------------------------
# estimators


def fit_twfe(
    data: pd.DataFrame,
    y: str,
    x: Sequence[str],
    controls: Sequence[str] = (),
    *,
    se: str = "clustered",
    kernel: str = "bartlett",
    bandwidth: float | None = None,
    other: str | None = None,
    name: str = "TWFE",
) -> PanelFit:
    r"""Two-way fixed effects: ``PanelOLS(y ~ x + controls + EntityEffects + TimeEffects)``.

    .. math:: y_{it} = x_{it}'\beta + c_{it}'\gamma + \alpha_i + \lambda_t + \varepsilon_{it}

    (Wooldridge 2010, *Econometric Analysis of Cross Section and Panel Data*,
    ch. 10.) See the module docstring for the SE options.

    Parameters
    ----------
    data : DataFrame
        Long panel with ``code``, ``year`` and the variables.
    y : str
        Dependent variable.
    x : sequence of str
        Regressors of interest.
    controls : sequence of str
        Control variables.
    se : {"clustered", "driscoll-kraay"}
        Standard errors.
    kernel : str
        Driscoll-Kraay kernel (``"bartlett"``, ``"parzen"``, ``"qs"``).
    bandwidth : float, optional
        Driscoll-Kraay bandwidth; default :math:`\lfloor 4 (T/100)^{2/9} \rfloor`.
    other : str, optional
        Integer-coded column of a second effect that replaces the year
        effects (e.g. cluster-by-year), passed to ``PanelOLS(other_effects=...)``.
    name : str
        Model label in the tidy table.

    Returns
    -------
    PanelFit
    """
    from linearmodels.panel import PanelOLS
    from linearmodels.panel.utility import AbsorbingEffectError

    regressors = [*x, *controls]
    frame = _indexed(data, [y, *regressors, *([other] if other else [])], "fit_twfe")
    n_periods = frame.index.get_level_values(1).nunique()
    options, label, used = _cov_options(se, kernel, bandwidth, n_periods)
    if other:
        model = PanelOLS(
            frame[y],
            frame[regressors],
            entity_effects=True,
            other_effects=frame[[other]].astype("int64"),
        )
    else:
        model = PanelOLS(frame[y], frame[regressors], entity_effects=True, time_effects=True)
    try:
        result = model.fit(debiased=True, **options)
    except AbsorbingEffectError as exc:
        raise DataError(
            f"fit_twfe: a regressor of {regressors} does not vary within cities or within "
            f"years, so the city or year effects absorb it ({exc}). Drop it or use "
            "compare_estimators / mundlak_test for time-invariant variables."
        ) from None
    return _panel_fit(
        name,
        result,
        frame,
        y,
        regressors,
        entity_effects=True,
        time_effects=True,
        se_type=label,
        kernel=kernel if se == "driscoll-kraay" else None,
        bandwidth=used,
    )


def compare_estimators(
    data: pd.DataFrame,
    y: str,
    x: Sequence[str],
    controls: Sequence[str] = (),
    *,
    se: str = "clustered",
    kernel: str = "bartlett",
    bandwidth: float | None = None,
) -> EstimatorComparison:
    """Pooled OLS, random effects, between and TWFE on the same sample.

    Pooled OLS and random effects (Swamy-Arora) have a constant and the same
    SEs as TWFE; the between estimator (OLS on city means, one observation per
    city) has heteroskedasticity-robust SEs, since clustering by city is
    then the same as robust.

    Parameters
    ----------
    data, y, x, controls, se, kernel, bandwidth
        As in :func:`fit_twfe`.

    Returns
    -------
    EstimatorComparison
        ``fits`` keyed ``Pooled OLS``, ``Random effects``, ``Between`` and
        ``TWFE``, and their stacked tidy table.
    """
    from linearmodels.panel import BetweenOLS, PooledOLS, RandomEffects

    regressors = [*x, *controls]
    frame = _indexed(data, [y, *regressors], "compare_estimators")
    exog = frame[regressors].assign(const=1.0)[["const", *regressors]]
    n_periods = frame.index.get_level_values(1).nunique()
    options, label, used = _cov_options(se, kernel, bandwidth, n_periods)
    kernel_used = kernel if se == "driscoll-kraay" else None
    fits: dict[str, PanelFit] = {}
    for model_name, estimator in (("Pooled OLS", PooledOLS), ("Random effects", RandomEffects)):
        result = estimator(frame[y], exog).fit(debiased=True, **options)
        fits[model_name] = _panel_fit(
            model_name,
            result,
            frame,
            y,
            regressors,
            entity_effects=False,
            time_effects=False,
            se_type=label,
            kernel=kernel_used,
            bandwidth=used,
        )
    between = BetweenOLS(frame[y], exog).fit(cov_type="robust", debiased=True)
    fits["Between"] = _panel_fit(
        "Between",
        between,
        frame,
        y,
        regressors,
        entity_effects=False,
        time_effects=False,
        se_type="heteroskedasticity-robust (one observation per city)",
    )
    fits["Between"].nobs = fits["Between"].n_entities
    fits["TWFE"] = fit_twfe(
        data, y, x, controls, se=se, kernel=kernel, bandwidth=bandwidth, name="TWFE"
    )
    tidy = pd.concat([fit.tidy() for fit in fits.values()], ignore_index=True)
    return EstimatorComparison(fits=fits, tidy=tidy)


def mundlak_test(
    data: pd.DataFrame,
    y: str,
    x: Sequence[str],
    controls: Sequence[str] = (),
    *,
    estimator: str = "random",
    time_effects: bool = True,
) -> MundlakTest:
    r"""Correlated random effects (Mundlak 1978) test, the robust Hausman alternative.

    Fits

    .. math:: y_{it} = x_{it}'\beta + \bar x_i'\delta + \lambda_t + u_i + \varepsilon_{it}

    by random effects (``estimator="random"``) or pooled OLS (``"pooled"``),
    where :math:`\bar x_i` are the city means of all regressors over the
    estimation sample and :math:`\lambda_t` year dummies (``time_effects``),
    with SEs clustered by city. The statistic is the Wald test of
    :math:`\delta = 0`, asymptotically :math:`\chi^2` with as many degrees of
    freedom as regressors (Wooldridge 2010, section 10.7.3). In a balanced
    panel the pooled CRE coefficient :math:`\hat\beta` equals the fixed-effects
    estimate.

    Mean terms are named ``mean_<x>``.

    Parameters
    ----------
    data, y, x, controls
        As in :func:`fit_twfe`.
    estimator : {"random", "pooled"}
        Estimator of the correlated-random-effects equation.
    time_effects : bool
        Include year dummies.

    Returns
    -------
    MundlakTest
        The Wald statistic, its degrees of freedom and p-value, the mean terms and the fit.
    """
    from linearmodels.panel import PooledOLS, RandomEffects

    estimators: dict[str, type[RandomEffects] | type[PooledOLS]] = {
        "random": RandomEffects,
        "pooled": PooledOLS,
    }
    if estimator not in estimators:
        raise ParameterError(f"estimator must be one of {list(estimators)}, not {estimator!r}.")
    regressors = [*x, *controls]
    frame = _indexed(data, [y, *regressors], "mundlak_test")
    means = frame[regressors].groupby(level="code").transform("mean")
    mean_terms = [f"mean_{c}" for c in regressors]
    means.columns = mean_terms
    exog = pd.concat([frame[regressors], means], axis=1).assign(const=1.0)
    exog = exog[["const", *regressors, *mean_terms]]
    if time_effects:
        years = frame.index.get_level_values("year")
        dummies = pd.get_dummies(years, prefix="year", drop_first=True, dtype=float)
        dummies.index = frame.index
        exog = pd.concat([exog, dummies], axis=1)
    result = estimators[estimator](frame[y], exog).fit(
        cov_type="clustered", cluster_entity=True, group_debias=True, debiased=True
    )
    label = "clustered by city"
    fit = _panel_fit(
        f"Mundlak CRE ({estimator})",
        result,
        frame,
        y,
        regressors,
        entity_effects=False,
        time_effects=time_effects,
        se_type=label,
    )
    names = list(result.params.index)
    restriction = np.zeros((len(mean_terms), len(names)))
    for row, term in enumerate(mean_terms):
        restriction[row, names.index(term)] = 1.0
    stat, df = _wald(result.params, result.cov, restriction)
    return MundlakTest(
        stat=stat,
        df=df,
        pvalue=float(stats.chi2.sf(stat, df)),
        mean_terms=tuple(mean_terms),
        fit=fit,
    )


def two_way_demean(frame: pd.DataFrame) -> pd.DataFrame:
    """Residuals of each column on city and year dummies (exact for unbalanced panels).

    By Frisch-Waugh-Lovell, regressions on these residuals give the TWFE
    coefficients. ``frame`` is (code, year)-indexed without missing values.
    Computed by :meth:`linearmodels.panel.data.PanelData.demean` with
    ``group="both"``: within-city demeaning, then the residuals on the
    within-city-demeaned year dummies, so only the year dummies are ever formed
    (a dense city-dummy matrix would need 1.1 GB and a minute on a county panel).

    Parameters
    ----------
    frame : DataFrame
        Indexed by (``code``, ``year``), numeric columns, no missing values.

    Returns
    -------
    DataFrame
        The residuals, with ``frame``'s index and columns.
    """
    from linearmodels.panel.data import PanelData

    demeaned = PanelData(frame.astype(float)).demean("both").dataframe
    return demeaned.reindex(frame.index)[list(frame.columns)]


def fit_iv(
    data: pd.DataFrame,
    y: str,
    endog: Sequence[str],
    exog: Sequence[str] = (),
    *,
    instruments: str | Sequence[str] = "lag",
    weights: W | None = None,
    name: str = "TWFE-IV",
) -> PanelFit:
    r"""Two-way fixed effects 2SLS, clustered by city.

    All variables are two-way demeaned (residuals on city and year dummies,
    :func:`two_way_demean`) and passed to :class:`linearmodels.iv.IV2SLS`
    without a constant; by Frisch-Waugh-Lovell this is 2SLS with city and
    year dummies among the exogenous regressors. The clustered SEs count only
    the listed regressors in :math:`K` (the dummies are nested in the
    clusters), as Stata's ``ivreghdfe`` does.

    The instruments (``instruments``):

    ``"lag"`` (default)
        The city's own one-year lag of each endogenous regressor,
        ``<x>_lag1``: predetermined, valid if the errors are not serially
        correlated.
    ``"neighbour_lag"``
        The neighbours' one-year-lagged value, ``W_<x>_lag1`` (needs
        ``weights``): exploits strategic interaction among neighbours and is
        valid if neighbours' past choices affect :math:`y` only through
        :math:`x`.
    sequence of str
        Columns of ``data`` used as instruments.

    The first-stage diagnostics (partial R², Shea's partial R², partial F =
    cluster-robust Wald statistic of the excluded instruments over their
    number) are in ``fit.extra["first_stage"]``; the rule of thumb is partial
    F > 10 (Staiger & Stock 1997, *Econometrica* 65(3), 557-586).

    Parameters
    ----------
    data : DataFrame
        Long panel with ``code``, ``year`` and the variables.
    y : str
        Dependent variable.
    endog : sequence of str
        Endogenous regressors.
    exog : sequence of str
        Exogenous regressors.
    instruments : "lag", "neighbour_lag" or sequence of str
        See the instruments above.
    weights : libpysal.weights.W, optional
        Spatial weights with city codes as ids (for ``neighbour_lag``).
    name : str
        Model label in the tidy table.

    Returns
    -------
    PanelFit
        With ``extra["first_stage"]`` (the first-stage diagnostics) and ``extra["instruments"]``.
    """
    from linearmodels.iv import IV2SLS
    from linearmodels.iv.results import IVResults

    endog = list(endog)
    exog = list(exog)
    work = data.copy() if not isinstance(data.index, pd.MultiIndex) else data.reset_index()
    if isinstance(instruments, str):
        if instruments == "lag":
            work = add_lags(work, endog, 1)
            instrument_cols = [f"{c}_lag1" for c in endog]
        elif instruments == "neighbour_lag":
            if weights is None:
                raise ParameterError("instruments='neighbour_lag' needs spatial weights.")
            from inertia.transforms import spatial_lag

            lagged = spatial_lag(work, endog, weights)
            work[lagged.columns] = lagged
            work = add_lags(work, list(lagged.columns), 1)
            instrument_cols = [f"W_{c}_lag1" for c in endog]
        else:
            raise ParameterError(
                "instruments must be 'lag', 'neighbour_lag' or a list of columns, "
                f"not {instruments!r}."
            )
    else:
        instrument_cols = list(instruments)
    _require_identified("fit_iv", endog, "endogenous regressor(s)", instrument_cols)
    frame = _indexed(work, [y, *endog, *exog, *instrument_cols], "fit_iv")
    demeaned = two_way_demean(frame)
    codes = pd.Series(frame.index.get_level_values(0), index=frame.index, name="code")
    result = IV2SLS(
        demeaned[y],
        demeaned[exog] if exog else None,
        demeaned[endog],
        demeaned[instrument_cols],
    ).fit(cov_type="clustered", clusters=codes, debiased=True)
    assert isinstance(result, IVResults), "with endogenous regressors IV2SLS fits IVResults"
    regressors = [*endog, *exog]
    fit = _panel_fit(
        name,
        result,
        frame,
        y,
        regressors,
        entity_effects=True,
        time_effects=True,
        se_type="clustered by city",
    )
    # IV2SLS orders the exogenous regressors first; the table follows the order given.
    fit.table = fit.table.set_index("term").loc[regressors].reset_index()
    fit.extra["first_stage"] = _first_stage_table(result, instrument_cols)
    fit.extra["instruments"] = tuple(instrument_cols)
    return fit


@dataclass
class AbsorbedIVResult(EstimationResultsMixin):
    """2SLS on data with absorbed fixed effects, with the small-sample factor applied.

    An :class:`inertia.results.EstimationResults` with ``inference_df = df``.

    Attributes
    ----------
    params, std_errors, tstats, pvalues : Series
        Indexed by term; p-values and intervals use Student t with
        ``df`` degrees of freedom.
    cov : DataFrame
        Cluster-robust covariance (CR1, :func:`fit_eiv`).
    df : int
        Degrees of freedom of the t distribution (clusters minus one).
    nobs : int
    first_stage : DataFrame
        One row per endogenous regressor: ``endog``, ``instrument``,
        ``partial_r2``, ``shea_r2``, ``partial_F`` (cluster-robust Wald
        statistic of the excluded instruments over their number), ``partial_F_p``.
    rsquared : float
        R² of the second stage on the transformed data.
    """

    params: pd.Series
    std_errors: pd.Series
    cov: pd.DataFrame
    df: int
    nobs: int
    first_stage: pd.DataFrame
    rsquared: float

    @property
    def inference_df(self) -> int | None:
        """Student t's degrees of freedom, :attr:`df` (clusters minus one).

        Returns
        -------
        int
        """
        return self.df

    @property
    def tstats(self) -> pd.Series:
        """t statistics of H0: coefficient = 0."""
        return self.params / self.std_errors

    @property
    def pvalues(self) -> pd.Series:
        """Two-sided p-values (Student t with :attr:`df`)."""
        return pd.Series(2 * stats.t.sf(np.abs(self.tstats), self.df), index=self.params.index)

    def conf_int(self, level: float = 0.95) -> pd.DataFrame:
        """Two-sided intervals (Student t with :attr:`df`).

        Parameters
        ----------
        level : float
            Coverage level.

        Returns
        -------
        DataFrame
            Columns ``lower``, ``upper``, indexed by term.
        """
        critical = stats.t.ppf(0.5 + level / 2, self.df)
        return pd.DataFrame(
            {
                "lower": self.params - critical * self.std_errors,
                "upper": self.params + critical * self.std_errors,
            }
        )


def fit_eiv(
    data: pd.DataFrame,
    y: str,
    markers: Sequence[str],
    instruments: Sequence[str],
    controls: Sequence[str] = (),
    *,
    entity: str = "code",
    other: str = "year",
    name: str = "EIV 2SLS",
) -> PanelFit:
    r"""Errors-in-variables 2SLS: each marker instrumented by another indicator of its dimension.

    .. math:: y_{it} = \sum_d \beta_d x^{(1)}_{d,it} + c_{it}'\gamma + \alpha_i + \mu_{o(it)}
              + \varepsilon_{it},

    where the marker :math:`x^{(1)}_d = L_d + e^{(1)}_d` measures the latent
    dimension :math:`L_d` with error and is instrumented by the second
    indicator :math:`x^{(2)}_d = \lambda_d L_d + \nu_i + e^{(2)}_d` of the same
    dimension. If the two indicators' errors are independent of each other,
    of the other dimensions' errors and of :math:`\varepsilon`, 2SLS is
    consistent for the effect per unit of the latent dimension on the
    marker's scale, where the naive regression on the markers is attenuated by
    their reliability (Griliches & Hausman 1986, *J. Econometrics* 31, 93-118;
    Wansbeek & Meijer 2000, *Measurement Error and Latent Variables in
    Econometrics*, ch. 6). It is preferred when the markers' reliability is
    clearly below one and the first stage is strong (partial F well above 10);
    with weak instruments the naive estimate is the safer one.

    All variables are transformed by :func:`inertia.transforms.absorb`
    (entity effects and the effects of ``other``: the year, or e.g. a
    cluster-by-year label) and passed to :class:`linearmodels.iv.IV2SLS`
    without a constant. SEs are clustered by entity with the CR1 factor
    :math:`\frac{G}{G-1}\frac{N-1}{N-K}`, :math:`K` counting the regressors
    and the absorbed effects, the convention of :func:`fit_twfe`
    (linearmodels ``debiased=True``); t statistics use :math:`t_{G-1}`.

    Parameters
    ----------
    data : DataFrame
        Long panel with ``entity``, ``other``, ``y``, the markers, instruments
        and controls.
    y : str
        Dependent variable.
    markers : sequence of str
        Endogenous regressors (one marker per dimension).
    instruments : sequence of str
        Excluded instruments, at least as many as markers (the second indicators).
    controls : sequence of str
        Exogenous controls.
    entity, other : str
        Columns of the two absorbed effects.
    name : str
        Model label.

    Returns
    -------
    PanelFit
        ``result`` is an :class:`AbsorbedIVResult`; ``extra`` holds
        ``first_stage``, ``instruments`` and ``other_effects``.

    Raises
    ------
    ParameterError
        Fewer instruments than markers, or a missing column.
    DataError
        Too few complete observations or cities.
    """
    from linearmodels.iv import IV2SLS
    from linearmodels.iv.results import IVResults

    from inertia.transforms import absorb, absorbed_dof

    markers, instruments, controls = list(markers), list(instruments), list(controls)
    _require_identified("fit_eiv", markers, "marker(s)", instruments)
    columns = [y, *markers, *instruments, *controls]
    absent = [c for c in [entity, other, *columns] if c not in data.columns]
    if absent:
        raise ParameterError(f"fit_eiv: the data have no column(s) {absent}.")
    time = "year" if "year" in data.columns else other
    sample = data[list(dict.fromkeys([entity, other, time, *columns]))].dropna()
    n_cities = int(sample[entity].nunique())
    if n_cities < 3 or len(sample) <= len(columns) + absorbed_dof(sample, entity=entity,
                                                                   other=other):
        raise DataError(
            f"fit_eiv: only {len(sample)} complete observations in {n_cities} cities for "
            f"{columns}; too few for the fixed effects."
        )
    transformed = absorb(sample, columns, entity=entity, other=other)
    clusters = sample[entity].to_numpy()
    result = IV2SLS(
        transformed[y],
        transformed[controls] if controls else None,
        transformed[markers],
        transformed[instruments],
    ).fit(cov_type="clustered", clusters=clusters, debiased=False)
    assert isinstance(result, IVResults), "with endogenous regressors IV2SLS fits IVResults"
    n = len(sample)
    k = len(markers) + len(controls) + absorbed_dof(sample, entity=entity, other=other)
    factor = n_cities / (n_cities - 1) * (n - 1) / (n - k)
    terms = [*markers, *controls]
    cov = result.cov.loc[terms, terms] * factor
    first_stage = _first_stage_table(result, instruments, name_instruments=True)
    iv = AbsorbedIVResult(
        params=result.params.loc[terms],
        std_errors=pd.Series(np.sqrt(np.diag(cov)), index=terms),
        cov=cov,
        df=n_cities - 1,
        nobs=n,
        first_stage=first_stage,
        rsquared=float(result.rsquared),
    )
    fit = _panel_fit(
        name,
        iv,
        sample.set_index([entity, time]),
        y,
        terms,
        entity_effects=True,
        time_effects=True,
        se_type="clustered by city",
    )
    fit.extra.update(
        first_stage=first_stage, instruments=tuple(instruments), other_effects=other
    )
    return fit


def fit_by_cluster(
    data: pd.DataFrame,
    y: str,
    x: Sequence[str],
    roster: pd.DataFrame,
    controls: Sequence[str] = (),
    *,
    se: str = "clustered",
    kernel: str = "bartlett",
    bandwidth: float | None = None,
) -> ClusterFits:
    r"""Heterogeneity by city cluster: one TWFE per cluster and a pooled slopes model.

    The pooled model replaces each regressor of interest :math:`x` by
    :math:`x \cdot 1[\text{cluster} = c]` for every cluster (terms
    ``<x>:<c>``), keeping common city and year effects and common control
    slopes, and tests equal slopes across clusters with a Wald test
    (:math:`\chi^2`, :math:`C - 1` df) using the model's covariance.

    ``roster`` maps ``code`` (index or column) to ``cluster``, as
    :func:`inertia.data.reference.cities`. In a cluster's own fit, a control
    that does not vary within that cluster's cities (e.g. the closure another
    cluster's plan requires, or a council only one cluster has) is left out,
    since the city effects absorb it.

    Parameters
    ----------
    data, y, x
        As in :func:`fit_twfe`.
    roster : DataFrame
        Maps ``code`` (index or column) to ``cluster``.
    controls, se, kernel, bandwidth
        As in :func:`fit_twfe`.

    Returns
    -------
    ClusterFits
        One TWFE per cluster, the pooled cluster-slopes model and the test of equal
        slopes (see :class:`ClusterFits`).
    """
    cluster_of = _cluster_map(roster)
    work = data.reset_index() if isinstance(data.index, pd.MultiIndex) else data.copy()
    work["cluster"] = work["code"].map(cluster_of)
    unknown = work.loc[work["cluster"].isna(), "code"].unique()
    if len(unknown):
        raise DataError(f"fit_by_cluster: codes not on the roster: {sorted(unknown)[:5]}.")
    clusters = sorted(pd.unique(work["cluster"]), key=lambda c: (_CLUSTER_ORDER.get(c, 99), c))
    def varying(part: pd.DataFrame) -> list[str]:
        used = part.dropna(subset=[y, *x, *controls])
        return [c for c in controls if used.groupby("code")[c].nunique().max() > 1]

    fits = {
        cluster: fit_twfe(
            work[work["cluster"] == cluster],
            y,
            x,
            varying(work[work["cluster"] == cluster]),
            se=se,
            kernel=kernel,
            bandwidth=bandwidth,
            name=f"TWFE {cluster}",
        )
        for cluster in clusters
    }
    interacted = []
    for column in x:
        for cluster in clusters:
            term = f"{column}:{cluster}"
            work[term] = work[column] * (work["cluster"] == cluster)
            interacted.append(term)
    slopes = fit_twfe(
        work,
        y,
        interacted,
        controls,
        se=se,
        kernel=kernel,
        bandwidth=bandwidth,
        name="TWFE cluster slopes",
    )
    names = list(slopes.params.index)
    rows = []
    for column in x:
        restriction = np.zeros((len(clusters) - 1, len(names)))
        first = names.index(f"{column}:{clusters[0]}")
        for row, cluster in enumerate(clusters[1:]):
            restriction[row, first] = 1.0
            restriction[row, names.index(f"{column}:{cluster}")] = -1.0
        stat, df = _wald(slopes.params, slopes.cov, restriction)
        rows.append(
            {"term": column, "stat": stat, "df": df, "pvalue": float(stats.chi2.sf(stat, df))}
        )
    tidy = pd.concat([fit.tidy() for fit in fits.values()] + [slopes.tidy()], ignore_index=True)
    return ClusterFits(fits=fits, slopes=slopes, equality=pd.DataFrame(rows), tidy=tidy)


_CLUSTER_ORDER = {"jjj": 0, "yrd": 1, "prd": 2}


def _cluster_map(roster: pd.DataFrame) -> Mapping[int, str]:
    table = roster.reset_index() if "code" not in roster.columns else roster
    if "cluster" not in table.columns or "code" not in table.columns:
        raise ParameterError("The roster needs 'code' (index or column) and 'cluster'.")
    return dict(zip(table["code"].astype(int), table["cluster"].astype(str), strict=True))


def fit_dynamic(
    data: pd.DataFrame,
    y: str,
    x: Sequence[str],
    controls: Sequence[str] = (),
    *,
    y_lags: int = 1,
    x_lags: Sequence[int] = (0,),
    se: str = "clustered",
    kernel: str = "bartlett",
    bandwidth: float | None = None,
) -> DynamicFit:
    r"""TWFE with lags of the dependent variable and of the regressors.

    .. math:: y_{it} = \sum_{k=1}^{p} \rho_k y_{i,t-k} + \sum_{l \in L} x_{i,t-l}'\beta_l
              + c_{it}'\gamma + \alpha_i + \lambda_t + \varepsilon_{it}

    Lags follow calendar years (:func:`add_lags`); lag 0 is the
    contemporaneous regressor, named as in ``data``.

    Nickell bias: with city effects the within-transformed lagged dependent
    variable is correlated with the transformed error, so :math:`\hat\rho` is
    biased downward by about :math:`-(1+\rho)/(T-1)` for fixed :math:`T`
    (Nickell 1981, *Econometrica* 49(6), 1417-1426); the bias shrinks only as
    :math:`T` grows. With 15-20 years it is small but not negligible: read
    :math:`\hat\rho` as a lower bound and prefer ``y_lags=0`` with lags of the
    regressors when the persistence itself is not of interest.

    ``long_run`` reports :math:`\theta = \sum_l \beta_l / (1 - \sum_k \rho_k)`
    with the delta-method SE :math:`\sqrt{g' V g}`.

    Parameters
    ----------
    data, y, x, controls
        As in :func:`fit_twfe`.
    y_lags : int
        Number of lags of the dependent variable (0: none).
    x_lags : sequence of int
        Lags of each regressor of interest (0: contemporaneous).
    se, kernel, bandwidth
        As in :func:`fit_twfe`.

    Returns
    -------
    DynamicFit
        The fit and the long-run effects (``long_run``).
    """
    if y_lags < 0:
        raise ParameterError(f"y_lags must be >= 0, not {y_lags}.")
    work = data.reset_index() if isinstance(data.index, pd.MultiIndex) else data.copy()
    y_terms: list[str] = []
    if y_lags:
        work = add_lags(work, [y], list(range(1, y_lags + 1)))
        y_terms = [f"{y}_lag{k}" for k in range(1, y_lags + 1)]
    positive = [lag for lag in x_lags if lag > 0]
    if positive:
        work = add_lags(work, list(x), positive)
    x_terms = {
        column: [column if lag == 0 else f"{column}_lag{lag}" for lag in x_lags] for column in x
    }
    regressors = y_terms + [term for terms in x_terms.values() for term in terms]
    fit = fit_twfe(
        work,
        y,
        regressors,
        controls,
        se=se,
        kernel=kernel,
        bandwidth=bandwidth,
        name="Dynamic TWFE",
    )
    params, cov = fit.params, fit.cov
    rho = float(params[y_terms].sum()) if y_terms else 0.0
    rows = []
    for column, terms in x_terms.items():
        beta = float(params[terms].sum())
        theta = beta / (1.0 - rho)
        gradient = pd.Series(0.0, index=params.index)
        gradient[terms] = 1.0 / (1.0 - rho)
        gradient[y_terms] = beta / (1.0 - rho) ** 2
        se_theta = float(np.sqrt(gradient @ cov @ gradient))
        rows.append(
            {
                "term": column,
                "long_run": theta,
                "se": se_theta,
                "z": theta / se_theta,
                "p": float(2 * stats.norm.sf(abs(theta / se_theta))),
            }
        )
    return DynamicFit(fit=fit, long_run=pd.DataFrame(rows))
