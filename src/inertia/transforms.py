r"""Panel transformations shared by the measures, the role indices and the models.

:func:`absorb` removes fixed effects exactly (Frisch-Waugh-Lovell): it
demeans each column within the entity, then takes the residuals of the
regression on the within-entity-demeaned dummies of the second effect (the
year, or any categorical such as cluster-by-year). Regressions on the result
give the coefficients of the regression with both sets of dummies, on
balanced and unbalanced panels alike (Frisch & Waugh 1933; Lovell 1963); only
the dummies of the second effect are ever formed, never the entity dummies.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from inertia.errors import DataError

__all__ = ["absorb", "absorbed_dof", "change_per_year"]


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
