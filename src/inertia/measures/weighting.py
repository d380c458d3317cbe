"""Indicator weighting: the entropy method and TOPSIS closeness.

Both functions take an indicator matrix ``X`` with one row per unit (a
city-year in the panel) and one numeric column per indicator, and a direction
per indicator: ``+1`` for a benefit indicator (more is better) and ``-1`` for
a cost indicator (less is better).

Missing values are **not** handled silently: every function here requires a
complete matrix and raises :class:`~inertia.errors.DataError` naming the
columns with NaN. Drop or impute rows explicitly before calling (for example
``X.dropna()``), so that the choice is visible at the call site.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from typing import Literal, TypeAlias

import numpy as np
import pandas as pd

from inertia.errors import DataError, ParameterError

__all__ = ["entropy_weights", "minmax_scale", "topsis"]

Directions: TypeAlias = Mapping[str, int] | pd.Series | None


def _directions(columns: pd.Index, directions: Directions) -> pd.Series:
    """Return a +1/-1 Series aligned on ``columns``; None means all benefit."""
    if directions is None:
        return pd.Series(1, index=columns, dtype="int64")
    given = pd.Series(directions, dtype="object")
    unknown = [key for key in given.index if key not in columns]
    missing = [col for col in columns if col not in given.index]
    if unknown or missing:
        raise ParameterError(
            "The indicator directions do not match the indicator columns: "
            + (f"directions given for unknown columns {unknown}; " if unknown else "")
            + (f"no direction given for columns {missing}; " if missing else "")
            + "give exactly one direction (+1 benefit, -1 cost) per column."
        )
    bad = {key: value for key, value in given.items() if value not in (1, -1)}
    if bad:
        raise ParameterError(f"Indicator directions must be +1 (benefit) or -1 (cost); got {bad}.")
    return given.reindex(columns).astype("int64")


def _numeric_matrix(X: pd.DataFrame, what: str) -> pd.DataFrame:
    """Check ``X`` is a non-empty, all-numeric, complete, finite DataFrame."""
    if not isinstance(X, pd.DataFrame):
        raise ParameterError(f"{what}: X must be a pandas DataFrame, got {type(X).__name__}.")
    if X.shape[1] == 0:
        raise ParameterError(f"{what}: X has no indicator columns.")
    non_numeric = [c for c in X.columns if not pd.api.types.is_numeric_dtype(X[c])]
    if non_numeric:
        raise ParameterError(
            f"{what}: indicator columns must be numeric; {non_numeric} are not. "
            "Move key columns such as code or year into the index first."
        )
    values = X.astype("float64")
    with_nan = values.columns[values.isna().any()].tolist()
    if with_nan:
        counts = {c: int(values[c].isna().sum()) for c in with_nan}
        first = values.index[values.isna().any(axis=1)][:5].tolist()
        raise DataError(
            f"{what}: indicators must be complete, but these columns have NaN "
            f"(count per column) {counts}, first rows {first}. Drop or impute those "
            "rows explicitly, e.g. X.dropna(), before computing weights."
        )
    infinite = values.columns[~np.isfinite(values.to_numpy()).all(axis=0)].tolist()
    if infinite:
        raise DataError(f"{what}: columns {infinite} contain infinite values.")
    return values


def minmax_scale(
    X: pd.DataFrame, directions: Directions = None, *, shift: float = 1e-4
) -> pd.DataFrame:
    r"""Direction-aware min-max scaling with an explicit shift.

    .. math::

        x'_{ij} = \frac{x_{ij} - \min_i x_{ij}}{\max_i x_{ij} - \min_i x_{ij}} + s
        \quad\text{(benefit)},\qquad
        x'_{ij} = \frac{\max_i x_{ij} - x_{ij}}{\max_i x_{ij} - \min_i x_{ij}} + s
        \quad\text{(cost)},

    so every scaled value lies in :math:`[s, 1 + s]` and larger is better.

    Parameters
    ----------
    X : DataFrame
        Units in rows, numeric indicators in columns, no NaN.
    directions : mapping or Series of {+1, -1}, optional
        One direction per column; None treats every column as a benefit.
    shift : float, default 1e-4
        The shift :math:`s \ge 0` that keeps scaled values away from zero so
        that logarithms in the entropy step are finite.

    Returns
    -------
    DataFrame
        The scaled matrix, same index and columns as ``X``.

    Raises
    ------
    ParameterError
        Unknown or missing directions, or a negative shift.
    DataError
        NaN or infinite values, or a constant column (max == min).
    """
    values = _numeric_matrix(X, "min-max scaling")
    signs = _directions(values.columns, directions)
    if not np.isfinite(shift) or shift < 0:
        raise ParameterError(f"The min-max shift must be a finite number >= 0; got {shift!r}.")
    low, high = values.min(), values.max()
    constant = values.columns[(high - low) <= 0].tolist()
    if constant:
        raise DataError(
            f"min-max scaling: columns {constant} are constant over the "
            f"{len(values)} rows, so they carry no information and cannot be scaled; "
            "drop them from the indicator set."
        )
    span = high - low
    benefit = (values - low) / span
    cost = (high - values) / span
    scaled = np.where(signs.to_numpy() == 1, benefit.to_numpy(), cost.to_numpy())
    return pd.DataFrame(scaled + shift, index=values.index, columns=values.columns)


def _entropy_weights_block(scaled: pd.DataFrame) -> pd.Series:
    """Entropy weights of one already-scaled, non-negative block."""
    n = len(scaled)
    if n < 2:
        raise DataError("The entropy method needs at least two rows (ln n must be > 0).")
    values = scaled.to_numpy()
    p = values / values.sum(axis=0)
    # Convention 0 * ln 0 = 0: the limit of p ln p as p -> 0. Only reached when shift = 0.
    safe = np.where(p > 0, p, 1.0)
    plogp = np.where(p > 0, p * np.log(safe), 0.0)
    entropy = -plogp.sum(axis=0) / np.log(n)
    divergence = 1.0 - entropy
    return pd.Series(divergence / divergence.sum(), index=scaled.columns, name="weight")


def entropy_weights(
    X: pd.DataFrame,
    directions: Directions = None,
    *,
    shift: float = 1e-4,
    pooled: bool = True,
    by: Hashable | None = None,
) -> pd.Series:
    r"""Objective indicator weights by the entropy method.

    Steps, for :math:`n` rows and indicators :math:`j`:

    1. Direction-aware min-max scaling with shift :math:`s` (see
       :func:`minmax_scale`): :math:`x'_{ij} \in [s, 1+s]`.
    2. Shares :math:`p_{ij} = x'_{ij} / \sum_i x'_{ij}`.
    3. Entropy :math:`e_j = -\frac{1}{\ln n}\sum_i p_{ij}\ln p_{ij}`, with the
       convention :math:`0 \ln 0 = 0` (only relevant when ``shift=0``, where the
       worst row of each indicator has :math:`p_{ij} = 0`).
    4. Divergence :math:`d_j = 1 - e_j` and weight :math:`w_j = d_j / \sum_k d_k`.

    Weights are non-negative and sum to one.

    Parameters
    ----------
    X : DataFrame
        Units in rows, numeric indicators in columns. Must be complete: rows
        with NaN raise :class:`~inertia.errors.DataError` (drop or impute them
        first). With ``pooled=False`` the grouping may be a column of ``X``
        (it is then not treated as an indicator) or an index level.
    directions : mapping or Series of {+1, -1}, optional
        Direction per indicator column: +1 benefit, -1 cost. None means all
        benefit. Every indicator column must have exactly one direction.
    shift : float, default 1e-4
        Shift added after min-max scaling so that no share is exactly zero.
    pooled : bool, default True
        True: one weight vector from all rows together. On a city-year panel
        this is the *panel entropy* method (min and max taken over all
        city-years), so composite scores are comparable across years.
        False: separate weights per value of ``by`` (normally the year), each
        computed from that group's rows only, with that group's min and max;
        scores are then comparable within a year but not across years.
    by : hashable, optional
        Required when ``pooled=False`` and not allowed otherwise: a column name
        or index level name of ``X`` defining the groups.

    Returns
    -------
    Series
        ``pooled=True``: weights indexed by indicator, named ``weight``.
        ``pooled=False``: weights indexed by (group, indicator); use
        ``.unstack()`` for a group-by-indicator table.

    Raises
    ------
    ParameterError
        Unknown direction values or columns, negative shift, inconsistent
        ``pooled``/``by``.
    DataError
        NaN or infinite values, a constant column (in the pooled data or in
        one group), or fewer than two rows.

    References
    ----------
    Shannon, C. E. (1948). A mathematical theory of communication. *Bell
    System Technical Journal* 27(3): 379-423.
    Hwang, C. L., & Yoon, K. (1981). *Multiple Attribute Decision Making:
    Methods and Applications*. Springer (the entropy method of weight
    assessment).

    Examples
    --------
    >>> import pandas as pd
    >>> X = pd.DataFrame({"beds": [1.0, 2.0, 4.0], "cost": [3.0, 1.0, 2.0]})
    >>> w = entropy_weights(X, {"beds": 1, "cost": -1})
    >>> round(float(w.sum()), 12)
    1.0
    """
    if pooled:
        if by is not None:
            raise ParameterError(
                "entropy_weights: `by` is only used with pooled=False (per-group "
                "weights); with pooled=True all rows are pooled. Remove `by` or set "
                "pooled=False."
            )
        return _entropy_weights_block(minmax_scale(X, directions, shift=shift))

    if by is None:
        raise ParameterError(
            "entropy_weights: pooled=False needs `by`, the column or index level "
            "(normally 'year') whose groups get their own weights."
        )
    if by in X.columns:
        keys = X[by]
        indicators = X.drop(columns=[by])
    elif by in (X.index.names or []):
        keys = pd.Series(X.index.get_level_values(by), index=X.index)
        indicators = X
    else:
        raise ParameterError(
            f"entropy_weights: by={by!r} is neither a column nor an index level of X; "
            f"columns are {list(X.columns)}, index levels {list(X.index.names)}."
        )
    pieces = {}
    for key, rows in indicators.groupby(keys.to_numpy(), sort=True):
        try:
            pieces[key] = _entropy_weights_block(minmax_scale(rows, directions, shift=shift))
        except DataError as exc:
            raise DataError(f"In group {by}={key!r}: {exc}") from None
    weights = pd.concat(pieces, names=[by, "indicator"])
    weights.name = "weight"
    return weights


def topsis(
    X: pd.DataFrame,
    weights: Mapping[str, float] | pd.Series,
    directions: Directions = None,
    normalization: Literal["minmax", "vector"] = "minmax",
) -> pd.Series:
    r"""TOPSIS closeness to the ideal solution.

    With normalised values :math:`r_{ij}` and weighted values
    :math:`v_{ij} = w_j r_{ij}`:

    .. math::

        D_i^+ = \sqrt{\sum_j (v_{ij} - v_j^+)^2},\quad
        D_i^- = \sqrt{\sum_j (v_{ij} - v_j^-)^2},\quad
        C_i = \frac{D_i^-}{D_i^+ + D_i^-} \in [0, 1].

    Normalisation:

    * ``"minmax"``: :math:`r_{ij}` is the direction-aware min-max scaling of
      :func:`minmax_scale` with zero shift, so larger is always better and the
      ideal :math:`v_j^+ = \max_i v_{ij}`, anti-ideal :math:`v_j^- = \min_i v_{ij}`.
    * ``"vector"``: the classic :math:`r_{ij} = x_{ij} / \sqrt{\sum_i x_{ij}^2}`
      (Hwang & Yoon 1981); the ideal is the column max for benefit and the
      column min for cost indicators (the reverse for the anti-ideal).

    Parameters
    ----------
    X : DataFrame
        Units in rows, numeric indicators in columns, no NaN (pooled over all
        city-years when called on a panel, so closeness compares across years).
    weights : mapping or Series
        One non-negative weight per column, summing to one (e.g. from
        :func:`entropy_weights`).
    directions : mapping or Series of {+1, -1}, optional
        +1 benefit, -1 cost; None means all benefit.
    normalization : {"minmax", "vector"}, default "minmax"

    Returns
    -------
    Series
        Closeness :math:`C_i`, indexed like ``X``, named ``topsis``. A unit
        that is best on every indicator scores 1, worst on every indicator 0.

    Raises
    ------
    ParameterError
        Bad weights, directions or normalisation name.
    DataError
        NaN or infinite values; constant columns (minmax); an all-zero column
        (vector).

    References
    ----------
    Hwang, C. L., & Yoon, K. (1981). *Multiple Attribute Decision Making:
    Methods and Applications*. Springer, pp. 128-140.
    """
    values = _numeric_matrix(X, "TOPSIS")
    signs = _directions(values.columns, directions).to_numpy()
    w = pd.Series(weights, dtype="float64")
    if set(w.index) != set(values.columns):
        raise ParameterError(
            f"TOPSIS weights must name exactly the indicator columns {list(values.columns)}; "
            f"got {list(w.index)}."
        )
    w = w.reindex(values.columns)
    if (w < 0).any() or not np.isclose(w.sum(), 1.0, rtol=0, atol=1e-9):
        raise ParameterError(
            f"TOPSIS weights must be non-negative and sum to 1; got sum {w.sum()!r}."
        )
    if normalization == "minmax":
        r = minmax_scale(values, pd.Series(signs, index=values.columns), shift=0.0).to_numpy()
        v = r * w.to_numpy()
        ideal, anti = v.max(axis=0), v.min(axis=0)
    elif normalization == "vector":
        norms = np.sqrt((values.to_numpy() ** 2).sum(axis=0))
        zero = values.columns[norms == 0].tolist()
        if zero:
            raise DataError(f"TOPSIS vector normalisation: columns {zero} are all zero.")
        v = values.to_numpy() / norms * w.to_numpy()
        ideal = np.where(signs == 1, v.max(axis=0), v.min(axis=0))
        anti = np.where(signs == 1, v.min(axis=0), v.max(axis=0))
    else:
        raise ParameterError(
            f"TOPSIS normalization must be 'minmax' or 'vector'; got {normalization!r}."
        )
    d_plus = np.sqrt(((v - ideal) ** 2).sum(axis=1))
    d_minus = np.sqrt(((v - anti) ** 2).sum(axis=1))
    return pd.Series(d_minus / (d_plus + d_minus), index=values.index, name="topsis")
