"""The results protocol shared by the regression fits, and the tests built on it.

An estimation result is anything with a coefficient vector :math:`\\hat\\beta`
(``params``), its covariance :math:`\\hat V` (``cov``), the standard errors
(``std_errors``), the number of observations (``nobs``) and three methods:
``tidy()``, the coefficient table; ``lincom(weights)``, the test of one linear
combination :math:`w'\\beta`; and ``wald(restrictions)``, the joint test of
:math:`R\\beta = r`. This is the interface of linearmodels and pyfixest
results, so that a renderer can be typed against :class:`EstimationResults`
and read any fit without knowing its estimator.

The module sits below :mod:`inertia.models` in the layers, so that ``report``
and ``viz`` (which may import no estimator) can import it; the models
implement it, usually by inheriting :class:`EstimationResultsMixin`, which
builds ``tidy``, ``lincom`` and ``wald`` from ``params``, ``std_errors``,
``cov`` and the fit's degrees-of-freedom rule (:attr:`~EstimationResultsMixin.inference_df`).

Inference
---------
With ``inference_df`` an integer :math:`d`, the t statistic of a linear
combination is referred to Student's t with :math:`d` degrees of freedom and
the joint test is :math:`F = W/q \\sim F(q, d)`; with ``inference_df`` None,
to the normal and to :math:`W \\sim \\chi^2_q`. Here
:math:`W = (R\\hat\\beta - r)'(R\\hat VR')^{-1}(R\\hat\\beta - r)` for
:math:`q` restrictions (Greene, *Econometric Analysis*, 8th ed., section 5.3),
which is what statsmodels' ``t_test`` and ``wald_test`` compute.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

import numpy as np
import pandas as pd
from scipy import special, stats

from inertia.errors import ParameterError

#: Columns of :meth:`EstimationResults.tidy`, in order (a fit may add columns after them).
TIDY_COLUMNS = ("term", "coef", "se", "t", "p", "ci_low", "ci_high")


def two_sided_pvalues(abs_t: np.ndarray, df: int | None) -> np.ndarray:
    """Two-sided p-values :math:`2P(T > |t|)`: Student t with ``df``, or the normal for None.

    ``scipy.special.stdtr`` is what ``scipy.stats.t.sf`` evaluates, without its
    per-call overhead (the multiverse calls this thousands of times).

    Parameters
    ----------
    abs_t : ndarray
        Absolute t statistics.
    df : int or None
        Degrees of freedom of Student's t; None for the normal.

    Returns
    -------
    ndarray
        Same shape as ``abs_t``.
    """
    if df is None:
        return 2 * special.ndtr(-abs_t)
    return 2 * special.stdtr(df, -abs_t)


def critical_value(q: float, df: int | None) -> float:
    """Quantile ``q`` of Student's t with ``df`` degrees of freedom (the normal for None).

    Parameters
    ----------
    q : float
        Probability, e.g. 0.975 for a two-sided 95% interval.
    df : int or None
        Degrees of freedom; None for the normal.

    Returns
    -------
    float
    """
    return float(special.ndtri(q) if df is None else special.stdtrit(df, q))


@dataclass(frozen=True)
class LinearCombination:
    """Test of one linear combination :math:`w'\\beta = c`.

    Attributes
    ----------
    estimate : float
        :math:`w'\\hat\\beta`.
    se : float
        :math:`\\sqrt{w'\\hat Vw}`.
    statistic : float
        :math:`(w'\\hat\\beta - c)/\\text{se}`.
    p : float
        Two-sided p-value (Student t with ``df``, or normal).
    df : int or None
        Degrees of freedom of the t distribution; None for the normal.
    value : float
        The hypothesised value :math:`c`.
    """

    estimate: float
    se: float
    statistic: float
    p: float
    df: int | None
    value: float = 0.0


@dataclass(frozen=True)
class WaldTest:
    """Joint test of :math:`q` linear restrictions :math:`R\\beta = r`.

    Attributes
    ----------
    statistic : float
        :math:`F = W/q` when ``df_denom`` is given, else the Wald statistic :math:`W`.
    df_num : int
        :math:`q`, the number of restrictions.
    df_denom : int or None
        Denominator degrees of freedom of the F distribution; None for
        :math:`\\chi^2_q`.
    p : float
        Upper-tail probability.
    distribution : str
        ``"F"`` or ``"chi2"``.
    """

    statistic: float
    df_num: int
    df_denom: int | None
    p: float
    distribution: str


@runtime_checkable
class EstimationResults(Protocol):
    """What every regression fit offers a renderer (see the module docstring)."""

    @property
    def params(self) -> pd.Series:
        """Estimated coefficients, indexed by term."""
        ...

    @property
    def std_errors(self) -> pd.Series:
        """Standard errors, indexed by term."""
        ...

    @property
    def cov(self) -> pd.DataFrame:
        """Covariance of the coefficients, terms x terms."""
        ...

    @property
    def nobs(self) -> int:
        """Observations in the estimation sample."""
        ...

    def tidy(self, level: float = 0.95) -> pd.DataFrame:
        """Coefficient table, one row per term, beginning with :data:`TIDY_COLUMNS`.

        Parameters
        ----------
        level : float, default 0.95
            Confidence level of ``ci_low`` and ``ci_high``.

        Returns
        -------
        DataFrame
        """
        ...

    def lincom(
        self, weights: Mapping[str, float] | pd.Series, value: float = 0.0
    ) -> LinearCombination:
        """Test of :math:`w'\\beta = c`.

        Parameters
        ----------
        weights : mapping of str to float, or Series
            Term -> weight; terms not named weigh zero.
        value : float, default 0
            The hypothesised value :math:`c`.

        Returns
        -------
        LinearCombination
        """
        ...

    def wald(
        self,
        restrictions: Sequence[str] | Sequence[Mapping[str, float]] | pd.DataFrame,
        values: Sequence[float] | None = None,
    ) -> WaldTest:
        """Joint test of :math:`R\\beta = r`.

        Parameters
        ----------
        restrictions : sequence of str, sequence of mappings, or DataFrame
            Term names (each coefficient is zero), rows of :math:`R` as mappings
            term -> weight, or :math:`R` with terms as columns.
        values : sequence of float, optional
            :math:`r` (default zeros).

        Returns
        -------
        WaldTest
        """
        ...


@runtime_checkable
class EventTimeResults(EstimationResults, Protocol):
    """An event study of a staggered design: the protocol plus its post mean and pre-trend test.

    :class:`~inertia.models.staggered.StaggeredFit` is one; its terms are the
    event-time coefficients ``lead_k`` and ``lag_k``.
    """

    @property
    def label(self) -> str:
        """The estimator's name in words."""
        ...

    @property
    def coefficients(self) -> pd.DataFrame:
        """One row per event time of the window (``event_time``, ``coef``, ``se`` ...)."""
        ...

    @property
    def post(self) -> tuple[int, int]:
        """First and last event time of the post-milestone mean."""
        ...

    @property
    def post_mean(self) -> float:
        """Mean of the coefficients at the event times :attr:`post`."""
        ...

    @property
    def post_interval(self) -> tuple[float, float]:
        """Two-sided interval of :attr:`post_mean`."""
        ...

    @property
    def pretrend_pvalue(self) -> float:
        """p-value of the joint test that the leads are zero (NaN without leads)."""
        ...


class EstimationResultsMixin:
    """``tidy``, ``lincom`` and ``wald`` from ``params``, ``std_errors``, ``cov`` and a df rule.

    A result class inherits it and supplies ``params``, ``std_errors``,
    ``cov``, ``nobs`` and :attr:`inference_df`.
    """

    params: pd.Series
    std_errors: pd.Series
    cov: pd.DataFrame

    @property
    def inference_df(self) -> int | None:
        """Degrees of freedom of the fit's t and F distributions; None for normal and chi2.

        Returns
        -------
        int or None
        """
        raise NotImplementedError(f"{type(self).__name__} must define inference_df.")

    def tidy(self, level: float = 0.95) -> pd.DataFrame:
        """Coefficient table ``term, coef, se, t, p, ci_low, ci_high``.

        Parameters
        ----------
        level : float, default 0.95
            Confidence level of ``ci_low`` and ``ci_high``.

        Returns
        -------
        DataFrame
            One row per term; p-values and intervals follow :attr:`inference_df`.
        """
        df = self.inference_df
        tstats = self.params / self.std_errors
        crit = critical_value(1 - (1 - level) / 2, df)
        return pd.DataFrame(
            {
                "term": self.params.index.astype(str),
                "coef": self.params.to_numpy(),
                "se": self.std_errors.to_numpy(),
                "t": tstats.to_numpy(),
                "p": two_sided_pvalues(np.abs(tstats.to_numpy()), df),
                "ci_low": (self.params - crit * self.std_errors).to_numpy(),
                "ci_high": (self.params + crit * self.std_errors).to_numpy(),
            }
        )

    def _weights(self, weights: Mapping[str, float] | pd.Series, where: str) -> np.ndarray:
        """Weight vector in the order of ``params`` (terms not named weigh zero)."""
        given = pd.Series(weights, dtype=float)
        unknown = [str(t) for t in given.index if t not in self.params.index]
        if unknown:
            raise ParameterError(
                f"{where}: the fit has no term(s) {unknown}; its terms are "
                f"{[str(t) for t in self.params.index]}."
            )
        if given.empty or not np.isfinite(given.to_numpy()).all():
            raise ParameterError(f"{where}: the weights must be finite and name a term.")
        return given.reindex(self.params.index, fill_value=0.0).to_numpy()

    def lincom(
        self, weights: Mapping[str, float] | pd.Series, value: float = 0.0
    ) -> LinearCombination:
        """Test of one linear combination :math:`w'\\beta = c`, with variance :math:`w'\\hat Vw`.

        Parameters
        ----------
        weights : mapping of str to float, or Series
            Term -> weight; terms not named weigh zero.
        value : float, default 0
            The hypothesised value :math:`c`.

        Returns
        -------
        LinearCombination
        """
        w = self._weights(weights, "lincom")
        # Only the weighted terms enter, so that a term the combination does not
        # name (a coefficient left NaN by a dropped column) cannot spoil it.
        used = np.flatnonzero(w)
        if used.size == 0:
            raise ParameterError("lincom: every weight is zero; give a term a nonzero weight.")
        terms = self.params.index[used]
        cov = self.cov.loc[terms, terms].to_numpy()
        estimate = float(w[used] @ self.params.to_numpy()[used])
        se = float(np.sqrt(max(float(w[used] @ cov @ w[used]), 0.0)))
        df = self.inference_df
        statistic = (estimate - value) / se if se > 0 else float("nan")
        p = float(two_sided_pvalues(np.abs(np.asarray(statistic)), df))
        return LinearCombination(
            estimate=estimate, se=se, statistic=float(statistic), p=p, df=df, value=value
        )

    def wald(
        self,
        restrictions: Sequence[str] | Sequence[Mapping[str, float]] | pd.DataFrame,
        values: Sequence[float] | None = None,
    ) -> WaldTest:
        """Joint test of :math:`R\\beta = r`.

        Parameters
        ----------
        restrictions : sequence of str, sequence of mappings, or DataFrame
            Term names (each coefficient is zero), or one mapping term -> weight
            per restriction (a row of :math:`R`), or :math:`R` as a DataFrame with
            one row per restriction and terms as columns.
        values : sequence of float, optional
            :math:`r`, one per restriction (default zeros).

        Returns
        -------
        WaldTest
            F with ``(q, inference_df)`` degrees of freedom, or chi2 with ``q``
            when :attr:`inference_df` is None.
        """
        if isinstance(restrictions, pd.DataFrame):
            rows: list[Mapping[str, float] | pd.Series] = [
                row for _, row in restrictions.iterrows()
            ]
        else:
            rows = [{r: 1.0} if isinstance(r, str) else r for r in restrictions]
        if not rows:
            raise ParameterError("wald: give at least one restriction.")
        matrix = np.vstack([self._weights(row, "wald") for row in rows])
        r = np.zeros(len(rows)) if values is None else np.asarray(values, dtype=float)
        if r.shape != (len(rows),):
            raise ParameterError(f"wald: {len(rows)} restriction(s) but {r.size} value(s) of r.")
        cov = self.cov.loc[self.params.index, self.params.index].to_numpy()
        middle = matrix @ cov @ matrix.T
        if np.linalg.matrix_rank(middle) < len(rows):
            raise ParameterError(
                "wald: the restrictions are linearly dependent (R V R' is singular); "
                "drop the redundant ones."
            )
        gap = matrix @ self.params.to_numpy() - r
        chi2 = float(gap @ np.linalg.solve(middle, gap))
        q = len(rows)
        df = self.inference_df
        if df is None:
            return WaldTest(chi2, q, None, float(stats.chi2.sf(chi2, q)), "chi2")
        f = chi2 / q
        return WaldTest(f, q, df, float(stats.f.sf(f, q, df)), "F")
