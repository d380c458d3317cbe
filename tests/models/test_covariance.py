"""SE conventions (inertia.models.covariance) against hand calculations and statsmodels."""

from __future__ import annotations

import numpy as np
import pytest
from statsmodels.stats.sandwich_covariance import weights_bartlett

from inertia.errors import ParameterError
from inertia.models import covariance


@pytest.mark.parametrize(("n_periods", "expected"), [(6, 2), (18, 2), (100, 4), (300, 5)])
def test_bartlett_bandwidth_by_hand(n_periods, expected):
    # 4 (T/100)^(2/9): T=18 gives 4 * 0.6834 = 2.73 -> 2; T=100 gives exactly 4.
    assert covariance.bartlett_bandwidth(n_periods) == expected


@pytest.mark.parametrize("bandwidth", [0.0, 1.0, 2.0, 2.5])
def test_bartlett_weights_equal_statsmodels(bandwidth):
    lags = int(np.floor(bandwidth))
    weights = covariance.bartlett_weights(bandwidth, 6)
    # statsmodels' Bartlett weights 1 - l/(L+1) for an integer lag L, zero beyond it.
    if bandwidth == lags:
        expected = np.zeros(6)
        expected[: lags + 1] = weights_bartlett(lags)
        assert weights[0] == pytest.approx(expected, abs=1e-15)
    assert np.allclose(weights, weights.T) and np.all(np.diag(weights) == 1.0)
    assert weights[0, 1] == pytest.approx(1.0 - 1.0 / (bandwidth + 1.0) if lags >= 1 else 0.0)


def test_small_sample_factors_by_hand():
    # CR1 with G = 10, N = 100, K = 5: 10/9 * 99/100 * 100/95 = 1.1578947...
    assert covariance.residual_factor(100, 5) * covariance.cluster_factor(10, 100) == (
        pytest.approx(10 / 9 * 99 / 95, rel=1e-15)
    )
    assert covariance.residual_factor(100, 0) == 1.0


def test_linearmodels_options_and_labels():
    options, label, used = covariance.linearmodels_options("clustered", 18)
    assert options == {"cov_type": "clustered", "cluster_entity": True, "group_debias": True}
    assert (label, used) == ("clustered by city", None)
    options, label, used = covariance.linearmodels_options("driscoll-kraay", 18, debiased=True)
    assert options == {
        "cov_type": "kernel", "kernel": "bartlett", "bandwidth": 2.0, "debiased": True
    }
    assert label == "Driscoll-Kraay (bartlett kernel, bandwidth 2)" and used == 2.0
    _, label, used = covariance.linearmodels_options(
        "driscoll-kraay", 18, bandwidth=3.0, kernel_label="Bartlett"
    )
    assert label == "Driscoll-Kraay (Bartlett kernel, bandwidth 3)" and used == 3.0
    with pytest.raises(ParameterError, match="se must be one of"):
        covariance.linearmodels_options("robust", 18)

