"""Tests for sigma and beta convergence.

Oracles: dispersion recomputed with numpy per group-year (1e-12); the trend
slope and SE against statsmodels OLS (1e-10); beta against a hand-run
within-transformation OLS in numpy on a balanced panel (1e-8); recovery of a
known beta on a simulated panel (within 3 SE); speed/half-life by hand (1e-12).
"""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

from inertia.errors import DataError, ParameterError
from inertia.measures import (
    beta_convergence,
    convergence_speed,
    sigma_convergence,
    sigma_trend,
)

# --------------------------------------------------------------------------- sigma


def _sigma_panel(seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    rows = []
    for cluster, size in (("jjj", 6), ("prd", 5)):
        for city in range(size):
            for year in range(2010, 2018):
                spread = 0.6 - 0.05 * (year - 2010) if cluster == "jjj" else 0.3
                rows.append(
                    {
                        "code": (100 if cluster == "jjj" else 200) + city,
                        "cluster": cluster,
                        "year": year,
                        "ps": float(np.exp(rng.normal(1.0, spread))),
                    }
                )
    return pd.DataFrame(rows)


def test_sigma_dispersion_matches_numpy_per_group_year():
    panel = _sigma_panel(1)
    panel.loc[3, "ps"] = np.nan  # a yearbook gap: dropped, n falls by one
    result = sigma_convergence(panel)
    assert list(result.columns) == ["cluster", "year", "n", "mean", "sd", "cv", "sd_log"]
    for row in result.itertuples():
        values = panel.loc[(panel["cluster"] == row.cluster) & (panel["year"] == row.year), "ps"]
        values = values.dropna().to_numpy()
        assert row.n == values.size
        assert row.cv == pytest.approx(np.std(values) / np.mean(values), abs=1e-12)
        assert row.sd_log == pytest.approx(np.std(np.log(values)), abs=1e-12)
    gap_year = panel.loc[3, "year"]
    assert result.set_index(["cluster", "year"]).loc[("jjj", gap_year), "n"] == 5

    sample = sigma_convergence(panel, by=("year",), ddof=1)
    values = panel.loc[panel["year"] == 2012, "ps"].dropna()
    assert sample.set_index("year").loc[2012, "cv"] == pytest.approx(
        values.std(ddof=1) / values.mean(), abs=1e-12
    )


def test_sigma_trend_matches_statsmodels_ols():
    panel = _sigma_panel(2)
    result = sigma_convergence(panel.set_index(["code", "year"]))  # year as an index level
    trend = result.attrs["trend"]
    pd.testing.assert_frame_equal(trend, sigma_trend(result))
    for cluster in ("jjj", "prd"):
        piece = result[result["cluster"] == cluster]
        for measure in ("cv", "sd_log"):
            ols = sm.OLS(piece[measure].to_numpy(), sm.add_constant(piece["year"].to_numpy())).fit()
            row = trend[(trend["cluster"] == cluster) & (trend["dispersion"] == measure)].iloc[0]
            assert row["slope"] == pytest.approx(ols.params[1], abs=1e-10)
            assert row["se"] == pytest.approx(ols.bse[1], abs=1e-10)
            assert row["pvalue"] == pytest.approx(ols.pvalues[1], abs=1e-10)
            assert row["n_years"] == 8
    # The simulated jjj spread shrinks by 0.05 a year: sigma convergence is detected.
    jjj = trend[(trend["cluster"] == "jjj") & (trend["dispersion"] == "sd_log")].iloc[0]
    assert jjj["slope"] < 0 and jjj["pvalue"] < 0.05


def test_sigma_errors():
    panel = _sigma_panel(3)
    with pytest.raises(ParameterError, match="cluster"):
        sigma_convergence(panel.drop(columns="cluster"))
    with pytest.raises(DataError, match="> 0"):
        sigma_convergence(panel.assign(ps=panel["ps"] - 100))


# --------------------------------------------------------------------------- beta


def simulate_beta_panel(
    seed: int,
    n_cities: int,
    n_years: int,
    beta: float,
    gamma: float = 0.0,
    mu_sd: float = 0.1,
    eta_sd: float = 0.02,
) -> pd.DataFrame:
    """ln y_it = (1 + beta) ln y_i,t-1 + mu_i + eta_t + gamma x_it + e_it, all draws seeded."""
    rng = np.random.default_rng(seed)
    mu = rng.normal(0.3, mu_sd, size=n_cities)
    eta = rng.normal(0.0, eta_sd, size=n_years)
    x = rng.normal(size=(n_cities, n_years))
    shocks = rng.normal(0.0, 0.05, size=(n_cities, n_years))
    log_y = np.empty((n_cities, n_years))
    log_y[:, 0] = mu / -beta + rng.normal(0.0, 0.3, size=n_cities)
    for t in range(1, n_years):
        log_y[:, t] = (1 + beta) * log_y[:, t - 1] + mu + eta[t] + gamma * x[:, t] + shocks[:, t]
    codes = np.repeat(np.arange(1, n_cities + 1) * 100, n_years)
    years = np.tile(np.arange(2001, 2001 + n_years), n_cities)
    return pd.DataFrame({"code": codes, "year": years, "ps": np.exp(log_y).ravel(), "x": x.ravel()})


def _growth_design(panel: pd.DataFrame, interval: int = 1, controls=()) -> pd.DataFrame:
    wide = np.log(panel.pivot(index="code", columns="year", values="ps"))
    growth = (wide - wide.shift(interval, axis=1)).stack().rename("growth")
    lag = wide.shift(interval, axis=1).stack().rename("lag")
    design = pd.concat([growth, lag], axis=1).dropna()
    for name in controls:
        design[name] = panel.set_index(["code", "year"])[name].reindex(design.index)
    return design


def _demean(frame: pd.DataFrame, effects: str) -> pd.DataFrame:
    if effects == "entity":
        return frame - frame.groupby(level=0).transform("mean")
    # Two-way within transformation on a balanced panel.
    return (
        frame
        - frame.groupby(level=0).transform("mean")
        - frame.groupby(level=1).transform("mean")
        + frame.mean()
    )


@pytest.mark.parametrize("effects", ["twoway", "entity"])
def test_beta_equals_numpy_within_ols(effects):
    panel = simulate_beta_panel(seed=10, n_cities=30, n_years=10, beta=-0.2, gamma=0.05)
    result = beta_convergence(panel, conditional=["x"], effects=effects)
    design = _demean(_growth_design(panel, controls=["x"]), effects)
    coef, *_ = np.linalg.lstsq(design[["lag", "x"]].to_numpy(), design["growth"].to_numpy())
    assert result.beta == pytest.approx(coef[0], abs=1e-8)
    assert result.fitted.params["x"] == pytest.approx(coef[1], abs=1e-8)
    assert result.n == 30 * 9 and result.n_entities == 30
    assert result.conditional == ["x"] and result.effects == effects


def test_pooled_beta_with_interval_equals_numpy_ols():
    panel = simulate_beta_panel(seed=11, n_cities=25, n_years=9, beta=-0.1)
    result = beta_convergence(panel, effects="none", cluster=None, interval=2)
    design = _growth_design(panel, interval=2)
    X = np.column_stack([np.ones(len(design)), design["lag"]])
    coef, *_ = np.linalg.lstsq(X, design["growth"].to_numpy())
    assert result.beta == pytest.approx(coef[1], abs=1e-8)
    assert result.n == 25 * 7
    assert result.interval == 2
    assert result.speed == pytest.approx(-np.log(1 + result.beta) / 2, abs=1e-12)


def test_known_beta_is_recovered_within_three_standard_errors():
    # 100 years per city keeps the Nickell bias, about -(1 + beta)/(T - 1) = -0.008,
    # inside 3 SE (about 0.025).
    truth = -0.2
    long_panel = simulate_beta_panel(seed=20240601, n_cities=40, n_years=100, beta=truth)
    twoway = beta_convergence(long_panel)
    assert abs(twoway.beta - truth) < 3 * twoway.se
    assert twoway.se > 0 and twoway.pvalue < 1e-6
    # Without city or year effects in the data, pooled OLS has no Nickell bias even in a
    # short panel (and city-clustered SEs are then valid).
    pooled_panel = simulate_beta_panel(
        seed=17, n_cities=300, n_years=8, beta=truth, mu_sd=0.0, eta_sd=0.0
    )
    pooled = beta_convergence(pooled_panel, effects="none")
    assert abs(pooled.beta - truth) < 3 * pooled.se


def test_nickell_bias_shows_in_a_short_panel():
    # Documented caveat: with entity effects and few years the within estimate is
    # biased towards faster convergence (more negative beta).
    truth = -0.2
    short = simulate_beta_panel(seed=5, n_cities=400, n_years=6, beta=truth)
    assert beta_convergence(short, effects="twoway").beta < truth - 0.1


def test_speed_and_half_life_by_hand():
    speed, half_life = convergence_speed(-0.2)
    assert speed == pytest.approx(0.22314355131420976, abs=1e-12)  # -ln 0.8
    assert half_life == pytest.approx(np.log(2) / 0.22314355131420976, abs=1e-12)  # 3.106 years
    speed5, half_life5 = convergence_speed(-0.2, interval=5)
    assert speed5 == pytest.approx(0.22314355131420976 / 5, abs=1e-12)
    assert half_life5 == pytest.approx(5 * half_life, abs=1e-12)
    assert np.isnan(convergence_speed(0.05)[1])  # divergence: no half-life
    assert np.isnan(convergence_speed(-1.5)[0])  # 1 + beta <= 0: undefined


def test_gaps_break_growth_rates_and_index_input_works():
    panel = simulate_beta_panel(seed=3, n_cities=12, n_years=8, beta=-0.15)
    gappy = panel.drop(index=panel[(panel["code"] == 100) & (panel["year"] == 2004)].index)
    result = beta_convergence(gappy.set_index(["code", "year"]))
    # Growth 2004 and 2005 of city 100 need the 2004 level, so both go.
    assert result.n == 12 * 7 - 2
    assert result.half_life > 0 and result.speed > 0


def test_beta_errors():
    panel = simulate_beta_panel(seed=4, n_cities=5, n_years=5, beta=-0.1)
    with pytest.raises(ParameterError, match="effects"):
        beta_convergence(panel, effects="time")
    with pytest.raises(ParameterError, match="cluster"):
        beta_convergence(panel, cluster="province")
    with pytest.raises(ParameterError, match="interval"):
        beta_convergence(panel, interval=0)
    with pytest.raises(DataError, match="> 0"):
        beta_convergence(panel.assign(ps=-panel["ps"]))
    with pytest.raises(DataError, match="unique key"):
        beta_convergence(pd.concat([panel, panel.iloc[:1]]))
    with pytest.raises(ParameterError, match="no column"):
        beta_convergence(panel, conditional=["gdp"])


def test_importing_measures_does_not_import_linearmodels():
    code = "import sys, inertia.measures; print('linearmodels' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
