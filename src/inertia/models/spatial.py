"""Spatial dependence: Moran's I by year, local Moran clusters and spatially lagged regressors.

The weights are a :class:`libpysal.weights.W` whose ids are the GB/T 2260 city
codes (see :func:`inertia.data.geometry.contiguity_weights`). Every function
here takes the cities *observed* in a year, subsets the weights to them with
:func:`libpysal.weights.w_subset` and row-standardises the subset, so that a
city with a missing neighbour averages over the neighbours it has. The caller's
``W`` is never modified.

Permutation inference draws from ``numpy.random.default_rng(seed)``; the
statistics themselves come from :mod:`esda`.

References
----------
Moran, P. A. P. (1950). Notes on continuous stochastic phenomena. *Biometrika* 37, 17-23.
Anselin, L. (1995). Local indicators of spatial association -- LISA.
*Geographical Analysis* 27(2), 93-115.
Cliff, A. D. and Ord, J. K. (1981). *Spatial Processes: Models and Applications*. Pion.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from inertia.errors import ParameterError
from inertia.transforms import (
    check_weight_codes,
    require_panel_columns,
    spatial_lag,
    subset_weights,
)

if TYPE_CHECKING:
    from libpysal.weights import W
    from scipy import sparse

    from inertia.models.panel import PanelFit

#: Local Moran quadrant codes of esda (``q``) and their labels.
QUADRANT_LABELS = {1: "HH", 2: "LH", 3: "LL", 4: "HL"}


def _moran_values(z: np.ndarray, matrix: sparse.csr_matrix) -> np.ndarray:
    """Moran's I for each row of ``z`` (rows: permutations of the same vector).

    ``matrix`` is the weights as a scipy sparse matrix in the order of ``z``'s
    columns, so the cost is linear in the number of links, not quadratic in n.
    """
    s0 = matrix.sum()
    n = z.shape[-1]
    lagged = (matrix @ z.T).T
    # A variable without variation (e.g. the shortfall in its base year) has no I: NaN.
    spread = np.einsum("pi,pi->p", z, z)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(spread > 0, (n / s0) * np.einsum("pi,pi->p", z, lagged) / spread, np.nan)


def _sparse(w: W) -> sparse.csr_matrix:
    """``w`` as a CSR matrix in ``w.id_order`` (libpysal builds ``w.sparse`` in that order)."""
    return w.sparse.tocsr()


def moran_by_year(
    data: pd.DataFrame,
    column: str,
    weights: W,
    *,
    by: str | None = None,
    permutations: int = 999,
    seed: int = 0,
) -> pd.DataFrame:
    r"""Global Moran's I of ``column`` in each year (and each group ``by``).

    .. math:: I = \frac{n}{S_0}\,\frac{z' W z}{z' z}, \qquad z = x - \bar x,
              \quad S_0 = \sum_{ij} w_{ij}

    with row-standardised ``W`` over the cities observed that year (Moran 1950;
    Cliff & Ord 1981). ``expected_I`` is :math:`-1/(n-1)`; ``z`` and ``p_rand``
    are the analytical values under the randomisation assumption, from
    :class:`esda.Moran`. ``z_sim`` and the pseudo p-value ``p_sim`` come from
    ``permutations`` random permutations of the values drawn with
    ``numpy.random.default_rng(seed + year)``; ``p_sim`` follows esda's folded
    one-sided rule, :math:`(\min(M, P - M) + 1)/(P + 1)` with :math:`M` the
    number of permuted values at least :math:`I`.

    With ``by`` (e.g. ``"cluster"``), :math:`I` is computed within each group
    on its own cities, mean and weights. When the weights link no city across
    groups (the three clusters), a pooled :math:`I` would mostly measure the
    differences between the groups' means, and its permutations, which mix the
    groups, would overstate significance.

    Parameters
    ----------
    data : DataFrame
        Long panel with ``code``, ``year``, ``column`` (and ``by``).
    column : str
        Variable to test.
    weights : libpysal.weights.W
        Weights with city codes as ids.
    by : str, optional
        Column of ``data`` whose groups are tested separately.
    permutations : int
        Number of random permutations (0 skips them).
    seed : int
        Seed of the permutations; year ``t`` uses ``seed + t`` (and group
        number ``k``, in sorted order, ``(seed + t, k)``).

    Returns
    -------
    DataFrame
        Columns ``year, [by,] n, I, expected_I, z, p_rand, z_sim, p_sim``;
        groups with fewer than three observed cities in a year are left out.
    """
    import esda

    require_panel_columns(data, [column, *([by] if by else [])], "moran_by_year")
    check_weight_codes(data["code"].unique(), weights, "moran_by_year")
    keys = ["year", *([by] if by else [])]
    groups = sorted(data[by].dropna().unique()) if by else []
    rows = []
    for key, group in data[["code", *keys, column]].groupby(keys, sort=True):
        year = int(key[0])
        observed = group.dropna(subset=[column])
        if len(observed) < 3:
            continue
        w_year = subset_weights(weights, observed["code"].tolist())
        values = observed[column].to_numpy(dtype=float)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            moran = esda.Moran(values, w_year, transformation="r", permutations=0)
        z_sim = p_sim = np.nan
        if permutations > 0:
            entropy = (seed + year, groups.index(key[1])) if by else seed + year
            rng = np.random.default_rng(entropy)
            centred = values - values.mean()
            shuffled = rng.permuted(np.tile(centred, (permutations, 1)), axis=1)
            simulated = _moran_values(shuffled, _sparse(w_year))
            larger = int((simulated >= moran.I).sum())
            larger = min(larger, permutations - larger)
            p_sim = (larger + 1.0) / (permutations + 1.0)
            z_sim = (moran.I - simulated.mean()) / simulated.std()
        rows.append(
            {
                "year": year,
                **({by: key[1]} if by else {}),
                "n": len(values),
                "I": float(moran.I),
                "expected_I": float(moran.EI),
                "z": float(moran.z_rand),
                "p_rand": float(moran.p_rand),
                "z_sim": float(z_sim),
                "p_sim": float(p_sim),
            }
        )
    return pd.DataFrame(
        rows, columns=[*keys, "n", "I", "expected_I", "z", "p_rand", "z_sim", "p_sim"]
    )


def local_moran(
    data: pd.DataFrame,
    column: str,
    weights: W,
    year: int,
    *,
    by: str | None = None,
    permutations: int = 999,
    seed: int | tuple[int, int] = 0,
    significance: float = 0.05,
) -> pd.DataFrame:
    r"""Local Moran's I (LISA) of ``column`` in ``year`` and its cluster classification.

    .. math:: I_i = (n - 1)\,\frac{z_i \sum_j w_{ij} z_j}{\sum_k z_k^2},
              \qquad z = (x - \bar x)/s_x

    as computed by :class:`esda.Moran_Local` with row-standardised ``W``
    (Anselin 1995). The pseudo p-value uses conditional randomisation: for each
    city, ``permutations`` draws of its neighbours' values from the other
    :math:`n-1` cities without replacement, from
    ``numpy.random.default_rng(seed)``, with esda's folded one-sided rule. As in
    esda, one matrix of draws is shared by all cities, so the cost is
    O(permutations × links) rather than O(permutations × n²).

    The classification is ``HH`` (high value, high neighbours), ``LH``, ``LL``,
    ``HL`` from the quadrant of :math:`(z_i, (Wz)_i)`, and ``ns`` when
    ``p_sim > significance``.

    With ``by`` (e.g. ``"cluster"``) each group is analysed on its own: ``z``
    is standardised within the group and the permutations draw only from its
    cities (group number ``k`` in sorted order uses ``default_rng((seed, k))``),
    so "high" means high for the cluster, not high among all three clusters.
    Groups with fewer than three observed cities are left out.

    Parameters
    ----------
    data : DataFrame
        Long panel with ``code``, ``year``, ``column`` (and ``by``).
    column : str
        The variable.
    weights : libpysal.weights.W
        Spatial weights with city codes as ids.
    year : int
        The year analysed.
    by : str, optional
        Column whose groups are analysed one by one (e.g. ``"cluster"``).
    permutations : int, default 999
        Conditional-randomisation draws of the pseudo p-values.
    seed : int or (int, int), default 0
        Seed of ``numpy.random.default_rng``.
    significance : float, default 0.05
        Largest ``p_sim`` classified as a cluster or outlier.

    Returns
    -------
    DataFrame
        Columns ``code, value, lag, I, quadrant, p_sim, cluster`` (the LISA
        type), and ``group`` with ``by``.
    """
    require_panel_columns(data, [column, *([by] if by else [])], "local_moran")
    rows = data.loc[data["year"] == year, ["code", column, *([by] if by else [])]].dropna()
    if by is None:
        if len(rows) < 3:
            raise ParameterError(
                f"local_moran: column {column!r} has {len(rows)} observed cities in {year}; "
                "at least 3 are needed."
            )
        return _local_moran(rows, column, weights, permutations, seed, significance)
    parts = [
        _local_moran(group, column, weights, permutations, (seed, k), significance).assign(
            group=name
        )
        for k, (name, group) in enumerate(rows.groupby(by, sort=True))
        if len(group) >= 3
    ]
    if not parts:
        raise ParameterError(
            f"local_moran: no {by} has 3 or more observed cities with {column!r} in {year}."
        )
    return pd.concat(parts, ignore_index=True)


def _local_moran(
    group: pd.DataFrame,
    column: str,
    weights: W,
    permutations: int,
    seed: int | tuple[Any, ...],
    significance: float,
) -> pd.DataFrame:
    """:func:`local_moran` on one set of cities (rows of ``group``)."""
    import esda

    check_weight_codes(group["code"].unique(), weights, "local_moran")
    w_year = subset_weights(weights, group["code"].tolist())
    values = group[column].to_numpy(dtype=float)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        lisa = esda.Moran_Local(values, w_year, transformation="r", permutations=0)
    matrix = _sparse(w_year)
    z = lisa.z
    n = len(z)
    p_sim = np.full(n, np.nan)
    if permutations > 0:
        rng = np.random.default_rng(seed)
        most = int(np.diff(matrix.indptr).max())
        # One set of draws shared by every city, as esda's conditional randomisation does:
        # row p holds `most` distinct positions among the n - 1 other cities.
        draws = np.argsort(rng.random((permutations, n - 1)), axis=1)[:, :most]
        for i in range(n):
            start, end = matrix.indptr[i], matrix.indptr[i + 1]
            neighbour_weights = matrix.data[start:end]
            k = end - start
            if k == 0:
                continue
            positions = draws[:, :k]
            positions = positions + (positions >= i)  # skip city i itself
            simulated = (n - 1) * z[i] * (z[positions] @ neighbour_weights) / lisa.den
            larger = int((simulated >= lisa.Is[i]).sum())
            larger = min(larger, permutations - larger)
            p_sim[i] = (larger + 1.0) / (permutations + 1.0)
    quadrant = pd.Series(lisa.q).map(QUADRANT_LABELS).to_numpy()
    cluster = np.where(p_sim <= significance, quadrant, "ns")
    return pd.DataFrame(
        {
            "code": group["code"].to_numpy(),
            "value": values,
            "lag": matrix @ values,
            "I": lisa.Is,
            "quadrant": quadrant,
            "p_sim": p_sim,
            "cluster": cluster,
        }
    )


def fit_spatial_lag_x(
    data: pd.DataFrame,
    y: str,
    x: Sequence[str],
    weights: W,
    *,
    lagged: Sequence[str] | None = None,
    controls: Sequence[str] = (),
    se: str = "clustered",
    kernel: str = "bartlett",
    bandwidth: float | None = None,
) -> PanelFit:
    r"""Two-way fixed effects with spatially lagged regressors (SLX).

    .. math:: y_{it} = x_{it}'\beta + (Wx)_{it}'\theta + c_{it}'\gamma
              + \alpha_i + \lambda_t + \varepsilon_{it}

    :math:`\theta` are the spillovers of the neighbours' regressors (Halleck
    Vega & Elhorst 2015, *J. Regional Science* 55(3), 339-363). The lags come
    from :func:`spatial_lag` (row-standardised, year by year) and are named
    ``W_<x>``.

    Parameters
    ----------
    data, y
        As in :func:`inertia.models.panel.fit_twfe`.
    x : sequence of str
        Regressors.
    weights : libpysal.weights.W
        Spatial weights with city codes as ids.
    lagged : sequence of str, optional
        Regressors whose spatial lag enters; default all of ``x``.
    controls, se, kernel, bandwidth
        As in :func:`inertia.models.panel.fit_twfe`.

    Returns
    -------
    PanelFit
        The TWFE fit of ``y`` on ``x`` and the lags ``W_<x>``, model ``"SLX TWFE"``.
    """
    from inertia.models.panel import fit_twfe

    x = list(x)
    lagged = list(x if lagged is None else lagged)
    augmented = data.copy()
    lags = spatial_lag(augmented, lagged, weights)
    augmented[lags.columns] = lags
    fit = fit_twfe(
        augmented,
        y,
        [*x, *lags.columns],
        controls=controls,
        se=se,
        kernel=kernel,
        bandwidth=bandwidth,
        name="SLX TWFE",
    )
    return fit
