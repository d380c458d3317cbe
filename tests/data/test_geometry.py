"""Tests for inertia.data.geometry and inertia.viz.maps.

Oracles: libpysal's own Queen/Rook builders on the same boundaries (an
independent contiguity implementation), brute-force nearest neighbours for the
KNN weights, pyproj for the projected centroids, and known borders.
"""

from __future__ import annotations

import warnings

import matplotlib
import numpy as np
import pandas as pd
import pytest

matplotlib.use("Agg")

from inertia.data import geometry, reference
from inertia.errors import ParameterError

ROSTER = reference.cities()
BEIJING, TIANJIN, SHANGHAI, ZHOUSHAN, NINGBO = 110000, 120000, 310000, 330900, 330200


def dense_binary(weights) -> np.ndarray:
    weights.transform = "b"
    matrix, _ = weights.full()
    return matrix


def test_boundaries_cover_the_roster_in_lonlat() -> None:
    shapes = geometry.boundaries()
    assert len(shapes) == 63
    assert list(shapes.index) == list(ROSTER.index)
    assert shapes.index.name == "code"
    assert shapes.crs.to_epsg() == 4326
    assert (shapes["cluster"] == ROSTER["cluster"]).all()
    assert shapes.geometry.is_valid.all()
    # Every boundary lies inside China's eastern seaboard box.
    minx, miny, maxx, maxy = shapes.total_bounds
    assert 110 < minx and maxx < 124 and 20 < miny and maxy < 43


def test_boundaries_reject_codes_off_the_roster() -> None:
    with pytest.raises(ParameterError, match="not on the national roster"):
        geometry.boundaries([BEIJING, 999999])


def test_centroids_are_where_the_cities_are() -> None:
    from pyproj import Transformer

    centres = geometry.centroids()
    assert abs(centres.loc[BEIJING, "lon"] - 116.4) < 0.5
    assert abs(centres.loc[BEIJING, "lat"] - 40.2) < 0.5
    assert abs(centres.loc[SHANGHAI, "lon"] - 121.4) < 0.5
    assert abs(centres.loc[SHANGHAI, "lat"] - 31.1) < 0.5
    # Identity: projecting the lon/lat centroid gives the projected km (to a metre).
    to_albers = Transformer.from_crs("EPSG:4326", geometry.CHINA_ALBERS, always_xy=True)
    x, y = to_albers.transform(centres["lon"].to_numpy(), centres["lat"].to_numpy())
    np.testing.assert_allclose(x / 1000, centres["x_km"], atol=1e-3)
    np.testing.assert_allclose(y / 1000, centres["y_km"], atol=1e-3)
    # Beijing to Shanghai is about 1,070 km as the crow flies (great-circle ~1,065 km).
    gap = np.hypot(
        *(centres.loc[BEIJING, ["x_km", "y_km"]] - centres.loc[SHANGHAI, ["x_km", "y_km"]])
    )
    assert 1000 < gap < 1150


def test_queen_contiguity_matches_libpysal_and_is_symmetric() -> None:
    from libpysal.weights import Queen

    weights = geometry.contiguity_weights()
    assert weights.n == 63
    assert weights.id_order == list(ROSTER.index)
    assert weights.islands == []
    # Row-standardised by default.
    np.testing.assert_allclose(weights.sparse.sum(axis=1).A.ravel(), 1.0)
    matrix = dense_binary(weights)
    np.testing.assert_array_equal(matrix, matrix.T)
    # Oracle: libpysal's vertex-based builder on the same boundaries.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        oracle = Queen.from_dataframe(
            geometry.boundaries(), ids=list(ROSTER.index), use_index=False
        )
    for code in ROSTER.index:
        assert sorted(oracle.neighbors[code]) == sorted(weights.neighbors[code])


def test_rook_contiguity_is_symmetric_and_within_queen() -> None:
    rook = geometry.contiguity_weights(kind="rook", row_standardise=False)
    queen = geometry.contiguity_neighbours(kind="queen")
    assert rook.n == 63 and rook.islands == []
    matrix = dense_binary(rook)
    np.testing.assert_array_equal(matrix, matrix.T)
    for code, links in rook.neighbors.items():
        assert set(links) <= set(queen[code])


def test_known_borders() -> None:
    neighbours = geometry.contiguity_neighbours()
    # Beijing borders exactly Tianjin, Langfang, Baoding, Zhangjiakou and Chengde.
    assert set(neighbours[BEIJING]) == {TIANJIN, 131000, 130600, 130700, 130800}
    # Shanghai borders Suzhou and Jiaxing (and Nantong across the Yangtze estuary).
    assert {320500, 330400, 320600} <= set(neighbours[SHANGHAI])
    assert 441900 in neighbours[440100]  # Guangzhou - Dongguan
    # The clusters are far apart: no link crosses clusters.
    cluster = ROSTER["cluster"]
    for code, links in neighbours.items():
        assert (cluster.loc[links] == cluster.loc[code]).all()


def test_island_is_linked_to_its_nearest_city() -> None:
    # Without Shanghai, Zhoushan (an island city) has no contiguous neighbour.
    yrd = [c for c in ROSTER.index if ROSTER.loc[c, "cluster"] == "yrd" and c != SHANGHAI]
    unlinked = geometry.contiguity_neighbours(yrd, link_islands=False)
    assert unlinked[ZHOUSHAN] == []
    linked = geometry.contiguity_weights(yrd, row_standardise=False)
    assert linked.islands == []
    assert linked.neighbors[ZHOUSHAN] == [NINGBO]
    assert ZHOUSHAN in linked.neighbors[NINGBO]
    matrix = dense_binary(linked)
    np.testing.assert_array_equal(matrix, matrix.T)


def test_distance_band_default_is_the_smallest_without_islands() -> None:
    threshold = geometry.default_distance_threshold()
    weights = geometry.distance_band_weights()
    assert weights.n == 63 and weights.islands == []
    assert weights.id_order == list(ROSTER.index)
    np.testing.assert_allclose(weights.sparse.sum(axis=1).A.ravel(), 1.0)
    # Minimality: a slightly narrower band leaves an island.
    narrower = geometry.distance_band_weights(threshold_km=threshold * 0.99)
    assert narrower.islands
    # Hand check: the band is the largest nearest-neighbour distance.
    xy = geometry.centroids()[["x_km", "y_km"]].to_numpy()
    distance = np.hypot(*(xy[:, None, :] - xy[None, :, :]).transpose(2, 0, 1))
    np.fill_diagonal(distance, np.inf)
    assert threshold == pytest.approx(distance.min(axis=1).max(), rel=1e-8)
    with pytest.raises(ParameterError):
        geometry.distance_band_weights(threshold_km=-1)


def test_synthetic_knn_matches_brute_force() -> None:
    rng = np.random.default_rng(7)
    coords = pd.DataFrame(
        rng.uniform(0, 500, (40, 2)), columns=["x_km", "y_km"], index=pd.Index(range(101, 141))
    )
    weights = geometry.synthetic_weights(coords, k=4)
    assert weights.id_order == list(coords.index)
    xy = coords.to_numpy()
    for i, code in enumerate(coords.index):
        distance = np.hypot(*(xy - xy[i]).T)
        distance[i] = np.inf
        expected = coords.index[np.argsort(distance)[:4]]
        assert sorted(weights.neighbors[code]) == sorted(expected)
    with pytest.raises(ParameterError):
        geometry.synthetic_weights(coords, k=40)


def test_contiguity_rejects_unknown_kind() -> None:
    with pytest.raises(ParameterError, match="queen"):
        geometry.contiguity_weights(kind="bishop")


def test_plot_clusters_three_panels_three_colours() -> None:
    import matplotlib.pyplot as plt
    from matplotlib.colors import to_hex

    from inertia.viz.maps import plot_clusters
    from inertia.viz.style import CLUSTER_COLOURS

    figure = plot_clusters(note="Simulated data")
    assert len(figure.axes) == 3
    for panel, cluster in zip(figure.axes, reference.CLUSTERS, strict=True):
        faces = {to_hex(c) for coll in panel.collections for c in coll.get_facecolors()}
        assert faces == {CLUSTER_COLOURS[cluster].lower()}
    legend_labels = [t.get_text() for t in figure.legends[0].get_texts()]
    assert len(legend_labels) == 3
    plt.close(figure)


def test_plot_clusters_choropleth_and_insets() -> None:
    import matplotlib.pyplot as plt

    from inertia.viz.maps import plot_clusters

    values = pd.Series(np.arange(63.0), index=ROSTER.index, name="rank")
    values.iloc[0] = np.nan
    figure = plot_clusters(values=values)
    assert len(figure.axes) == 4  # three maps and a colour bar
    plt.close(figure)

    figure, ax = plt.subplots()
    assert plot_clusters(ax) is figure
    assert len(ax.child_axes) == 3
    plt.close(figure)

    with pytest.raises(ParameterError, match="not on the roster"):
        plot_clusters(values=pd.Series([1.0], index=[999999]))
