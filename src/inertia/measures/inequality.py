"""Inequality measures: Theil T, the Dagum Gini decomposition, the CV and the absolute Gini.

The absolute Gini is the one absolute measure; the others are relative (the
CV is the coefficient of variation).

All three take a vector ``y`` of non-negative values (a city's public-service
level, one value per city) and, where relevant, a vector of group labels (the
cluster). They require complete data: NaN raises
:class:`~inertia.errors.DataError`, so drop missing cities explicitly first.
Synergy measures in the compendium are ``1 - inequality``. The first three are
*relative* (scale invariant: doubling every value leaves them unchanged, adding
a constant lowers them); the absolute Gini is *translation invariant* (adding
a constant leaves it unchanged, doubling doubles it). Chapter 6 reports every
corrective measure on both, because a lever that raises every city by the same
amount narrows relative but not absolute inequality.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from inertia.errors import DataError, ParameterError

__all__ = [
    "DagumGiniResult",
    "TheilResult",
    "absolute_gini",
    "coefficient_of_variation",
    "dagum_gini",
    "theil",
]


def _as_vector(y: ArrayLike, what: str, *, nonnegative: bool = True) -> np.ndarray:
    """Return ``y`` as a finite 1-d float array, raising DataError otherwise."""
    values = np.asarray(y, dtype="float64")
    if values.ndim != 1:
        raise DataError(f"{what}: y must be one-dimensional; got shape {values.shape}.")
    if values.size == 0:
        raise DataError(f"{what}: y is empty.")
    if not np.isfinite(values).all():
        bad = int((~np.isfinite(values)).sum())
        raise DataError(
            f"{what}: y has {bad} missing or infinite values; drop them explicitly "
            "(e.g. y.dropna()) before measuring inequality."
        )
    if nonnegative and (values < 0).any():
        raise DataError(f"{what}: y must be non-negative; minimum is {values.min()!r}.")
    return values


def _as_groups(groups: ArrayLike, y: ArrayLike, what: str) -> np.ndarray:
    """Return group labels aligned with ``y`` (by index when both are Series)."""
    if isinstance(groups, pd.Series) and isinstance(y, pd.Series):
        if not groups.index.equals(y.index):
            groups = groups.reindex(y.index)
    labels = np.asarray(groups, dtype="object")
    n_values = np.shape(y)[0]
    if labels.shape != (n_values,):
        raise ParameterError(
            f"{what}: groups must have one label per value of y ({n_values}); "
            f"got shape {labels.shape}."
        )
    if pd.isna(labels).any():
        raise DataError(f"{what}: {int(pd.isna(labels).sum())} values of y have no group label.")
    return labels


# --------------------------------------------------------------------------- Theil


@dataclass(frozen=True)
class TheilResult:
    """Theil T index and its additive within/between-group decomposition.

    Attributes
    ----------
    total : float
        Theil T of the pooled sample.
    within : float
        :math:`\\sum_g s_g T_g`, income-share-weighted within-group Theil.
    between : float
        :math:`\\sum_g s_g \\ln(\\mu_g/\\mu)`; ``within + between == total``.
    groups : DataFrame
        One row per group: ``n`` (units), ``weight_share`` (population or
        count share :math:`p_g`), ``share`` (share of the total :math:`s_g`),
        ``mean`` (:math:`\\mu_g`), ``theil`` (:math:`T_g`) and ``contribution``
        (:math:`s_g T_g / T`, the group's within-inequality share of the total).
    """

    total: float
    within: float
    between: float
    groups: pd.DataFrame

    @property
    def within_share(self) -> float:
        """Share of total inequality that is within groups."""
        return self.within / self.total if self.total > 0 else float("nan")

    @property
    def between_share(self) -> float:
        """Share of total inequality that is between groups."""
        return self.between / self.total if self.total > 0 else float("nan")


def _xlogx_ratio(ratio: np.ndarray) -> np.ndarray:
    """r ln r with the convention 0 ln 0 = 0."""
    safe = np.where(ratio > 0, ratio, 1.0)
    return np.where(ratio > 0, ratio * np.log(safe), 0.0)


def theil(
    y: ArrayLike, groups: ArrayLike | None = None, weights: ArrayLike | None = None
) -> TheilResult:
    r"""Theil T index (GE(1)), optionally population-weighted, with its decomposition.

    With unit weights :math:`w_i` (population; 1 when not given),
    :math:`W = \sum_i w_i` and mean :math:`\mu = \sum_i w_i y_i / W`:

    .. math::

        T = \sum_i \frac{w_i}{W}\,\frac{y_i}{\mu}\ln\frac{y_i}{\mu}.

    For groups :math:`g` with weight share :math:`p_g = W_g/W`, mean
    :math:`\mu_g` and share of the total :math:`s_g = p_g \mu_g / \mu`:

    .. math::

        T = \underbrace{\sum_g s_g T_g}_{\text{within}}
          + \underbrace{\sum_g s_g \ln\frac{\mu_g}{\mu}}_{\text{between}}.

    Zeros are allowed, with :math:`0 \ln 0 = 0`. Unweighted, this equals
    PySAL ``inequality.theil.Theil`` / ``TheilD``.

    Parameters
    ----------
    y : array-like or Series
        Non-negative values, no NaN, not all zero.
    groups : array-like or Series, optional
        Group label per value (aligned on the index when both are Series).
        None treats the sample as one group (``within == total``).
    weights : array-like, optional
        Non-negative population weights, one per value.

    Returns
    -------
    TheilResult

    References
    ----------
    Theil, H. (1967). *Economics and Information Theory*. North-Holland.
    Shorrocks, A. F. (1980). The class of additively decomposable inequality
    measures. *Econometrica* 48(3): 613-625.
    """
    values = _as_vector(y, "Theil index")
    if weights is None:
        w = np.ones_like(values)
    else:
        w = _as_vector(weights, "Theil index weights")
        if w.shape != values.shape:
            raise ParameterError(
                f"Theil index: weights must have one value per y ({values.size}); got {w.size}."
            )
        if w.sum() <= 0:
            raise DataError("Theil index: weights sum to zero.")
    labels = (
        np.zeros(values.size, dtype="object")
        if groups is None
        else _as_groups(groups, y, "Theil index")
    )
    total_weight = w.sum()
    mean = (w * values).sum() / total_weight
    if mean <= 0:
        raise DataError("Theil index: the mean of y is zero; inequality is undefined.")
    total = float((w / total_weight * _xlogx_ratio(values / mean)).sum())

    rows = []
    codes, uniques = pd.factorize(labels, sort=True)
    for code, label in enumerate(uniques):
        member = codes == code
        wg, yg = w[member], values[member]
        weight_share = wg.sum() / total_weight
        group_mean = (wg * yg).sum() / wg.sum()
        share = weight_share * group_mean / mean
        group_theil = (
            float((wg / wg.sum() * _xlogx_ratio(yg / group_mean)).sum()) if group_mean > 0 else 0.0
        )
        rows.append(
            {
                "group": label,
                "n": int(member.sum()),
                "weight_share": weight_share,
                "share": share,
                "mean": group_mean,
                "theil": group_theil,
            }
        )
    table = pd.DataFrame(rows).set_index("group")
    within = float((table["share"] * table["theil"]).sum())
    # s_g ln(mu_g/mu) = p_g (mu_g/mu) ln(mu_g/mu), which stays finite for an all-zero group.
    between = float((table["weight_share"] * _xlogx_ratio(table["mean"].to_numpy() / mean)).sum())
    table["contribution"] = table["share"] * table["theil"] / total if total > 0 else np.nan
    if groups is None:
        table.index = pd.Index(["all"], name="group")
    return TheilResult(total=total, within=within, between=between, groups=table)


# --------------------------------------------------------------------------- Dagum Gini


def _sum_abs_differences(a: np.ndarray, b_sorted: np.ndarray, b_cumsum: np.ndarray) -> float:
    """:math:`\\sum_i \\sum_r |a_i - b_r|` in O((n + m) log m) via sorting and cumulative sums."""
    m = b_sorted.size
    below = np.searchsorted(b_sorted, a, side="right")  # number of b_r <= a_i
    sum_below = np.where(below > 0, b_cumsum[np.maximum(below - 1, 0)], 0.0)
    total_b = b_cumsum[-1]
    return float((a * below - sum_below).sum() + ((total_b - sum_below) - a * (m - below)).sum())


@dataclass(frozen=True)
class DagumGiniResult:
    """Dagum (1997) decomposition of the Gini ratio.

    Attributes
    ----------
    total : float
        Gini ratio :math:`G` of the pooled sample.
    within : float
        :math:`G_w = \\sum_j G_{jj} p_j s_j`.
    between_net : float
        Net between-group contribution :math:`G_{nb}`.
    transvariation : float
        Transvariation (overlap) contribution :math:`G_t`;
        ``within + between_net + transvariation == total``.
    group_gini : DataFrame
        Group-by-group matrix: within-group Gini :math:`G_{jj}` on the
        diagonal and between-group Gini :math:`G_{jh}` off it (symmetric).
    relative_affluence : DataFrame
        :math:`D_{jh} \\in [0, 1]` off the diagonal (symmetric; 0 on it).
    groups : DataFrame
        Per group: ``n``, ``mean``, ``pop_share`` :math:`p_j`, ``share`` :math:`s_j`.
    contributions : Series
        ``within``, ``between_net`` and ``transvariation`` as shares of ``total``.
    """

    total: float
    within: float
    between_net: float
    transvariation: float
    group_gini: pd.DataFrame
    relative_affluence: pd.DataFrame
    groups: pd.DataFrame
    contributions: pd.Series


def dagum_gini(y: ArrayLike, groups: ArrayLike) -> DagumGiniResult:
    r"""Gini ratio and its Dagum (1997) decomposition by subgroups.

    For :math:`k` groups with sizes :math:`n_j`, means :math:`\mu_j`,
    :math:`p_j = n_j/n`, :math:`s_j = n_j\mu_j/(n\mu)` and the mean absolute
    difference :math:`\Delta_{jh} = \frac{1}{n_j n_h}\sum_i\sum_r |y_{ji} - y_{hr}|`:

    .. math::

        G = \frac{\sum_j\sum_h n_j n_h \Delta_{jh}}{2 n^2 \mu},\quad
        G_{jj} = \frac{\Delta_{jj}}{2\mu_j},\quad
        G_{jh} = \frac{\Delta_{jh}}{\mu_j + \mu_h},

        G_w = \sum_j G_{jj} p_j s_j,\quad
        G_{nb} = \sum_{j=2}^{k}\sum_{h=1}^{j-1} G_{jh}(p_j s_h + p_h s_j) D_{jh},\quad
        G_t = \sum_{j=2}^{k}\sum_{h=1}^{j-1} G_{jh}(p_j s_h + p_h s_j)(1 - D_{jh}),

    with relative economic affluence :math:`D_{jh} = (d_{jh} - p_{jh})/(d_{jh} + p_{jh})`,
    where for the richer group :math:`j` (:math:`\mu_j \ge \mu_h`)
    :math:`d_{jh} = \frac{1}{n_j n_h}\sum\sum (y_{ji} - y_{hr})_+` and
    :math:`p_{jh} = \frac{1}{n_j n_h}\sum\sum (y_{hr} - y_{ji})_+`. Since
    :math:`d_{jh} - p_{jh} = \mu_j - \mu_h` and :math:`d_{jh} + p_{jh} = \Delta_{jh}`,
    :math:`D_{jh} = |\mu_j - \mu_h| / \Delta_{jh}`. Then :math:`G = G_w + G_{nb} + G_t`.

    :math:`G` is the same Gini as PySAL ``inequality.gini.Gini``
    (:math:`\sum\sum|y_i - y_j| / (2n^2\mu)`, no small-sample :math:`n/(n-1)` factor).
    The double sums are computed exactly by sorting and cumulative sums in
    :math:`O(n \log n)` per pair of groups, so memory stays linear in :math:`n`.

    Parameters
    ----------
    y : array-like or Series
        Non-negative values, no NaN; every group must have a positive mean.
    groups : array-like or Series
        Group label per value (aligned on the index when both are Series).

    Returns
    -------
    DagumGiniResult

    References
    ----------
    Dagum, C. (1997). A new approach to the decomposition of the Gini income
    inequality ratio. *Empirical Economics* 22(4): 515-531.
    """
    values = _as_vector(y, "Dagum Gini")
    labels = _as_groups(groups, y, "Dagum Gini")
    codes, uniques = pd.factorize(labels, sort=True)
    k = len(uniques)
    n = values.size
    mean = values.mean()
    if mean <= 0:
        raise DataError("Dagum Gini: the mean of y is zero; the Gini ratio is undefined.")

    members = [np.sort(values[codes == j]) for j in range(k)]
    sizes = np.array([m.size for m in members], dtype="float64")
    means = np.array([m.mean() for m in members])
    if (means <= 0).any():
        empty = [uniques[j] for j in np.flatnonzero(means <= 0)]
        raise DataError(f"Dagum Gini: groups {empty} have mean zero; their Gini is undefined.")
    cumsums = [np.cumsum(m) for m in members]
    pop_share = sizes / n
    share = sizes * means / (n * mean)

    mean_abs_diff = np.zeros((k, k))
    for j in range(k):
        for h in range(j, k):
            total_abs = _sum_abs_differences(members[j], members[h], cumsums[h])
            mean_abs_diff[j, h] = mean_abs_diff[h, j] = total_abs / (sizes[j] * sizes[h])

    gini_matrix = mean_abs_diff / (means[:, None] + means[None, :])
    np.fill_diagonal(gini_matrix, np.diag(mean_abs_diff) / (2 * means))
    with np.errstate(invalid="ignore", divide="ignore"):
        affluence = np.abs(means[:, None] - means[None, :]) / mean_abs_diff
    affluence = np.where(mean_abs_diff > 0, affluence, 0.0)
    np.fill_diagonal(affluence, 0.0)

    total = float((sizes[:, None] * sizes[None, :] * mean_abs_diff).sum() / (2 * n**2 * mean))
    within = float((np.diag(gini_matrix) * pop_share * share).sum())
    pair_weight = pop_share[:, None] * share[None, :] + pop_share[None, :] * share[:, None]
    lower = np.tril(np.ones((k, k), dtype=bool), k=-1)
    between_part = gini_matrix * pair_weight
    between_net = float((between_part * affluence)[lower].sum())
    transvariation = float((between_part * (1 - affluence))[lower].sum())

    index = pd.Index(uniques, name="group")
    table = pd.DataFrame(
        {"n": sizes.astype("int64"), "mean": means, "pop_share": pop_share, "share": share},
        index=index,
    )
    contributions = pd.Series(
        {"within": within, "between_net": between_net, "transvariation": transvariation},
        name="share_of_total",
    ) / (total if total > 0 else np.nan)
    return DagumGiniResult(
        total=total,
        within=within,
        between_net=between_net,
        transvariation=transvariation,
        group_gini=pd.DataFrame(gini_matrix, index=index, columns=index.rename(None)),
        relative_affluence=pd.DataFrame(affluence, index=index, columns=index.rename(None)),
        groups=table,
        contributions=contributions,
    )


# --------------------------------------------------------------------------- CV


def coefficient_of_variation(y: ArrayLike, ddof: int = 0) -> float:
    r"""Coefficient of variation :math:`\mathrm{CV} = s / \bar y`.

    .. math::

        s = \sqrt{\frac{1}{n - \mathrm{ddof}}\sum_i (y_i - \bar y)^2}.

    ``ddof=0`` (the default) is the population form, the one used in
    sigma-convergence work; ``ddof=1`` gives the sample standard deviation.
    The CV is scale invariant. Equals ``scipy.stats.variation(y, ddof=ddof)``.

    Parameters
    ----------
    y : array-like or Series
        Values, no NaN; the mean must be non-zero.
    ddof : int, default 0
        Delta degrees of freedom of the standard deviation.

    Returns
    -------
    float

    References
    ----------
    Barro, R. J., & Sala-i-Martin, X. (1992). Convergence. *Journal of
    Political Economy* 100(2): 223-251 (dispersion for sigma convergence).
    """
    values = _as_vector(y, "coefficient of variation", nonnegative=False)
    if ddof not in (0, 1) or values.size <= ddof:
        raise ParameterError(
            f"coefficient of variation: ddof must be 0 or 1 and smaller than n={values.size}; "
            f"got {ddof!r}."
        )
    mean = values.mean()
    if mean == 0:
        raise DataError("coefficient of variation: the mean of y is zero.")
    return float(values.std(ddof=ddof) / mean)


# --------------------------------------------------------------------------- absolute Gini


def absolute_gini(y: ArrayLike) -> float:
    r"""Absolute Gini: half the mean absolute difference, in the units of ``y``.

    .. math::

        A = \frac{1}{2n^2}\sum_{i=1}^n\sum_{j=1}^n |y_i - y_j|
          = \frac{1}{n^2}\sum_{i=1}^n (2i - n - 1)\, y_{(i)} = \mu G,

    with :math:`y_{(i)}` the values sorted ascending, :math:`\mu` their mean
    and :math:`G` the Gini ratio (the Dagum total of one group, without the
    :math:`n/(n-1)` factor). :math:`A` is translation invariant
    (:math:`A(y + c) = A(y)`) and scale equivariant (:math:`A(ky) = kA(y)`,
    :math:`k > 0`): the absolute counterpart of the relative Gini.

    Parameters
    ----------
    y : array-like or Series
        Values, no NaN (they may be negative: the measure needs no positive mean).

    Returns
    -------
    float

    References
    ----------
    Kolm, S.-C. (1976). Unequal inequalities I. *Journal of Economic Theory*
    12(3): 416-442 (absolute inequality measures). Yitzhaki, S., & Schechtman,
    E. (2013). *The Gini Methodology*. Springer, ch. 2 (the mean difference,
    :math:`\Delta = 2\mu G`).
    """
    values = np.sort(_as_vector(y, "absolute Gini", nonnegative=False))
    n = values.size
    ranks = 2.0 * np.arange(1, n + 1) - n - 1
    return float(values @ ranks / (n * n))
