"""Maps work on every roster: real boundaries, or discs for the synthetic scales."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from inertia.data import reference
from inertia.data.geometry import weights_description
from inertia.errors import ParameterError
from inertia.viz import role_figures
from inertia.viz.maps import edge_width, map_shapes, plot_clusters


def synthetic_roster(side: int = 4, spacing_km: float = 10.0) -> pd.DataFrame:
    """A side x side grid of units per cluster, ``spacing_km`` apart, as simulate makes them."""
    rows = []
    for k, cluster in enumerate(reference.CLUSTERS):
        for i in range(side):
            for j in range(side):
                x_km, y_km = 1000.0 * k + spacing_km * i, spacing_km * j
                rows.append({"cluster": cluster, "x_km": x_km, "y_km": y_km})
    roster = pd.DataFrame(rows)
    roster.index = pd.Index(700001 + np.arange(len(roster)), name="code")
    return roster


def test_synthetic_units_are_discs_of_045_nearest_neighbour_distance() -> None:
    roster = synthetic_roster()
    shapes = map_shapes(roster)
    assert list(shapes.index) == list(roster.index)
    assert (shapes["cluster"] == roster["cluster"]).all()
    # Hand calculation: nearest neighbour 10 km, so radius 4.5 km = 4,500 m; a disc drawn
    # with 4 segments per quarter circle is a regular 16-gon of area 8 r^2 sin(2 pi / 16).
    radius = 4_500.0
    sixteen_gon = 0.5 * 16 * radius**2 * np.sin(2 * np.pi / 16)
    np.testing.assert_allclose(shapes.geometry.area, sixteen_gon, rtol=1e-9)
    centres = shapes.geometry.centroid
    np.testing.assert_allclose(centres.x / 1000.0, roster["x_km"], atol=1e-9)
    assert not shapes.geometry.iloc[0].intersects(shapes.geometry.iloc[1])
    assert edge_width(shapes) == 0.0


def test_real_roster_keeps_the_boundaries() -> None:
    roster = reference.cities()
    shapes = map_shapes(roster.iloc[:10])
    assert list(shapes.index) == list(roster.index[:10])
    assert edge_width(shapes) == 0.4
    assert len(map_shapes()) == len(roster)


def test_choropleth_and_lisa_map_on_a_synthetic_roster() -> None:
    roster = synthetic_roster()
    values = pd.Series(np.arange(len(roster), dtype=float), index=roster.index)
    fig = plot_clusters(values=values, roster=roster, value_label="value")
    panels = [ax for ax in fig.axes if ax.get_title()]
    assert len(panels) == 3
    # One filled polygon per unit in each cluster panel.
    assert [len(ax.collections[0].get_paths()) for ax in panels] == [16, 16, 16]
    plt.close(fig)
    kinds = np.array(["HH", "LL", "ns", "HL"])
    lisa = pd.DataFrame({"code": roster.index, "cluster": kinds[np.arange(len(roster)) % 4]})
    fig = role_figures.local_moran_maps({2010: lisa}, variable="gap", roster=roster)
    assert len([ax for ax in fig.axes if ax.get_title()]) == 3
    plt.close(fig)
    with pytest.raises(ParameterError, match="not on the roster"):
        plot_clusters(values=pd.Series([1.0], index=[110000]), roster=roster)


def test_weights_are_described_for_captions() -> None:
    assert weights_description(reference.cities()) == "queen contiguity"
    assert "nearest-neighbour" in weights_description(synthetic_roster())
