r"""A fast estimation core for fixed-effects regressions repeated many times.

The multiverse, the permutation and bootstrap tests and the validation
harness fit the same small fixed-effects regression thousands of times. This
module absorbs the fixed effects of one estimation sample **once**, in an
:class:`AbsorbedDesign`, and then fits any number of outcomes and regressor
sets on it with numpy (Frisch-Waugh-Lovell: OLS on the demeaned data gives
the fixed-effects coefficients). linearmodels ``PanelOLS``/``IV2SLS`` and
pyfixest stay the reference implementations; the tests hold this core to
them at 1e-8.

Usage
-----
::

    from inertia.models.twfe_core import AbsorbedDesign

    design = AbsorbedDesign.from_frame(frame, ["y", "x1", "x2", "z1", "z2"])
    fit = design.ols("y", ["x1", "x2"], cov="clustered")      # clustered by entity
    fit.params, fit.std_errors, fit.pvalues, fit.conf_int(), fit.tidy()
    kraay = fit.with_cov("driscoll-kraay", bandwidth=2)       # same fit, other SEs
    many = design.ols(["y", "y2"], ["x1", "x2"])              # several outcomes, one solve
    many.params                                               # regressors x outcomes
    iv = design.iv("y", exog=["x2"], endog=["x1"], instruments=["z1", "z2"])
    ivs = design.iv(["y", "y2"], exog=["x2"], endog=["x1"], instruments=["z1", "z2"])
    boot = design.wild_bootstrap("y", ["x1", "x2"], test="x1", draws=999, seed=1)
    boot.pvalue                                               # WCR p-value of x1 = 0
    draws = design.ols(["y"], ["x1", "x2"]).wild_null(["x1"], wild_weights(G, 500))

* :meth:`AbsorbedDesign.from_frame` takes a long frame with ``code`` and
  ``year`` (names configurable), keeps the rows complete on the listed
  columns and absorbs ``effects``: ``"entity+time"`` (default),
  ``"entity+other"`` (city effects and any categorical effect, e.g.
  cluster-by-year cells, given as ``other=``), ``"entity"`` or ``"time"``.
  Demeaned columns are cached by name, so every regressor set, outcome and
  SE type on the same sample reuses them. The constructor
  ``AbsorbedDesign(entity, time, ...)`` takes the id arrays directly; its
  :meth:`~AbsorbedDesign.ols` then takes raw (not demeaned) arrays.
* Outcomes can be many columns at once (bootstrap or simulation draws), in
  :meth:`~AbsorbedDesign.ols` and :meth:`~AbsorbedDesign.iv` alike:
  one solve (one projection on the instruments), one pass for the scores.
  :meth:`~AbsorbedDesign.wild_bootstrap` and :meth:`~AbsorbedDesign.null_draws`
  turn wild-bootstrap draws into extra outcome columns. For draws of your
  own, pass a raw (n, B) array as ``y`` (the design demeans it), or an
  already demeaned one with
  ``y_absorbed=True``; :class:`OLSResults` then holds ``beta``, ``se`` (k, B),
  :meth:`~OLSResults.pvalue_array`, :meth:`~OLSResults.critical_value` and the
  full covariances (B, k, k) on demand, without building pandas objects.
* Results: :class:`OLSResult` (one outcome; ``params``, ``std_errors``,
  ``cov``, ``tstats``, ``pvalues``, ``conf_int()``, ``nobs``, ``df_resid``,
  ``df_model``, ``tidy()``, ``with_cov()``, as linearmodels' results),
  :class:`OLSResults` (many outcomes; DataFrames regressors x outcomes and
  ``result(name)``), :class:`IVResult`, :class:`WildBootstrapResult`.
* Errors: a regressor that the effects absorb, collinear regressors, an
  empty sample or no residual degrees of freedom raise
  :class:`~inertia.errors.DataError` naming the columns; bad options raise
  :class:`~inertia.errors.ParameterError`.

Absorbing the effects
---------------------
One effect: subtract group means (exact). Two effects A (the one with more
levels) and B: by Frisch-Waugh-Lovell the residual on both sets of dummies
is :math:`M_A x - Q Q' M_A x`, where :math:`Q` is an orthonormal basis (QR
with column pivoting, rank tolerance :data:`RANK_TOL` relative to the largest
pivot) of the A-demeaned B dummies. It is exact up to rounding for any
unbalanced panel, with missing cells or a disconnected A-B graph, and costs
:math:`O(n\,L_B)` per column; it is the algorithm of linearmodels'
``PanelOLS`` for two-way effects. When B has more than
``max_dense_levels`` levels (a county-by-year effect, say) the design
switches to alternating projections (Gauss-Seidel demeaning by A then B)
iterated until the largest change is below ``tol`` (default 1e-13) times the
column's scale; :attr:`AbsorbedDesign.method` records which was used.

The absorbed effects counted in the degrees of freedom,
:attr:`AbsorbedDesign.n_effects`, are linearmodels' count :math:`L_A + L_B - 1`
by default; ``effect_dof="rank"`` counts the estimable ones,
:math:`L_A + \operatorname{rank}(M_A D_B)` (:attr:`AbsorbedDesign.effect_rank`),
fewer when the panel is disconnected or one effect is nested in the other
(city effects with cluster-by-year cells: linearmodels then counts the
cluster effects twice). Both agree on a connected two-way panel.

Covariances and small-sample conventions (linearmodels ``PanelOLS``, ``debiased=True``)
--------------------------------------------------------------------------------------
With :math:`N` rows, :math:`k` regressors, :math:`d` absorbed effects,
:math:`A = (\tilde X'\tilde X)^{-1}`, residuals :math:`e` and
:math:`K = k + d` when the effects are counted:

``unadjusted``       :math:`\frac{e'e}{N-K} A`
``robust``           :math:`\frac{N}{N-K} A \left(\sum_i e_i^2 \tilde x_i \tilde x_i'\right) A`
``clustered``        :math:`\frac{G}{G-1}\frac{N-1}{N-K} A \left(\sum_g s_g s_g'\right) A`,
                     :math:`s_g = \sum_{i \in g} \tilde x_i e_i`; clusters default to the entity
``driscoll-kraay``   :math:`\frac{N}{N-K} A \left(\sum_{|l| \le L} w_{|l|}
                     \sum_t h_t h_{t-l}'\right) A`, :math:`h_t = \sum_{i \in t} \tilde x_i e_i`,
                     Bartlett weights
                     :math:`w_l = 1 - l/(L+1)`, lags by position among the periods present,
                     default bandwidth :math:`L = \lfloor 4 (T/100)^{2/9} \rfloor`

``count_effects="auto"`` is linearmodels' rule: the effects are counted in
:math:`K` unless the model has a single effect nested in the clusters (city
effects with city clusters). t statistics, p-values and intervals use
Student t with :math:`N - k - d` degrees of freedom (``debiased=True``) or the
normal (``debiased=False``, which also drops the :math:`N/(N-K)` and
:math:`(N-1)/(N-K)` factors, keeping :math:`G/(G-1)`'s absence as
linearmodels does).

2SLS (:meth:`AbsorbedDesign.iv`) follows linearmodels ``IV2SLS`` on the
demeaned data: :math:`\hat X = P_Z \tilde X`, :math:`A = (\hat X'\hat X)^{-1}`,
scores :math:`\hat x_i e_i`, and :math:`K = k + \text{extra}`, where
``count_effects=False`` (default) gives ``extra = 0``, IV2SLS on demeaned data
with ``debiased=True`` and Stata's ``ivreghdfe`` (the city effects are nested
in the city clusters), and ``count_effects=True`` gives ``extra = d``
(IV2SLS's ``extra_df=d``). Its t-distribution degrees of freedom are
:math:`N - k`, as IV2SLS reports. The Driscoll-Kraay covariance of 2SLS uses the
scores :math:`\hat x_i e_i` summed by period, the same Bartlett kernel and
:math:`N/(N-K)` (linearmodels has no Driscoll-Kraay 2SLS; the tests hold it to
statsmodels' ``S_hac_groupsum`` on IV2SLS's residuals). A design counted by one
rule gives the other with :meth:`AbsorbedDesign.with_effect_dof`, sharing its
absorbed basis and demeaned columns.

Wild cluster bootstrap
----------------------
:meth:`AbsorbedDesign.wild_bootstrap` is the restricted wild cluster
bootstrap (WCR, Cameron, Gelbach & Miller 2008, *Rev. Econ. Stat.* 90(3),
414-427; MacKinnon, Nielsen & Webb 2023, *J. Econometrics* 232(2), 272-299):
the null :math:`R\beta = r` is imposed, the restricted residuals
:math:`\tilde u` are multiplied by one weight per cluster (Rademacher
:math:`\pm 1`, or Webb's six-point :math:`\pm\sqrt{1/2}, \pm 1, \pm\sqrt{3/2}`),
:math:`y^*_b = \tilde X\hat\beta_r + \tilde u \odot v_b`, and every draw is one
more outcome column of the same design: :math:`B` draws cost a few matrix
products. The bootstrap t statistic uses the clustered covariance above on
the residuals of each draw's absorbed regression; the p-value is
:math:`\#\{b: |t^*_b| \ge |t|\}/B` (two-sided, symmetric; statistics within
a relative :data:`TIE_TOL` of :math:`|t|` count as ties, so the draws
:math:`v = \pm 1`, which reproduce the observed :math:`|t|`, are counted
whatever the rounding; ``wildboottest`` counts strictly larger ones only).
With Rademacher weights and :math:`2^G \le B` every sign vector is enumerated once (the exact
randomisation distribution), as ``wildboottest`` does.

:meth:`OLSResults.wild_null` draws the restricted bootstrap of a fitted OLS or
2SLS model (a 2SLS null restricts every endogenous regressor) and refits every
draw with the same estimator and clustered covariance, returning the
coefficients and SEs of the restricted regressors: the null curves of the
specification curve (:mod:`inertia.multiverse`). It computes at the cluster
level (G demeaned columns instead of B) when that is cheaper.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np
import pandas as pd
from scipy import linalg

from inertia.errors import DataError, ParameterError
from inertia.models.covariance import (  # the SE conventions, re-exported for the core's users
    COV_TYPES,
    bartlett_bandwidth,
    bartlett_weights,
    cluster_factor,
    residual_factor,
)
from inertia.results import EstimationResultsMixin
from inertia.results import critical_value as _critical
from inertia.results import two_sided_pvalues as _two_sided_pvalues

__all__ = [
    "COV_TYPES",
    "EFFECTS",
    "AbsorbedDesign",
    "IVResult",
    "OLSResult",
    "OLSResults",
    "WildBootstrapResult",
    "WildNullDraws",
    "bartlett_bandwidth",
    "wild_weights",
]

#: Fixed-effect structures an :class:`AbsorbedDesign` absorbs.
EFFECTS: tuple[str, ...] = ("entity+time", "entity+other", "entity", "time")
#: Rank tolerance of the QR basis of the second effect's demeaned dummies.
RANK_TOL = 1e-10
#: A demeaned regressor whose norm is below this share of its centred norm is absorbed.
ABSORBED_TOL = 1e-8
#: Largest condition number of the scaled X'X accepted (beyond it: collinear regressors).
MAX_CONDITION = 1e12
#: Relative tolerance within which a bootstrap statistic ties with the observed one.
TIE_TOL = 1e-10
WEIGHT_TYPES: tuple[str, ...] = ("rademacher", "webb")
_WEBB = np.array([-np.sqrt(1.5), -1.0, -np.sqrt(0.5), np.sqrt(0.5), 1.0, np.sqrt(1.5)])


def _factorize(values: Any, what: str) -> tuple[np.ndarray, np.ndarray]:
    """Integer codes 0..L-1 (in sorted level order) and the levels."""
    array = np.asarray(values)
    if array.ndim != 1:
        raise ParameterError(f"{what} ids must be one-dimensional; got shape {array.shape}.")
    if array.dtype.kind == "f":
        missing = bool(np.isnan(array).any())
    elif array.dtype.kind in "iub":
        missing = False
    else:
        missing = bool(pd.isna(pd.Series(array)).any())
    if missing:
        raise DataError(f"{what} ids have missing values; drop those rows first.")
    levels, codes = np.unique(array, return_inverse=True)
    return codes.astype(np.int64), levels


@dataclass(frozen=True)
class _Grouping:
    """Row order and segment starts of one categorical variable, for fast group sums."""

    codes: np.ndarray
    n_groups: int
    order: np.ndarray
    starts: np.ndarray
    counts: np.ndarray

    @classmethod
    def of(cls, codes: np.ndarray, n_groups: int) -> _Grouping:
        order = np.argsort(codes, kind="stable")
        counts = np.bincount(codes, minlength=n_groups)
        starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
        return cls(codes, n_groups, order, starts, counts)

    def sums(self, values: np.ndarray) -> np.ndarray:
        """Group sums of the rows of ``values`` (n, ...) -> (n_groups, ...), in sequential order."""
        present = self.counts > 0
        out = np.zeros((self.n_groups, *values.shape[1:]))
        out[present] = np.add.reduceat(values[self.order], self.starts[present], axis=0)
        return out

    def demean(self, values: np.ndarray) -> np.ndarray:
        means = self.sums(values) / np.maximum(self.counts, 1).reshape(
            -1, *([1] * (values.ndim - 1))
        )
        return values - means[self.codes]


def _check_effect_dof(effect_dof: str) -> None:
    """A ParameterError unless ``effect_dof`` is a known rule for counting the effects."""
    if effect_dof not in ("linearmodels", "rank"):
        raise ParameterError(f"effect_dof must be 'linearmodels' or 'rank'; got {effect_dof!r}.")


def _as_matrix(values: Any, n: int, what: str) -> np.ndarray:
    array = np.asarray(values, dtype=float)
    if array.ndim == 1:
        array = array[:, None]
    if array.ndim != 2 or array.shape[0] != n:
        raise ParameterError(f"{what} must have {n} rows; got shape {array.shape}.")
    if not np.isfinite(array).all():
        raise DataError(
            f"{what} has missing or infinite values; the design's rows must be complete."
        )
    return np.ascontiguousarray(array)


class AbsorbedDesign:
    r"""Fixed effects of one estimation sample, absorbed once and reused by every fit.

    Parameters
    ----------
    entity : array-like
        Entity (city) id of each row.
    time : array-like
        Time (year) id of each row: the periods of the Driscoll-Kraay
        covariance and, for ``effects="entity+time"``, the second effect.
    effects : {"entity+time", "entity+other", "entity", "time"}
        Effects absorbed.
    other : array-like, optional
        The categorical second effect for ``effects="entity+other"`` (e.g. a
        cluster-by-year id).
    data : mapping of str to array-like, optional
        Columns (one value per row) that :meth:`ols` and :meth:`iv` may name;
        :meth:`from_frame` fills it.
    effect_dof : {"linearmodels", "rank"}
        How the absorbed effects are counted in the degrees of freedom:
        ``"linearmodels"`` (default) counts :math:`L_A + L_B - 1` as
        ``PanelOLS`` does; ``"rank"`` counts the estimable effects
        (:math:`L_A + \operatorname{rank}(M_A D_B)`), fewer when one effect
        is nested in the other's groups (city effects with cluster-by-year
        cells: linearmodels counts the cluster effects twice) or the panel
        is disconnected. Both agree on a connected two-way panel.
    max_dense_levels : int
        Above this many levels of the smaller effect, alternating projections
        replace the exact QR solve.
    tol : float
        Convergence tolerance of the alternating projections (relative change).

    Attributes
    ----------
    nobs, n_entities, n_periods : int
    n_effects : int
        Absorbed effects counted in the degrees of freedom (see ``effect_dof``).
    effect_rank : int
        Number of estimable absorbed effects (the rank of the dummies).
    method : str
        ``"one-way"``, ``"exact"`` or ``"alternating"``.
    """

    def __init__(
        self,
        entity: Any,
        time: Any,
        *,
        effects: str = "entity+time",
        other: Any = None,
        data: Mapping[str, Any] | None = None,
        effect_dof: str = "linearmodels",
        max_dense_levels: int = 2000,
        tol: float = 1e-13,
    ) -> None:
        if effects not in EFFECTS:
            raise ParameterError(f"effects must be one of {list(EFFECTS)}; got {effects!r}.")
        _check_effect_dof(effect_dof)
        self.effect_dof = effect_dof
        entity_codes, self.entity_levels = _factorize(entity, "Entity")
        time_codes, self.time_levels = _factorize(time, "Time")
        n = len(entity_codes)
        if len(time_codes) != n:
            raise ParameterError(f"entity has {n} rows but time has {len(time_codes)}.")
        if n == 0:
            raise DataError("The estimation sample is empty.")
        self.nobs = n
        self.effects = effects
        self.tol = float(tol)
        self.entity = _Grouping.of(entity_codes, len(self.entity_levels))
        self.time = _Grouping.of(time_codes, len(self.time_levels))
        self.n_entities = self.entity.n_groups
        self.n_periods = self.time.n_groups
        self.data = {str(k): np.asarray(v, dtype=float) for k, v in (data or {}).items()}
        for name, column in self.data.items():
            if column.shape != (n,):
                raise ParameterError(f"data column {name!r} has shape {column.shape}, not ({n},).")
        self._cache: dict[str, np.ndarray] = {}
        if effects == "entity+other":
            if other is None:
                raise ParameterError(
                    "effects='entity+other' needs the other effect's ids (other=)."
                )
            other_codes, self.other_levels = _factorize(other, "Other-effect")
            if len(other_codes) != n:
                raise ParameterError(f"other has {len(other_codes)} rows, not {n}.")
            second = _Grouping.of(other_codes, len(self.other_levels))
        elif other is not None:
            raise ParameterError(
                f"other= is only used with effects='entity+other', not {effects!r}."
            )
        else:
            second = self.time
        self._basis: np.ndarray | None = None
        if effects in ("entity", "time"):
            self._primary = self.entity if effects == "entity" else self.time
            self._secondary = None
            self.method = "one-way"
            self.effect_rank = self.n_effects = self._primary.n_groups
            return
        first = self.entity
        # Demean by the effect with more levels, solve exactly for the one with fewer.
        primary, secondary = (
            (first, second) if first.n_groups >= second.n_groups else (second, first)
        )
        self._primary, self._secondary = primary, secondary
        if secondary.n_groups <= max_dense_levels:
            dummies = np.zeros((n, secondary.n_groups))
            dummies[np.arange(n), secondary.codes] = 1.0
            within = primary.demean(dummies)
            q, r, _ = linalg.qr(within, mode="economic", pivoting=True)
            diagonal = np.abs(np.diag(r))
            rank = int((diagonal > RANK_TOL * diagonal.max()).sum()) if diagonal.size else 0
            self._basis = np.ascontiguousarray(q[:, :rank])
            self.method = "exact"
            self.effect_rank = primary.n_groups + rank
        else:
            self.method = "alternating"
            self.effect_rank = (
                primary.n_groups
                + secondary.n_groups
                - _components(primary.codes, secondary.codes, primary.n_groups, secondary.n_groups)
            )
        levels = primary.n_groups + secondary.n_groups - 1
        self.n_effects = levels if effect_dof == "linearmodels" else self.effect_rank

    def with_effect_dof(self, effect_dof: str) -> AbsorbedDesign:
        """The same absorbed design counting its effects by another rule.

        The copy shares the absorbed basis, :attr:`data` and the cache of
        demeaned columns; only :attr:`n_effects` (and :attr:`effect_dof`) differ.

        Parameters
        ----------
        effect_dof : {"linearmodels", "rank"}

        Returns
        -------
        AbsorbedDesign
            ``self`` when the rule is already ``effect_dof``.
        """
        _check_effect_dof(effect_dof)
        if effect_dof == self.effect_dof:
            return self
        copy = object.__new__(type(self))
        copy.__dict__.update(self.__dict__)
        copy.effect_dof = effect_dof
        if effect_dof == "rank":
            copy.n_effects = self.effect_rank
        elif self._secondary is None:
            copy.n_effects = self._primary.n_groups
        else:
            copy.n_effects = self._primary.n_groups + self._secondary.n_groups - 1
        return copy

    # ------------------------------------------------------------------ building

    @classmethod
    def from_frame(
        cls,
        frame: pd.DataFrame,
        columns: Sequence[str],
        *,
        entity: str = "code",
        time: str = "year",
        other: str | None = None,
        effects: str | None = None,
        **options: Any,
    ) -> AbsorbedDesign:
        """The design of the rows of ``frame`` that are complete on ``columns``.

        Parameters
        ----------
        frame : DataFrame
            Long data with the id columns (or a (entity, time) MultiIndex).
        columns : sequence of str
            Every variable the fits will use; rows missing any are dropped.
        entity, time : str
            Id columns.
        other : str, optional
            Column of the categorical second effect; sets
            ``effects="entity+other"`` unless ``effects`` says otherwise.
        effects : str, optional
            Default ``"entity+other"`` when ``other`` is given, else ``"entity+time"``.
        **options
            ``effect_dof``, ``max_dense_levels``, ``tol``.

        Returns
        -------
        AbsorbedDesign
            With :attr:`data` holding the complete rows of ``columns`` as
            arrays (the frame's index of those rows in :attr:`index`).
        """
        if isinstance(frame.index, pd.MultiIndex) and entity not in frame.columns:
            frame = frame.reset_index()
        ids = [entity, time, *([other] if other else [])]
        missing = [c for c in [*ids, *columns] if c not in frame.columns]
        if missing:
            raise ParameterError(
                f"The data have no column(s) {missing}; available: {list(frame.columns)}."
            )
        columns = list(dict.fromkeys(columns))
        values = frame[columns].to_numpy(dtype=float)
        keep = np.isfinite(values).all(axis=1) & frame[ids].notna().all(axis=1).to_numpy()
        if not keep.any():
            raise DataError(f"No row is complete on {columns}.")
        data = {c: np.ascontiguousarray(values[keep, j]) for j, c in enumerate(columns)}
        design = cls(
            frame[entity].to_numpy()[keep],
            frame[time].to_numpy()[keep],
            effects=effects or ("entity+other" if other else "entity+time"),
            other=frame[other].to_numpy()[keep] if other else None,
            data=data,
            **options,
        )
        design.index = frame.index[keep]
        return design

    index: pd.Index | None = None

    # ------------------------------------------------------------------ demeaning

    def demean(self, values: Any) -> np.ndarray:
        """Residuals of ``values`` (n,) or (n, m) on the absorbed effects.

        Parameters
        ----------
        values : array-like
            Raw columns, one row per design row.

        Returns
        -------
        ndarray
            Same shape, float64.
        """
        array = np.asarray(values, dtype=float)
        flat = array[:, None] if array.ndim == 1 else array
        if flat.shape[0] != self.nobs:
            raise ParameterError(f"values must have {self.nobs} rows; got {flat.shape[0]}.")
        out = self._primary.demean(flat)
        if self._secondary is not None:
            if self._basis is not None:
                out = out - self._basis @ (self._basis.T @ out)
            else:
                out = self._alternate(out)
        return out[:, 0] if array.ndim == 1 else out

    def _alternate(self, values: np.ndarray) -> np.ndarray:
        """Alternating projections until the relative change is below ``tol``."""
        assert self._secondary is not None
        current = values
        scale = np.maximum(np.abs(values).max(axis=0), 1e-300)
        for _ in range(100_000):
            updated = self._primary.demean(self._secondary.demean(current))
            change = np.abs(updated - current).max(axis=0) / scale
            current = updated
            if (change < self.tol).all():
                return current
        raise DataError(
            f"The alternating projections did not converge to {self.tol:g} in 100,000 sweeps."
        )

    def column(self, name: str) -> np.ndarray:
        """The demeaned column ``name`` of :attr:`data`, computed once and cached.

        Parameters
        ----------
        name : str
            A column of :attr:`data`; another raises a ParameterError.

        Returns
        -------
        ndarray
            The column with the design's effects absorbed (length :attr:`nobs`).
        """
        if name not in self._cache:
            if name not in self.data:
                known = list(self.data)
                raise ParameterError(f"The design has no column {name!r}; it has {known}.")
            self._cache[name] = self.demean(self.data[name])
        return self._cache[name]

    def _resolve(self, spec: Any, what: str) -> tuple[list[str], np.ndarray, np.ndarray | None]:
        """Names, demeaned matrix and raw matrix (None when from the cache) of ``spec``."""
        if isinstance(spec, str):
            spec = [spec]
        if isinstance(spec, Sequence) and all(isinstance(s, str) for s in spec):
            names = list(spec)
            if not names:
                return [], np.zeros((self.nobs, 0)), None
            return names, np.column_stack([self.column(s) for s in names]), None
        if isinstance(spec, pd.Series):
            spec = spec.to_frame()
        if isinstance(spec, pd.DataFrame):
            raw = _as_matrix(spec.to_numpy(dtype=float), self.nobs, what)
            return [str(c) for c in spec.columns], self.demean(raw), raw
        raw = _as_matrix(spec, self.nobs, what)
        names = [f"{what}{j}" for j in range(raw.shape[1])]
        return names, self.demean(raw), raw

    def _outcomes(self, y: Any, y_absorbed: bool) -> tuple[bool, list[str], np.ndarray]:
        """Whether ``y`` is one outcome, the outcomes' names and their demeaned matrix."""
        single = isinstance(y, str) or (
            isinstance(y, pd.Series) or (isinstance(y, np.ndarray) and y.ndim == 1)
        )
        if y_absorbed:
            y_within = _as_matrix(y, self.nobs, "y")
            y_names = [f"y{j}" for j in range(y_within.shape[1])]
        else:
            y_names, y_within, _ = self._resolve(y, "y")
        return single, y_names, y_within

    # ------------------------------------------------------------------ fits

    def ols(
        self,
        y: Any,
        x: Any,
        *,
        cov: str = "clustered",
        clusters: Any = None,
        bandwidth: float | None = None,
        debiased: bool = True,
        count_effects: bool | str = "auto",
        y_absorbed: bool = False,
    ) -> OLSResult | OLSResults:
        """OLS of ``y`` on ``x`` with the effects absorbed.

        Parameters
        ----------
        y : str, list of str, array-like or DataFrame
            One outcome (a name: :class:`OLSResult`) or several (a list or a
            2-D array: :class:`OLSResults`, one column per outcome).
        x : list of str, array-like or DataFrame
            Regressors (raw; the design demeans them).
        cov : {"unadjusted", "robust", "clustered", "driscoll-kraay"}
            Covariance estimator (module docstring).
        clusters : array-like, optional
            One-way cluster ids for ``cov="clustered"``; default the entity.
        bandwidth : float, optional
            Driscoll-Kraay bandwidth (Bartlett kernel); default :func:`bartlett_bandwidth`.
        debiased : bool
            Small-sample scaling and t inference (linearmodels' ``debiased``).
        count_effects : bool or "auto"
            Whether the absorbed effects count in K; "auto" is linearmodels' rule.
        y_absorbed : bool
            ``y`` is an array that is already demeaned (e.g. the draws of
            :meth:`null_draws`), so it is used as it is.

        Returns
        -------
        OLSResult or OLSResults
        """
        single, y_names, y_within = self._outcomes(y, y_absorbed)
        x_names, x_within, x_raw = self._resolve(x, "x")
        if not x_names:
            raise ParameterError("ols needs at least one regressor.")
        self._check_regressors(x_names, x_within, x_raw)
        fit = self._solve(
            "OLS",
            x_names,
            y_names,
            x_within,
            y_within,
            x_within,
            extra_df=0,
            df_resid=self.nobs - len(x_names) - self.n_effects,
        )
        results = OLSResults(
            fit, _Covariance.make(self, cov, clusters, bandwidth, debiased, count_effects)
        )
        return results.result(0) if single else results

    def iv(
        self,
        y: Any,
        *,
        exog: Any = (),
        endog: Any,
        instruments: Any,
        cov: str = "clustered",
        clusters: Any = None,
        bandwidth: float | None = None,
        debiased: bool = True,
        count_effects: bool = False,
        y_absorbed: bool = False,
    ) -> IVResult | OLSResults:
        r"""2SLS of ``y`` on ``exog`` and ``endog`` with ``instruments``, effects absorbed.

        Parameters
        ----------
        y : str, list of str, array-like or DataFrame
            One outcome (a name: :class:`IVResult`) or several (a list or a 2-D
            array: :class:`OLSResults` of kind ``"IV-2SLS"``, one column per
            outcome, one projection for all of them).
        exog, endog, instruments : list of str or array-like
            Exogenous regressors, endogenous regressors, excluded instruments.
        cov : {"unadjusted", "robust", "clustered", "driscoll-kraay"}
            Driscoll-Kraay uses the 2SLS scores :math:`\hat x_i e_i` summed by
            period, Bartlett kernel, scaled by :math:`N/(N-K)` (module docstring).
        clusters : array-like, optional
            Default the entity.
        bandwidth : float, optional
            Driscoll-Kraay bandwidth; default :func:`bartlett_bandwidth`.
        debiased : bool
        count_effects : bool
            Add the absorbed effects to K (IV2SLS ``extra_df``); module docstring.
        y_absorbed : bool
            ``y`` is an already demeaned array (n, m), used as it is.

        Returns
        -------
        IVResult or OLSResults
            Parameters in the order exog, endog (linearmodels' order).
        """
        single, y_names, y_within = self._outcomes(y, y_absorbed)
        exog_names, exog_within, _ = self._resolve(
            list(exog) if isinstance(exog, tuple) else exog, "exog"
        )
        endog_names, endog_within, _ = self._resolve(endog, "endog")
        z_names, z_within, _ = self._resolve(instruments, "z")
        if len(z_names) < len(endog_names):
            raise ParameterError(
                f"{len(endog_names)} endogenous regressor(s) need at least as many instruments; "
                f"got {z_names}."
            )
        x_names = [*exog_names, *endog_names]
        x_within = np.column_stack([exog_within, endog_within])
        z_all = np.column_stack([exog_within, z_within])
        z_inverse = _inverse(z_all.T @ z_all, [*exog_names, *z_names])
        fitted = z_all @ (z_inverse @ (z_all.T @ x_within))
        fit = self._solve(
            "IV-2SLS",
            x_names,
            y_names,
            x_within,
            y_within,
            fitted,
            extra_df=self.n_effects if count_effects else 0,
            df_resid=self.nobs - len(x_names),
            endog=tuple(endog_names),
        )
        covariance = _Covariance.make(self, cov, clusters, bandwidth, debiased, count_effects)
        results = OLSResults(fit, covariance)
        if not single:
            return results
        result = results.result(0)
        assert isinstance(result, IVResult)
        return result

    def _solve(
        self,
        kind: str,
        x_names: list[str],
        y_names: list[str],
        x_within: np.ndarray,
        y_within: np.ndarray,
        scores_x: np.ndarray,
        *,
        extra_df: int,
        df_resid: int,
        endog: tuple[str, ...] = (),
    ) -> _Fit:
        r"""Coefficients and residuals: OLS (``scores_x`` = X) or 2SLS (``scores_x`` = P_Z X).

        :math:`\hat\beta = (\hat X'\hat X)^{-1}\hat X'y` with :math:`\hat X` = ``scores_x``,
        which for 2SLS equals :math:`(\hat X' X)^{-1}\hat X' y` since :math:`P_Z` is a projection.
        """
        inverse = _inverse(scores_x.T @ scores_x, x_names)
        beta = inverse @ (scores_x.T @ y_within)
        return _Fit(
            design=self,
            kind=kind,
            x_names=x_names,
            y_names=y_names,
            beta=beta,
            resid=y_within - x_within @ beta,
            scores_x=scores_x,
            inverse=inverse,
            extra_df=extra_df,
            df_resid=df_resid,
            x_within=x_within,
            endog=endog,
        )

    def _check_regressors(
        self, names: list[str], within: np.ndarray, raw: np.ndarray | None
    ) -> None:
        """Refuse regressors that the effects absorb (linearmodels' AbsorbingEffectError)."""
        if raw is None:
            raw = np.column_stack([self.data[n] for n in names])
        centred = np.linalg.norm(raw - raw.mean(axis=0), axis=0)
        scale = np.where(centred > 0, centred, np.linalg.norm(raw, axis=0))
        absorbed = [
            n
            for n, w, s in zip(names, np.linalg.norm(within, axis=0), scale, strict=True)
            if s == 0 or w <= ABSORBED_TOL * s
        ]
        if absorbed:
            raise DataError(
                f"Regressor(s) {absorbed} do not vary once the {self.effects} effects are "
                "absorbed (constant within entities or periods); drop them."
            )

    # ------------------------------------------------------------------ bootstrap

    def null_draws(
        self,
        y: Any,
        x: Any,
        restrict: Sequence[str],
        weights: np.ndarray,
        *,
        clusters: Any = None,
    ) -> tuple[np.ndarray, np.ndarray]:
        r"""Wild-bootstrap outcomes under the null :math:`\beta_j = 0` for ``j in restrict``.

        Parameters
        ----------
        y : str or array-like
            Outcome.
        x : list of str or array-like
            Regressors of the unrestricted model.
        restrict : sequence of str
            Regressors whose coefficients the null sets to zero.
        weights : ndarray (n_clusters, B)
            One weight per cluster (rows in the order of the sorted cluster ids)
            and draw, e.g. :func:`wild_weights`.
        clusters : array-like, optional
            Cluster of each row; default the entity.

        Returns
        -------
        (demeaned y*, observed demeaned y)
            ``y*`` is (n, B): :math:`\tilde X_r\hat\beta_r + M(\tilde u \odot v)`,
            the absorbed outcome of each draw, ready for :meth:`ols` as extra
            outcome columns of the same design.
        """
        _, y_within, _ = self._resolve(y, "y")
        x_names, x_within, _ = self._resolve(x, "x")
        unknown = [r for r in restrict if r not in x_names]
        if unknown:
            raise ParameterError(f"restrict names {unknown}, which are not among {x_names}.")
        free = [j for j, name in enumerate(x_names) if name not in restrict]
        if free:
            kept = x_within[:, free]
            beta_r = _inverse(kept.T @ kept, [x_names[j] for j in free]) @ (kept.T @ y_within)
            fitted = kept @ beta_r
        else:
            fitted = np.zeros_like(y_within)
        resid = y_within - fitted
        codes = self._cluster_grouping(clusters).codes
        n_clusters = int(codes.max()) + 1
        if weights.shape[0] != n_clusters:
            raise ParameterError(
                f"weights have {weights.shape[0]} rows, but there are {n_clusters} clusters."
            )
        draws = fitted + self.demean(resid * weights[codes])
        return draws, y_within

    def _cluster_grouping(self, clusters: Any) -> _Grouping:
        if clusters is None:
            return self.entity
        codes, levels = _factorize(clusters, "Cluster")
        if len(codes) != self.nobs:
            raise ParameterError(f"clusters have {len(codes)} rows, not {self.nobs}.")
        return _Grouping.of(codes, len(levels))

    def wild_bootstrap(
        self,
        y: Any,
        x: Any,
        test: str,
        *,
        draws: int = 999,
        weight_type: str = "rademacher",
        seed: int | Sequence[int] = 0,
        clusters: Any = None,
    ) -> WildBootstrapResult:
        """Restricted wild cluster bootstrap p-value of ``test = 0`` (module docstring).

        Parameters
        ----------
        y : str or array-like
        x : list of str or array-like
        test : str
            The regressor whose coefficient is tested.
        draws : int
            Bootstrap draws B (with Rademacher weights and 2^G <= B, the 2^G sign
            vectors are enumerated instead).
        weight_type : {"rademacher", "webb"}
        seed : int or sequence of int
            Seed of :func:`numpy.random.default_rng`.
        clusters : array-like, optional
            Default the entity.

        Returns
        -------
        WildBootstrapResult
        """
        grouping = self._cluster_grouping(clusters)
        weights = wild_weights(grouping.n_groups, draws, weight_type, seed)
        observed = self.ols(y, x, cov="clustered", clusters=clusters)
        if not isinstance(observed, OLSResult):
            raise ParameterError("wild_bootstrap takes one outcome.")
        star, _ = self.null_draws(y, x, [test], weights, clusters=clusters)
        names = observed.params.index.tolist()
        boot = self.ols(star, x, cov="clustered", clusters=clusters, y_absorbed=True)
        assert isinstance(boot, OLSResults), "a 2-D array of draws gives OLSResults"
        position = names.index(test)
        t_star = boot.beta[position] / boot.se[position]
        t_obs = float(observed.tstats[test])
        # Ties up to rounding count as ties: the draws v = +1 and -1 reproduce |t| exactly.
        pvalue = float(np.mean(np.abs(t_star) >= abs(t_obs) * (1 - TIE_TOL)))
        return WildBootstrapResult(
            test=test,
            estimate=float(observed.params[test]),
            tstat=t_obs,
            pvalue=pvalue,
            t_star=t_star,
            draws=weights.shape[1],
            weight_type=weight_type,
            n_clusters=grouping.n_groups,
        )


def _components(a: np.ndarray, b: np.ndarray, n_a: int, n_b: int) -> int:
    """Connected components of the bipartite graph of two factors (for the rank of two effects)."""
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    graph = coo_matrix((np.ones(len(a)), (a, n_a + b)), shape=(n_a + n_b, n_a + n_b))
    count, _ = connected_components(graph, directed=False)
    return int(count)


def _inverse(gram: np.ndarray, names: Sequence[str]) -> np.ndarray:
    """Inverse of a Gram matrix, refusing collinear columns by name."""
    scale = np.sqrt(np.diag(gram))
    if (scale == 0).any():
        raise DataError(
            f"Regressor(s) {[n for n, s in zip(names, scale, strict=True) if s == 0]} "
            "are zero once the effects are absorbed."
        )
    scaled = gram / np.outer(scale, scale)
    eigenvalues = np.linalg.eigvalsh(scaled)  # symmetric: cheaper than an SVD
    condition = eigenvalues[-1] / eigenvalues[0] if eigenvalues[0] > 0 else np.inf
    if not np.isfinite(condition) or condition > MAX_CONDITION:
        raise DataError(
            f"The regressors {list(names)} are collinear once the effects are absorbed "
            f"(condition number {condition:.3g}); drop one of them."
        )
    inverse = np.linalg.inv(scaled) / np.outer(scale, scale)
    return (inverse + inverse.T) / 2


# --------------------------------------------------------------------------- covariance


@dataclass(frozen=True)
class _Fit:
    """Coefficients and residuals of one solve (any number of outcomes)."""

    design: AbsorbedDesign
    kind: str
    x_names: list[str]
    y_names: list[str]
    beta: np.ndarray  # (k, m)
    resid: np.ndarray  # (n, m)
    scores_x: np.ndarray  # (n, k): demeaned X (OLS) or fitted X (2SLS)
    inverse: np.ndarray  # (k, k)
    extra_df: int  # IV: effects counted in K
    df_resid: int  # degrees of freedom of the t distribution
    x_within: np.ndarray  # (n, k): demeaned X (the regressors themselves, also for 2SLS)
    endog: tuple[str, ...] = ()  # 2SLS: the endogenous regressors among x_names


@dataclass(frozen=True)
class _Covariance:
    """A covariance choice, validated against the design."""

    cov_type: str
    grouping: _Grouping | None
    bandwidth: float | None
    debiased: bool
    count_effects: bool | str

    @classmethod
    def make(
        cls,
        design: AbsorbedDesign,
        cov_type: str,
        clusters: Any,
        bandwidth: float | None,
        debiased: bool,
        count_effects: bool | str,
    ) -> _Covariance:
        if cov_type not in COV_TYPES:
            raise ParameterError(f"cov must be one of {list(COV_TYPES)}; got {cov_type!r}.")
        if count_effects not in (True, False, "auto"):
            raise ParameterError(
                f"count_effects must be True, False or 'auto'; got {count_effects!r}."
            )
        grouping = None
        if cov_type == "clustered":
            grouping = design._cluster_grouping(clusters)
            if grouping.n_groups < 2:
                raise DataError("A clustered covariance needs at least two clusters.")
        elif clusters is not None:
            raise ParameterError(f"clusters= is only used with cov='clustered', not {cov_type!r}.")
        if cov_type == "driscoll-kraay":
            used = float(bartlett_bandwidth(design.n_periods) if bandwidth is None else bandwidth)
            if used < 0 or used >= design.n_periods:
                raise ParameterError(
                    f"The Driscoll-Kraay bandwidth {used:g} must be in [0, {design.n_periods}) "
                    f"with {design.n_periods} periods."
                )
            bandwidth = used
        elif bandwidth is not None:
            raise ParameterError("bandwidth= is only used with cov='driscoll-kraay'.")
        return cls(cov_type, grouping, bandwidth, bool(debiased), count_effects)

    def counted_effects(self, design: AbsorbedDesign) -> int:
        """Absorbed effects counted in K (OLS): linearmodels' rule for "auto"."""
        if self.count_effects is True:
            return design.n_effects
        if self.count_effects is False:
            return 0
        if self.cov_type == "clustered" and design.effects in ("entity", "time"):
            assert self.grouping is not None
            effect = design.entity if design.effects == "entity" else design.time
            nested = _nested(effect.codes, self.grouping.codes)
            return 0 if nested else design.n_effects
        return design.n_effects

    def _scale(self, fit: _Fit) -> float:
        """The small-sample factor N / (N - used) of the conventions in the module docstring."""
        n, k = fit.scores_x.shape
        ols = fit.kind == "OLS"
        effects = self.counted_effects(fit.design) if ols else fit.extra_df
        # linearmodels: PanelOLS removes the counted effects from N whether or not it is
        # debiased; IV2SLS scales only when debiased.
        if ols:
            used = effects + (k if self.debiased else 0)
        else:
            used = k + effects if self.debiased else 0
        if n - used <= 0:
            raise DataError(
                f"No residual degrees of freedom: {n} observations, {k} regressors and "
                f"{effects} absorbed effects."
            )
        scale = residual_factor(n, used)
        if self.cov_type == "clustered" and (ols or self.debiased):
            # G/(G-1)(N-1)/N: PanelOLS group_debias=True always; IV2SLS when debiased.
            assert self.grouping is not None
            scale *= cluster_factor(self.grouping.n_groups, n)
        return scale

    def _kernel(self, n_periods: int) -> np.ndarray:
        """Bartlett weights w_|t-s| between the positions of the periods present."""
        assert self.bandwidth is not None
        return bartlett_weights(self.bandwidth, n_periods)

    def compute(self, fit: _Fit) -> np.ndarray:
        """Covariances (m, k, k) of every outcome of ``fit``."""
        n, k = fit.scores_x.shape
        scale = self._scale(fit)
        if self.cov_type == "unadjusted":
            s2 = (fit.resid**2).sum(axis=0) / n
            return scale * s2[:, None, None] * fit.inverse[None]
        projected = fit.scores_x @ fit.inverse  # (n, k): rows A x_i
        if self.cov_type == "robust":
            return scale * np.einsum("ik,im,il->mkl", projected, fit.resid**2, projected)
        grouping = self.grouping if self.cov_type == "clustered" else fit.design.time
        assert grouping is not None
        scores = projected[:, :, None] * fit.resid[:, None, :]  # (n, k, m)
        sums = grouping.sums(scores.reshape(n, -1)).reshape(grouping.n_groups, k, -1)
        if self.cov_type == "clustered":
            return scale * np.einsum("gkm,glm->mkl", sums, sums)
        present = sums[grouping.counts > 0]  # periods in order, lags by position
        smoothed = np.einsum("ts,slm->tlm", self._kernel(present.shape[0]), present)
        return scale * np.einsum("tkm,tlm->mkl", present, smoothed)

    def variances(self, fit: _Fit) -> np.ndarray:
        """The diagonals (k, m) of :meth:`compute`, without forming the (n, k, m) scores."""
        n, k = fit.scores_x.shape
        scale = self._scale(fit)
        if self.cov_type == "unadjusted":
            s2 = (fit.resid**2).sum(axis=0) / n
            return scale * np.outer(np.diag(fit.inverse), s2)
        projected = fit.scores_x @ fit.inverse
        if self.cov_type == "robust":
            return scale * ((projected**2).T @ (fit.resid**2))
        grouping = self.grouping if self.cov_type == "clustered" else fit.design.time
        assert grouping is not None
        present = grouping.counts > 0
        kernel = self._kernel(int(present.sum())) if self.cov_type == "driscoll-kraay" else None
        out = np.empty((k, fit.resid.shape[1]))
        for j in range(k):
            sums = grouping.sums(projected[:, j, None] * fit.resid)
            if kernel is None:
                out[j] = (sums**2).sum(axis=0)
            else:
                sums = sums[present]
                out[j] = (sums * (kernel @ sums)).sum(axis=0)
        return scale * out


def _nested(inner: np.ndarray, outer: np.ndarray) -> bool:
    """Whether every group of ``inner`` lies in one group of ``outer``."""
    pairs = np.unique(np.column_stack([inner, outer]), axis=0)
    return len(pairs) == len(np.unique(inner))


def wild_weights(
    n_clusters: int, draws: int, weight_type: str = "rademacher", seed: int | Sequence[int] = 0
) -> np.ndarray:
    r"""Wild-bootstrap weights, one row per cluster and one column per draw.

    Rademacher: :math:`\pm 1` with probability 1/2 each; when :math:`2^G \le`
    ``draws`` all :math:`2^G` sign vectors are returned instead (exact
    enumeration, so the number of columns is :math:`2^G`). Webb (2023,
    *Can. J. Econ.* 56(3), 839-858): :math:`\pm\sqrt{1/2}, \pm 1,
    \pm\sqrt{3/2}` with probability 1/6 each.

    Parameters
    ----------
    n_clusters : int
    draws : int
    weight_type : {"rademacher", "webb"}
    seed : int or sequence of int

    Returns
    -------
    ndarray (n_clusters, B)
    """
    if weight_type not in WEIGHT_TYPES:
        raise ParameterError(
            f"weight_type must be one of {list(WEIGHT_TYPES)}; got {weight_type!r}."
        )
    if not isinstance(draws, int | np.integer) or draws < 1:
        raise ParameterError(f"draws must be a positive integer; got {draws!r}.")
    if weight_type == "rademacher" and n_clusters < 31 and 2**n_clusters <= draws:
        signs = (np.arange(2**n_clusters)[None, :] >> np.arange(n_clusters)[:, None]) & 1
        return np.where(signs == 1, 1.0, -1.0)
    rng = np.random.default_rng(seed)
    if weight_type == "rademacher":
        return rng.integers(0, 2, size=(n_clusters, draws)) * 2.0 - 1.0
    return _WEBB[rng.integers(0, 6, size=(n_clusters, draws))]


# --------------------------------------------------------------------------- results


class OLSResults:
    """Fits of several outcomes on one design and regressor set.

    Attributes
    ----------
    beta : ndarray (k, m)
        Coefficients, one column per outcome.
    se : ndarray (k, m)
        Standard errors.
    covariances : ndarray (m, k, k)
    x_names, y_names : list of str
    nobs, df_resid, df_model : int
        ``df_model`` is k plus the absorbed effects; ``df_resid = nobs - df_model``
        for OLS (the t distribution's degrees of freedom).
    cov_type : str
    """

    def __init__(self, fit: _Fit, covariance: _Covariance) -> None:
        self.fit = fit
        self.covariance = covariance

    @cached_property
    def se(self) -> np.ndarray:
        """Standard errors (k, m), from the covariances' diagonals only."""
        return np.sqrt(np.clip(self.covariance.variances(self.fit), 0.0, None))

    @cached_property
    def covariances(self) -> np.ndarray:
        """Full covariance matrices (m, k, k), computed when first read."""
        return self.covariance.compute(self.fit)

    @property
    def beta(self) -> np.ndarray:
        """Coefficients (k, m), one column per outcome."""
        return self.fit.beta

    @property
    def x_names(self) -> list[str]:
        """Regressor names, in the rows' order."""
        return self.fit.x_names

    @property
    def y_names(self) -> list[str]:
        """Outcome names, in the columns' order."""
        return self.fit.y_names

    @property
    def nobs(self) -> int:
        """Number of observations."""
        return self.fit.design.nobs

    @property
    def df_resid(self) -> int:
        """Residual degrees of freedom."""
        return self.fit.df_resid

    @property
    def df_model(self) -> int:
        """Model degrees of freedom: the regressors and the counted effects."""
        return self.nobs - self.fit.df_resid

    @property
    def cov_type(self) -> str:
        """Name of the covariance estimator."""
        return self.covariance.cov_type

    @property
    def tvalues(self) -> np.ndarray:
        """t statistics (k, m)."""
        with np.errstate(divide="ignore", invalid="ignore"):
            return self.beta / self.se

    def pvalue_array(self) -> np.ndarray:
        """Two-sided p-values (k, m): Student t (debiased) or normal.

        Returns
        -------
        ndarray, shape (k, m)
            Regressors x outcomes.
        """
        t = np.abs(self.tvalues)
        return _two_sided_pvalues(t, self.df_resid if self.covariance.debiased else None)

    def critical_value(self, level: float = 0.95) -> float:
        """Two-sided critical value at confidence ``level``.

        Parameters
        ----------
        level : float, default 0.95
            Confidence level.

        Returns
        -------
        float
            The ``1 - (1 - level)/2`` quantile of Student's t with :attr:`df_resid`
            degrees of freedom (debiased) or of the normal.
        """
        q = 1 - (1 - level) / 2
        return float(_critical(q, self.df_resid if self.covariance.debiased else None))

    @property
    def params(self) -> pd.DataFrame:
        """Coefficients: regressors x outcomes."""
        return pd.DataFrame(self.beta, index=self.x_names, columns=self.y_names)

    @property
    def std_errors(self) -> pd.DataFrame:
        """Standard errors: regressors x outcomes."""
        return pd.DataFrame(self.se, index=self.x_names, columns=self.y_names)

    @property
    def pvalues(self) -> pd.DataFrame:
        """Two-sided p-values: regressors x outcomes."""
        return pd.DataFrame(self.pvalue_array(), index=self.x_names, columns=self.y_names)

    def with_cov(self, cov: str, **options: Any) -> OLSResults:
        """The same coefficients under another covariance (``clusters``, ``bandwidth``, ...).

        Parameters
        ----------
        cov : {"unadjusted", "robust", "clustered", "driscoll-kraay"}
            Covariance estimator (as in :meth:`AbsorbedDesign.ols`).
        **options
            ``clusters``, ``bandwidth``, ``debiased`` and ``count_effects`` as in
            :meth:`AbsorbedDesign.ols`; those not given keep the fit's own (clusters
            and bandwidth their defaults).

        Returns
        -------
        OLSResults
            The same fit with the new covariance.
        """
        options = {
            "clusters": None,
            "bandwidth": None,
            "debiased": self.covariance.debiased,
            "count_effects": self.covariance.count_effects,
            **options,
        }
        covariance = _Covariance.make(
            self.fit.design,
            cov,
            options["clusters"],
            options["bandwidth"],
            options["debiased"],
            options["count_effects"],
        )
        return OLSResults(self.fit, covariance)

    def result(self, outcome: int | str) -> OLSResult:
        """The linearmodels-style result of one outcome (position or name).

        Parameters
        ----------
        outcome : int or str
            Position or name of the outcome.

        Returns
        -------
        OLSResult or IVResult
            An :class:`IVResult` for a 2SLS fit.
        """
        j = self.y_names.index(outcome) if isinstance(outcome, str) else int(outcome)
        cov = pd.DataFrame(self.covariances[j], index=self.x_names, columns=self.x_names)
        kind = OLSResult if self.fit.kind == "OLS" else IVResult
        return kind(
            dependent=self.y_names[j],
            params=pd.Series(self.beta[:, j], index=self.x_names, name="parameter"),
            std_errors=pd.Series(self.se[:, j], index=self.x_names, name="std_error"),
            cov=cov,
            nobs=self.nobs,
            df_resid=self.df_resid,
            df_model=self.df_model,
            cov_type=self.cov_type,
            debiased=self.covariance.debiased,
            model=self.fit.kind,
            n_entities=self.fit.design.n_entities,
            n_periods=self.fit.design.n_periods,
            n_effects=self.fit.design.n_effects,
            bandwidth=self.covariance.bandwidth,
            resid=self.fit.resid[:, j],
            _results=self,
            _position=j,
        )

    def tidy(self, level: float = 0.95) -> pd.DataFrame:
        """Long table ``outcome, term, coef, se, t, p, ci_low, ci_high``.

        Parameters
        ----------
        level : float, default 0.95
            Confidence level of ``ci_low`` and ``ci_high``.

        Returns
        -------
        DataFrame
            One row per outcome and regressor.
        """
        crit = self.critical_value(level)
        k, m = self.beta.shape
        return pd.DataFrame(
            {
                "outcome": np.repeat(self.y_names, k),
                "term": np.tile(self.x_names, m),
                "coef": self.beta.T.ravel(),
                "se": self.se.T.ravel(),
                "t": self.tvalues.T.ravel(),
                "p": self.pvalue_array().T.ravel(),
                "ci_low": (self.beta - crit * self.se).T.ravel(),
                "ci_high": (self.beta + crit * self.se).T.ravel(),
            }
        )

    def wild_null(
        self,
        restrict: Sequence[str],
        weights: np.ndarray,
        *,
        method: str = "auto",
    ) -> WildNullDraws:
        r"""Restricted wild cluster bootstrap draws of the coefficients and their clustered SEs.

        The null :math:`\beta_j = 0` for ``j in restrict`` is imposed: the
        restricted model regresses the absorbed outcome on the other
        regressors (OLS; for a 2SLS fit ``restrict`` must hold every
        endogenous regressor, so the restricted model has none), giving fitted
        values :math:`f` and residuals :math:`u`. Draw :math:`b` is the outcome
        :math:`\tilde y^*_b = f + M(u \odot v_{g(i)b})`, with one weight per
        cluster of this fit's clustered covariance, refitted by the same
        estimator (OLS, or 2SLS with the same instruments) and SEs (the same
        clustered covariance and small-sample factor). Every draw is an extra
        outcome column of the same design (:meth:`AbsorbedDesign.null_draws`).

        ``method="cluster"`` computes the draws without forming them: with
        :math:`U` the (n, G) matrix of :math:`u` split by cluster,
        :math:`\tilde y^*_b = f + (MU) v_b`, so
        :math:`\beta^*_b = \beta_f + A P v_b` with :math:`P = \hat X'U` and the
        scores of cluster :math:`g` are :math:`F_g + R_g v_b - Q_g \beta^*_b`
        (:math:`F_g = \sum_{i\in g}\hat x_i f_i`,
        :math:`R_g = \sum_{i \in g} \hat x_i (MU)_i`,
        :math:`Q_g = \sum_{i\in g}\hat x_i \tilde x_i'`): the cost is G demeaned
        columns and :math:`O(G^2 B)` products instead of B demeaned columns
        (the algebra of Roodman, MacKinnon, Nielsen & Webb 2019, *Stata
        Journal* 19(1), 4-60). ``method="columns"`` forms the B outcomes and
        refits them; ``"auto"`` picks the cheaper. Both give the same numbers
        (tests: to 1e-10).

        Parameters
        ----------
        restrict : sequence of str
            Regressors whose coefficients the null sets to zero; their draws are returned.
        weights : ndarray (G, B)
            One weight per cluster (rows in sorted cluster order) and draw,
            e.g. :func:`wild_weights`.
        method : {"auto", "cluster", "columns"}

        Returns
        -------
        WildNullDraws

        Raises
        ------
        ParameterError
            Not a clustered fit of one outcome, an unknown name, weights of the
            wrong shape, or a 2SLS null that leaves an endogenous regressor.
        """
        covariance, fit = self.covariance, self.fit
        if covariance.cov_type != "clustered" or covariance.grouping is None:
            raise ParameterError("wild_null needs a fit with the clustered covariance.")
        if fit.beta.shape[1] != 1:
            raise ParameterError("wild_null takes a fit of one outcome.")
        if method not in ("auto", "cluster", "columns"):
            raise ParameterError(f"method must be 'auto', 'cluster' or 'columns'; got {method!r}.")
        names = fit.x_names
        unknown = [r for r in restrict if r not in names]
        if unknown or not restrict:
            raise ParameterError(f"restrict names {list(restrict)}; the regressors are {names}.")
        tested = [names.index(r) for r in restrict]
        kept = [j for j, name in enumerate(names) if name not in restrict]
        left = [names[j] for j in kept if names[j] in fit.endog]
        if left:
            raise ParameterError(
                f"The 2SLS null must restrict every endogenous regressor; {left} would remain."
            )
        grouping = covariance.grouping
        weights = np.asarray(weights, dtype=float)
        if weights.ndim != 2 or weights.shape[0] != grouping.n_groups:
            raise ParameterError(
                f"weights must be (clusters, draws) = ({grouping.n_groups}, B); "
                f"got {weights.shape}."
            )
        design = fit.design
        x_within, xhat, inverse = fit.x_within, fit.scores_x, fit.inverse
        y_within = fit.resid[:, 0] + x_within @ fit.beta[:, 0]
        if kept:
            restricted = x_within[:, kept]
            beta_r = _inverse(restricted.T @ restricted, [names[j] for j in kept]) @ (
                restricted.T @ y_within
            )
            fitted = restricted @ beta_r
        else:
            fitted = np.zeros_like(y_within)
        resid = y_within - fitted
        n, k = x_within.shape
        n_groups, n_draws = weights.shape
        basis = 0 if design._basis is None else design._basis.shape[1]
        if method == "auto":
            # Demeaned columns and group sums cost per element; the G x G products of the
            # cluster path are BLAS products, an order of magnitude cheaper per flop.
            columns_cost = n * n_draws * (basis + 2 * k + 2)
            cluster_cost = (
                n * n_groups * (basis + len(tested) + 2) + 0.1 * n_groups**2 * len(tested) * n_draws
            )
            too_big = n * n_groups > 50_000_000
            method = "columns" if too_big or columns_cost < cluster_cost else "cluster"
        scale = covariance._scale(fit)
        if method == "columns":
            star = fitted[:, None] + design.demean(resid[:, None] * weights[grouping.codes])
            beta = inverse @ (xhat.T @ star)
            draws = _Fit(
                design=design,
                kind=fit.kind,
                x_names=names,
                y_names=[f"y{b}" for b in range(n_draws)],
                beta=beta,
                resid=star - x_within @ beta,
                scores_x=xhat,
                inverse=inverse,
                extra_df=fit.extra_df,
                df_resid=fit.df_resid,
                x_within=x_within,
                endog=fit.endog,
            )
            variances = covariance.variances(draws)[tested]
            beta_tested = beta[tested]
        else:
            split = np.zeros((n, n_groups))
            split[np.arange(n), grouping.codes] = resid
            split_within = design.demean(split)  # M U, (n, G)
            beta_f = inverse @ (xhat.T @ fitted)
            loadings = grouping.sums(xhat * resid[:, None]).T  # P = X-hat' U, (k, G)
            beta = beta_f[:, None] + inverse @ (loadings @ weights)  # (k, B)
            rows = xhat @ inverse[tested].T  # (n, J): A_J x-hat_i
            j = len(tested)
            f_sums = grouping.sums(rows * fitted[:, None])  # (G, J)
            r_sums = grouping.sums(
                (rows[:, :, None] * split_within[:, None, :]).reshape(n, -1)
            ).reshape(n_groups, j, n_groups)
            q_sums = grouping.sums((rows[:, :, None] * x_within[:, None, :]).reshape(n, -1))
            q_sums = q_sums.reshape(n_groups, j, k)
            scores = (
                f_sums[:, :, None]
                + np.tensordot(r_sums, weights, axes=([2], [0]))
                - np.tensordot(q_sums, beta, axes=([2], [0]))
            )  # (G, J, B): A_J s_g(b)
            variances = scale * np.einsum("gjb,gjb->jb", scores, scores)
            beta_tested = beta[tested]
        return WildNullDraws(
            names=list(restrict),
            beta=beta_tested,
            se=np.sqrt(np.clip(variances, 0.0, None)),
            df_resid=fit.df_resid,
            debiased=covariance.debiased,
            method=method,
        )


@dataclass(frozen=True)
class WildNullDraws:
    """Null draws of :meth:`OLSResults.wild_null`.

    Attributes
    ----------
    names : list of str
        The restricted regressors, in the order of the rows.
    beta, se : ndarray (J, B)
        Coefficients and clustered SEs of every draw.
    df_resid : int
        Degrees of freedom of the fit's own t distribution.
    debiased : bool
    method : str
        ``"cluster"`` or ``"columns"`` (how the draws were computed).
    """

    names: list[str]
    beta: np.ndarray
    se: np.ndarray
    df_resid: int
    debiased: bool
    method: str

    def pvalue_array(self, df: int | None = None) -> np.ndarray:
        """Two-sided p-values (J, B): Student t with ``df`` (default the fit's), or normal.

        Parameters
        ----------
        df : int, optional
            Degrees of freedom (e.g. G - 1 for a cluster-count convention).

        Returns
        -------
        ndarray
        """
        with np.errstate(divide="ignore", invalid="ignore"):
            t = np.abs(self.beta / self.se)
        used = (self.df_resid if df is None else df) if self.debiased else None
        return _two_sided_pvalues(t, used)


@dataclass(frozen=True)
class OLSResult(EstimationResultsMixin):
    """One fitted outcome, in the style of a linearmodels result.

    Attributes
    ----------
    params, std_errors : Series
    cov : DataFrame
    nobs, df_resid, df_model : int
    cov_type : str
    debiased : bool
    model : str
        ``"OLS"`` or ``"IV-2SLS"``.
    n_entities, n_periods, n_effects : int
    bandwidth : float or None
        Driscoll-Kraay bandwidth used.
    resid : ndarray
        Residuals of the absorbed regression.
    """

    dependent: str
    params: pd.Series
    std_errors: pd.Series
    cov: pd.DataFrame
    nobs: int
    df_resid: int
    df_model: int
    cov_type: str
    debiased: bool
    model: str
    n_entities: int
    n_periods: int
    n_effects: int
    bandwidth: float | None
    resid: np.ndarray
    _results: OLSResults | None = field(default=None, repr=False, compare=False)
    _position: int = field(default=0, repr=False, compare=False)

    @property
    def inference_df(self) -> int | None:
        """Student t's degrees of freedom when debiased (``df_resid``), else None (normal).

        Returns
        -------
        int or None
        """
        return self.df_resid if self.debiased else None

    @property
    def tstats(self) -> pd.Series:
        """t statistics, by regressor."""
        return (self.params / self.std_errors).rename("tstat")

    @property
    def pvalues(self) -> pd.Series:
        """Two-sided p-values (Student t when debiased, else normal), by regressor."""
        t = np.abs(self.tstats.to_numpy())
        p = _two_sided_pvalues(t, self.df_resid if self.debiased else None)
        return pd.Series(p, index=self.params.index, name="pvalue")

    def conf_int(self, level: float = 0.95) -> pd.DataFrame:
        """Confidence intervals ``lower, upper`` (Student t when debiased).

        Parameters
        ----------
        level : float, default 0.95
            Confidence level.

        Returns
        -------
        DataFrame
            Indexed by regressor: ``lower``, ``upper``.
        """
        q = 1 - (1 - level) / 2
        crit = _critical(q, self.df_resid if self.debiased else None)
        return pd.DataFrame(
            {
                "lower": self.params - crit * self.std_errors,
                "upper": self.params + crit * self.std_errors,
            }
        )

    def with_cov(self, cov: str, **options: Any) -> OLSResult:
        """The same fit under another covariance (see :meth:`OLSResults.with_cov`).

        Parameters
        ----------
        cov : str
            As in :meth:`OLSResults.with_cov`.
        **options
            As in :meth:`OLSResults.with_cov`.

        Returns
        -------
        OLSResult
            The same fit with the new covariance (a ParameterError when the result
            does not keep its fit).
        """
        if self._results is None:
            raise ParameterError("This result does not keep its fit.")
        return self._results.with_cov(cov, **options).result(self._position)


@dataclass(frozen=True)
class IVResult(OLSResult):
    """A 2SLS fit (same attributes as :class:`OLSResult`)."""


@dataclass(frozen=True)
class WildBootstrapResult:
    """A restricted wild cluster bootstrap test of one coefficient.

    Attributes
    ----------
    test : str
    estimate, tstat : float
        Observed coefficient and clustered t statistic.
    pvalue : float
        Share of draws with :math:`|t^*| \\ge |t|`.
    t_star : ndarray (B,)
    draws : int
        B actually used (2^G under full enumeration).
    weight_type : str
    n_clusters : int
    """

    test: str
    estimate: float
    tstat: float
    pvalue: float
    t_star: np.ndarray
    draws: int
    weight_type: str
    n_clusters: int
