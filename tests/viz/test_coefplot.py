"""Coefficient plot: every interval and point is drawn where the table says."""

from __future__ import annotations

from dataclasses import dataclass

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from matplotlib.collections import LineCollection

from inertia.errors import ParameterError
from inertia.results import EstimationResultsMixin
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


@dataclass(frozen=True)
class _Fit(EstimationResultsMixin):
    """A fit with given coefficients and a diagonal covariance, normal inference."""

    params: pd.Series
    std_errors: pd.Series
    cov: pd.DataFrame
    nobs: int = 100

    @property
    def inference_df(self) -> int | None:
        return None


def _fit(coefs: dict[str, float], ses: dict[str, float]) -> _Fit:
    se = pd.Series(ses)
    return _Fit(pd.Series(coefs), se, pd.DataFrame(np.diag(se**2), se.index, se.index))


def test_fits_are_drawn_from_their_tidy_tables():
    fits = {
        "M1": _fit({"a": 0.5, "b": -0.2}, {"a": 0.1, "b": 0.2}),
        "M2": _fit({"a": 0.4}, {"a": 0.05}),
    }
    fig = coefficient_plot(fits)
    ax = fig.axes[0]
    segments = np.concatenate(
        [c.get_segments() for c in ax.collections if isinstance(c, LineCollection)]
    )
    drawn = sorted((float(s[0, 0]), float(s[1, 0])) for s in segments)
    tables = pd.concat([fit.tidy() for fit in fits.values()])
    expected = sorted(zip(tables["ci_low"], tables["ci_high"], strict=True))
    np.testing.assert_allclose(np.array(drawn), np.array(expected), atol=1e-12)
    # the normal 95% interval: coef -/+ 1.959964 se
    assert drawn[-1] == pytest.approx((0.5 - 1.959964 * 0.1, 0.5 + 1.959964 * 0.1), abs=1e-6)
    points = [line for line in ax.lines if line.get_marker() == "o"]
    assert [p.get_label() for p in points] == ["M1", "M2"]
    plt.close(fig)
    with pytest.raises(ParameterError, match="at least one model"):
        coefficient_plot({})


def test_missing_columns_raise():
    with pytest.raises(ParameterError, match="ci_low"):
        coefficient_plot(TIDY.drop(columns="ci_low"))
