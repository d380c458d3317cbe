"""Tests of the estimation core (inertia.models.twfe_core).

Oracles: linearmodels ``PanelOLS`` (every covariance, ``debiased`` on and
off, entity + time and entity + other effects) and ``IV2SLS`` on two-way
demeaned data (one outcome and many; its residuals and first stage, with
statsmodels' ``S_hac_groupsum``, for the Driscoll-Kraay covariance of 2SLS);
``wildboottest`` for the wild cluster bootstrap (its bootstrap t statistics
under full enumeration and under injected Webb weights); an explicit
dummy-variable regression per draw as a slow reference loop, explicit null
draws refitted one by one (and by IV2SLS) for the fast restricted draws. The
data: the simulated replication panel (unbalanced: yearbook-like gaps) and a
copy with a further 25% of cells deleted at random, whole city-years gone and
one city left with a single year (a singleton).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from linearmodels.iv import IV2SLS
from linearmodels.panel import PanelOLS

from inertia.data import reference
from inertia.data.simulate import simulate_panel
from inertia.errors import DataError, ParameterError
from inertia.models.panel import two_way_demean
from inertia.models.twfe_core import AbsorbedDesign, bartlett_bandwidth, wild_weights

X = ["x1", "x2", "x3"]
RTOL = 1e-8


def _variables(panel: pd.DataFrame) -> pd.DataFrame:
    frame = panel[["code", "year"]].copy()
    frame["y"] = np.log(panel["doctors"] / panel["pop_registered"])
    frame["y2"] = np.log(panel["hospital_beds"] / panel["pop_registered"])
    frame["x1"] = panel["budget_revenue"] / panel["budget_expenditure"]
    frame["x2"] = np.log(panel["gdp"] / panel["pop_registered"])
    frame["x3"] = panel["education_spending"] / panel["budget_expenditure"]
    frame["z1"] = panel["science_spending"] / panel["budget_expenditure"]
    frame["z2"] = np.log(panel["budget_expenditure"] / panel["pop_registered"])
    cluster = panel["code"].map(reference.cities()["cluster"])
    frame["cluster_year"] = cluster.astype(str) + "-" + panel["year"].astype(str)
    return frame


@pytest.fixture(scope="module", params=["simulated", "holes"])
def frame(request) -> pd.DataFrame:
    data = _variables(simulate_panel(scale="clusters").panel)
    if request.param == "holes":
        rng = np.random.default_rng(11)
        for column in ["y", "y2", *X, "z1"]:
            data.loc[rng.random(len(data)) < 0.25 / 6, column] = np.nan
        data = data.drop(index=data.sample(frac=0.1, random_state=3).index)
        lonely = data["code"].unique()[5]
        data = data.loc[(data["code"] != lonely) | (data["year"] == 2015)]
    return data.reset_index(drop=True)


def _indexed(frame: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    return frame.set_index(["code", "year"])[columns].dropna()


def _close(mine, reference_values, what: str) -> None:
    np.testing.assert_allclose(
        np.asarray(mine, dtype=float),
        np.asarray(reference_values, dtype=float),
        rtol=RTOL,
        atol=1e-14,
        err_msg=what,
    )


COVARIANCES = [
    ("unadjusted", {}, {}),
    ("robust", {}, {}),
    ("clustered", {"cluster_entity": True, "group_debias": True}, {}),
    ("driscoll-kraay", {"kernel": "bartlett"}, {}),
    ("driscoll-kraay", {"kernel": "bartlett", "bandwidth": 3.0}, {"bandwidth": 3.0}),
]


@pytest.mark.parametrize("debiased", [True, False])
@pytest.mark.parametrize(("cov", "lm_options", "options"), COVARIANCES)
def test_two_way_ols_equals_panelols(frame, cov, lm_options, options, debiased):
    data = _indexed(frame, ["y", *X])
    lm_cov = "kernel" if cov == "driscoll-kraay" else cov
    reference_fit = PanelOLS(data["y"], data[X], entity_effects=True, time_effects=True).fit(
        cov_type=lm_cov, debiased=debiased, **lm_options
    )
    design = AbsorbedDesign.from_frame(frame, ["y", *X])
    fit = design.ols("y", X, cov=cov, debiased=debiased, **options)
    assert fit.nobs == reference_fit.nobs == len(data)
    assert fit.df_resid == reference_fit.df_resid
    _close(fit.params, reference_fit.params, "params")
    _close(fit.std_errors, reference_fit.std_errors, "std_errors")
    _close(fit.cov, reference_fit.cov, "cov")
    _close(fit.tstats, reference_fit.tstats, "tstats")
    _close(fit.pvalues, reference_fit.pvalues, "pvalues")
    _close(fit.conf_int(0.9), reference_fit.conf_int(0.9), "conf_int")
    if cov == "driscoll-kraay" and not options:
        assert fit.bandwidth == bartlett_bandwidth(design.n_periods)


def test_one_way_entity_effects_follow_the_nesting_rule(frame):
    """City effects nested in city clusters are not counted in K (linearmodels' auto_df)."""
    data = _indexed(frame, ["y", *X])
    model = PanelOLS(data["y"], data[X], entity_effects=True)
    design = AbsorbedDesign.from_frame(frame, ["y", *X], effects="entity")
    for cov, options in (
        ("clustered", {"cluster_entity": True, "group_debias": True}),
        ("robust", {}),
    ):
        reference_fit = model.fit(cov_type=cov, debiased=True, **options)
        fit = design.ols("y", X, cov=cov)
        _close(fit.std_errors, reference_fit.std_errors, cov)
        _close(fit.pvalues, reference_fit.pvalues, cov)
    # Clustered by something the city effects are not nested in: effects counted again.
    years = design.time.codes
    reference_fit = model.fit(
        cov_type="clustered",
        clusters=data.index.get_level_values(1),
        group_debias=True,
        debiased=True,
    )
    _close(design.ols("y", X, clusters=years).std_errors, reference_fit.std_errors, "by year")


def test_entity_and_other_effects(frame):
    columns = ["y", *X]
    data = frame.set_index(["code", "year"])[[*columns, "cluster_year"]].dropna()
    other = data[["cluster_year"]].astype("category")
    reference_fit = PanelOLS(data["y"], data[X], entity_effects=True, other_effects=other).fit(
        cov_type="clustered", cluster_entity=True, group_debias=True, debiased=True
    )
    design = AbsorbedDesign.from_frame(frame, columns, other="cluster_year")
    fit = design.ols("y", X)
    _close(fit.params, reference_fit.params, "params")
    _close(fit.std_errors, reference_fit.std_errors, "std_errors")
    # Cities are nested in clusters: the cluster-year cells absorb three cluster effects
    # that the city effects hold already, so only 54 - 3 of the cells are estimable.
    n_cells = data["cluster_year"].nunique()
    assert design.n_effects == design.n_entities + n_cells - 1
    assert design.effect_rank == design.n_entities + n_cells - 3
    ranked = AbsorbedDesign.from_frame(frame, columns, other="cluster_year", effect_dof="rank")
    assert ranked.n_effects == design.effect_rank
    assert ranked.ols("y", X).df_resid == fit.df_resid + 2


def test_demeaning_is_the_residual_on_the_dummies(frame):
    """Exact QR path, alternating projections and a dense dummy regression agree."""
    columns = ["y", *X]
    exact = AbsorbedDesign.from_frame(frame, columns)
    alternating = AbsorbedDesign.from_frame(frame, columns, max_dense_levels=0)
    assert (exact.method, alternating.method) == ("exact", "alternating")
    assert alternating.n_effects == exact.n_effects
    values = np.column_stack([exact.data[c] for c in columns])
    dummies = np.column_stack(
        [np.eye(exact.n_entities)[exact.entity.codes], np.eye(exact.n_periods)[exact.time.codes]]
    )
    fitted = dummies @ np.linalg.lstsq(dummies, values, rcond=None)[0]
    scale = np.abs(values).max(axis=0)
    np.testing.assert_allclose((values - fitted) / scale, exact.demean(values) / scale, atol=1e-12)
    np.testing.assert_allclose(
        exact.demean(values) / scale, alternating.demean(values) / scale, atol=1e-11
    )
    _close(alternating.ols("y", X).std_errors, exact.ols("y", X).std_errors, "alternating")


def test_many_outcomes_and_other_covariances_reuse_the_fit(frame):
    design = AbsorbedDesign.from_frame(frame, ["y", "y2", *X])
    many = design.ols(["y", "y2"], X, cov="driscoll-kraay")
    assert list(many.params.columns) == ["y", "y2"]
    for outcome in ("y", "y2"):
        alone = design.ols(outcome, X, cov="driscoll-kraay")
        # one solve for both outcomes: equal up to BLAS's order of summation
        _close(many.result(outcome).params, alone.params, outcome)
        _close(many.result(outcome).std_errors, alone.std_errors, outcome)
        _close(np.sqrt(np.diag(many.result(outcome).cov)), alone.std_errors, "diagonal")
    clustered = design.ols("y", X)
    kraay = clustered.with_cov("driscoll-kraay", bandwidth=2)
    _close(
        kraay.std_errors,
        design.ols("y", X, cov="driscoll-kraay", bandwidth=2).std_errors,
        "with_cov",
    )
    tidy = clustered.tidy()
    assert list(tidy.columns) == ["term", "coef", "se", "t", "p", "ci_low", "ci_high"]
    assert list(many.tidy()["outcome"].unique()) == ["y", "y2"]
    # raw arrays give the same fit as names
    raw = design.ols(design.data["y"], np.column_stack([design.data[c] for c in X]))
    _close(raw.params, clustered.params, "raw arrays")


@pytest.mark.parametrize("instruments", [["z1"], ["z1", "z2"]], ids=["just", "over"])
@pytest.mark.parametrize("count_effects", [False, True])
def test_iv_equals_iv2sls_on_demeaned_data(frame, instruments, count_effects):
    columns = ["y", *X, *instruments]
    data = _indexed(frame, columns).sort_index()
    demeaned = two_way_demean(data)
    codes = pd.Series(data.index.get_level_values(0), index=data.index)
    design = AbsorbedDesign.from_frame(frame, columns)
    reference_fit = IV2SLS(
        demeaned["y"], demeaned[["x2", "x3"]], demeaned[["x1"]], demeaned[instruments]
    ).fit(
        cov_type="clustered",
        clusters=codes,
        debiased=True,
        extra_df=design.n_effects if count_effects else 0,
    )
    fit = design.iv(
        "y", exog=["x2", "x3"], endog=["x1"], instruments=instruments, count_effects=count_effects
    )
    assert list(fit.params.index) == list(reference_fit.params.index)
    assert fit.df_resid == reference_fit.df_resid
    _close(fit.params, reference_fit.params, "params")
    _close(fit.std_errors, reference_fit.std_errors, "std_errors")
    _close(fit.pvalues, reference_fit.pvalues, "pvalues")
    for cov in ("unadjusted", "robust"):
        reference_other = IV2SLS(
            demeaned["y"], demeaned[["x2", "x3"]], demeaned[["x1"]], demeaned[instruments]
        ).fit(cov_type=cov, debiased=True)
        other = design.iv("y", exog=["x2", "x3"], endog=["x1"], instruments=instruments, cov=cov)
        _close(other.std_errors, reference_other.std_errors, cov)


def _demeaned_iv(frame, columns, other=None):
    """The rows complete on ``columns``, demeaned by the city and second effects (transforms)."""
    from inertia.transforms import absorb

    data = frame.dropna(subset=columns).reset_index(drop=True)
    return data, absorb(data, columns, entity="code", other=other or "year")


@pytest.mark.parametrize("other", [None, "cluster_year"], ids=["year", "cluster-year"])
def test_iv_with_many_outcomes_equals_one_fit_per_outcome(frame, other):
    columns = ["y", "y2", *X, "z1", "z2"]
    data, demeaned = _demeaned_iv(frame, columns, other)
    design = AbsorbedDesign.from_frame(data, columns, other=other)
    many = design.iv(["y", "y2"], exog=["x2", "x3"], endog=["x1"], instruments=["z1", "z2"])
    assert many.y_names == ["y", "y2"] and many.fit.kind == "IV-2SLS"
    codes = data["code"].to_numpy()
    for outcome in ("y", "y2"):
        one = design.iv(outcome, exog=["x2", "x3"], endog=["x1"], instruments=["z1", "z2"])
        reference_fit = IV2SLS(
            demeaned[outcome], demeaned[["x2", "x3"]], demeaned[["x1"]], demeaned[["z1", "z2"]]
        ).fit(cov_type="clustered", clusters=codes, debiased=True)
        _close(many.params[outcome], reference_fit.params, f"{outcome} params")
        _close(many.std_errors[outcome], reference_fit.std_errors, f"{outcome} se")
        _close(one.params, reference_fit.params, f"{outcome} one")
    absorbed = design.iv(
        np.column_stack([design.column("y"), design.column("y2")]),
        exog=["x2", "x3"],
        endog=["x1"],
        instruments=["z1", "z2"],
        y_absorbed=True,
    )
    _close(absorbed.beta, many.beta, "y_absorbed")


@pytest.mark.parametrize("bandwidth", [None, 3.0])
def test_iv_driscoll_kraay_equals_statsmodels_group_sum_hac(frame, bandwidth):
    """DK of 2SLS: statsmodels' HAC of the period sums of the 2SLS scores, by hand.

    The scores are linearmodels' IV2SLS residuals times its first-stage fitted
    regressors (on the demeaned data); statsmodels ``S_hac_groupsum`` (Hoechle's
    Driscoll-Kraay meat, Bartlett weights) gives the middle matrix; the
    bread is the inverse of the fitted regressors' cross product; the factor
    N / (N - K), K = regressors + counted effects.
    """
    from statsmodels.stats.sandwich_covariance import S_hac_groupsum

    columns = ["y", *X, "z1", "z2"]
    data, demeaned = _demeaned_iv(frame, columns)
    design = AbsorbedDesign.from_frame(data, columns)
    fit = design.iv(
        "y",
        exog=["x2", "x3"],
        endog=["x1"],
        instruments=["z1", "z2"],
        cov="driscoll-kraay",
        bandwidth=bandwidth,
        count_effects=True,
    )
    reference_fit = IV2SLS(
        demeaned["y"], demeaned[["x2", "x3"]], demeaned[["x1"]], demeaned[["z1", "z2"]]
    ).fit(cov_type="unadjusted")
    z = demeaned[["x2", "x3", "z1", "z2"]].to_numpy()
    x = demeaned[["x2", "x3", "x1"]].to_numpy()
    fitted = z @ np.linalg.lstsq(z, x, rcond=None)[0]
    scores = fitted * reference_fit.resids.to_numpy()[:, None]
    periods = pd.factorize(data["year"], sort=True)[0]
    lag = bartlett_bandwidth(design.n_periods) if bandwidth is None else int(bandwidth)
    meat = S_hac_groupsum(scores, periods, nlags=lag)
    bread = np.linalg.inv(fitted.T @ fitted)
    n, k = len(data), 3 + design.n_effects
    cov = n / (n - k) * bread @ meat @ bread
    _close(fit.params, reference_fit.params, "params")
    _close(fit.std_errors, np.sqrt(np.diag(cov)), "DK se")
    assert fit.bandwidth == lag


def test_with_effect_dof_shares_the_design_and_counts_the_rank(frame):
    columns = ["y", *X]
    design = AbsorbedDesign.from_frame(frame, columns, other="cluster_year")
    ranked = design.with_effect_dof("rank")
    fresh = AbsorbedDesign.from_frame(frame, columns, other="cluster_year", effect_dof="rank")
    assert ranked.n_effects == fresh.n_effects == design.effect_rank < design.n_effects
    assert design.with_effect_dof("linearmodels") is design
    assert ranked.with_effect_dof("linearmodels").n_effects == design.n_effects
    _close(ranked.ols("y", X).std_errors, fresh.ols("y", X).std_errors, "rank se")
    assert ranked.data is design.data
    with pytest.raises(ParameterError, match="effect_dof"):
        design.with_effect_dof("full")


# --------------------------------------------------------------------------- bootstrap


def _dummy_matrix(design: AbsorbedDesign, x: list[str]) -> np.ndarray:
    """Regressors with explicit city and year dummies (the slow, obvious model)."""
    entity = np.eye(design.n_entities)[design.entity.codes]
    years = np.eye(design.n_periods)[design.time.codes][:, 1:]
    return np.column_stack([np.column_stack([design.data[c] for c in x]), entity, years])


def _wildboottest_tstats(design, x, test, weights):
    """wildboottest's WCR-11 bootstrap t statistics with the given weights."""
    from wildboottest.wildboottest import WildboottestCL

    full = _dummy_matrix(design, x)
    restriction = np.zeros(full.shape[1])
    restriction[x.index(test)] = 1.0
    boot = WildboottestCL(
        X=full,
        Y=design.data["y"],
        cluster=design.entity.codes,
        R=restriction,
        B=weights.shape[1],
        seed=1,
        parallel=False,
    )
    boot.get_scores(bootstrap_type="11", impose_null=True)
    boot.get_weights(weights_type="rademacher")
    boot.v, boot.B = weights, weights.shape[1]
    boot.get_numer()
    boot.get_denom()
    boot.get_tboot()
    boot.get_vcov()
    boot.get_tstat()
    return np.asarray(boot.t_boot), float(np.squeeze(boot.t_stat))


def test_wild_bootstrap_equals_wildboottest_under_full_enumeration(frame):
    """Nine PRD cities: 2^9 = 512 Rademacher sign vectors, all enumerated."""
    prd = reference.cities().index[reference.cities()["cluster"] == "prd"]
    small = frame.loc[frame["code"].isin(prd)]
    design = AbsorbedDesign.from_frame(small, ["y", *X])
    result = design.wild_bootstrap("y", X, "x1", draws=999)
    assert result.draws == 2**9 == result.t_star.size
    weights = wild_weights(design.n_entities, 999)
    t_boot, t_stat = _wildboottest_tstats(design, X, "x1", weights)
    np.testing.assert_allclose(result.tstat, t_stat, rtol=1e-9)
    np.testing.assert_allclose(np.sort(result.t_star), np.sort(t_boot), rtol=1e-8, atol=1e-10)
    assert result.pvalue == pytest.approx(np.mean(np.abs(t_boot) >= abs(t_stat) * (1 - 1e-8)))


def test_wild_bootstrap_equals_wildboottest_with_webb_weights(frame):
    design = AbsorbedDesign.from_frame(frame, ["y", *X])
    weights = wild_weights(design.n_entities, 199, "webb", seed=5)
    assert set(np.round(np.unique(weights) ** 2, 12)) == {0.5, 1.0, 1.5}
    result = design.wild_bootstrap("y", X, "x2", draws=199, weight_type="webb", seed=5)
    t_boot, t_stat = _wildboottest_tstats(design, X, "x2", weights)
    np.testing.assert_allclose(result.t_star, t_boot, rtol=1e-8)
    np.testing.assert_allclose(result.tstat, t_stat, rtol=1e-9)


def test_null_draws_equal_a_slow_loop_of_dummy_regressions(frame):
    """Each draw's coefficients and clustered SEs = OLS with dummies on y* built by hand."""
    import statsmodels.api as sm

    design = AbsorbedDesign.from_frame(frame, ["y", *X])
    weights = wild_weights(design.n_entities, 4, seed=2)
    star, _ = design.null_draws("y", X, ["x1", "x3"], weights)
    fast = design.ols(star, X, y_absorbed=True)
    full = _dummy_matrix(design, X)
    y = design.data["y"]
    restricted = sm.OLS(y, full[:, [1, *range(3, full.shape[1])]]).fit()
    for b in range(weights.shape[1]):
        y_star = restricted.fittedvalues + restricted.resid * weights[design.entity.codes, b]
        slow = sm.OLS(y_star, full).fit(
            cov_type="cluster", cov_kwds={"groups": design.entity.codes}
        )
        _close(fast.beta[:, b], slow.params[:3], f"draw {b} params")
        # statsmodels' cluster SE: G/(G-1)(N-1)/(N-K) with K counting the dummies, as here.
        _close(fast.se[:, b], slow.bse[:3], f"draw {b} se")


@pytest.mark.parametrize("other", [None, "cluster_year"], ids=["year", "cluster-year"])
def test_wild_null_computed_by_cluster_equals_the_draws_as_columns(frame, other):
    """Both paths of wild_null, and the draws built and refitted explicitly, agree."""
    columns = ["y", *X, "z1", "z2"]
    design = AbsorbedDesign.from_frame(frame, columns, other=other, effect_dof="rank")
    weights = wild_weights(design.n_entities, 40, seed=4)
    ols = design.ols(["y"], X)
    iv = design.iv(
        ["y"], exog=["x2", "x3"], endog=["x1"], instruments=["z1", "z2"], count_effects=True
    )
    for fit, restrict in ((ols, ["x1", "x3"]), (iv, ["x1"])):
        by_cluster = fit.wild_null(restrict, weights, method="cluster")
        by_columns = fit.wild_null(restrict, weights, method="columns")
        assert (by_cluster.method, by_columns.method) == ("cluster", "columns")
        _close(by_cluster.beta, by_columns.beta, "beta")
        _close(by_cluster.se, by_columns.se, "se")
        x_names = [*fit.x_names]
        star, _ = design.null_draws("y", x_names, restrict, weights)
        if fit.fit.kind == "OLS":
            explicit = design.ols(star, X, y_absorbed=True)
        else:
            explicit = design.iv(
                star,
                exog=["x2", "x3"],
                endog=["x1"],
                instruments=["z1", "z2"],
                count_effects=True,
                y_absorbed=True,
            )
        rows = [x_names.index(r) for r in restrict]
        _close(by_cluster.beta, explicit.beta[rows], "explicit beta")
        _close(by_cluster.se, explicit.se[rows], "explicit se")
        p = by_cluster.pvalue_array(design.n_entities - 1)
        assert p.shape == (len(restrict), 40) and ((0 <= p) & (p <= 1)).all()


def test_wild_null_of_2sls_equals_iv2sls_on_each_draw(frame):
    """Each 2SLS null draw = linearmodels IV2SLS on the demeaned y*, CR1 with K effects."""
    columns = ["y", *X, "z1", "z2"]
    data, demeaned = _demeaned_iv(frame, columns)
    design = AbsorbedDesign.from_frame(data, columns, effect_dof="rank")
    weights = wild_weights(design.n_entities, 3, seed=9)
    iv = design.iv(
        ["y"], exog=["x2", "x3"], endog=["x1"], instruments=["z1", "z2"], count_effects=True
    )
    draws = iv.wild_null(["x1"], weights)
    # The restricted model under H0: beta_x1 = 0 is OLS of y on the exogenous regressors.
    exog = demeaned[["x2", "x3"]].to_numpy()
    gamma = np.linalg.lstsq(exog, demeaned["y"].to_numpy(), rcond=None)[0]
    fitted = exog @ gamma
    resid = demeaned["y"].to_numpy() - fitted
    codes = data["code"].to_numpy()
    cities = np.sort(np.unique(codes))
    n, g = len(data), len(cities)
    k = 3 + design.n_effects
    for b in range(3):
        v = weights[np.searchsorted(cities, codes), b]
        y_star = fitted + two_way_demean(
            pd.DataFrame({"u": resid * v}, index=pd.MultiIndex.from_frame(data[["code", "year"]]))
        )["u"].to_numpy()
        reference_fit = IV2SLS(
            pd.Series(y_star), demeaned[["x2", "x3"]].reset_index(drop=True),
            demeaned[["x1"]].reset_index(drop=True), demeaned[["z1", "z2"]].reset_index(drop=True),
        ).fit(cov_type="clustered", clusters=codes, debiased=False)  # fmt: skip
        factor = g / (g - 1) * (n - 1) / (n - k)
        _close(draws.beta[0, b], reference_fit.params["x1"], f"draw {b} beta")
        _close(draws.se[0, b], reference_fit.std_errors["x1"] * np.sqrt(factor), f"draw {b} se")


def test_wild_null_refuses_what_it_cannot_draw(frame):
    columns = ["y", *X, "z1", "z2"]
    design = AbsorbedDesign.from_frame(frame, columns)
    weights = wild_weights(design.n_entities, 5)
    iv = design.iv(["y"], exog=["x2"], endog=["x1", "x3"], instruments=["z1", "z2"])
    with pytest.raises(ParameterError, match="every endogenous"):
        iv.wild_null(["x1"], weights)
    ols = design.ols(["y"], X)
    with pytest.raises(ParameterError, match="restrict names"):
        ols.wild_null(["x9"], weights)
    with pytest.raises(ParameterError, match="weights must be"):
        ols.wild_null(["x1"], weights[:-1])
    with pytest.raises(ParameterError, match="clustered"):
        ols.with_cov("robust").wild_null(["x1"], weights)
    with pytest.raises(ParameterError, match="one outcome"):
        design.ols(["y", "x3"], ["x1", "x2"]).wild_null(["x1"], weights)


def test_seeded_weights_are_reproducible_and_valid():
    a = wild_weights(63, 50, seed=[1, 2])
    np.testing.assert_array_equal(a, wild_weights(63, 50, seed=[1, 2]))
    assert set(np.unique(a)) == {-1.0, 1.0}
    assert not np.array_equal(a, wild_weights(63, 50, seed=[1, 3]))
    full = wild_weights(3, 8)
    assert full.shape == (3, 8) and len({tuple(c) for c in full.T}) == 8
    with pytest.raises(ParameterError, match="weight_type"):
        wild_weights(3, 8, "mammen")


# --------------------------------------------------------------------------- refusals


def test_absorbed_and_collinear_regressors_are_refused_by_name(frame):
    data = frame.assign(city_const=frame["code"] % 7, twice=2 * frame["x1"])
    design = AbsorbedDesign.from_frame(data, ["y", "x1", "city_const", "twice"])
    with pytest.raises(DataError, match=r"\['city_const'\] do not vary"):
        design.ols("y", ["x1", "city_const"])
    with pytest.raises(DataError, match="collinear"):
        design.ols("y", ["x1", "twice"])
    with pytest.raises(ParameterError, match="bandwidth"):
        design.ols("y", ["x1"], cov="driscoll-kraay", bandwidth=design.n_periods)
    with pytest.raises(ParameterError, match="cov must be one of"):
        design.ols("y", ["x1"], cov="hac")
    with pytest.raises(ParameterError, match="no column 'x9'"):
        design.ols("y", ["x9"])
    with pytest.raises(DataError, match="No row is complete"):
        AbsorbedDesign.from_frame(data.assign(y=np.nan), ["y", "x1"])
