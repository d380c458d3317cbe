"""Spatial dependence against hand formulas.

Oracles: Moran's I = (n/S0) z'Wz / z'z with a hand-built row-standardised
matrix (1e-10); local Moran I_i = (n-1) z_i (Wz)_i / z'z (1e-10); spatial lags
as neighbour averages (tests/test_transforms.py); SLX coefficients against
statsmodels OLS with dummies (1e-8).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.formula.api as smf
from libpysal.weights import W, lat2W

from inertia.errors import ParameterError
from inertia.models.spatial import (
    fit_spatial_lag_x,
    local_moran,
    moran_by_year,
)
from inertia.transforms import spatial_lag

SIDE = 5
CODES = [100 + i for i in range(SIDE * SIDE)]


def grid_weights() -> W:
    """Rook contiguity on a 5 x 5 grid, ids = codes 100..124."""
    lattice = lat2W(SIDE, SIDE)
    return W(
        {CODES[i]: [CODES[j] for j in lattice.neighbors[i]] for i in lattice.id_order},
        id_order=CODES,
    )


def dense_row_standardised(codes: list[int], weights: W) -> np.ndarray:
    position = {c: k for k, c in enumerate(codes)}
    matrix = np.zeros((len(codes), len(codes)))
    for c in codes:
        for j in weights.neighbors[c]:
            if j in position:
                matrix[position[c], position[j]] = 1.0
    return matrix / matrix.sum(axis=1, keepdims=True)


def hand_moran(values: np.ndarray, matrix: np.ndarray) -> float:
    z = values - values.mean()
    return len(z) / matrix.sum() * (z @ matrix @ z) / (z @ z)


def grid_panel(seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    rows = []
    for year in (2010, 2011):
        for k, code in enumerate(CODES):
            row, col = divmod(k, SIDE)
            gradient = row + col if year == 2010 else 0.0  # 2010 strongly clustered
            rows.append({"code": code, "year": year, "v": gradient + rng.normal(scale=0.3)})
    return pd.DataFrame(rows)


def test_moran_matches_hand_formula():
    weights = grid_weights()
    panel = grid_panel()
    table = moran_by_year(panel, "v", weights, permutations=199, seed=1)
    assert list(table.columns) == ["year", "n", "I", "expected_I", "z", "p_rand", "z_sim", "p_sim"]
    matrix = dense_row_standardised(CODES, weights)
    for row in table.itertuples():
        values = panel.loc[panel["year"] == row.year, "v"].to_numpy()
        assert row.I == pytest.approx(hand_moran(values, matrix), abs=1e-10)
        assert row.expected_I == pytest.approx(-1 / (len(CODES) - 1), abs=1e-12)
    clustered = table.set_index("year").loc[2010]
    # the gradient beats all 199 permutations
    assert clustered["p_sim"] == pytest.approx(1 / 200)
    assert clustered["z"] > 3
    # the weights passed in are not modified
    assert weights.transform == "O"


def test_moran_is_reproducible_and_handles_missing():
    weights = grid_weights()
    panel = grid_panel()
    first = moran_by_year(panel, "v", weights, permutations=99, seed=4)
    again = moran_by_year(panel, "v", weights, permutations=99, seed=4)
    pd.testing.assert_frame_equal(first, again)
    missing = panel.copy()
    missing.loc[3, "v"] = np.nan  # code 103 in 2010
    table = moran_by_year(missing, "v", weights, permutations=0)
    kept = [c for c in CODES if c != 103]
    values = missing.query("year == 2010").dropna()["v"].to_numpy()
    expected = hand_moran(values, dense_row_standardised(kept, weights))
    assert table.loc[0, "I"] == pytest.approx(expected, abs=1e-10)
    assert table.loc[0, "n"] == 24
    assert np.isnan(table.loc[0, "p_sim"])


def test_local_moran_matches_hand_formula_and_classifies():
    weights = grid_weights()
    panel = grid_panel()
    lisa = local_moran(panel, "v", weights, 2010, permutations=199, seed=2)
    values = panel.query("year == 2010")["v"].to_numpy()
    z = (values - values.mean()) / values.std()
    matrix = dense_row_standardised(CODES, weights)
    lag = matrix @ z
    np.testing.assert_allclose(lisa["I"], (len(z) - 1) * z * lag / (z @ z), atol=1e-10)
    expected_quadrant = np.select(
        [(z > 0) & (lag > 0), (z <= 0) & (lag > 0), (z <= 0) & (lag <= 0)], ["HH", "LH", "LL"], "HL"
    )
    assert list(lisa["quadrant"]) == list(expected_quadrant)
    # The corners of the gradient are significant clusters: low (0,0) and high (4,4).
    by_code = lisa.set_index("code")
    assert by_code.loc[100, "cluster"] == "LL"
    assert by_code.loc[124, "cluster"] == "HH"
    ns = by_code["p_sim"] > 0.05
    assert (by_code.loc[ns, "cluster"] == "ns").all()
    again = local_moran(panel, "v", weights, 2010, permutations=199, seed=2)
    pd.testing.assert_frame_equal(lisa, again)


def test_slx_matches_ols_with_dummies():
    weights = grid_weights()
    rng = np.random.default_rng(3)
    panel = pd.DataFrame(
        [(c, t) for c in CODES for t in range(2001, 2007)], columns=["code", "year"]
    )
    panel["x"] = rng.normal(size=len(panel))
    lagged = spatial_lag(panel, ["x"], weights)
    panel["y"] = panel["x"] + 0.5 * lagged["W_x"] + rng.normal(size=len(panel))
    fit = fit_spatial_lag_x(panel, "y", ["x"], weights)
    assert list(fit.params.index) == ["x", "W_x"]
    ols = smf.ols("y ~ x + W_x + C(code) + C(year)", panel.assign(W_x=lagged["W_x"])).fit()
    np.testing.assert_allclose(fit.params, ols.params[["x", "W_x"]], atol=1e-8)


def two_cluster_panel(seed: int = 5) -> tuple[pd.DataFrame, W]:
    """Two 5 x 5 grids with no link between them; cluster "b" sits 10 units higher, and
    within each grid the values are pure noise (no spatial association)."""
    rng = np.random.default_rng(seed)
    lattice = lat2W(SIDE, SIDE)
    codes = {"a": CODES, "b": [200 + i for i in range(SIDE * SIDE)]}
    neighbours = {
        codes[c][i]: [codes[c][j] for j in lattice.neighbors[i]]
        for c in codes
        for i in lattice.id_order
    }
    weights = W(neighbours, id_order=[*codes["a"], *codes["b"]], silence_warnings=True)
    rows = [
        {"code": code, "year": 2010, "cluster": c, "v": (10.0 if c == "b" else 0.0) + noise}
        for c in codes
        for code, noise in zip(codes[c], rng.normal(size=SIDE * SIDE), strict=True)
    ]
    return pd.DataFrame(rows), weights


def test_moran_by_cluster_tests_each_cluster_on_its_own():
    panel, weights = two_cluster_panel()
    pooled = moran_by_year(panel, "v", weights, permutations=199, seed=1)
    # Pooled over block-diagonal weights, the gap between the clusters' means looks like
    # strong clustering (I near 1, every permutation beaten).
    assert pooled.loc[0, "I"] > 0.8 and pooled.loc[0, "p_sim"] == pytest.approx(1 / 200)
    within = moran_by_year(panel, "v", weights, by="cluster", permutations=199, seed=1)
    assert list(within.columns[:3]) == ["year", "cluster", "n"]
    assert within["cluster"].tolist() == ["a", "b"] and within["n"].tolist() == [25, 25]
    for row in within.itertuples():
        part = panel[panel["cluster"] == row.cluster]
        codes = part["code"].tolist()
        expected = hand_moran(part["v"].to_numpy(), dense_row_standardised(codes, weights))
        assert row.I == pytest.approx(expected, abs=1e-10)  # hand formula, this cluster only
        assert row.expected_I == pytest.approx(-1 / 24, abs=1e-12)
        assert abs(row.I - row.expected_I) < 0.4  # noise within each cluster: I near E[I]
    again = moran_by_year(panel, "v", weights, by="cluster", permutations=199, seed=1)
    pd.testing.assert_frame_equal(within, again)


def test_local_moran_by_cluster_equals_one_run_per_cluster():
    panel, weights = two_cluster_panel()
    pooled = local_moran(panel, "v", weights, 2010, permutations=199, seed=3)
    # Pooled, every "b" city is "high" only because its cluster is.
    assert set(pooled.loc[pooled["code"] >= 200, "quadrant"]) <= {"HH", "HL"}
    within = local_moran(panel, "v", weights, 2010, by="cluster", permutations=199, seed=3)
    assert within["group"].tolist() == ["a"] * 25 + ["b"] * 25
    for k, name in enumerate(["a", "b"]):
        alone = local_moran(
            panel[panel["cluster"] == name], "v", weights, 2010, permutations=199, seed=(3, k)
        )
        mine = within[within["group"] == name].drop(columns="group").reset_index(drop=True)
        pd.testing.assert_frame_equal(mine, alone)
    assert set(within.loc[within["group"] == "b", "quadrant"]) == {"HH", "HL", "LH", "LL"}
    with pytest.raises(ParameterError, match="3 or more"):
        local_moran(panel.iloc[[0, 1, 30]], "v", weights, 2010, by="cluster")
