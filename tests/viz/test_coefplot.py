"""Coefficient plot: every interval and point is drawn where the table says."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from matplotlib.collections import LineCollection

from inertia.errors import ParameterError
from inertia.viz.coefplot import coefficient_plot

TIDY = pd.DataFrame(
    {
        "term": ["a", "b", "const", "a", "b"],
        "coef": [0.5, -0.2, 1.0, 0.4, -0.1],
        "ci_low": [0.3, -0.5, 0.0, 0.1, -0.3],
        "ci_high": [0.7, 0.1, 2.0, 0.7, 0.1],
        "model": ["M1", "M1", "M1", "M2", "M2"],
    }
)


def test_points_and_intervals_match_the_table():
    fig = coefficient_plot(TIDY, labels={"a": "Role weakness"})
    ax = fig.axes[0]
    intervals = [c for c in ax.collections if isinstance(c, LineCollection)]
    assert len(intervals) == 2  # one per model
    segments = np.concatenate([c.get_segments() for c in intervals])
    xs = sorted((float(s[0, 0]), float(s[1, 0])) for s in segments)
    expected = sorted(
        zip(
            TIDY["ci_low"][TIDY["term"] != "const"],
            TIDY["ci_high"][TIDY["term"] != "const"],
            strict=True,
        )
    )
    np.testing.assert_allclose(np.array(xs), np.array(expected), atol=1e-12)
    points = [line for line in ax.lines if line.get_marker() == "o"]
    assert [p.get_label() for p in points] == ["M1", "M2"]
    assert sorted(np.concatenate([p.get_xdata() for p in points])) == sorted([0.5, -0.2, 0.4, -0.1])
    assert points[0].get_color() != points[1].get_color()
    assert [t.get_text() for t in ax.get_yticklabels()] == ["Role weakness", "b"]
    # the first term is on top
    assert ax.get_yticks()[0] > ax.get_yticks()[1]
    plt.close(fig)


def test_missing_columns_raise():
    with pytest.raises(ParameterError, match="ci_low"):
        coefficient_plot(TIDY.drop(columns="ci_low"))
