"""The results protocol against statsmodels and linearmodels.

Oracles: statsmodels' ``OLSResults.t_test`` and ``wald_test`` on the same fit
(linear combinations and joint tests), linearmodels' own t statistics,
p-values and ``wald_test`` (the PanelFit's degrees-of-freedom rule), and the
tests the fits already report (the event study's pre-trend chi2, the
convergence-break test's one-sided p-value and its post-milestone SE).

Tolerances: ``RTOL_SAME_FIT = 1e-10`` where the mixin reads statsmodels'
own coefficients and covariance (only the order of the floating-point
operations differs); ``RTOL_REFIT = 1e-8`` where the absorbed TWFE core is
compared with statsmodels' OLS on city and year dummies (two different
solvers; the tolerance of ``tests/models/test_twfe_core.py``) and where the event
study's pre-trend statistic (a pseudo-inverse) meets the protocol's (a solve).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from scipy import stats
from statsmodels.regression.linear_model import RegressionResults

from inertia.errors import ParameterError
from inertia.models.event_study import convergence_break_test, event_study
from inertia.models.panel import AbsorbedIVResult, PanelFit, fit_eiv, fit_twfe
from inertia.models.twfe_core import AbsorbedDesign, OLSResult
from inertia.results import (
    TIDY_COLUMNS,
    EstimationResults,
    EstimationResultsMixin,
    LinearCombination,
    WaldTest,
)
from tests.models.test_event_study import ROSTER, _converging_panel, _event_panel

RTOL_SAME_FIT = 1e-10
RTOL_REFIT = 1e-8
TERMS = ["x1", "x2", "x3"]


def _panel(n_cities: int = 20, n_years: int = 8, seed: int = 5) -> pd.DataFrame:
    """City-year panel with city and year effects and three regressors."""
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame(
        [(c, t) for c in range(1, n_cities + 1) for t in range(2001, 2001 + n_years)],
        columns=["code", "year"],
    )
    city = rng.normal(size=n_cities + 1)[frame["code"]]
    year = rng.normal(size=n_years)[frame["year"] - 2001]
    for term in TERMS:
        frame[term] = rng.normal(size=len(frame)) + 0.5 * city
    frame["z"] = frame["x1"] + rng.normal(size=len(frame))
    frame["y"] = 1.0 * frame["x1"] - 0.5 * frame["x2"] + city + year + rng.normal(size=len(frame))
    return frame


@dataclass(frozen=True)
class _StatsmodelsFit(EstimationResultsMixin):
    """statsmodels' estimates behind the mixin: the arithmetic is the only difference."""

    params: pd.Series
    std_errors: pd.Series
    cov: pd.DataFrame
    nobs: int
    df: int | None

    @property
    def inference_df(self) -> int | None:
        return self.df


def _statsmodels(frame: pd.DataFrame, cov_type: str) -> RegressionResults:
    exog = sm.add_constant(frame[TERMS])
    if cov_type == "cluster":
        return sm.OLS(frame["y"], exog).fit(
            cov_type="cluster", cov_kwds={"groups": frame["code"]}, use_t=False
        )
    return sm.OLS(frame["y"], exog).fit()


def _wrap(result: RegressionResults) -> _StatsmodelsFit:
    return _StatsmodelsFit(
        params=result.params,
        std_errors=result.bse,
        cov=result.cov_params(),
        nobs=int(result.nobs),
        df=int(result.df_resid) if result.use_t else None,
    )


WEIGHTS = {"x1": 1.0, "x2": 2.0, "x3": -1.0}
RESTRICTIONS = [{"x1": 1.0, "x2": -1.0}, {"x3": 1.0}]


def _matrix(index: pd.Index, rows: list[dict[str, float]]) -> np.ndarray:
    return np.vstack([pd.Series(row).reindex(index, fill_value=0.0).to_numpy() for row in rows])


@pytest.mark.parametrize("cov_type", ["nonrobust", "cluster"])
def test_lincom_and_wald_equal_statsmodels_on_the_same_fit(cov_type):
    result = _statsmodels(_panel(), cov_type)
    fit = _wrap(result)
    assert isinstance(fit, EstimationResults)

    combination = fit.lincom(WEIGHTS, value=0.25)
    reference = result.t_test((_matrix(result.params.index, [WEIGHTS]), 0.25))
    assert isinstance(combination, LinearCombination)
    np.testing.assert_allclose(combination.estimate, reference.effect[0], rtol=RTOL_SAME_FIT)
    np.testing.assert_allclose(combination.se, reference.sd[0, 0], rtol=RTOL_SAME_FIT)
    np.testing.assert_allclose(combination.statistic, reference.tvalue[0, 0], rtol=RTOL_SAME_FIT)
    np.testing.assert_allclose(combination.p, reference.pvalue, rtol=RTOL_SAME_FIT)

    r = np.array([0.1, -0.2])
    test = fit.wald(RESTRICTIONS, values=r)
    joint = result.wald_test(
        (_matrix(result.params.index, RESTRICTIONS), r), use_f=result.use_t, scalar=True
    )
    assert isinstance(test, WaldTest)
    assert test.df_num == 2
    assert test.distribution == ("F" if result.use_t else "chi2")
    np.testing.assert_allclose(test.statistic, joint.statistic, rtol=RTOL_SAME_FIT)
    np.testing.assert_allclose(test.p, joint.pvalue, rtol=RTOL_SAME_FIT)
    if result.use_t:
        assert test.df_denom == joint.df_denom == result.df_resid


def test_tidy_follows_the_degrees_of_freedom_rule():
    result = _statsmodels(_panel(), "nonrobust")
    table = _wrap(result).tidy(level=0.9)
    assert list(table.columns) == list(TIDY_COLUMNS)
    np.testing.assert_allclose(table["p"], result.pvalues, rtol=RTOL_SAME_FIT)
    np.testing.assert_allclose(table["t"], result.tvalues, rtol=RTOL_SAME_FIT)
    ci = result.conf_int(alpha=0.1)
    np.testing.assert_allclose(table["ci_low"], ci[0], rtol=RTOL_SAME_FIT)
    np.testing.assert_allclose(table["ci_high"], ci[1], rtol=RTOL_SAME_FIT)


def test_twfe_core_lincom_and_wald_equal_statsmodels_with_dummies():
    frame = _panel()
    fit = AbsorbedDesign.from_frame(frame, ["y", *TERMS]).ols("y", TERMS, cov="unadjusted")
    assert isinstance(fit, OLSResult)
    assert isinstance(fit, EstimationResults)
    dummies = pd.get_dummies(frame[["code", "year"]].astype(str), drop_first=True, dtype=float)
    result = sm.OLS(frame["y"], sm.add_constant(pd.concat([frame[TERMS], dummies], axis=1))).fit()
    assert fit.inference_df == result.df_resid

    combination = fit.lincom(WEIGHTS)
    reference = result.t_test(_matrix(result.params.index, [WEIGHTS]))
    np.testing.assert_allclose(combination.estimate, reference.effect[0], rtol=RTOL_REFIT)
    np.testing.assert_allclose(combination.se, reference.sd[0, 0], rtol=RTOL_REFIT)
    np.testing.assert_allclose(combination.p, reference.pvalue, rtol=RTOL_REFIT)

    test = fit.wald(RESTRICTIONS)
    joint = result.wald_test(_matrix(result.params.index, RESTRICTIONS), use_f=True, scalar=True)
    np.testing.assert_allclose(test.statistic, joint.statistic, rtol=RTOL_REFIT)
    np.testing.assert_allclose(test.p, joint.pvalue, rtol=RTOL_REFIT)
    assert test.df_denom == joint.df_denom


def test_twfe_core_tidy_is_its_own_inference():
    """The mixin's table is bit for bit the fit's t statistics, p-values and intervals."""
    frame = _panel()
    for debiased in (True, False):
        fit = AbsorbedDesign.from_frame(frame, ["y", *TERMS]).ols(
            "y", TERMS, cov="clustered", debiased=debiased
        )
        table = fit.tidy(level=0.9).set_index("term")
        np.testing.assert_array_equal(table["t"], fit.tstats)
        np.testing.assert_array_equal(table["p"], fit.pvalues)
        np.testing.assert_array_equal(table["ci_low"], fit.conf_int(0.9)["lower"])
        np.testing.assert_array_equal(table["ci_high"], fit.conf_int(0.9)["upper"])


@pytest.mark.parametrize("se", ["clustered", "driscoll-kraay"])
def test_panel_fit_follows_linearmodels(se):
    fit = fit_twfe(_panel(), "y", TERMS, se=se)
    assert isinstance(fit, PanelFit)
    assert isinstance(fit, EstimationResults)
    assert not isinstance(fit.result, EstimationResults)  # linearmodels' own result
    for term in TERMS:
        one = fit.lincom({term: 1.0})
        np.testing.assert_allclose(one.statistic, fit.result.tstats[term], rtol=RTOL_SAME_FIT)
        np.testing.assert_allclose(one.p, fit.result.pvalues[term], rtol=RTOL_SAME_FIT)
    # linearmodels' wald_test reports the chi2 form W; the F form is W / q.
    test = fit.wald(["x1", "x2"])
    reference = fit.result.wald_test(formula="x1 = 0, x2 = 0")
    np.testing.assert_allclose(test.statistic * 2, reference.stat, rtol=RTOL_SAME_FIT)
    assert test.p == pytest.approx(stats.f.sf(test.statistic, 2, fit.result.df_resid))
    assert fit.tidy() is fit.table
    wide = fit.tidy(level=0.9).set_index("term")
    np.testing.assert_allclose(wide["ci_low"], fit.result.conf_int(level=0.9)["lower"])


def test_absorbed_iv_uses_clusters_minus_one():
    frame = _panel()
    fit = fit_eiv(frame, "y", ["x1"], ["z"], ["x2", "x3"], other="year")
    assert isinstance(fit.result, AbsorbedIVResult)
    assert isinstance(fit.result, EstimationResults)
    assert fit.inference_df == fit.result.df == frame["code"].nunique() - 1
    one = fit.lincom({"x1": 1.0})
    assert one.p == pytest.approx(float(fit.tidy().set_index("term").loc["x1", "p"]), rel=1e-12)


def test_bad_restrictions_are_refused_by_name():
    fit = _wrap(_statsmodels(_panel(), "nonrobust"))
    with pytest.raises(ParameterError, match=r"no term\(s\) \['x9'\]"):
        fit.lincom({"x9": 1.0})
    with pytest.raises(ParameterError, match="finite"):
        fit.lincom({})
    with pytest.raises(ParameterError, match="every weight is zero"):
        fit.lincom({"x1": 0.0})
    with pytest.raises(ParameterError, match="linearly dependent"):
        fit.wald([{"x1": 1.0}, {"x1": 2.0}])
    with pytest.raises(ParameterError, match=r"2 restriction\(s\) but 1 value"):
        fit.wald(["x1", "x2"], values=[0.0])
    with pytest.raises(ParameterError, match="at least one"):
        fit.wald([])


def test_lincom_reads_only_the_terms_it_weighs():
    """A coefficient left NaN (a dropped column) outside the combination does not spoil it."""
    fit = _wrap(_statsmodels(_panel(), "nonrobust"))
    params = fit.params.copy()
    params["x3"] = np.nan
    cov = fit.cov.copy()
    cov.loc["x3", :] = np.nan
    cov.loc[:, "x3"] = np.nan
    spoiled = _StatsmodelsFit(params, np.sqrt(np.diag(cov)), cov, fit.nobs, fit.df)
    both = {"x1": 1.0, "x2": 2.0}
    # Hand calculation from the two weighted terms.
    w = np.array([1.0, 2.0])
    sub = fit.cov.loc[["x1", "x2"], ["x1", "x2"]].to_numpy()
    combination = spoiled.lincom(both)
    assert combination.estimate == pytest.approx(w @ fit.params[["x1", "x2"]].to_numpy(), rel=1e-12)
    assert combination.se == pytest.approx(np.sqrt(w @ sub @ w), rel=1e-12)
    assert combination == fit.lincom(both)


def test_event_study_wald_of_the_leads_is_its_pretrend_test():
    """The protocol's joint test of the leads is the study's chi2 pre-trend statistic (x q)."""

    study = event_study(_event_panel(2, noise=0.01), ROSTER)
    assert isinstance(study, EstimationResults)
    leads = [f"lead_{k}" for k in range(2, 6)]
    test = study.wald(leads)
    assert test.df_num == study.pretrend_df == 4
    assert test.df_denom == study.result.df_resid
    np.testing.assert_allclose(test.statistic * 4, study.pretrend_stat, rtol=RTOL_REFIT)
    one = study.lincom({"lag_3": 1.0})
    np.testing.assert_allclose(one.p, study.result.pvalues["lag_3"], rtol=RTOL_SAME_FIT)


@pytest.mark.parametrize("se", ["clustered", "driscoll-kraay"])
def test_convergence_break_lincom_is_its_one_sided_test(se):

    result = convergence_break_test(_converging_panel(0, -0.1, -0.3), ROSTER, se=se)
    assert isinstance(result, EstimationResults)
    assert result.inference_df == (result.n_entities - 1 if se == "clustered" else None)
    delta = result.lincom({"lagged_x_post": 1.0})
    assert delta.estimate == result.delta and delta.se == pytest.approx(result.se, rel=1e-12)
    # delta < 0 here, so the one-sided p-value is half the two-sided one.
    np.testing.assert_allclose(delta.p / 2, result.pvalue_one_sided, rtol=RTOL_SAME_FIT)
    post = result.lincom({"lagged_log_level": 1.0, "lagged_x_post": 1.0})
    np.testing.assert_allclose(post.estimate, result.beta_post, rtol=RTOL_SAME_FIT)
    np.testing.assert_allclose(post.se, result.se_beta_post, rtol=RTOL_SAME_FIT)
