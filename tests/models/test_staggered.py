"""Tests of the staggered-adoption estimators against second packages and identities.

Oracles, with tolerances:

* imputation: Gardner's two-stage ``pyfixest.did2s`` with an event-time second
  stage gives the same point estimates (1e-8); its GMM SEs agree to 10%;
* Sun-Abraham: ``pyfixest.event_study(estimator="saturated")`` (its
  ``aggregate()``) gives the same event-time estimates (1e-8) and, for the
  cohort-by-event-time coefficients, the same CR1 SEs (1e-6 relative);
* Callaway-Sant'Anna: ``differences.ATTgt`` (never-treated controls,
  universal base) gives the same group-time and event-time ATTs (1e-8) and the
  same group-time SEs (1e-6 relative, after its missing G/(G-1) factor); its
  event-time SEs add the influence of estimated cohort shares, which the
  chapter holds fixed (the clusters' sizes are known), so they are not compared;
* TWFE: :func:`inertia.models.event_study.event_study` (linearmodels) on the
  cluster cities (1e-8, SEs 1e-6 relative);
* Bacon: the weights sum to one and reproduce the static TWFE estimate (1e-10);
* the results protocol: ``tidy()`` reproduces the fit's own table, ``lincom``
  of the post event times its post mean and SE, ``wald`` of the leads its
  pre-trend F, and the SEs are the root of ``cov``'s diagonal (identities of one
  covariance computed two ways, 1e-10 relative; the pre-trend statistic uses a
  pseudo-inverse, the protocol a solve: 1e-8).
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from inertia.errors import DataError, ParameterError
from inertia.models import staggered as st
from inertia.results import EstimationResults


def _panel(seed: int = 3, balanced: bool = True, homogeneous: bool = False) -> pd.DataFrame:
    """Three cohorts with effects that differ by cohort and grow with event time, 40 controls."""
    rng = np.random.default_rng(seed)
    cohorts = {
        **dict.fromkeys(range(12), 6),
        **dict.fromkeys(range(12, 20), 9),
        **dict.fromkeys(range(20, 35), 11),
        **dict.fromkeys(range(35, 75), np.nan),
    }
    slope = dict.fromkeys((6, 9, 11), 0.1) if homogeneous else {6: 0.05, 9: 0.15, 11: 0.3}
    rows = []
    for unit, g in cohorts.items():
        level = rng.normal()
        for t in range(14):
            effect = 0.0 if np.isnan(g) or t < g else slope[g] * (t - g + 1)
            rows.append((1000 + unit, t, level + 0.05 * t + effect + rng.normal(0, 0.2), g))
    frame = pd.DataFrame(rows, columns=["code", "period", "y", "cohort"])
    frame["cohort"] = frame["cohort"].astype("Int64")
    frame["group"] = np.where(frame["cohort"].isna(), "control", frame["cohort"].astype(str))
    if not balanced:
        frame = frame.drop(index=rng.choice(len(frame), 40, replace=False)).reset_index(drop=True)
    return frame


def _pyfixest_frame(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.copy()
    out["g"] = out["cohort"].fillna(0).astype(int)
    out["treat"] = ((out["g"] > 0) & (out["period"] >= out["g"])).astype(int)
    out["rel"] = np.where(out["treat"] == 1, out["period"] - out["g"], -1000)
    return out


@pytest.mark.parametrize("balanced", [True, False])
def test_imputation_equals_did2s(balanced: bool) -> None:
    import pyfixest as pf

    # Effects homogeneous across cohorts: did2s's population variance and BJS's (of the
    # sample ATT, cohort heterogeneity removed) then estimate the same thing.
    frame = _panel(balanced=balanced, homogeneous=True)
    fit = st.imputation_event_study(frame, window=2, post=(0, 2))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        oracle = pf.did2s(
            _pyfixest_frame(frame),
            yname="y",
            first_stage="~ 0 | code + period",
            second_stage="~ i(rel, ref=-1000.0)",
            treatment="treat",
            cluster="code",
        )
    table = fit.coefficients.set_index("event_time")
    for e in range(3):
        # pyfixest demeans by alternating projections (tolerance 1e-8): 1e-6 on an unbalanced panel
        assert table.at[e, "coef"] == pytest.approx(oracle.coef()[f"rel::{e}"], abs=1e-6)
        assert table.at[e, "se"] == pytest.approx(oracle.se()[f"rel::{e}"], rel=0.10)


def test_sun_abraham_equals_pyfixest_saturated() -> None:
    import pyfixest as pf

    frame = _panel()
    fit = st.sun_abraham(frame, window=3, post=(0, 3))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        oracle = pf.event_study(
            _pyfixest_frame(frame),
            yname="y",
            idname="code",
            tname="period",
            gname="g",
            estimator="saturated",
            cluster="code",
        )
        aggregated = oracle.aggregate()
    table = fit.coefficients.set_index("event_time")
    for e in (-3, -2, 0, 1, 2, 3):
        assert table.at[e, "coef"] == pytest.approx(aggregated.loc[float(e), "Estimate"], abs=1e-8)


def test_sun_abraham_cell_ses_equal_clustered_ols() -> None:
    import statsmodels.api as sm

    frame = _panel()
    event = frame["period"] - frame["cohort"].astype(float)
    pairs = {
        (int(g), int(e)) for g, e in zip(frame["cohort"], event, strict=True) if pd.notna(g)
    }
    cells = {
        f"{g}:{e}": ((frame["cohort"] == g) & (event == e)).fillna(False).astype(float)
        for g, e in pairs
        if e != -1
    }
    regressors = pd.DataFrame(cells)
    beta, influence, _ = st._ols_influence(
        frame["y"].to_numpy(), regressors, frame["code"].to_numpy(), frame["period"].to_numpy()
    )
    dummies = pd.get_dummies(frame[["code", "period"]].astype(str), drop_first=True, dtype=float)
    design = sm.add_constant(pd.concat([regressors, dummies], axis=1))
    oracle = sm.OLS(frame["y"], design).fit(
        cov_type="cluster", cov_kwds={"groups": frame["code"].to_numpy()}
    )
    n_cities = frame["code"].nunique()
    ses = np.sqrt(n_cities / (n_cities - 1) * (influence**2).sum())
    for name in ["6:0", "9:2", "11:-4"]:
        assert beta[name] == pytest.approx(oracle.params[name], abs=1e-8)
        assert ses[name] == pytest.approx(oracle.bse[name], rel=1e-6)


def test_callaway_santanna_equals_differences() -> None:
    from differences import ATTgt

    frame = _panel()
    fit, table = st.callaway_santanna(frame, window=3, post=(0, 3))
    data = frame.assign(c=frame["cohort"].astype(float)).set_index(["code", "period"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        oracle = ATTgt(data[["y", "c"]], "c", base_period="universal")
        group_time = oracle.fit("y", control_group="never_treated", progress_bar=False)
        events = oracle.aggregate("event")
    del group_time
    gt, gt_se = oracle.results().iloc[:, 0], oracle.results().iloc[:, 1]
    for _, row in table.iterrows():
        key = (row["cohort"], row["cohort"] - 1, row["period"])
        assert row["att"] == pytest.approx(gt.loc[key], abs=1e-8)
        # differences' analytic SE has no G/(G-1) factor
        n_cities = frame["code"].nunique()
        assert row["se"] * np.sqrt((n_cities - 1) / n_cities) == pytest.approx(
            gt_se.loc[key], rel=1e-6
        )
    coefficients = fit.coefficients.set_index("event_time")
    event_att = events.iloc[:, 0]
    for e in (-3, -2, 0, 1, 2, 3):
        assert coefficients.at[e, "coef"] == pytest.approx(event_att.loc[e], abs=1e-8)


def test_twfe_equals_linearmodels_event_study_on_treated_cities() -> None:
    from inertia.models.event_study import event_study

    frame = _panel()
    treated = frame[frame["cohort"].notna()].copy()
    names = {6: "jjj", 9: "prd", 11: "yrd"}
    treated["cluster"] = treated["cohort"].astype(int).map(names)
    roster = treated.groupby("code")["cluster"].first().to_frame()
    milestones = {names[int(g)]: int(g) for g in treated["cohort"].unique()}
    oracle = event_study(
        treated.rename(columns={"period": "year"}).set_index(["code", "year"])[["y"]],
        roster,
        column="y",
        milestones=milestones,
        window=3,
    )
    fit = st.estimate(frame, "twfe_clusters_only", window=3, post=(0, 3))
    mine = fit.coefficients.set_index("event_time")
    theirs = oracle.coefficients.set_index("event_time")
    for e in (-3, -2, 0, 1, 2, 3):
        assert mine.at[e, "coef"] == pytest.approx(theirs.at[e, "coef"], abs=1e-8)
        assert mine.at[e, "se"] == pytest.approx(theirs.at[e, "se"], rel=1e-6)


@pytest.mark.parametrize("name", ["twfe", "sun_abraham", "callaway_santanna", "imputation"])
def test_results_protocol_reproduces_the_fits_own_inference(name: str) -> None:
    frame = _panel(balanced=False)
    fit = st.estimate(frame, name, window=3, post=(0, 3))
    assert isinstance(fit, EstimationResults)
    assert fit.nobs == len(frame) and fit.inference_df == fit.cities - 1
    own = fit.coefficients[~fit.coefficients["reference"]].dropna(subset=["coef"])
    tidy = fit.tidy(level=fit.level)
    assert tidy["term"].tolist() == [
        f"lead_{-e}" if e < 0 else f"lag_{e}" for e in own["event_time"]
    ]
    for column in ("coef", "se", "ci_low", "ci_high"):
        np.testing.assert_allclose(tidy[column], own[column], rtol=1e-10)
    np.testing.assert_allclose(np.sqrt(np.diag(fit.cov)), fit.std_errors, rtol=1e-10)
    post = [f"lag_{e}" for e in range(0, 4)]
    mean = fit.lincom(dict.fromkeys(post, 1 / len(post)))
    assert mean.estimate == pytest.approx(fit.post_mean, rel=1e-10)
    assert mean.se == pytest.approx(fit.post_se, rel=1e-10)
    assert mean.p == pytest.approx(fit.post_pvalue, rel=1e-8)
    leads = [t for t in fit.params.index if t.startswith("lead_")]
    assert leads == ["lead_3", "lead_2"]
    joint = fit.wald(leads)
    assert (joint.df_num, joint.df_denom) == (fit.pretrend_df, fit.cities - 1)
    assert joint.statistic == pytest.approx(fit.pretrend_stat, rel=1e-8)
    assert joint.p == pytest.approx(fit.pretrend_pvalue, rel=1e-8)


def test_robust_estimators_recover_heterogeneous_effects_twfe_does_not() -> None:
    """Without noise, the robust estimators recover the true ATT(e); binned TWFE does not."""
    frame = _panel()
    rng_free = frame.copy()
    slope = {6: 0.05, 9: 0.15, 11: 0.3}
    cohort = rng_free["cohort"].astype(float)
    effect = np.where(
        cohort.notna() & (rng_free["period"] >= cohort),
        cohort.map(slope).fillna(0) * (rng_free["period"] - cohort + 1),
        0.0,
    )
    rng_free["y"] = rng_free["code"] * 0.001 + 0.05 * rng_free["period"] + effect
    sizes = {6: 12, 9: 8, 11: 15}
    for e in range(0, 3):
        present = [g for g in sizes if g + e <= 13]
        truth = sum(sizes[g] * slope[g] * (e + 1) for g in present) / sum(sizes[g] for g in present)
        for name in ("sun_abraham", "callaway_santanna", "imputation"):
            fit = st.estimate(rng_free, name, window=2, post=(0, 2))
            assert fit.coefficient(e)["coef"] == pytest.approx(truth, abs=1e-8), name
    twfe = st.estimate(rng_free, "twfe_clusters_only", window=2, post=(0, 2))
    assert abs(twfe.coefficient(2)["coef"] - 3 * (12 * 0.05 + 8 * 0.15 + 15 * 0.3) / 35) > 0.05


def test_bacon_weights_reproduce_twfe() -> None:
    frame = _panel(balanced=False)
    bacon = st.bacon_decomposition(frame)
    assert bacon.table["weight"].sum() == pytest.approx(1.0, abs=1e-12)
    assert bacon.weighted_sum == pytest.approx(bacon.twfe, abs=1e-10)
    assert set(bacon.by_kind["kind"]) == {
        "treated vs never treated",
        "earlier vs later treated",
        "later vs earlier treated",
    }
    assert bacon.dropped > 0


def test_frame_and_errors() -> None:
    roster = pd.DataFrame(
        {"cluster": ["jjj", "yrd", np.nan], "province": ["河北", "江苏", "山西"]},
        index=pd.Index([1, 2, 3], name="code"),
    )
    outcome = pd.Series(
        np.arange(18.0),
        index=pd.MultiIndex.from_product([[1, 2, 3], range(2005, 2011)], names=["code", "year"]),
    )
    frame = st.staggered_frame(outcome, roster, {"jjj": 2008, "yrd": 2009}, spacing=3)
    assert frame.loc[frame["code"] == 1, "cohort"].iloc[0] == 1  # ceil((2008-2005)/3)
    assert frame.loc[frame["code"] == 3, "group"].iloc[0] == "province:山西"
    assert frame.loc[frame["code"] == 3, "cohort"].isna().all()
    with pytest.raises(DataError, match="never-treated"):
        st.sun_abraham(frame[frame["cohort"].notna()])
    with pytest.raises(ParameterError, match="estimator"):
        st.estimate(frame, "ols")
    with pytest.raises(ParameterError, match="event_window"):
        st.twfe_event_study(frame, window=1)


def test_relative_magnitudes_by_hand() -> None:
    from scipy import stats

    from inertia.models.sensitivity import relative_magnitudes

    fit = st.callaway_santanna(_panel(), window=3, post=(0, 3))[0]
    bounds = relative_magnitudes(fit, m_bars=(0.0, 1.0))
    table = fit.coefficients.set_index("event_time")
    leads = [table.at[-3, "coef"], table.at[-2, "coef"], 0.0]
    step = max(abs(leads[1] - leads[0]), abs(leads[2] - leads[1]))
    estimate, se = fit.mean_of(range(0, 4))
    z = stats.norm.ppf(0.975)
    assert bounds.max_pre_step == pytest.approx(step, abs=1e-14)
    row = bounds.table.set_index("m_bar").loc[1.0]
    assert row["lower"] == pytest.approx(estimate - step * 2.5 - z * se, abs=1e-12)
    assert bounds.table.set_index("m_bar").at[0.0, "upper"] == pytest.approx(estimate + z * se)
    # At the breakdown value the interval just reaches zero.
    assert estimate - bounds.breakdown * step * 2.5 - z * se == pytest.approx(0.0, abs=1e-12)
