"""Coupling coordination and composite-system synergy of subsystems.

Both measures work on subsystem scores in :math:`[0, 1]` (for the compendium,
the six public-service domains: education, health, social security, culture,
transport, environment), one row per unit (a cluster-year or a city-year) and
one column per subsystem. NaN raises :class:`~inertia.errors.DataError`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from inertia.errors import DataError, ParameterError

__all__ = [
    "COORDINATION_GRADES",
    "coordination_grade",
    "coupling_coordination",
    "subsystem_order_degree",
    "synergy_degree",
]

#: The conventional ten equal bands of the coupling coordination degree D:
#: (band, lower bound, Chinese label, English label). Band b covers
#: [0.1 (b - 1), 0.1 b), the last one includes 1.
COORDINATION_GRADES = pd.DataFrame(
    [
        (1, 0.0, "极度失调", "extreme imbalance"),
        (2, 0.1, "严重失调", "serious imbalance"),
        (3, 0.2, "中度失调", "moderate imbalance"),
        (4, 0.3, "轻度失调", "mild imbalance"),
        (5, 0.4, "濒临失调", "verge of imbalance"),
        (6, 0.5, "勉强协调", "barely coordinated"),
        (7, 0.6, "初级协调", "primary coordination"),
        (8, 0.7, "中级协调", "intermediate coordination"),
        (9, 0.8, "良好协调", "good coordination"),
        (10, 0.9, "优质协调", "quality coordination"),
    ],
    columns=["band", "lower", "grade_zh", "grade_en"],
).set_index("band")


def _unit_scores(U: pd.DataFrame, what: str) -> pd.DataFrame:
    """Check subsystem scores: numeric DataFrame, no NaN, values in [0, 1]."""
    if isinstance(U, pd.Series):
        U = U.to_frame().T
    if not isinstance(U, pd.DataFrame):
        raise ParameterError(f"{what}: expected a DataFrame of subsystem scores.")
    values = U.astype("float64")
    if values.isna().any().any():
        columns = values.columns[values.isna().any()].tolist()
        raise DataError(
            f"{what}: subsystem scores in columns {columns} have NaN; drop those rows first."
        )
    outside = values.columns[((values < 0) | (values > 1)).any()].tolist()
    if outside:
        raise DataError(
            f"{what}: subsystem scores must lie in [0, 1]; columns {outside} do not "
            f"(range {values[outside].min().min():.4g} to {values[outside].max().max():.4g})."
        )
    return values


def coordination_grade(D: ArrayLike) -> pd.DataFrame:
    """Band number and labels of coordination degrees on the ten-band scale.

    Parameters
    ----------
    D : array-like or Series
        Coordination degrees in [0, 1].

    Returns
    -------
    DataFrame
        Columns ``band`` (1-10), ``grade_zh``, ``grade_en``; see
        :data:`COORDINATION_GRADES`.
    """
    index = D.index if isinstance(D, pd.Series) else None
    degree = np.asarray(D, dtype="float64")
    # Literal decimal edges so that e.g. D = 0.3 falls in band 4 (not 3 by rounding).
    edges = np.array([0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9])
    band = np.searchsorted(edges, degree, side="right") + 1
    labels = COORDINATION_GRADES.loc[band]
    return pd.DataFrame(
        {
            "band": band.astype("int64"),
            "grade_zh": labels["grade_zh"].to_numpy(),
            "grade_en": labels["grade_en"].to_numpy(),
        },
        index=index,
    )


def coupling_coordination(
    U: pd.DataFrame, weights: Mapping[str, float] | pd.Series | None = None
) -> pd.DataFrame:
    r"""Coupling degree C, development index T and coupling coordination degree D.

    For :math:`n` subsystem scores :math:`U_1, \dots, U_n \in [0, 1]`:

    .. math::

        C = \frac{n\,(\prod_{i=1}^n U_i)^{1/n}}{\sum_{i=1}^n U_i}
          = n\left[\frac{\prod_i U_i}{(\sum_i U_i)^n}\right]^{1/n},\qquad
        T = \sum_i \alpha_i U_i,\qquad
        D = \sqrt{C\,T}.

    :math:`C` is the ratio of the geometric to the arithmetic mean, so
    :math:`C \in [0, 1]` with :math:`C = 1` exactly when all :math:`U_i` are
    equal (AM-GM inequality). For :math:`n = 2` it is :math:`2\sqrt{U_1U_2}/(U_1+U_2)`.
    The weights :math:`\alpha_i` default to :math:`1/n`. When every
    :math:`U_i = 0`, :math:`C` is undefined (0/0) and reported as NaN, while
    :math:`D = 0` because :math:`C` is bounded and :math:`T = 0`.

    Variants in the literature: many applied papers use
    :math:`C = \{\prod_i U_i / \prod_{i<j}(U_i + U_j)\}^{1/n}` or drop the
    factor :math:`n` (then :math:`C \le 1/n`); these do not span :math:`[0, 1]`
    and are criticised by
    丛晓男 (2019) and 王淑佳 et al. (2021), who also propose a corrected
    :math:`C` that penalises dispersion more strongly. This function uses the
    standard form above.

    Parameters
    ----------
    U : DataFrame
        Units in rows, subsystem scores in :math:`[0, 1]` in columns (at
        least two). No NaN.
    weights : mapping or Series, optional
        Contribution :math:`\alpha_i` of each subsystem to :math:`T`;
        non-negative, summing to 1. None means equal weights.

    Returns
    -------
    DataFrame
        Indexed like ``U``, columns ``C``, ``T``, ``D``, ``band`` (1-10),
        ``grade_zh`` and ``grade_en`` (the conventional ten equal bands from
        0-0.1 极度失调 extreme imbalance to 0.9-1.0 优质协调 quality coordination,
        see :data:`COORDINATION_GRADES`).

    References
    ----------
    廖重斌 (1999). 环境与经济协调发展的定量评判及其分类体系——以珠江三角洲城市群为例.
    热带地理 19(2): 171-177 (coupling coordination degree and its grades).
    丛晓男 (2019). 耦合度模型的形式、性质及在地理学中的若干误用. 经济地理 39(4): 18-25.
    王淑佳, 孔伟, 任亮, 治丹丹, 戴彬 (2021). 国内耦合协调度模型的误区及修正.
    自然资源学报 36(3): 793-810.
    """
    values = _unit_scores(U, "coupling coordination")
    n = values.shape[1]
    if n < 2:
        raise ParameterError("coupling coordination needs at least two subsystems (columns).")
    if weights is None:
        alpha = np.full(n, 1.0 / n)
    else:
        given = pd.Series(weights, dtype="float64")
        if set(given.index) != set(values.columns):
            raise ParameterError(
                f"coupling coordination weights must name exactly the subsystems "
                f"{list(values.columns)}; got {list(given.index)}."
            )
        alpha = given.reindex(values.columns).to_numpy()
        if (alpha < 0).any() or not np.isclose(alpha.sum(), 1.0, rtol=0, atol=1e-9):
            raise ParameterError(
                f"coupling coordination weights must be non-negative and sum to 1; "
                f"got sum {alpha.sum()!r}."
            )
    scores = values.to_numpy()
    total = scores.sum(axis=1)
    # Geometric mean through logs would fail at 0; the product is fine for a handful of domains.
    geometric = np.prod(scores, axis=1) ** (1.0 / n)
    with np.errstate(invalid="ignore", divide="ignore"):
        coupling = np.where(total > 0, n * geometric / np.where(total > 0, total, 1.0), np.nan)
    # Guard the AM-GM bound against rounding just above 1.
    coupling = np.minimum(coupling, 1.0)
    development = scores @ alpha
    coordination = np.where(total > 0, np.sqrt(np.nan_to_num(coupling) * development), 0.0)
    out = pd.DataFrame({"C": coupling, "T": development, "D": coordination}, index=values.index)
    grades = coordination_grade(pd.Series(coordination, index=values.index))
    return pd.concat([out, grades], axis=1)


def subsystem_order_degree(
    X: pd.DataFrame,
    lower: Mapping[str, float] | pd.Series | None = None,
    upper: Mapping[str, float] | pd.Series | None = None,
    directions: Mapping[str, int] | pd.Series | None = None,
    *,
    aggregate: Literal["geometric", "linear"] = "geometric",
    weights: Mapping[str, float] | pd.Series | None = None,
) -> pd.Series:
    r"""Order degree of one subsystem from its order parameters (Meng & Han 2000).

    Each order parameter :math:`e_{i}` with bounds :math:`\alpha_i \le e_i \le \beta_i`
    has order degree

    .. math::

        u(e_i) = \frac{e_i - \alpha_i}{\beta_i - \alpha_i}\ \text{(benefit)},\qquad
        u(e_i) = \frac{\beta_i - e_i}{\beta_i - \alpha_i}\ \text{(cost)},

    and the subsystem order degree is the geometric mean
    :math:`u = (\prod_i u(e_i))^{1/m}` or the linear weighted sum
    :math:`u = \sum_i \lambda_i u(e_i)` with :math:`\sum_i\lambda_i = 1`.

    Parameters
    ----------
    X : DataFrame
        Units (e.g. years) in rows, the subsystem's order parameters in columns.
    lower, upper : mapping or Series, optional
        Bounds :math:`\alpha_i, \beta_i` per column. Default: the column
        minimum and maximum of ``X``. With the default bounds the geometric
        mean is 0 for any row at a column minimum; applied work therefore
        often widens the bounds (e.g. 0.9 x min and 1.1 x max).
    directions : mapping or Series of {+1, -1}, optional
        +1 benefit, -1 cost; None means all benefit.
    aggregate : {"geometric", "linear"}, default "geometric"
    weights : mapping or Series, optional
        :math:`\lambda_i` for ``aggregate="linear"``; default equal.

    Returns
    -------
    Series
        Order degree in [0, 1], indexed like ``X``.

    Raises
    ------
    DataError
        NaN, or values outside their bounds.

    References
    ----------
    孟庆松, 韩文秀 (2000). 复合系统协调度模型研究. 天津大学学报 33(4): 444-446.
    """
    from inertia.measures.weighting import _directions, _numeric_matrix

    values = _numeric_matrix(X, "subsystem order degree")
    columns = values.columns
    low = values.min() if lower is None else pd.Series(lower, dtype="float64").reindex(columns)
    high = values.max() if upper is None else pd.Series(upper, dtype="float64").reindex(columns)
    if low.isna().any() or high.isna().any():
        raise ParameterError(
            f"subsystem order degree: bounds must be given for every column {list(columns)}."
        )
    if (high <= low).any():
        bad = columns[(high <= low).to_numpy()].tolist()
        raise DataError(f"subsystem order degree: upper bound <= lower bound for {bad}.")
    outside = columns[((values < low) | (values > high)).any()].tolist()
    if outside:
        raise DataError(
            f"subsystem order degree: values of {outside} lie outside their bounds; "
            "widen the bounds."
        )
    signs = _directions(columns, directions).to_numpy()
    benefit = ((values - low) / (high - low)).to_numpy()
    degree = np.where(signs == 1, benefit, 1.0 - benefit)
    if aggregate == "geometric":
        result = np.prod(degree, axis=1) ** (1.0 / degree.shape[1])
    elif aggregate == "linear":
        lam = (
            np.full(degree.shape[1], 1.0 / degree.shape[1])
            if weights is None
            else pd.Series(weights, dtype="float64").reindex(columns).to_numpy()
        )
        if np.isnan(lam).any() or (lam < 0).any() or not np.isclose(lam.sum(), 1.0, atol=1e-9):
            raise ParameterError(
                "subsystem order degree: linear weights must cover every column, be "
                "non-negative and sum to 1."
            )
        result = degree @ lam
    else:
        raise ParameterError(
            f"subsystem order degree: aggregate must be 'geometric' or 'linear'; got {aggregate!r}."
        )
    return pd.Series(result, index=values.index, name="order_degree")


def synergy_degree(
    order_base: pd.Series | pd.DataFrame, order_now: pd.Series | pd.DataFrame
) -> float | pd.Series:
    r"""Composite-system synergy degree (Meng & Han 2000).

    For :math:`k` subsystems with order degrees :math:`u_j^0` in the base
    period and :math:`u_j^1` now, and changes :math:`\Delta_j = u_j^1 - u_j^0`:

    .. math::

        \mathrm{SD} = \theta\,\Big(\prod_{j=1}^k |\Delta_j|\Big)^{1/k},\qquad
        \theta = \frac{\min_j \Delta_j}{|\min_j \Delta_j|}.

    So :math:`\theta = +1` only when every subsystem improved
    (:math:`\min_j\Delta_j > 0`) and :math:`-1` when at least one
    deteriorated. If some :math:`\Delta_j = 0` the product is 0 and so is
    SD. With order degrees in :math:`[0, 1]`, :math:`\mathrm{SD} \in [-1, 1]`.

    Parameters
    ----------
    order_base : Series or DataFrame
        Base-period order degrees, one per subsystem (a Series), or one row
        per unit (a DataFrame aligned with ``order_now``).
    order_now : Series or DataFrame
        Current order degrees: a Series (one unit) or a DataFrame of units
        (e.g. years) by subsystems. A Series base is compared with every row.

    Returns
    -------
    float or Series
        A float when both inputs are Series, else a Series named
        ``synergy_degree`` indexed like ``order_now``.

    References
    ----------
    孟庆松, 韩文秀 (2000). 复合系统协调度模型研究. 天津大学学报 33(4): 444-446.
    """
    scalar = isinstance(order_now, pd.Series) and isinstance(order_base, pd.Series)
    now = _unit_scores(order_now, "synergy degree (order_now)")
    if isinstance(order_base, pd.Series):
        base = _unit_scores(order_base.to_frame().T, "synergy degree (order_base)")
        if set(base.columns) != set(now.columns):
            raise ParameterError(
                f"synergy degree: base subsystems {list(base.columns)} differ from current "
                f"ones {list(now.columns)}."
            )
        change = now.to_numpy() - base[now.columns].to_numpy()
    else:
        base = _unit_scores(order_base, "synergy degree (order_base)")
        if not (base.index.equals(now.index) and set(base.columns) == set(now.columns)):
            raise ParameterError(
                "synergy degree: order_base and order_now must have the same rows and "
                "subsystem columns."
            )
        change = now.to_numpy() - base[now.columns].to_numpy()
    k = change.shape[1]
    sign = np.where(change.min(axis=1) > 0, 1.0, -1.0)
    degree = sign * np.prod(np.abs(change), axis=1) ** (1.0 / k)
    degree = np.where(degree == 0, 0.0, degree)  # no signed zero
    if scalar:
        return float(degree[0])
    return pd.Series(degree, index=now.index, name="synergy_degree")
