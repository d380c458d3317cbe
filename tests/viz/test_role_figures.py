"""Chapter 4 figures: what is drawn matches the tables handed in."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from inertia.data import reference
from inertia.errors import ParameterError
from inertia.viz import role_figures

MORAN = pd.DataFrame(
    {
        "year": [2005, 2006, 2007, 2008],
        "n": [63] * 4,
        "I": [0.30, 0.02, 0.25, 0.21],
        "expected_I": [-1 / 62] * 4,
        "p_rand": [0.001, 0.6, 0.01, 0.02],
        "p_sim": [0.001, 0.55, 0.01, 0.03],
    }
)


def _filled_years(collection) -> list[int]:
    """Years whose marker is filled (face colour not white)."""
    faces = collection.get_facecolors()
    years = collection.get_offsets()[:, 0]
    return sorted(int(y) for y, face in zip(years, faces, strict=True) if face[:3].min() < 1)


def test_moran_figure_fills_exactly_the_significant_years() -> None:
    fig = role_figures.moran_figure(MORAN, variable="gap")
    ax = fig.axes[0]
    assert _filled_years(ax.collections[0]) == [2005, 2007, 2008]
    line = ax.lines[0]
    assert list(line.get_ydata()) == list(MORAN["I"])
    plt.close(fig)


def test_moran_figure_draws_one_line_per_cluster() -> None:
    by_cluster = pd.concat(
        [MORAN.assign(cluster="jjj"), MORAN.assign(cluster="prd", p_sim=0.5)], ignore_index=True
    )
    fig = role_figures.moran_figure(by_cluster, variable="gap")
    ax = fig.axes[0]
    assert len(ax.collections) == 2
    assert _filled_years(ax.collections[0]) == [2005, 2007, 2008]
    assert _filled_years(ax.collections[1]) == []
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels[:2] == ["Beijing-Tianjin-Hebei", "Pearl River Delta"]
    plt.close(fig)


def test_moran_figure_refuses_an_empty_table() -> None:
    with pytest.raises(ParameterError):
        role_figures.moran_figure(MORAN.iloc[:0], variable="gap")


def test_local_moran_maps_colour_each_city_by_its_type() -> None:
    roster = reference.cities()
    kinds = np.array(["HH", "LL", "ns", "HL", "LH"])
    lisa = pd.DataFrame(
        {"code": roster.index, "cluster": kinds[np.arange(len(roster)) % len(kinds)]}
    )
    fig = role_figures.local_moran_maps({2005: lisa, 2022: lisa.iloc[:-1]}, variable="gap")
    axes = [ax for ax in fig.axes if ax.get_title()]
    assert len(axes) == 2 * len(reference.CLUSTERS)
    legend = fig.legends[0]
    assert [t.get_text() for t in legend.get_texts()] == [
        "High-High",
        "High-Low",
        "Low-High",
        "Low-Low",
        "not significant",
    ]
    # The first JJJ panel: one filled polygon per city, coloured as its type.
    jjj = roster[roster["cluster"] == "jjj"].index
    colours = axes[0].collections[0].get_facecolors()
    expected = lisa.set_index("code").loc[jjj, "cluster"].map(role_figures.LISA_COLOURS)
    assert len(colours) == len(jjj)
    assert np.allclose(colours, [matplotlib.colors.to_rgba(c) for c in expected])
    plt.close(fig)


def test_index_map_refuses_a_year_without_values() -> None:
    frame = pd.DataFrame({"code": [110000], "year": [2010], "weakness": [np.nan]})
    with pytest.raises(ParameterError):
        role_figures.index_map(frame, "weakness", 2010, value_label="Role weakness")


def test_recovery_figure_marks_the_truth() -> None:
    table = pd.DataFrame(
        {
            "term": ["a", "b", "a", "b"],
            "truth": [-0.05, 0.02, -0.05, 0.02],
            "estimate": [-0.04, 0.01, -0.04, 0.01],
            "ci_low": [-0.06, 0.0, -0.05, 0.005],
            "ci_high": [-0.02, 0.02, -0.03, 0.015],
            "se_type": ["clustered", "clustered", "DK", "DK"],
        }
    )
    fig = role_figures.recovery_figure(table, {"a": "A", "b": "B"})
    crosses = [line for line in fig.axes[0].lines if line.get_marker() == "x"]
    assert [(float(c.get_xdata()[0]), float(c.get_ydata()[0])) for c in crosses] == [
        (-0.05, 1.0),
        (0.02, 0.0),
    ]
    plt.close(fig)


def test_figure_text_follows_the_language() -> None:
    assert role_figures.lisa_label("HL", "zh") == "高-低"
    fig = role_figures.moran_figure(MORAN, variable="差距", language="zh")
    ax = fig.axes[0]
    assert ax.get_title() == "差距的全局莫兰指数"
    assert ax.get_xlabel() == "年份"
    plt.close(fig)
    with pytest.raises(ValueError):
        role_figures.lisa_label("HH", "fr")
