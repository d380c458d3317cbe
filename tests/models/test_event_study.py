"""Tests for the event study and the convergence-break test.

Oracles: binning by hand (exact); exact recovery of known event-time effects on
a noise-free panel with the real clusters' timing (1e-8); the same coefficients
and clustered SEs from statsmodels OLS with city and year dummies (1e-8 / 1e-6
relative); recovery within 3 SE and a pre-trend test that does not reject with
zero leads and rejects with a generated pre-trend (fixed seeds); the plan's
required change by hand (1e-12); the convergence-break test detecting a
generated break and not detecting one when absent (fixed seeds).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

from inertia.data.reference import cities
from inertia.errors import DataError, ParameterError
from inertia.measures.synergy import city_shortfall
from inertia.models.event_study import (
    convergence_break_test,
    event_study,
    event_time_dummies,
    plan_required_change,
)

ROSTER = cities()
MILESTONE = {"jjj": 2014, "yrd": 2019, "prd": 2017}
YEARS = np.arange(2005, 2023)
TRUE_LAGS = {0: -0.01, 1: -0.02, 2: -0.03, 3: -0.035, 4: -0.04, 5: -0.05}


def _event_panel(seed: int, noise: float, leads: dict[int, float] | None = None) -> pd.Series:
    """y = city effect + year effect + binned event-time effect + noise on the real roster."""
    rng = np.random.default_rng(seed)
    codes = ROSTER.index.to_numpy()
    code, year = (a.ravel() for a in np.meshgrid(codes, YEARS, indexing="ij"))
    milestone = pd.Series(code).map(ROSTER["cluster"]).map(MILESTONE).to_numpy()
    binned = np.clip(year - milestone, -5, 5)
    effects = {**{e: 0.0 for e in range(-5, 0)}, **(leads or {}), **TRUE_LAGS}
    city = rng.normal(0, 0.2, len(codes)).repeat(len(YEARS))
    year_effect = pd.Series(rng.normal(0, 0.1, len(YEARS)), index=YEARS).reindex(year).to_numpy()
    y = city + year_effect + np.vectorize(effects.get)(binned) + noise * rng.normal(size=len(code))
    index = pd.MultiIndex.from_arrays([code, year], names=["code", "year"])
    return pd.Series(y, index=index, name="gap")


def test_event_time_dummies_binning_by_hand():
    years = pd.Series([2005, 2010, 2013, 2014, 2020])
    table = event_time_dummies(years, np.full(5, 2014), window=3, reference_period=-1)
    assert table["event_time"].tolist() == [-3, -3, -1, 0, 3]
    terms = ["lead_3", "lead_2", "lag_0", "lag_1", "lag_2", "lag_3"]
    assert list(table.columns) == [*terms, "event_time"]
    assert table["lead_3"].tolist() == [1, 1, 0, 0, 0]
    assert table["lag_3"].tolist() == [0, 0, 0, 0, 1]
    assert table.drop(columns="event_time").iloc[2].sum() == 0  # reference period


def test_exact_recovery_without_noise():
    result = event_study(_event_panel(1, noise=0.0), ROSTER)
    table = result.coefficients.set_index("event_time")
    for e, value in TRUE_LAGS.items():
        assert table.loc[e, "coef"] == pytest.approx(value, abs=1e-8)
    for e in (-5, -4, -3, -2):
        assert table.loc[e, "coef"] == pytest.approx(0.0, abs=1e-8)
    assert table.loc[-1, "reference"] and table.loc[-1, "coef"] == 0.0
    assert table.loc[5, "n_obs"] == 13 * 4 + 9  # JJJ 2019-2022 and PRD 2022
    assert result.nobs == 63 * 18 and result.n_entities == 63


def test_recovery_with_noise_and_pretrend_test():
    result = event_study(_event_panel(2, noise=0.01), ROSTER)
    table = result.coefficients.set_index("event_time")
    for e, value in TRUE_LAGS.items():
        assert abs(table.loc[e, "coef"] - value) < 3 * table.loc[e, "se"]
    leads = result.leads
    assert (leads["coef"].abs() < 3 * leads["se"]).all()
    assert len(leads) == 4 and result.pretrend_df == 4
    assert result.pretrend_pvalue > 0.05
    inside = (table["ci_low"] < table["coef"]) & (table["coef"] < table["ci_high"])
    assert inside[~table["reference"]].all()
    # A generated pre-trend (gaps already closing before the milestone) is detected.
    trending = _event_panel(2, noise=0.01, leads={-5: 0.04, -4: 0.03, -3: 0.02, -2: 0.01})
    assert event_study(trending, ROSTER).pretrend_pvalue < 1e-3


def test_matches_statsmodels_dummy_regression():
    y = _event_panel(3, noise=0.02)
    result = event_study(y, ROSTER, window=4)
    frame = y.reset_index()
    milestone = frame["code"].map(ROSTER["cluster"]).map(MILESTONE)
    dummies = event_time_dummies(frame["year"], milestone, window=4).drop(columns="event_time")
    design = pd.concat(
        [
            dummies,
            pd.get_dummies(frame["code"], prefix="c", drop_first=True, dtype=float),
            pd.get_dummies(frame["year"], prefix="y", drop_first=True, dtype=float),
        ],
        axis=1,
    )
    ols = sm.OLS(frame["gap"], sm.add_constant(design)).fit(
        cov_type="cluster", cov_kwds={"groups": frame["code"]}
    )
    table = result.coefficients.set_index("term")
    for term in dummies.columns:
        assert table.loc[term, "coef"] == pytest.approx(ols.params[term], abs=1e-8)
        assert table.loc[term, "se"] == pytest.approx(ols.bse[term], rel=1e-6)


def test_driscoll_kraay_and_required_column():
    y = _event_panel(4, noise=0.01)
    required = pd.Series({e: -0.01 * max(e, 0) for e in range(-5, 6)})
    result = event_study(y.to_frame(), ROSTER, se="driscoll-kraay", required=required)
    assert result.se_type.startswith("Driscoll-Kraay")
    assert result.coefficients.set_index("event_time").loc[3, "required"] == pytest.approx(-0.03)
    assert result.outcome == "gap"


def test_event_study_errors():
    y = _event_panel(5, noise=0.01)
    with pytest.raises(ParameterError, match="reference_period"):
        event_study(y, ROSTER, reference_period=0)
    with pytest.raises(ParameterError, match="event_window"):
        event_study(y, ROSTER, window=0)
    # Only 2005-2012: nobody is past a milestone, so the lag bins are empty.
    early = y[y.index.get_level_values("year") <= 2012]
    with pytest.raises(DataError, match="no city-years"):
        event_study(early, ROSTER)
    with pytest.raises(ParameterError, match="column"):
        event_study(y.to_frame(), ROSTER, column="shortfall")


def test_plan_required_change_by_hand():
    years = np.arange(2008, 2017)
    index = pd.MultiIndex.from_product([[1, 2], years], names=["code", "year"])
    ps = pd.Series(np.r_[np.ones(9), np.full(9, 0.6)], index=index)
    roster = pd.Series({1: "a", 2: "a"})
    table = city_shortfall(
        ps, roster, milestones={"a": 2010}, horizons={"a": 2014}, residual_gap={"a": 0.0}
    )
    required = plan_required_change(table, window=3)
    # Gaps 0 and 0.4 at the milestone; the plan closes 0.4 / 4 a year: mean over 2 cities.
    assert required.loc[-2] == 0.0 and required.loc[0] == 0.0
    assert required.loc[1] == pytest.approx(-0.05, abs=1e-12)
    assert required.loc[2] == pytest.approx(-0.10, abs=1e-12)
    # The end bin e >= 3 averages e = 3, 4, 5, 6 (3/4 and then the full gap): -(0.3+3*0.4)/4/2.
    assert required.loc[3] == pytest.approx(-(0.3 + 3 * 0.4) / 4 / 2, abs=1e-12)
    with pytest.raises(ParameterError, match="city_shortfall"):
        plan_required_change(table.drop(columns="required"))


# --------------------------------------------------------------------------- convergence break


def _converging_panel(seed: int, beta_pre: float, beta_post: float) -> pd.Series:
    """Log PS converging to a common level at rate beta, changing at each cluster's milestone.

    Starts from the stationary distribution, so there are no transitional dynamics.
    """
    rng = np.random.default_rng(seed)
    codes = ROSTER.index.to_numpy()
    milestone = ROSTER["cluster"].map(MILESTONE).to_numpy()
    sd = 0.02
    level = np.empty((len(codes), len(YEARS)))
    level[:, 0] = rng.normal(0, sd / np.sqrt(1 - (1 + beta_pre) ** 2), len(codes))
    common = rng.normal(0.03, 0.01, len(YEARS))
    for k in range(1, len(YEARS)):
        beta = np.where(YEARS[k] >= milestone, beta_post, beta_pre)
        level[:, k] = (1 + beta) * level[:, k - 1] + common[k] + rng.normal(0, sd, len(codes))
    index = pd.MultiIndex.from_product([codes, YEARS], names=["code", "year"])
    return pd.Series(np.exp(level.ravel()), index=index, name="ps")


def test_convergence_break_detected():
    ps = _converging_panel(0, beta_pre=-0.1, beta_post=-0.3)
    for effects in ("twoway", "time"):
        result = convergence_break_test(ps, ROSTER, effects=effects)
        assert result.delta < 0
        assert result.pvalue_one_sided < 0.001
        assert result.faster_after()
    pooled = convergence_break_test(ps, ROSTER, effects="time")
    # Without city effects there is no Nickell bias: both betas within 3 SE of the truth.
    assert abs(pooled.beta_post - (-0.3)) < 3 * pooled.se_beta_post
    assert abs(pooled.delta - (-0.2)) < 3 * pooled.se
    assert pooled.speed_post == pytest.approx(-np.log1p(pooled.beta_post), abs=1e-12)
    assert pooled.half_life_post == pytest.approx(np.log(2) / pooled.speed_post, abs=1e-12)
    assert pooled.nobs == 63 * 17 and pooled.n_entities == 63


def test_convergence_break_absent():
    ps = _converging_panel(1, beta_pre=-0.1, beta_post=-0.1)
    for effects in ("twoway", "time"):
        result = convergence_break_test(ps, ROSTER, effects=effects)
        assert result.pvalue_one_sided > 0.05
        assert not result.faster_after()


def test_convergence_break_uses_exact_lags_and_checks_inputs():
    ps = _converging_panel(2, beta_pre=-0.1, beta_post=-0.1)
    gappy = ps.drop(index=[(110000, 2010)])
    # Two growth rates straddle the missing year and drop out.
    assert convergence_break_test(gappy, ROSTER).nobs == 63 * 17 - 2
    with pytest.raises(DataError, match="> 0"):
        convergence_break_test(ps - 10.0, ROSTER)
    with pytest.raises(DataError, match="both before and after"):
        convergence_break_test(ps[ps.index.get_level_values("year") <= 2012], ROSTER)
    with pytest.raises(ParameterError, match="effects"):
        convergence_break_test(ps, ROSTER, effects="entity")


# --------------------------------------------------------------------------- simulated panel


@pytest.mark.slow
def test_simulated_panel_shows_inertia():
    simulate = pytest.importorskip("inertia.data.simulate")
    from inertia.measures.synergy import measure_inertia

    sim = simulate.simulate_panel(seed=20240601, years=(2005, 2022), scale="clusters")
    result = measure_inertia(sim.panel, sim.roster)
    # Cluster level: the synergy gap is positive in every year after every milestone.
    after = result.gap[result.gap["event_time"] > 0]
    assert set(after["cluster"]) == {"jjj", "yrd", "prd"}
    assert (after["gap"] > 0).all()
    # City level: the simulated milestone effects are a fraction of the plans' promise, so
    # relative to the reference year the cities fall behind their planned paths: positive
    # event-study lags on the shortfall (before the milestone: the gap's drift since the
    # base year, not zero by construction).
    shortfall = city_shortfall(result.index, sim.roster)
    study = event_study(shortfall, sim.roster, column="shortfall")
    # Lags 1-3 have every cluster; the far lags only JJJ (YRD has three post years).
    lags = study.coefficients.set_index("event_time").loc[1:3]
    assert (lags["coef"] > 2 * lags["se"]).all()
