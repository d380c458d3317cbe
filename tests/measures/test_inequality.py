"""Tests for Theil T, the Dagum Gini decomposition and the coefficient of variation.

Oracles:
* published PySAL worked example (Mexico state GDP per capita 1940, bundled with
  libpysal; values from the docstrings of ``inequality.theil.TheilD`` and the
  tests of ``inequality.gini``), tolerance 1e-8;
* PySAL ``inequality`` on random data, tolerance 1e-10;
* a slow Dagum (1997) implementation by the definition with explicit loops,
  tolerance 1e-12; hand calculations; identities (1e-12) and scale invariance.
"""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest
from inequality.gini import Gini
from inequality.theil import Theil, TheilD
from libpysal.examples import get_path
from scipy import stats

from inertia.errors import DataError, ParameterError
from inertia.measures import absolute_gini, coefficient_of_variation, dagum_gini, theil

# Published values for pcgdp1940 of the 32 Mexican states with the hanson98 regimes.
# Source: PySAL inequality 1.1 docs, inequality.theil.Theil / TheilD examples
# (T, bg, wg), and inequality/tests/test_gini.py (Gini, and Gini_Spatial's wg = sum of
# |y_i - y_j| over ordered pairs in the same regime, and wcg over pairs in different ones).
MEXICO_1940 = {
    "theil": 0.20894344,
    "theil_between": 0.0345889,
    "theil_within": 0.17435454,
    "gini": 0.35372371173452849,
    "sad_same_regime": 884130.0,
    "sad_other_regime": 4353856.0,
}


@pytest.fixture(scope="module")
def mexico() -> pd.DataFrame:
    return pd.read_csv(get_path("mexico.csv"))


def slow_dagum(y: np.ndarray, groups: np.ndarray) -> dict:
    """Dagum (1997) by the definitions, with explicit double loops (independent oracle)."""
    labels = sorted(set(groups))
    n, mu = len(y), float(np.mean(y))
    members = {g: [float(v) for v, h in zip(y, groups, strict=True) if h == g] for g in labels}
    size = {g: len(members[g]) for g in labels}
    mean = {g: sum(members[g]) / size[g] for g in labels}
    p = {g: size[g] / n for g in labels}
    s = {g: size[g] * mean[g] / (n * mu) for g in labels}

    def sad(a, b):
        return sum(abs(u - v) for u in a for v in b)

    total = sum(abs(u - v) for u in y for v in y) / (2 * n**2 * mu)
    gjj = {g: sad(members[g], members[g]) / (2 * size[g] ** 2 * mean[g]) for g in labels}
    within = sum(gjj[g] * p[g] * s[g] for g in labels)
    between_net = transvariation = 0.0
    gjh = {}
    for g, h in itertools.combinations(labels, 2):
        # j is the richer group, as in Dagum's ordering.
        j, k = (g, h) if mean[g] >= mean[h] else (h, g)
        gjh[g, h] = sad(members[j], members[k]) / (size[j] * size[k] * (mean[j] + mean[k]))
        d = sum(max(u - v, 0.0) for u in members[j] for v in members[k]) / (size[j] * size[k])
        q = sum(max(v - u, 0.0) for u in members[j] for v in members[k]) / (size[j] * size[k])
        affluence = (d - q) / (d + q)
        weight = gjh[g, h] * (p[j] * s[k] + p[k] * s[j])
        between_net += weight * affluence
        transvariation += weight * (1 - affluence)
    return {
        "total": total,
        "within": within,
        "between_net": between_net,
        "transvariation": transvariation,
        "gjj": gjj,
        "gjh": gjh,
    }


# --------------------------------------------------------------------------- Theil


def test_theil_reproduces_published_mexico_example(mexico):
    result = theil(mexico["pcgdp1940"], mexico["hanson98"])
    assert result.total == pytest.approx(MEXICO_1940["theil"], abs=1e-8)
    assert result.between == pytest.approx(MEXICO_1940["theil_between"], abs=1e-7)
    assert result.within == pytest.approx(MEXICO_1940["theil_within"], abs=1e-8)


def test_theil_matches_pysal_on_random_data():
    rng = np.random.default_rng(42)
    y = rng.lognormal(mean=1.0, sigma=0.6, size=300)
    groups = rng.choice(["jjj", "yrd", "prd"], size=300)
    result = theil(y, groups)
    pysal = TheilD(y, groups)
    assert result.total == pytest.approx(float(Theil(y).T), abs=1e-10)
    assert result.between == pytest.approx(float(pysal.bg[0]), abs=1e-10)
    assert result.within == pytest.approx(float(pysal.wg[0]), abs=1e-10)


def test_theil_hand_calculation_and_group_table():
    # y = [1, 2, 3, 6], mean 3: T = (1/4) sum (y/3) ln(y/3).
    y = np.array([1.0, 2.0, 3.0, 6.0])
    expected = 0.25 * ((1 / 3) * np.log(1 / 3) + (2 / 3) * np.log(2 / 3) + 2 * np.log(2))
    # Groups {1, 3} (mean 2) and {2, 6} (mean 4): shares s = 1/3, 2/3.
    result = theil(y, ["a", "b", "a", "b"])
    assert result.total == pytest.approx(expected, abs=1e-14)
    between = (1 / 3) * np.log(2 / 3) + (2 / 3) * np.log(4 / 3)
    assert result.between == pytest.approx(between, abs=1e-14)
    t_a = 0.5 * (0.5 * np.log(0.5) + 1.5 * np.log(1.5))
    t_b = 0.5 * (0.5 * np.log(0.5) + 1.5 * np.log(1.5))
    assert result.groups.loc["a", "theil"] == pytest.approx(t_a, abs=1e-14)
    assert result.groups.loc["b", "share"] == pytest.approx(2 / 3, abs=1e-14)
    assert result.within == pytest.approx(t_a / 3 + 2 * t_b / 3, abs=1e-14)
    assert result.groups["contribution"].sum() + result.between_share == pytest.approx(1.0)
    assert list(result.groups.columns) == [
        "n", "weight_share", "share", "mean", "theil", "contribution"
    ]  # fmt: skip


def test_weighted_theil_equals_theil_of_replicated_sample():
    rng = np.random.default_rng(5)
    y = rng.lognormal(size=40)
    groups = rng.integers(0, 3, size=40)
    population = rng.integers(1, 6, size=40)
    weighted = theil(y, groups, weights=population)
    replicated = theil(np.repeat(y, population), np.repeat(groups, population))
    assert weighted.total == pytest.approx(replicated.total, abs=1e-12)
    assert weighted.within == pytest.approx(replicated.within, abs=1e-12)
    assert weighted.between == pytest.approx(replicated.between, abs=1e-12)
    assert weighted.within + weighted.between == pytest.approx(weighted.total, abs=1e-12)


def test_theil_properties_and_errors():
    rng = np.random.default_rng(8)
    y = pd.Series(rng.lognormal(size=50))
    groups = pd.Series(rng.integers(0, 4, size=50))
    base = theil(y, groups)
    scaled = theil(y * 1e4, groups)
    assert scaled.total == pytest.approx(base.total, rel=1e-12)
    assert scaled.within == pytest.approx(base.within, rel=1e-12)
    assert theil(np.full(5, 3.0)).total == pytest.approx(0.0, abs=1e-15)
    single = theil(y)
    assert single.within == single.total and single.between == 0.0
    # Zeros follow 0 ln 0 = 0: [0, 2] has mean 1 and T = (1/2)(2 ln 2).
    assert theil([0.0, 2.0]).total == pytest.approx(np.log(2), abs=1e-15)
    with pytest.raises(DataError, match="missing"):
        theil([1.0, np.nan, 2.0])
    with pytest.raises(DataError, match="non-negative"):
        theil([1.0, -1.0, 2.0])
    with pytest.raises(ParameterError, match="one label per value"):
        theil([1.0, 2.0], ["a"])
    with pytest.raises(ParameterError, match="weights"):
        theil([1.0, 2.0], weights=[1.0])


# --------------------------------------------------------------------------- Dagum


def test_dagum_reproduces_published_mexico_gini(mexico):
    y = mexico["pcgdp1940"].to_numpy()
    result = dagum_gini(y, mexico["hanson98"].to_numpy())
    assert result.total == pytest.approx(MEXICO_1940["gini"], abs=1e-12)
    # Within-regime sum of absolute differences, rebuilt from G_jj = Delta_jj / (2 mu_j).
    table = result.groups
    diag = np.diag(result.group_gini.to_numpy())
    sad_within = (table["n"] ** 2 * diag * 2 * table["mean"]).sum()
    assert sad_within == pytest.approx(MEXICO_1940["sad_same_regime"], rel=1e-12)
    sad_total = result.total * 2 * len(y) ** 2 * y.mean()
    assert sad_total - sad_within == pytest.approx(MEXICO_1940["sad_other_regime"], rel=1e-12)


def test_dagum_tiny_two_group_hand_example():
    # A = {1, 3} (mean 2), B = {4, 8} (mean 6); n = 4, mu = 4.
    # |differences| over all 16 ordered pairs: within A 2*2 = 4, within B 2*4 = 8,
    # A-B pairs 3 + 7 + 1 + 5 = 16 each way. G = (4 + 8 + 32) / (2 * 16 * 4) = 44/128.
    # G_AA = 4/(2*4*2) = 1/4, G_BB = 8/(2*4*6) = 1/6, G_AB = 16/(4*(2+6)) = 1/2.
    # p = (1/2, 1/2), s = (1/4, 3/4). G_w = 1/4*1/2*1/4 + 1/6*1/2*3/4 = 1/32 + 1/16 = 3/32.
    # B is richer: d = (3 + 7 + 1 + 5)/4 = 4, p_BA = 0, so D = 1 and G_t = 0.
    # G_nb = 1/2 * (1/2*1/4 + 1/2*3/4) = 1/4. Check: 3/32 + 8/32 = 11/32 = 44/128.
    result = dagum_gini([1.0, 3.0, 4.0, 8.0], ["A", "A", "B", "B"])
    assert result.total == pytest.approx(44 / 128, abs=1e-15)
    assert result.within == pytest.approx(3 / 32, abs=1e-15)
    assert result.between_net == pytest.approx(1 / 4, abs=1e-15)
    assert result.transvariation == pytest.approx(0.0, abs=1e-15)
    expected_matrix = np.array([[1 / 4, 1 / 2], [1 / 2, 1 / 6]])
    np.testing.assert_allclose(result.group_gini.to_numpy(), expected_matrix, atol=1e-15)
    assert result.relative_affluence.loc["A", "B"] == pytest.approx(1.0)


def test_dagum_matches_slow_double_loop_definition_with_overlap():
    rng = np.random.default_rng(2024)
    y = np.concatenate([rng.lognormal(0.0, 0.5, 17), rng.lognormal(0.3, 0.4, 11),
                        rng.lognormal(0.1, 0.7, 8)])  # fmt: skip
    groups = np.array(["jjj"] * 17 + ["prd"] * 11 + ["yrd"] * 8)
    slow = slow_dagum(y, groups)
    fast = dagum_gini(y, groups)
    for part in ("total", "within", "between_net", "transvariation"):
        assert getattr(fast, part) == pytest.approx(slow[part], abs=1e-12), part
    for g, value in slow["gjj"].items():
        assert fast.group_gini.loc[g, g] == pytest.approx(value, abs=1e-12)
    for (g, h), value in slow["gjh"].items():
        assert fast.group_gini.loc[g, h] == pytest.approx(value, abs=1e-12)
        assert fast.group_gini.loc[h, g] == pytest.approx(value, abs=1e-12)
    assert 0 < fast.transvariation  # the groups overlap


def test_dagum_identity_pysal_total_and_group_gini_on_benchmark_size():
    # ~2,800 units as in the later benchmark: exact sums without an n x n matrix.
    rng = np.random.default_rng(1)
    y = rng.lognormal(size=2800)
    groups = rng.choice(["jjj", "yrd", "prd"], size=2800, p=[0.2, 0.65, 0.15])
    result = dagum_gini(y, groups)
    parts = result.within + result.between_net + result.transvariation
    assert parts == pytest.approx(result.total, abs=1e-12)
    assert result.total == pytest.approx(float(Gini(y).g), abs=1e-12)
    for g in ("jjj", "prd", "yrd"):
        assert result.group_gini.loc[g, g] == pytest.approx(
            float(Gini(y[groups == g]).g), abs=1e-12
        )
    assert result.contributions.sum() == pytest.approx(1.0, abs=1e-12)
    assert ((result.relative_affluence >= 0) & (result.relative_affluence <= 1)).all().all()


def test_dagum_scale_invariance_and_errors():
    rng = np.random.default_rng(9)
    y = pd.Series(rng.lognormal(size=30))
    groups = pd.Series(rng.integers(0, 3, size=30))
    base, scaled = dagum_gini(y, groups), dagum_gini(y * 123.0, groups)
    assert scaled.total == pytest.approx(base.total, rel=1e-12)
    assert scaled.between_net == pytest.approx(base.between_net, rel=1e-12)
    with pytest.raises(DataError, match="missing"):
        dagum_gini([1.0, np.nan], ["a", "b"])
    with pytest.raises(DataError, match="mean zero"):
        dagum_gini([0.0, 0.0, 1.0], ["a", "a", "b"])
    with pytest.raises(DataError, match="no group label"):
        dagum_gini([1.0, 2.0], ["a", None])


# --------------------------------------------------------------------------- CV


def test_coefficient_of_variation_hand_and_scipy():
    y = [1.0, 2.0, 3.0]
    # mean 2; population SD sqrt(2/3); sample SD 1.
    assert coefficient_of_variation(y) == pytest.approx(np.sqrt(2 / 3) / 2, abs=1e-15)
    assert coefficient_of_variation(y, ddof=1) == pytest.approx(0.5, abs=1e-15)
    rng = np.random.default_rng(4)
    sample = rng.lognormal(size=100)
    for ddof in (0, 1):
        expected = stats.variation(sample, ddof=ddof)
        assert coefficient_of_variation(sample, ddof=ddof) == pytest.approx(expected, abs=1e-12)
    assert coefficient_of_variation(sample * 7.5) == pytest.approx(
        coefficient_of_variation(sample), rel=1e-12
    )
    with pytest.raises(ParameterError, match="ddof"):
        coefficient_of_variation(y, ddof=2)
    with pytest.raises(DataError, match="mean of y is zero"):
        coefficient_of_variation([-1.0, 1.0])


# --------------------------------------------------------------------------- absolute Gini


def test_absolute_gini_reproduces_the_published_mexico_sum_of_differences(mexico):
    """PySAL's Gini_Spatial test values give the sum of |y_i - y_j| over ordered pairs."""
    y = mexico["pcgdp1940"].to_numpy()
    total = MEXICO_1940["sad_same_regime"] + MEXICO_1940["sad_other_regime"]
    assert absolute_gini(y) == pytest.approx(total / (2 * len(y) ** 2), rel=1e-12)
    # Identity A = mu G with PySAL's Gini ratio.
    assert absolute_gini(y) == pytest.approx(y.mean() * float(Gini(y).g), rel=1e-12)


def test_absolute_gini_hand_calculation_double_loop_and_invariances():
    # {1, 2, 3, 4}: the 12 ordered pairs differ by 1, 2, 3, 1, 2, 1 twice: 20 / (2 * 16).
    assert absolute_gini([1.0, 2.0, 3.0, 4.0]) == pytest.approx(0.625, abs=1e-15)
    rng = np.random.default_rng(3)
    y = rng.lognormal(0.0, 0.8, 57)
    loops = sum(abs(a - b) for a in y for b in y) / (2 * len(y) ** 2)
    assert absolute_gini(y) == pytest.approx(loops, rel=1e-12)
    assert absolute_gini(y + 5.0) == pytest.approx(absolute_gini(y), rel=1e-12)
    assert absolute_gini(3.0 * y) == pytest.approx(3.0 * absolute_gini(y), rel=1e-12)
    assert absolute_gini(y - 10.0) == pytest.approx(absolute_gini(y), rel=1e-12)  # negatives
    assert absolute_gini([2.0]) == 0.0
    # A relative Gini falls when a constant is added; the absolute one does not move.
    assert dagum_gini(y + 5.0, np.zeros(57)).total < dagum_gini(y, np.zeros(57)).total
    with pytest.raises(DataError, match="missing"):
        absolute_gini([1.0, np.nan])
