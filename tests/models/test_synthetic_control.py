"""Tests of the synthetic control (inertia.models.synthetic_control).

Oracles: ``pysyncon.Synth`` with the same predictors (its ``custom_V`` set to
the predictors' variances, which undoes its scaling) reaches the same loss
(1e-8 relative) and weights (1e-3); a treated unit that is an exact convex
combination of donors is recovered (weights 1e-4, gap 1e-6); the placebo
p-value is the rank of the treated unit's RMSPE ratio.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from inertia.errors import DataError
from inertia.models import synthetic_control as sc


def _outcome(effect: float = 0.0, seed: int = 2) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    years = np.arange(2005, 2023)
    donors = {
        f"province:{k}": np.cumsum(rng.normal(0.002, 0.01, len(years))) + rng.normal()
        for k in range(8)
    }
    frame = pd.DataFrame(donors, index=years).T
    weights = np.array([0.5, 0.3, 0.2])
    treated = weights @ frame.iloc[:3].to_numpy() + 0.7  # a constant offset: demeaned SC
    treated = treated + effect * (years >= 2015)
    frame.loc["jjj"] = treated
    return frame


def test_exact_convex_combination_is_recovered() -> None:
    outcome = _outcome()
    donors = [d for d in outcome.index if d != "jjj"]
    fit = sc.synthetic_control(outcome, "jjj", 2015, donors)
    np.testing.assert_allclose(fit.weights.iloc[:3], [0.5, 0.3, 0.2], atol=1e-4)
    assert fit.weights.sum() == pytest.approx(1.0, abs=1e-12) and (fit.weights >= 0).all()
    assert np.abs(fit.path["gap"]).max() < 1e-5
    assert fit.path["actual"].to_numpy() == pytest.approx(outcome.loc["jjj"].to_numpy())


def test_weights_equal_pysyncon() -> None:
    from pysyncon import Synth

    outcome = _outcome(seed=7)
    outcome.loc["jjj"] += np.random.default_rng(1).normal(0, 0.01, outcome.shape[1])
    donors = [d for d in outcome.index if d != "jjj"]
    pre = [y for y in outcome.columns if y < 2015]
    # In percentage points: pysyncon's SLSQP stops on an absolute tolerance, too coarse for
    # losses of order 1e-4.
    demeaned = 100 * outcome[pre].sub(outcome[pre].mean(axis=1), axis=0)
    x0, x1 = demeaned.loc[donors].T, demeaned.loc["jjj"]
    scale = pd.concat([x0, x1], axis=1).std(axis=1).to_numpy() ** 2
    oracle = Synth()
    oracle.fit(X0=x0, X1=x1, Z0=x0, Z1=x1, custom_V=scale, optim_options={"maxiter": 1000})
    mine = sc.synthetic_weights(x1.to_numpy(), x0.to_numpy())
    theirs = np.asarray(oracle.W, dtype=float)
    loss = lambda w: float(((x1.to_numpy() - x0.to_numpy() @ w) ** 2).sum())  # noqa: E731
    assert loss(mine) == pytest.approx(loss(theirs), rel=1e-6, abs=1e-12)
    np.testing.assert_allclose(mine, theirs, atol=1e-3)


def test_placebo_in_space_ranks_the_ratio() -> None:
    outcome = _outcome(effect=0.2)
    outcome.loc["jjj"] += np.random.default_rng(3).normal(0, 0.002, outcome.shape[1])
    donors = [d for d in outcome.index if d != "jjj"]
    fit, table, pvalue = sc.placebo_in_space(outcome, "jjj", 2015, donors)
    ratios = table.loc[~table["treated"], "ratio"]
    assert pvalue == pytest.approx((1 + (ratios >= fit.ratio).sum()) / (1 + len(ratios)))
    assert pvalue == pytest.approx(1 / 9)
    assert fit.post_gap == pytest.approx(0.2, abs=0.02)


def test_groups_and_errors() -> None:
    roster = pd.DataFrame(
        {
            "cluster": ["jjj"] * 2 + [np.nan] * 7,
            "province": ["河北", "河北", "山西", "山西", "山西", "山西", "甘肃", "甘肃", "甘肃"],
        },
        index=pd.Index(range(1, 10), name="code"),
    )
    groups = sc.pseudo_cluster_groups(roster, min_cities=4)
    assert set(groups) == {"jjj", "province:山西"}
    outcome = _outcome()
    with pytest.raises(DataError, match="two years"):
        sc.synthetic_control(outcome, "jjj", 2006, ["province:0", "province:1"])
