"""Panel model wrappers against independent oracles.

Oracles: statsmodels OLS with city and year dummies (TWFE coefficients,
clustered SEs), a numpy Driscoll-Kraay covariance, OLS on city means (between),
a hand Wald statistic and the Mundlak identity (CRE), numpy 2SLS with dummies
(IV) and hand formulas (long-run effects, lags).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
import statsmodels.formula.api as smf
from libpysal.weights import W
from scipy import stats

from inertia.errors import DataError, ParameterError
from inertia.models.panel import (
    TIDY_COLUMNS,
    add_lags,
    compare_estimators,
    fit_by_cluster,
    fit_dynamic,
    fit_iv,
    fit_twfe,
    mundlak_test,
    two_way_demean,
)
from inertia.transforms import spatial_lag

BETA = {"x1": 1.0, "x2": -0.5}


def make_panel(n_cities: int = 24, n_years: int = 10, seed: int = 7, drop: int = 0) -> pd.DataFrame:
    """Panel with city and year effects correlated with x1 and known slopes BETA."""
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame(
        [(c, t) for c in range(1, n_cities + 1) for t in range(2001, 2001 + n_years)],
        columns=["code", "year"],
    )
    city_effect = rng.normal(size=n_cities + 1)[frame["code"]]
    year_effect = rng.normal(size=n_years)[frame["year"] - 2001]
    frame["x1"] = rng.normal(size=len(frame)) + city_effect + 0.5 * year_effect
    frame["x2"] = rng.normal(size=len(frame))
    frame["y"] = (
        BETA["x1"] * frame["x1"]
        + BETA["x2"] * frame["x2"]
        + 2 * city_effect
        + year_effect
        + rng.normal(size=len(frame))
    )
    if drop:
        frame = frame.drop(index=rng.choice(len(frame), size=drop, replace=False))
    return frame.reset_index(drop=True)


@pytest.fixture(scope="module")
def unbalanced() -> pd.DataFrame:
    return make_panel(drop=9)


def test_twfe_matches_ols_with_dummies(unbalanced):
    fit = fit_twfe(unbalanced, "y", ["x1"], controls=["x2"])
    ols = smf.ols("y ~ x1 + x2 + C(code) + C(year)", unbalanced).fit(
        cov_type="cluster", cov_kwds={"groups": unbalanced["code"]}
    )
    np.testing.assert_allclose(fit.params[["x1", "x2"]], ols.params[["x1", "x2"]], atol=1e-8)
    # Same small-sample factor G/(G-1) * (N-1)/(N-K), K counting all dummies: equal to 1e-8.
    np.testing.assert_allclose(fit.result.std_errors, ols.bse[["x1", "x2"]], rtol=1e-8)
    assert list(fit.tidy().columns) == TIDY_COLUMNS
    assert fit.nobs == len(unbalanced)
    assert fit.n_entities == 24
    assert fit.entity_effects and fit.time_effects
    assert fit.se_type == "clustered by city"


def test_twfe_estimates_cover_true_effects():
    fit = fit_twfe(make_panel(n_cities=40, seed=11), "y", ["x1", "x2"])
    tidy = fit.tidy().set_index("term")
    for term, true in BETA.items():
        assert tidy.loc[term, "ci_low"] <= true <= tidy.loc[term, "ci_high"]


def test_two_way_demean_equals_residuals_on_city_and_year_dummies(unbalanced):
    """Oracle: least squares on the full dummy matrix (unbalanced panel), to 1e-10."""
    frame = unbalanced.set_index(["code", "year"])[["y", "x1", "x2"]].sample(frac=1, random_state=3)
    codes, years = frame.index.get_level_values(0), frame.index.get_level_values(1)
    dummies = np.column_stack(
        [
            pd.get_dummies(codes, dtype=float).to_numpy(),
            pd.get_dummies(years, drop_first=True, dtype=float).to_numpy(),
        ]
    )
    coef, *_ = np.linalg.lstsq(dummies, frame.to_numpy(), rcond=None)
    expected = frame.to_numpy() - dummies @ coef
    demeaned = two_way_demean(frame)
    assert demeaned.index.equals(frame.index) and list(demeaned.columns) == ["y", "x1", "x2"]
    np.testing.assert_allclose(demeaned.to_numpy(), expected, atol=1e-10)


def test_driscoll_kraay_matches_numpy(unbalanced):
    fit = fit_twfe(unbalanced, "y", ["x1", "x2"], se="driscoll-kraay")
    n_periods = 10
    assert fit.bandwidth == np.floor(4 * (n_periods / 100) ** (2 / 9)) == 2.0
    assert "bandwidth 2" in fit.se_type
    frame = unbalanced.set_index(["code", "year"])[["y", "x1", "x2"]]
    demeaned = two_way_demean(frame)
    x = demeaned[["x1", "x2"]].to_numpy()
    resid = demeaned["y"].to_numpy() - x @ fit.params.to_numpy()
    scores = pd.DataFrame(x * resid[:, None]).groupby(frame.index.get_level_values(1)).sum()
    h = scores.to_numpy()
    meat = h.T @ h
    for lag in (1, 2):
        gamma = h[lag:].T @ h[:-lag]
        meat += (1 - lag / 3) * (gamma + gamma.T)
    bread = np.linalg.inv(x.T @ x)
    n, k = len(resid), 2 + 24 + n_periods - 1
    cov = bread @ meat @ bread * n / (n - k)
    np.testing.assert_allclose(fit.result.std_errors, np.sqrt(np.diag(cov)), rtol=1e-8)
    explicit = fit_twfe(unbalanced, "y", ["x1", "x2"], se="driscoll-kraay", bandwidth=1)
    assert explicit.bandwidth == 1


def test_between_is_ols_on_city_means_and_pooled_is_ols(unbalanced):
    comparison = compare_estimators(unbalanced, "y", ["x1"], controls=["x2"])
    assert list(comparison.fits) == ["Pooled OLS", "Random effects", "Between", "TWFE"]
    means = unbalanced.groupby("code")[["y", "x1", "x2"]].mean()
    between = sm.OLS(means["y"], sm.add_constant(means[["x1", "x2"]])).fit(cov_type="HC1")
    fit = comparison.fits["Between"]
    np.testing.assert_allclose(fit.params, between.params, atol=1e-10)
    np.testing.assert_allclose(fit.result.std_errors, between.bse, rtol=1e-8)
    assert fit.nobs == 24
    pooled = sm.OLS(unbalanced["y"], sm.add_constant(unbalanced[["x1", "x2"]])).fit()
    np.testing.assert_allclose(comparison.fits["Pooled OLS"].params, pooled.params, atol=1e-10)
    assert set(comparison.tidy["model"]) == set(comparison.fits)


def test_mundlak_statistic_and_identity():
    balanced = make_panel(seed=3)
    test = mundlak_test(balanced, "y", ["x1"], controls=["x2"])
    params, cov = test.fit.result.params, test.fit.result.cov
    terms = ["mean_x1", "mean_x2"]
    delta = params[terms].to_numpy()
    by_hand = delta @ np.linalg.inv(cov.loc[terms, terms].to_numpy()) @ delta
    assert test.stat == pytest.approx(by_hand, rel=1e-10)
    assert test.df == 2
    assert test.pvalue == pytest.approx(stats.chi2.sf(by_hand, 2), rel=1e-10)
    # x1 is built correlated with the city effect: the test must reject.
    assert test.pvalue < 0.01
    # Mundlak (1978): in a balanced panel pooled CRE with year dummies reproduces TWFE.
    pooled = mundlak_test(balanced, "y", ["x1"], controls=["x2"], estimator="pooled")
    twfe = fit_twfe(balanced, "y", ["x1"], controls=["x2"])
    np.testing.assert_allclose(pooled.fit.params[["x1", "x2"]], twfe.params, atol=1e-8)


def test_iv_matches_numpy_2sls_with_dummies(unbalanced):
    fit = fit_iv(unbalanced, "y", ["x1"], exog=["x2"], instruments="lag")
    assert fit.extra["instruments"] == ("x1_lag1",)
    data = add_lags(unbalanced, ["x1"], 1).dropna()
    dummies = pd.get_dummies(data[["code", "year"]].astype(str), drop_first=False, dtype=float)
    dummies = dummies.drop(columns=dummies.columns[dummies.columns.str.startswith("year")][0])
    regressors = np.column_stack([data[["x1", "x2"]].to_numpy(), dummies.to_numpy()])
    instruments = np.column_stack([data[["x1_lag1", "x2"]].to_numpy(), dummies.to_numpy()])
    projected = instruments @ np.linalg.lstsq(instruments, regressors, rcond=None)[0]
    beta = np.linalg.lstsq(projected, data["y"].to_numpy(), rcond=None)[0]
    np.testing.assert_allclose(fit.params[["x1", "x2"]], beta[:2], atol=1e-8)
    assert fit.nobs == len(data)
    first = fit.extra["first_stage"]
    assert list(first["endog"]) == ["x1"]
    assert first["partial_F"].iloc[0] > 0


def test_iv_clustered_se_matches_numpy(unbalanced):
    fit = fit_iv(unbalanced, "y", ["x1"], exog=["x2"], instruments="lag")
    data = add_lags(unbalanced, ["x1"], 1).dropna().set_index(["code", "year"])
    demeaned = two_way_demean(data[["y", "x1", "x2", "x1_lag1"]])
    x = demeaned[["x1", "x2"]].to_numpy()
    z = demeaned[["x1_lag1", "x2"]].to_numpy()
    x_hat = z @ np.linalg.lstsq(z, x, rcond=None)[0]
    resid = demeaned["y"].to_numpy() - x @ fit.params[["x1", "x2"]].to_numpy()
    scores = pd.DataFrame(x_hat * resid[:, None]).groupby(data.index.get_level_values(0)).sum()
    bread = np.linalg.inv(x_hat.T @ x_hat)
    n, k, groups = len(resid), 2, len(scores)
    factor = groups / (groups - 1) * (n - 1) / (n - k)
    cov = bread @ (scores.T.to_numpy() @ scores.to_numpy()) @ bread * factor
    np.testing.assert_allclose(
        fit.result.std_errors[["x1", "x2"]], np.sqrt(np.diag(cov)), rtol=1e-8
    )


def test_iv_neighbour_lag_instrument(unbalanced):
    ring = W({c: [(c - 2) % 24 + 1, c % 24 + 1] for c in range(1, 25)})
    fit = fit_iv(unbalanced, "y", ["x1"], instruments="neighbour_lag", weights=ring)
    assert fit.extra["instruments"] == ("W_x1_lag1",)
    data = unbalanced.assign(W_x1=spatial_lag(unbalanced, ["x1"], ring)["W_x1"])
    data = add_lags(data, ["W_x1"], 1).dropna().set_index(["code", "year"])
    demeaned = two_way_demean(data[["y", "x1", "W_x1_lag1"]])
    zx = demeaned["W_x1_lag1"] @ demeaned["x1"]
    assert fit.params["x1"] == pytest.approx(demeaned["W_x1_lag1"] @ demeaned["y"] / zx, abs=1e-8)


def test_iv_neighbour_lag_needs_weights(unbalanced):
    with pytest.raises(ParameterError, match="weights"):
        fit_iv(unbalanced, "y", ["x1"], instruments="neighbour_lag")


def test_by_cluster_fits_and_slopes():
    panel = make_panel(n_cities=18, seed=5)
    roster = pd.DataFrame(
        {"code": range(1, 19), "cluster": ["jjj"] * 6 + ["yrd"] * 6 + ["prd"] * 6}
    )
    result = fit_by_cluster(panel, "y", ["x1"], roster, controls=["x2"])
    assert list(result.fits) == ["jjj", "yrd", "prd"]
    subset = panel[panel["code"] <= 6]
    np.testing.assert_allclose(
        result.fits["jjj"].params, fit_twfe(subset, "y", ["x1"], ["x2"]).params, atol=1e-10
    )
    work = panel.assign(cluster=panel["code"].map(roster.set_index("code")["cluster"]))
    ols = smf.ols("y ~ x1:C(cluster) + x2 + C(code) + C(year)", work).fit()
    for cluster in ("jjj", "yrd", "prd"):
        assert result.slopes.params[f"x1:{cluster}"] == pytest.approx(
            ols.params[f"x1:C(cluster)[{cluster}]"], abs=1e-8
        )
    params, cov = result.slopes.params, result.slopes.cov
    r = np.zeros((2, len(params)))
    r[0, [0, 1]] = [1, -1]
    r[1, [0, 2]] = [1, -1]
    value = r @ params.to_numpy()
    by_hand = value @ np.linalg.solve(r @ cov.to_numpy() @ r.T, value)
    assert result.equality.loc[0, "stat"] == pytest.approx(by_hand, rel=1e-10)
    assert result.equality.loc[0, "df"] == 2


def test_dynamic_long_run_and_delta_method():
    panel = make_panel(seed=9)
    dynamic = fit_dynamic(panel, "y", ["x1"], controls=["x2"], x_lags=(0, 1))
    params, cov = dynamic.fit.params, dynamic.fit.cov
    assert list(params.index) == ["y_lag1", "x1", "x1_lag1", "x2"]
    rho, beta = params["y_lag1"], params["x1"] + params["x1_lag1"]
    row = dynamic.long_run.set_index("term").loc["x1"]
    assert row["long_run"] == pytest.approx(beta / (1 - rho), rel=1e-12)

    def long_run(p):
        return (p[1] + p[2]) / (1 - p[0])

    step = 1e-6
    base = params.to_numpy()
    gradient = np.array(
        [(long_run(base + step * e) - long_run(base - step * e)) / (2 * step) for e in np.eye(4)]
    )
    assert row["se"] == pytest.approx(np.sqrt(gradient @ cov.to_numpy() @ gradient), rel=1e-6)
    assert dynamic.fit.nobs == 24 * 9


def test_add_lags_follow_calendar_years():
    frame = pd.DataFrame(
        {"code": [1, 1, 1, 2], "year": [2001, 2002, 2004, 2001], "v": [1.0, 2, 4, 9]}
    )
    lagged = add_lags(frame, ["v"], (1, 2))
    assert lagged["v_lag1"].tolist()[:2] == [pytest.approx(np.nan, nan_ok=True), 1.0]
    assert np.isnan(lagged.loc[2, "v_lag1"])  # 2003 is missing
    assert lagged.loc[2, "v_lag2"] == 2.0
    assert np.isnan(lagged.loc[3, "v_lag1"])


def test_parameter_errors(unbalanced):
    with pytest.raises(ParameterError, match="se must be"):
        fit_twfe(unbalanced, "y", ["x1"], se="robust-ish")
    with pytest.raises(ParameterError, match="no column"):
        fit_twfe(unbalanced, "y", ["nope"])
    constant_in_city = unbalanced.assign(size=unbalanced["code"] * 1.0)
    with pytest.raises(DataError, match="absorb"):
        fit_twfe(constant_in_city, "y", ["x1", "size"])


# --------------------------------------------------------------------------- errors in variables


def _eiv_panel(seed: int = 11) -> pd.DataFrame:
    """Two latent regressors, each with a noisy marker and an independent second indicator."""
    rng = np.random.default_rng(seed)
    frame = make_panel(n_cities=30, n_years=12, seed=seed, drop=25)
    n = len(frame)
    frame["group"] = (frame["code"] % 3).astype(str) + ":" + frame["year"].astype(str)
    frame["group_id"] = pd.factorize(frame["group"], sort=True)[0]
    latent = rng.normal(size=(n, 2))
    frame["m1"], frame["m2"] = (
        latent[:, 0] + 0.5 * rng.normal(size=n),
        latent[:, 1] + 0.5 * rng.normal(size=n),
    )
    frame["z1"], frame["z2"] = (
        0.8 * latent[:, 0] + 0.5 * rng.normal(size=n),
        1.2 * latent[:, 1] + 0.5 * rng.normal(size=n),
    )
    frame["c"] = rng.normal(size=n)
    frame["y_eiv"] = (
        0.6 * latent[:, 0]
        - 0.3 * latent[:, 1]
        + 0.2 * frame["c"]
        + 0.1 * frame["code"]
        + rng.normal(size=n)
    )
    return frame


def test_eiv_equals_iv2sls_with_explicit_dummies() -> None:
    from linearmodels.iv import IV2SLS

    from inertia.models.panel import fit_eiv

    frame = _eiv_panel()
    fit = fit_eiv(frame, "y_eiv", ["m1", "m2"], ["z1", "z2"], ["c"], other="group")
    dummies = pd.get_dummies(frame[["code", "group"]].astype(str), drop_first=False, dtype=float)
    # City dummies and the group dummies but one per class of cities (code % 3): the
    # cities of a class meet only its own group-years, so one dummy per class is collinear.
    group_columns = [c for c in dummies.columns if c.startswith("group_")]
    dropped = {f"group_{k}:{frame['year'].min()}" for k in range(3)}
    group_columns = [c for c in group_columns if c not in dropped]
    city_columns = [c for c in dummies.columns if c.startswith("code_")]
    exog = pd.concat([frame[["c"]], dummies[city_columns + group_columns]], axis=1)
    oracle = IV2SLS(frame["y_eiv"], exog, frame[["m1", "m2"]], frame[["z1", "z2"]]).fit(
        cov_type="clustered", clusters=frame["code"], debiased=True
    )
    for term in ("m1", "m2", "c"):
        assert fit.params[term] == pytest.approx(oracle.params[term], abs=1e-8), term
    # CR1 with K counting the absorbed effects: linearmodels' debiased clustered
    # covariance with the dummies as regressors.
    n_cities = frame["code"].nunique()
    for term in ("m1", "m2", "c"):
        assert fit.result.std_errors[term] == pytest.approx(
            oracle.std_errors[term], rel=1e-8
        ), term
    stage = fit.extra["first_stage"].set_index("endog")
    assert (stage["partial_F"] > 10).all()
    assert fit.result.df == n_cities - 1
    assert fit.tidy().set_index("term").loc["m1", "p"] == pytest.approx(
        2 * stats.t.sf(abs(fit.params["m1"] / fit.result.std_errors["m1"]), n_cities - 1)
    )


def test_eiv_corrects_the_attenuation_of_the_markers() -> None:
    from inertia.models.panel import fit_eiv

    estimates_iv, estimates_ols = [], []
    for seed in range(20):
        frame = _eiv_panel(seed)
        estimates_iv.append(
            fit_eiv(frame, "y_eiv", ["m1", "m2"], ["z1", "z2"], ["c"], other="group").params["m1"]
        )
        estimates_ols.append(
            fit_twfe(frame, "y_eiv", ["m1", "m2"], ["c"], other="group_id").params["m1"]
        )
    # Reliability of the marker is 1 / (1 + 0.25) = 0.8: OLS is attenuated to about 0.48.
    assert np.mean(estimates_iv) == pytest.approx(0.6, abs=0.03)
    assert np.mean(estimates_ols) == pytest.approx(0.6 * 0.8, abs=0.03)


@pytest.mark.filterwarnings("ignore::statsmodels.tools.sm_exceptions.SingularMatrixWarning")
def test_twfe_with_other_effects_equals_dummy_regression() -> None:
    frame = _eiv_panel()
    fit = fit_twfe(frame, "y_eiv", ["m1", "m2"], ["c"], other="group_id")
    oracle = smf.ols("y_eiv ~ m1 + m2 + c + C(code) + C(group)", data=frame).fit()
    for term in ("m1", "m2", "c"):
        assert fit.params[term] == pytest.approx(oracle.params[term], abs=1e-8), term


def test_eiv_needs_enough_instruments() -> None:
    from inertia.models.panel import fit_eiv

    with pytest.raises(ParameterError, match="instruments"):
        fit_eiv(_eiv_panel(), "y_eiv", ["m1", "m2"], ["z1"], other="group")
