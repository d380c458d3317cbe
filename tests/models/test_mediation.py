"""Serial mediation with a city bootstrap: oracles are hand OLS, hand 2SLS and linearmodels.

The tests use the simulated panel's latent columns as generic data: they check
the estimator's arithmetic, not whether it recovers the truth from measured
data (the validation harness does that, tests/test_validation.py).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from inertia.data.simulate import simulate_panel
from inertia.errors import ParameterError
from inertia.models.mediation import (
    _Blocks,
    bias_corrected_interval,
    error_correlation_shift,
    kappa_of_rho,
    rho_of_kappa,
    sensitivity,
    serial_mediation,
    shock_propagation,
)
from inertia.models.panel import two_way_demean
from inertia.results import EstimationResults

LATENT = ("true_weakness", "true_deviation", "true_reinforcement", "ps_growth")
# The R equation also has the neighbours' deviation; the y equation has the
# milestone exposure and council membership.
CONTROLS = {
    "m2": ["neighbour_deviation"],
    "y": ["milestone_exposure", "council_member"],
}
SIM_SEED = 3


@pytest.fixture(scope="module")
def sim():
    return simulate_panel(seed=SIM_SEED, scale="clusters")


@pytest.fixture(scope="module")
def latent_fit(sim):
    return serial_mediation(sim.latent, *LATENT, controls=CONTROLS, n_boot=200, seed=11)


def _hand_ols(frame: pd.DataFrame, y: str, x: list[str]) -> np.ndarray:
    demeaned = two_way_demean(frame.set_index(["code", "year"])[[y, *x]])
    coef, *_ = np.linalg.lstsq(demeaned[x].to_numpy(), demeaned[y].to_numpy(), rcond=None)
    return coef


def test_point_estimates_equal_hand_ols_products_on_unbalanced_panel(sim):
    rng = np.random.default_rng(1)
    data = sim.latent.copy()
    data = data.loc[rng.random(len(data)) > 0.07].reset_index(drop=True)  # unbalanced
    data.loc[rng.choice(len(data), 20, replace=False), "true_deviation"] = np.nan
    fit = serial_mediation(data, *LATENT, controls=CONTROLS, n_boot=0)
    used = data.dropna(subset=[*LATENT, *CONTROLS["m2"], *CONTROLS["y"]])
    (a1,) = _hand_ols(used, "true_deviation", ["true_weakness"])[:1]
    a2, a3 = _hand_ols(
        used, "true_reinforcement", ["true_deviation", "true_weakness", *CONTROLS["m2"]]
    )[:2]
    b1, b2, b3 = _hand_ols(
        used, "ps_growth", ["true_weakness", "true_deviation", "true_reinforcement", *CONTROLS["y"]]
    )[:3]
    expected = {
        "a1_W_D": a1,
        "a2_D_R": a2,
        "a3_W_R": a3,
        "direct_W_y": b1,
        "direct_D_y": b2,
        "direct_R_y": b3,
        "indirect_W_D_y": a1 * b2,
        "indirect_W_R_y": a3 * b3,
        "indirect_W_D_R_y": a1 * a2 * b3,
        "indirect_D_R_y": a2 * b3,
        "total_indirect_W": a1 * b2 + a3 * b3 + a1 * a2 * b3,
        "total_W": b1 + a1 * b2 + a3 * b3 + a1 * a2 * b3,
        "total_D": b2 + a2 * b3,
    }
    expected["proportion_mediated_W"] = expected["total_indirect_W"] / expected["total_W"]
    got = fit.paths.set_index("path")["estimate"]
    for name, value in expected.items():
        assert got[name] == pytest.approx(value, abs=1e-10), name
    assert fit.n == len(used)
    assert fit.n_entities == used["code"].nunique()
    assert np.isnan(fit.paths["se"]).all()  # no draws, no SEs


def test_outcome_equation_matches_panelols_two_way(sim):
    from linearmodels.panel import PanelOLS

    data = sim.latent.set_index(["code", "year"])
    assert len(data) == data.index.get_level_values(0).nunique() * 18  # balanced
    fit = serial_mediation(sim.latent, *LATENT, n_boot=0)
    reference = PanelOLS(
        data["ps_growth"], data[list(LATENT[:3])], entity_effects=True, time_effects=True
    ).fit()
    mine = fit.coefficients.query("equation == 'y'").set_index("term")["estimate"]
    for term in LATENT[:3]:
        assert mine[term] == pytest.approx(reference.params[term], abs=1e-8)


def test_cluster_bootstrap_blocks_equal_explicit_resample_with_new_ids(sim):
    data = sim.latent[["code", "year", *LATENT]].iloc[::1].copy()
    data = data.drop(index=[3, 40, 41, 500]).reset_index(drop=True)  # unbalanced
    entities = np.sort(data["code"].unique())
    periods = np.sort(data["year"].unique())
    blocks = _Blocks(data, list(LATENT), "code", "year", entities, periods)
    rng = np.random.default_rng(5)
    drawn = rng.choice(entities, size=len(entities), replace=True)
    counts = np.array([[np.sum(drawn == c) for c in entities]], dtype=float)
    moments = blocks.residual_moments(counts)[0]
    coef = np.linalg.solve(moments[np.ix_([0, 1, 2], [0, 1, 2])], moments[[0, 1, 2], 3])
    # Explicit resample: every copy of a city becomes a new city.
    copies = [data[data["code"] == c].assign(code=k) for k, c in enumerate(drawn)]
    explicit = pd.concat(copies, ignore_index=True)
    hand = _hand_ols(explicit, "ps_growth", list(LATENT[:3]))
    np.testing.assert_allclose(coef, hand, atol=1e-10)


def test_bc_interval_equals_percentile_when_median_is_the_estimate():
    rng = np.random.default_rng(0)
    half = rng.gamma(2.0, size=500)
    draws = np.concatenate([1.0 - half, 1.0 + half**2])  # skewed; half below 1
    assert bias_corrected_interval(draws, 1.0, 0.9) == pytest.approx(
        tuple(np.quantile(draws, [0.05, 0.95])), abs=1e-14
    )


def test_bc_interval_by_hand():
    draws = np.random.default_rng(1).lognormal(size=999)
    estimate = 0.8
    share = np.mean(draws < estimate)
    z0 = stats.norm.ppf(share)
    lo = stats.norm.cdf(2 * z0 - 1.959963984540054)
    hi = stats.norm.cdf(2 * z0 + 1.959963984540054)
    assert bias_corrected_interval(draws, estimate) == pytest.approx(
        (np.quantile(draws, lo), np.quantile(draws, hi)), abs=1e-12
    )
    assert np.isnan(bias_corrected_interval(draws, 1e9)[0])  # all draws below


def test_instrumented_paths_equal_per_equation_2sls(sim):
    from inertia.models.panel import fit_eiv

    rng = np.random.default_rng(4)
    data = sim.latent.copy()
    # Noisy markers of the three latent roles, each with an independent second indicator.
    for name in ("true_weakness", "true_deviation", "true_reinforcement"):
        scale = data[name].std()
        data[f"{name}_m"] = data[name] + 0.3 * scale * rng.normal(size=len(data))
        data[f"{name}_z"] = 2 * data[name] + 0.5 * scale * rng.normal(size=len(data))
    markers = [f"{n}_m" for n in LATENT[:3]]
    instruments = {f"{n}_m": f"{n}_z" for n in LATENT[:3]}
    fit = serial_mediation(
        data, *markers, "ps_growth", controls=CONTROLS, instruments=instruments, n_boot=0
    )
    used = data.dropna(
        subset=[*markers, *instruments.values(), "ps_growth", "neighbour_deviation", *CONTROLS["y"]]
    )
    first = fit_eiv(used, markers[1], markers[:1], [instruments[markers[0]]])
    second = fit_eiv(
        used,
        markers[2],
        markers[1::-1],
        [instruments[markers[1]], instruments[markers[0]]],
        CONTROLS["m2"],
    )
    third = fit_eiv(used, "ps_growth", markers, [instruments[m] for m in markers], CONTROLS["y"])
    got = fit.paths.set_index("path")["estimate"]
    assert got["a1_W_D"] == pytest.approx(first.params[markers[0]], abs=1e-10)
    assert got["a2_D_R"] == pytest.approx(second.params[markers[1]], abs=1e-10)
    assert got["a3_W_R"] == pytest.approx(second.params[markers[0]], abs=1e-10)
    for path, term in zip(("direct_W_y", "direct_D_y", "direct_R_y"), markers, strict=True):
        assert got[path] == pytest.approx(third.params[term], abs=1e-10), path
    assert fit.instruments == instruments


def test_instruments_must_be_for_regressors(sim):
    with pytest.raises(ParameterError, match="not regressors"):
        serial_mediation(sim.latent, *LATENT, instruments={"ps_level": "year_effect"}, n_boot=0)


def test_bootstrap_is_deterministic_in_the_seed(sim):
    first = serial_mediation(sim.latent, *LATENT, n_boot=50, seed=7)
    again = serial_mediation(sim.latent, *LATENT, n_boot=50, seed=7)
    other = serial_mediation(sim.latent, *LATENT, n_boot=50, seed=8)
    np.testing.assert_array_equal(first.boot, again.boot)
    np.testing.assert_array_equal(first.boot_persistence, again.boot_persistence)
    assert not np.array_equal(first.boot, other.boot)
    # SE is the s.d. of the path draws.
    se = first.paths.set_index("path").loc["total_W", "se"]
    assert se == pytest.approx(np.std(first.boot_paths[:, 11], ddof=1))


def test_results_protocol_is_the_bootstrap_covariance_of_the_coefficients(latent_fit):
    """params are the paths' point estimates; SEs the s.d. of the draws (no draw failed)."""
    assert isinstance(latent_fit, EstimationResults)
    assert latent_fit.n_failed == 0 and latent_fit.nobs == latent_fit.n
    paths = latent_fit.paths.set_index("path")
    names = ["a1_W_D", "a2_D_R", "a3_W_R", "direct_W_y", "direct_D_y", "direct_R_y"]
    tidy = latent_fit.tidy().set_index("term")
    assert tidy.index.tolist() == ["a1", "a2", "a3", "b1", "b2", "b3"]
    np.testing.assert_array_equal(tidy["coef"], paths.loc[names, "estimate"])
    # Hand calculation: the s.d. of each coefficient's draws.
    np.testing.assert_allclose(tidy["se"], np.std(latent_fit.boot, axis=0, ddof=1), rtol=1e-12)
    np.testing.assert_allclose(tidy["se"], paths.loc[names, "se"], rtol=1e-12)
    z = stats.norm.ppf(0.975)
    np.testing.assert_allclose(tidy["ci_low"], tidy["coef"] - z * tidy["se"], rtol=1e-12)
    # A linear combination's SE is the s.d. of the combination's draws (hand calculation).
    both = latent_fit.lincom({"a3": 1.0, "b1": -1.0})
    spread = latent_fit.boot[:, 2] - latent_fit.boot[:, 3]
    assert both.se == pytest.approx(np.std(spread, ddof=1), rel=1e-10)
    assert both.df is None


def test_persistence_is_within_ar1_by_hand(sim, latent_fit):
    keyed = sim.latent.set_index(["code", "year"])["true_weakness"]
    lag = keyed.groupby(level="code").shift(1)
    frame = pd.DataFrame({"value": keyed, "lag": lag}).dropna()
    demeaned = two_way_demean(frame)
    rho = (demeaned["value"] @ demeaned["lag"]) / (demeaned["lag"] @ demeaned["lag"])
    got = latent_fit.persistence.set_index("variable").loc["true_weakness", "estimate"]
    assert got == pytest.approx(rho, abs=1e-10)


def test_shock_propagation_is_static_chain_times_decay(latent_fit):
    table = shock_propagation(latent_fit, horizon=3)
    a1, a2, a3, b1, b2, b3 = latent_fit.estimates
    rho = latent_fit.persistence["estimate"].iloc[0]
    total = b1 + a1 * b2 + a3 * b3 + a1 * a2 * b3
    for h in range(4):
        rows = table[table["horizon"] == h].set_index("role")["estimate"]
        expected = np.array([1.0, a1, a3 + a1 * a2, total]) * rho**h
        np.testing.assert_allclose(rows.loc[["x", "m1", "m2", "y"]], expected, atol=1e-12)
    y_rows = table[table["role"] == "y"]
    assert y_rows["cumulative"].iloc[-1] == pytest.approx(total * sum(rho**h for h in range(4)))
    assert (y_rows["low"] <= y_rows["estimate"]).all() and (
        y_rows["estimate"] <= y_rows["high"]
    ).all()
    shock_r = shock_propagation(latent_fit, horizon=1, shock="true_reinforcement")
    first = shock_r[shock_r["horizon"] == 0].set_index("role")["estimate"]
    assert first["x"] == 0 and first["m1"] == 0 and first["y"] == pytest.approx(b3)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"y": "nonexistent"}, "nonexistent"),
        ({"n_boot": -1}, "n_boot"),
        ({"ci": 1.5}, "ci"),
        ({"controls": {"z": ["council_member"]}}, "controls keys"),
        ({"controls": ["true_weakness"]}, "chain variables"),
    ],
)
def test_bad_arguments_raise_parameter_errors(sim, kwargs, message):
    arguments = dict(zip(("x", "m1", "m2", "y"), LATENT, strict=True)) | kwargs
    with pytest.raises(ParameterError, match=message):
        serial_mediation(sim.latent, **arguments)


def test_control_without_variation_in_a_draw_is_dropped_from_that_draw(sim):
    """A control that varies in one city only is dropped in draws that omit the city."""
    data = sim.latent.copy()
    data["one_city_trend"] = np.where(data["code"] == 310000, data["year"] - 2005.0, 0.0) ** 2
    with_control = serial_mediation(
        data, *LATENT, controls={"m1": ["one_city_trend"]}, n_boot=200, seed=3
    )
    without = serial_mediation(data, *LATENT, n_boot=200, seed=3)
    assert with_control.n_failed == 0 and np.isfinite(with_control.boot).all()
    same = np.isclose(with_control.boot[:, 0], without.boot[:, 0], rtol=0, atol=1e-10)
    # P(a city is not drawn) = (62/63)^63 = 0.36.
    assert 0.2 < same.mean() < 0.55
    np.testing.assert_allclose(with_control.boot[:, 3:], without.boot[:, 3:], rtol=0, atol=1e-12)


# --------------------------------------------------------------------------- sensitivity


def _centred_moments(frame: pd.DataFrame) -> np.ndarray:
    values = frame.to_numpy(float) - frame.to_numpy(float).mean(axis=0)
    return values.T @ values


def test_error_correlation_shift_is_the_imai_keele_yamamoto_closed_form() -> None:
    """Single mediator, OLS: the kappa route equals IKY (2010, Stat. Sci., Theorem 2).

    IKY: with the reduced form Y = a + beta1 T + e1 and the mediator M = a + beta2 T + e2,
    ACME(rho) = beta2 sigma1 / sigma2 [rho~ - rho sqrt((1 - rho~^2) / (1 - rho^2))],
    rho~ = corr(e1, e2); it vanishes at rho = rho~. The closed form uses the reduced
    form, which the kappa route never fits.
    """
    rng = np.random.default_rng(12)
    n = 5000
    treatment = rng.binomial(1, 0.5, n).astype(float)
    errors = rng.multivariate_normal([0, 0], [[1.0, 0.6], [0.6, 2.25]], size=n)  # rho 0.4
    mediator = 0.5 * treatment + errors[:, 0]
    outcome = 0.3 * treatment + 0.6 * mediator + errors[:, 1]
    frame = pd.DataFrame({"T": treatment, "M": mediator, "Y": outcome})
    design_m = np.column_stack([np.ones(n), treatment])
    design_y = np.column_stack([np.ones(n), treatment, mediator])
    beta_m = np.linalg.lstsq(design_m, mediator, rcond=None)[0]
    beta_y = np.linalg.lstsq(design_y, outcome, rcond=None)[0]
    shift = error_correlation_shift(
        _centred_moments(frame), list(frame), ("M", ["T"]), beta_m[1:], ("Y", ["T", "M"]),
        beta_y[1:],
    )  # fmt: skip
    rho = np.linspace(-0.9, 0.9, 37)
    kappa = kappa_of_rho(rho, shift["sd_mediator"], shift["sd_outcome"])[0]
    acme = beta_m[1] * (beta_y[2] - kappa * shift["delta"][0, 1])

    reduced = np.linalg.lstsq(design_m, outcome, rcond=None)[0]
    e1, e2 = outcome - design_m @ reduced, mediator - design_m @ beta_m
    sigma1, sigma2, rho_tilde = e1.std(), e2.std(), np.corrcoef(e1, e2)[0, 1]
    closed = beta_m[1] * sigma1 / sigma2 * (
        rho_tilde - rho * np.sqrt((1 - rho_tilde**2) / (1 - rho**2))
    )
    np.testing.assert_allclose(acme, closed, rtol=1e-9, atol=1e-12)
    # delta is the mediator equation on the outcome's regressors: (-beta2, 1).
    np.testing.assert_allclose(shift["delta"][0], [-beta_m[1], 1.0], atol=1e-10)
    # Where the effect vanishes, and the truth recovered at the true correlation.
    kappa_zero = beta_y[2] / shift["delta"][0, 1]
    assert rho_of_kappa(kappa_zero, shift["sd_mediator"], shift["sd_outcome"])[0] == (
        pytest.approx(rho_tilde, abs=1e-12)
    )
    kappa_true = kappa_of_rho(np.array([0.4]), shift["sd_mediator"], shift["sd_outcome"])
    at_truth = beta_y[2] - kappa_true[0, 0] * shift["delta"][0, 1]
    assert at_truth == pytest.approx(0.6, abs=0.06)  # the naive estimate is about 1.2
    assert beta_y[2] > 1.0


def _confounded_panel(kappa: float, seed: int = 5) -> tuple[pd.DataFrame, float]:
    """A serial chain whose outcome error carries kappa times the R equation's error."""
    rng = np.random.default_rng(seed)
    cities, years = 150, 20
    code = np.repeat(np.arange(cities), years)
    year = np.tile(np.arange(2000, 2000 + years), cities)
    effect = rng.normal(size=cities)[code]
    weakness = 0.5 * effect + rng.normal(size=code.size)
    deviation = 0.3 * weakness + effect + rng.normal(size=code.size)
    v_r = rng.normal(size=code.size)
    reinforcement = 0.4 * deviation + 0.2 * weakness + v_r
    u = rng.normal(size=code.size)
    outcome = 0.1 * weakness + 0.2 * deviation + 0.5 * reinforcement + kappa * v_r + u + effect
    frame = pd.DataFrame(
        {"code": code, "year": year, "W": weakness, "D": deviation, "R": reinforcement,
         "y": outcome}
    )  # fmt: skip
    return frame, kappa / np.sqrt(kappa**2 + 1.0)


def test_sensitivity_recovers_the_truth_at_the_true_error_correlation() -> None:
    frame, rho_true = _confounded_panel(0.6)
    fit = serial_mediation(frame, "W", "D", "R", "y", n_boot=100, seed=3)
    naive = fit.paths.set_index("path")["estimate"]
    assert naive["indirect_D_R_y"] > 0.4 * 1.0  # biased up from 0.4 * 0.5 = 0.2
    grid = np.round(np.arange(-0.9, 0.901, 0.01), 2)
    result = sensitivity(fit, rho=grid)
    curve = result.curves.query("pair == 'R_y' and path == 'indirect_D_R_y'")
    at = curve.iloc[np.argmin(np.abs(curve["rho"].to_numpy() - rho_true))]
    assert at["estimate"] == pytest.approx(0.2, abs=0.03)
    assert at["low"] <= 0.2 <= at["high"]
    # rho = 0 is the estimate itself, and the reported zero crossing is exact.
    assert curve.set_index("rho").loc[0.0, "estimate"] == pytest.approx(naive["indirect_D_R_y"])
    row = result.table.query("pair == 'R_y' and path == 'indirect_D_R_y'").iloc[0]
    crossing = sensitivity(fit, rho=[row["rho_zero"]]).curves.query(
        "pair == 'R_y' and path == 'indirect_D_R_y'"
    )
    assert crossing["estimate"].iloc[0] == pytest.approx(0.0, abs=1e-10)
    # Without confounding the estimate needs a sizeable correlation to vanish.
    clean = sensitivity(serial_mediation(*_confounded_panel(0.0)[:1], "W", "D", "R", "y",
                                         n_boot=50, seed=3))  # fmt: skip
    assert clean.table.query("pair == 'R_y' and path == 'indirect_D_R_y'")["rho_zero"].iloc[0] > 0.3


def test_sensitivity_needs_the_cross_products(latent_fit) -> None:
    from dataclasses import replace

    with pytest.raises(ParameterError, match="cross products"):
        sensitivity(replace(latent_fit, moments=np.zeros((0, 0))))
    with pytest.raises(ParameterError, match="inside"):
        sensitivity(latent_fit, rho=[0.5, 1.0])
