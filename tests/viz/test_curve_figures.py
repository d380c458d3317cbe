"""Chapter 7 specification-curve figures: what is drawn matches the tables handed in."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from inertia.errors import ParameterError
from inertia.multiverse import BASELINE, FORK_COLUMNS, spec_id
from inertia.viz import curve_figures


def _table() -> pd.DataFrame:
    """Five specifications (estimator x time effects, one repeated) of one effect, by hand."""
    rows = []
    estimates = {
        ("eiv", "cluster_year"): (0.30, 0.01, None),
        ("eiv", "year"): (0.10, 0.40, None),
        ("naive", "cluster_year"): (-0.20, 0.02, None),
        ("naive", "year"): (0.05, 0.90, None),
        ("composite", "year"): (0.05, 0.90, "s3"),  # repeats s3: not on the curve
    }
    for number, ((estimator, effects), (estimate, pvalue, duplicate)) in enumerate(
        estimates.items()
    ):
        row = {
            column: ("none" if fork == "controls" else BASELINE[fork])
            for fork, column in FORK_COLUMNS.items()
        }
        row.update(
            estimator=estimator,
            time_effects=effects,
            effect="weakness",
            estimate=estimate / 2,
            std_estimate=estimate,
            std_ci_low=estimate - 0.1,
            std_ci_high=estimate + 0.1,
            std_ci_low_dk=estimate - 0.2,
            std_ci_high_dk=estimate + 0.2,
            pvalue=pvalue,
            duplicate_of=duplicate,
        )
        row["spec_id"] = spec_id(row) if number == 0 else f"s{number}"
        rows.append(row)
    return pd.DataFrame(rows)


def test_curve_is_sorted_coloured_and_counts_each_estimate_once() -> None:
    curve = curve_figures.curve_frame(_table(), "weakness")
    assert list(curve["std_estimate"]) == [-0.20, 0.05, 0.10, 0.30]
    assert list(curve["significance"]) == ["negative", "ns", "ns", "positive"]
    with pytest.raises(ParameterError, match="no outcome 'shortfall'"):
        curve_figures.curve_frame(_table(), "weakness", "shortfall")


def test_indicator_matrix_marks_exactly_the_specs_using_each_level() -> None:
    fig = curve_figures.specification_curve(_table(), "weakness")
    top, bottom = fig.axes
    # Only the two varying forks get rows; the repeated spec's level (composite) is not one.
    labels = [t.get_text() for t in bottom.get_yticklabels()]
    assert labels == [
        "estimator: eiv",
        "estimator: naive",
        "time effects: cluster_year",
        "time effects: year",
    ]
    marks = {
        int(np.unique(c.get_offsets()[:, 1])[0]): sorted(c.get_offsets()[:, 0])
        for c in bottom.collections
        if len(c.get_offsets())
    }
    # Ranks: 0 = naive/cluster-year (-0.2), 1 = naive/year, 2 = eiv/year, 3 = eiv/cluster-year.
    assert marks == {0: [2, 3], 1: [0, 1], 2: [0, 3], 3: [1, 2]}
    # The top panel draws every estimate once, at its rank, and both bands.
    points = np.vstack([c.get_offsets() for c in top.collections if c.get_offsets().shape[1]])
    drawn = sorted(map(tuple, points[np.isin(points[:, 1], _table()["std_estimate"])]))
    assert drawn == [(0, -0.20), (1, 0.05), (2, 0.10), (3, 0.30)]
    segments = [c.get_segments() for c in top.collections if hasattr(c, "get_segments")]
    lengths = sorted({round(float(s[1][1] - s[0][1]), 6) for group in segments for s in group})
    assert lengths == [0.2, 0.4]  # clustered and Driscoll-Kraay bands
    plt.close(fig)


def test_baseline_specification_is_marked() -> None:
    table = _table()
    fig = curve_figures.specification_curve(table, "weakness", baseline_id=table["spec_id"][0])
    # Baseline = eiv + cluster-year = the largest estimate, rank 3.
    vertical = [line.get_xdata()[0] for line in fig.axes[1].lines]
    assert 3 in vertical
    plt.close(fig)


def test_chinese_labels() -> None:
    fig = curve_figures.specification_curve(_table(), "weakness", language="zh")
    assert fig.axes[0].get_title() == "设定曲线：角色弱化对缺口增长"
    assert fig.axes[1].get_yticklabels()[0].get_text() == "估计方法: eiv"
    plt.close(fig)


def test_null_figure_marks_the_observed_curve() -> None:
    null = pd.DataFrame(
        {
            "draw": np.repeat(np.arange(50), 3),
            "outcome": "shortfall_growth",
            "effect": np.tile(["weakness", "deviation", "reinforcement"], 50),
            "median": np.linspace(-0.1, 0.1, 150),
            "share_significant_dominant": np.linspace(0, 0.2, 150),
        }
    )
    pvalues = pd.DataFrame(
        {
            "outcome": "shortfall_growth",
            "effect": ["weakness", "deviation", "reinforcement"],
            "median": [0.4, 0.0, -0.05],
            "share_significant_dominant": [0.9, 0.1, 0.0],
        }
    )
    fig = curve_figures.null_figure(null, pvalues, "shortfall_growth")
    axes = np.array(fig.axes).reshape(2, 3)
    assert [line.get_xdata()[0] for line in axes[0, 0].lines if len(line.get_xdata())] == [0.4]
    assert axes[1, 1].lines[0].get_xdata()[0] == 0.1
    assert sum(p.get_height() for p in axes[0, 2].patches) == 50
    plt.close(fig)
    with pytest.raises(ParameterError, match="no outcome"):
        curve_figures.null_figure(null, pvalues, "shortfall")


def test_unknown_effect_is_a_parameter_error() -> None:
    with pytest.raises(ParameterError, match="no effect 'growth'"):
        curve_figures.curve_frame(_table(), "growth")
