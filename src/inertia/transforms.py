r"""Panel transformations shared by the measures, the role indices and the models.

:func:`absorb` removes fixed effects exactly (Frisch-Waugh-Lovell): it
demeans each column within the entity, then takes the residuals of the
regression on the within-entity-demeaned dummies of the second effect (the
year, or any categorical such as cluster-by-year). Regressions on the result
give the coefficients of the regression with both sets of dummies, on
balanced and unbalanced panels alike (Frisch & Waugh 1933; Lovell 1963); only
the dummies of the second effect are ever formed, never the entity dummies.

:func:`spatial_lag` averages a variable over each city's neighbours, year by
year, with the weights restricted to the cities observed that year
(:func:`subset_weights`). Both are transforms of the data, used by the role
indices, the chapters and the spatial models alike, so they live here and not
in :mod:`inertia.models.spatial`.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from inertia.errors import DataError, ParameterError

if TYPE_CHECKING:
    from libpysal.weights import W

__all__ = [
    "absorb",
    "absorbed_dof",
    "calendar_lags",
    "change_per_year",
    "spatial_lag",
    "subset_weights",
]


def absorb(
    frame: pd.DataFrame,
    columns: Sequence[str],
    *,
    entity: str = "code",
    other: str | None = "year",
) -> pd.DataFrame:
    r"""Residuals of ``columns`` on entity dummies and dummies of ``other``.

    .. math:: \ddot v = M_{[D_e, D_o]} v,

    with :math:`D_e` the entity dummies and :math:`D_o` the dummies of
    ``other`` (``None``: entity effects only). Rows with a missing value in
    any of ``columns`` are dropped first (one common sample).

    Parameters
    ----------
    frame : DataFrame
        Long panel with ``entity``, ``other`` (if given) and ``columns``.
    columns : sequence of str
        Numeric columns to transform.
    entity : str
        Entity column (city code).
    other : str or None
        Column of the second effect (``"year"``, or e.g. a cluster-year label).

    Returns
    -------
    DataFrame
        ``columns`` transformed, on the complete rows of ``frame`` (same index),
        with ``attrs["n_other"]`` the number of second-effect levels.

    Raises
    ------
    DataError
        When a named column is absent.
    """
    columns = list(columns)
    keys = [entity] + ([other] if other is not None else [])
    absent = [c for c in [*keys, *columns] if c not in frame.columns]
    if absent:
        raise DataError(f"absorb: column(s) {absent} are not in the data ({list(frame.columns)}).")
    data = frame[keys + columns].dropna()
    values = data[columns].to_numpy(dtype=float)
    group = pd.factorize(data[entity])[0]
    n_groups = int(group.max()) + 1 if len(group) else 0

    def demean(matrix: np.ndarray) -> np.ndarray:
        sums = np.zeros((n_groups, matrix.shape[1]))
        np.add.at(sums, group, matrix)
        counts = np.bincount(group, minlength=n_groups).astype(float)
        return matrix - (sums / np.maximum(counts, 1.0)[:, None])[group]

    out = demean(values)
    n_other = 0
    if other is not None and len(data):
        level = pd.factorize(data[other], sort=True)[0]
        n_other = int(level.max()) + 1
        if n_other > 1:
            dummies = np.zeros((len(data), n_other - 1))
            rows = np.flatnonzero(level > 0)
            dummies[rows, level[rows] - 1] = 1.0
            dummies = demean(dummies)
            coef, *_ = np.linalg.lstsq(dummies, out, rcond=None)
            out = out - dummies @ coef
    result = pd.DataFrame(out, index=data.index, columns=columns)
    result.attrs["n_other"] = n_other
    return result


def absorbed_dof(frame: pd.DataFrame, *, entity: str = "code", other: str | None = "year") -> int:
    """Degrees of freedom of the absorbed effects: the rank of the two sets of dummies.

    The rank is the number of entities plus the number of levels of ``other``
    minus the number of connected components of the graph linking each entity
    to the levels it is observed in (Abowd, Creecy & Kramarz 2002): one for
    city and year effects in a connected panel, one per cluster for city and
    cluster-by-year effects (the cities of a cluster meet only its own years).

    Parameters
    ----------
    frame : DataFrame
        The estimation sample.
    entity, other : str
        Effect columns, as in :func:`absorb`.

    Returns
    -------
    int
    """
    from scipy import sparse
    from scipy.sparse.csgraph import connected_components

    entities = pd.factorize(frame[entity])[0]
    n_entities = int(entities.max()) + 1 if len(entities) else 0
    if other is None:
        return n_entities
    levels = pd.factorize(frame[other])[0]
    n_levels = int(levels.max()) + 1 if len(levels) else 0
    graph = sparse.coo_matrix(
        (np.ones(len(frame)), (entities, n_entities + levels)),
        shape=(n_entities + n_levels, n_entities + n_levels),
    )
    n_components, _ = connected_components(graph, directed=False)
    return int(n_entities + n_levels - n_components)


def calendar_lags(
    data: pd.DataFrame,
    columns: Sequence[str],
    lags: Sequence[int],
    *,
    entity: str = "code",
    time: str = "year",
) -> pd.DataFrame:
    """Each row's values of ``columns`` at time ``t - k``: :math:`x_{i,t-k}`, by calendar time.

    Lags follow the values of ``time``, not the rows: where the entity has no
    row at :math:`t - k` (a gap, or the first period) the lag is NaN, so a
    gap is never bridged by the previous observed row.

    Parameters
    ----------
    data : DataFrame
        Long panel with ``entity`` and ``time`` columns, one row per pair.
    columns : sequence of str
        Columns to lag.
    lags : sequence of int
        Lag orders, in units of ``time``.
    entity, time : str
        The panel's key columns.

    Returns
    -------
    DataFrame
        One column ``<column>_lag<k>`` per lag order and column (in that
        order), aligned with the rows of ``data`` (same index).
    """
    keyed = data.set_index([entity, time])[list(columns)]
    key = pd.MultiIndex.from_frame(data[[entity, time]])
    out = {}
    for k in lags:
        shifted = keyed.copy()
        shifted.index = pd.MultiIndex.from_arrays(
            [shifted.index.get_level_values(0), shifted.index.get_level_values(1) + k],
            names=[entity, time],
        )
        for column in columns:
            out[f"{column}_lag{k}"] = shifted[column].reindex(key).to_numpy()
    return pd.DataFrame(out, index=data.index)


def change_per_year(frame: pd.DataFrame, column: str, *, log: bool = False) -> pd.Series:
    r"""Change per year since the previous year of the panel's year grid.

    .. math:: \Delta x_{it} = (x_{it} - x_{i,t^-}) / (t - t^-)

    with :math:`t^-` the grid year before :math:`t` (the previous calendar year
    in annual data, three years earlier in the triennial CCSY panel); with
    ``log=True`` the log growth per year, :math:`\ln(x_{it}/x_{i,t^-})/(t - t^-)`.
    NaN in the first grid year, where either value is missing, or (``log``)
    not positive.

    Parameters
    ----------
    frame : DataFrame
        Long panel with ``code``, ``year`` and ``column``.
    column : str
    log : bool

    Returns
    -------
    Series
        Aligned on ``frame``'s index.
    """
    grid = np.sort(frame["year"].unique())
    previous = dict(zip(grid[1:], grid[:-1], strict=True))
    values = frame[column].astype(float)
    if log:
        values = np.log(values.where(values > 0))
    keyed = pd.Series(values.to_numpy(), index=pd.MultiIndex.from_frame(frame[["code", "year"]]))
    before_year = frame["year"].map(previous)
    lookup = pd.MultiIndex.from_arrays([frame["code"], before_year.fillna(-1).astype(int)])
    before = keyed.reindex(lookup).to_numpy()
    change = (values.to_numpy() - before) / (frame["year"] - before_year).to_numpy(float)
    return pd.Series(np.where(np.isfinite(change), change, np.nan), index=frame.index)


def check_weight_codes(codes: Sequence[int], weights: W, where: str) -> None:
    """Raise a :class:`DataError` naming the city codes that the weights do not know.

    Parameters
    ----------
    codes : sequence of int
        City codes of the data.
    weights : libpysal.weights.W
        Weights whose ids should be city codes.
    where : str
        The caller's name, for the message.

    Returns
    -------
    None
        Returns only when every code is an id of ``weights``.
    """
    known = set(weights.id_order)
    missing = sorted({int(c) for c in codes} - known)
    if missing:
        raise DataError(
            f"{where}: {len(missing)} city code(s) are not in the spatial weights "
            f"(first: {missing[:5]}). The weights must have the city codes as ids; "
            "build them with inertia.data.geometry.contiguity_weights(codes)."
        )


def require_panel_columns(data: pd.DataFrame, columns: Sequence[str], where: str) -> None:
    """Raise a :class:`ParameterError` naming the columns ``data`` lacks.

    Parameters
    ----------
    data : DataFrame
        Long panel.
    columns : sequence of str
        Columns needed besides ``code`` and ``year``.
    where : str
        The caller's name, for the message.

    Returns
    -------
    None
        Returns only when ``code``, ``year`` and every column are present.
    """
    absent = [c for c in ("code", "year", *columns) if c not in data.columns]
    if absent:
        raise ParameterError(
            f"{where}: the data have no column(s) {absent}; available: {list(data.columns)}."
        )


def subset_weights(weights: W, codes: Sequence[int]) -> W:
    """Row-standardised weights restricted to ``codes``, in that order.

    Parameters
    ----------
    weights : libpysal.weights.W
        Weights with city codes as ids (any transform; the original weights are used).
    codes : sequence of int
        Cities to keep.

    Returns
    -------
    libpysal.weights.W
        A new ``W`` with ``id_order == codes`` and ``transform == "r"``. Cities
        left without neighbours are islands (rows of zeros).
    """
    from libpysal.weights import W as WeightsW

    ids = [int(c) for c in codes]
    keep = set(ids)
    # Rebuild from the untransformed weights (libpysal keeps them under "O"), so that
    # the result does not depend on the caller's current transform.
    original = (getattr(weights, "transformations", None) or {}).get("O", weights.weights)
    neighbours: dict[int, list[int]] = {}
    values: dict[int, list[float]] = {}
    for i in ids:
        links = zip(weights.neighbors[i], original[i], strict=True)
        pairs = [(j, w) for j, w in links if j in keep]
        neighbours[i] = [j for j, _ in pairs]
        values[i] = [float(w) for _, w in pairs]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # islands are handled by the callers
        sub = WeightsW(neighbours, values, id_order=ids, silence_warnings=True)
        sub.transform = "r"
    return sub


def spatial_lag(
    data: pd.DataFrame,
    columns: Sequence[str],
    weights: W,
    *,
    prefix: str = "W_",
) -> pd.DataFrame:
    r"""Spatial lag of ``columns`` year by year, with row-standardised weights.

    .. math:: (Wx)_{it} = \sum_j w^{r}_{ij,t}\, x_{jt}, \qquad
              w^{r}_{ij,t} = w_{ij} / \sum_{k \in O_t} w_{ik}

    where :math:`O_t` is the set of cities with ``x`` observed in year ``t``
    (Anselin 1988, *Spatial Econometrics*, ch. 2). Computed with
    :func:`libpysal.weights.lag_spatial` on the year's subset. A city whose
    neighbours are all missing (or that has none) gets NaN, not 0.

    Parameters
    ----------
    data : DataFrame
        Long panel with ``code``, ``year`` and ``columns``.
    columns : sequence of str
        Variables to lag.
    weights : libpysal.weights.W
        Weights with city codes as ids.
    prefix : str
        Name of the lag of ``x`` is ``prefix + x``.

    Returns
    -------
    DataFrame
        Same index as ``data``, one column per lagged variable.
    """
    from libpysal.weights import lag_spatial

    columns = list(columns)
    require_panel_columns(data, columns, "spatial_lag")
    check_weight_codes(data["code"].unique(), weights, "spatial_lag")
    out = pd.DataFrame(np.nan, index=data.index, columns=[prefix + c for c in columns])
    for column in columns:
        for _, rows in data[["code", "year", column]].groupby("year", sort=True):
            observed = rows.dropna(subset=[column])
            if observed.empty:
                continue
            w_year = subset_weights(weights, observed["code"].tolist())
            lagged = lag_spatial(w_year, observed[column].to_numpy(dtype=float))
            islands = np.array([len(w_year.neighbors[c]) == 0 for c in w_year.id_order])
            lagged = np.where(islands, np.nan, lagged)
            out.loc[observed.index, prefix + column] = lagged
    return out
