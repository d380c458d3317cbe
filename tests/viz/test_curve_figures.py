"""Chapter 7 specification-curve figure: what is drawn matches the table handed in."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from inertia.errors import ParameterError
from inertia.multiverse import BASELINE, FORK_COLUMNS
from inertia.viz import curve_figures


def _table() -> pd.DataFrame:
    """Four specifications (index method x SE) of one effect, hand-made estimates."""
    rows = []
    estimates = {
        ("entropy", "clustered"): (0.30, 0.01),
        ("entropy", "driscoll-kraay"): (0.10, 0.40),
        ("equal", "clustered"): (-0.20, 0.02),
        ("equal", "driscoll-kraay"): (0.05, 0.90),
    }
    for number, ((method, se_type), (estimate, pvalue)) in enumerate(estimates.items()):
        row = {FORK_COLUMNS[f]: ("none" if f == "controls" else BASELINE[f]) for f in FORK_COLUMNS}
        row.update(
            spec_id=f"s{number}",
            effect="weakness",
            estimate=estimate,
            se=0.05,
            ci_low=estimate - 0.1,
            ci_high=estimate + 0.1,
            pvalue=pvalue,
            n=300,
            index_method=method,
            se_type=se_type,
            error=None,
        )
        rows.append(row)
    return pd.DataFrame(rows)


def test_curve_is_sorted_and_coloured_by_significance_and_sign() -> None:
    curve = curve_figures.curve_frame(_table(), "weakness")
    assert list(curve["estimate"]) == [-0.20, 0.05, 0.10, 0.30]
    assert list(curve["significance"]) == ["negative", "ns", "ns", "positive"]


def test_indicator_matrix_marks_exactly_the_specs_using_each_level() -> None:
    fig = curve_figures.specification_curve(_table(), "weakness")
    top, bottom = fig.axes
    # Only the two varying forks get rows, two levels each.
    labels = [t.get_text() for t in bottom.get_yticklabels()]
    assert labels == ["PS index: entropy", "PS index: equal", "SE: clustered", "SE: driscoll-kraay"]
    marks = {
        int(np.unique(c.get_offsets()[:, 1])[0]): sorted(c.get_offsets()[:, 0])
        for c in bottom.collections
        if len(c.get_offsets())
    }
    # Ranks: 0 = equal/clustered (-0.2), 1 = equal/DK, 2 = entropy/DK, 3 = entropy/clustered.
    assert marks == {0: [2, 3], 1: [0, 1], 2: [0, 3], 3: [1, 2]}
    # The top panel draws every estimate once, at its rank.
    points = np.vstack([c.get_offsets() for c in top.collections if c.get_offsets().shape[1]])
    drawn = sorted(map(tuple, points[np.isin(points[:, 1], _table()["estimate"])]))
    assert drawn == [(0, -0.20), (1, 0.05), (2, 0.10), (3, 0.30)]
    plt.close(fig)


def test_baseline_specification_is_marked() -> None:
    fig = curve_figures.specification_curve(_table(), "weakness")
    # Baseline = entropy + clustered = the largest estimate, rank 3.
    vertical = [line.get_xdata()[0] for line in fig.axes[1].lines]
    assert 3 in vertical
    plt.close(fig)


def test_chinese_labels() -> None:
    fig = curve_figures.specification_curve(_table(), "weakness", language="zh")
    assert fig.axes[0].get_title() == "设定曲线：角色弱化"
    assert fig.axes[1].get_yticklabels()[0].get_text() == "公共服务指数: entropy"
    plt.close(fig)


def test_unknown_effect_is_a_parameter_error() -> None:
    with pytest.raises(ParameterError, match="no effect 'growth'"):
        curve_figures.curve_frame(_table(), "growth")
