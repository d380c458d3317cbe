"""Tests of the specification curve (inertia.multiverse).

Oracles: hand counts of the Cartesian product, linearmodels PanelOLS
(fit_twfe) and pyfixest for the estimation core's fits, the local engine for
the dask engine (byte for byte), the permutation test's statistics for the
bootstrap test's, hand-made tables for the summaries.
"""

from __future__ import annotations

import os
import signal
import time

import numpy as np
import pandas as pd
import pytest

from inertia import multiverse as mv
from inertia.data import reference
from inertia.data.simulate import simulate_panel
from inertia.errors import InertiaError, ParameterError


@pytest.fixture(scope="module")
def data():
    from inertia.data.geometry import contiguity_weights

    sim = simulate_panel(scale="clusters")  # the 63 cluster cities, as chapter 7
    roster = reference.cities()
    weights = contiguity_weights(list(roster.index))
    return sim.panel, roster, weights


@pytest.fixture(scope="module")
def small_local(data):
    panel, roster, weights = data
    return mv.run_multiverse(panel, roster, *mv.small_forks(), weights=weights)


def _assert_same_table(left: pd.DataFrame, right: pd.DataFrame) -> None:
    """Byte for byte: the Parquet files of the two tables are identical."""
    import io

    def parquet(table: pd.DataFrame) -> bytes:
        buffer = io.BytesIO()
        table.to_parquet(buffer, index=False)
        return buffer.getvalue()

    pd.testing.assert_frame_equal(left, right, check_exact=True)
    assert parquet(left) == parquet(right)


# --------------------------------------------------------------------------- expand


def test_expand_counts_product_minus_rules():
    forks = {
        "index_method": ["entropy", "equal"],
        "lags": [0, 1],
        "se": ["clustered", "driscoll-kraay"],
    }
    assert len(mv.expand(forks)) == 8
    rules = [{"if": {"se": "driscoll-kraay"}, "exclude": {"lags": 1}}]
    specs = mv.expand(forks, rules)
    # 2 x (2 x 2 - 1): only (lags 1, DK) goes.
    assert len(specs) == 6
    assert not ((specs["se"] == "driscoll-kraay") & (specs["lags"] == 1)).any()
    assert specs["spec_id"].is_unique
    assert list(specs["order"]) == list(range(6))
    # forks not declared keep the baseline level
    assert set(specs["outcome"]) == {"shortfall"}


def test_spec_id_is_stable_across_declaration_order():
    a = mv.expand({"se": ["clustered", "driscoll-kraay"], "controls": [[], ["log_gdp_pc"]]})
    b = mv.expand({"controls": [[], ["log_gdp_pc"]], "se": ["clustered", "driscoll-kraay"]})
    assert set(a["spec_id"]) == set(b["spec_id"])
    baseline = mv.spec_id(mv.BASELINE)
    assert baseline in set(a["spec_id"])


def test_expand_rejects_unknown_forks_and_levels():
    with pytest.raises(ParameterError, match="Unknown fork"):
        mv.expand({"index_methods": ["entropy"]})
    with pytest.raises(ParameterError, match="no level 'entropi'"):
        mv.expand({"index_method": ["entropi"]})
    with pytest.raises(ParameterError, match="Unknown control"):
        mv.expand({"controls": [["gdp"]]})
    with pytest.raises(ParameterError, match="no level"):
        mv.expand({"se": ["clustered"]}, [{"if": {"se": "dk"}, "exclude": {"lags": 1}}])
    with pytest.raises(ParameterError, match="leave no specification"):
        mv.expand({"lags": [0]}, [{"exclude": {"lags": 0}}])


def test_default_and_small_forks_sizes():
    forks, rules = mv.default_forks()
    specs = mv.expand(forks, rules)
    assert len(specs) >= 1000
    # hand count: city outcomes 3*2*2*2*5*2*2*3 = 1440, cluster gap 3*5*2*2*2*2*3 = 720
    assert len(specs) == 1440 + 720
    # the cluster-gap forks vary only with the cluster-gap outcome (no duplicate estimates)
    city = specs.loc[specs["outcome"] != "cluster_gap"]
    assert set(city["synergy_measure"]) == {"dagum"} and set(city["target_rule"]) == {"plan"}
    assert len(mv.expand(*mv.small_forks())) == 24
    assert mv.parse_multiverse({"forks": forks, "rules": rules}) == (forks, rules)


# --------------------------------------------------------------------------- estimation


def _baseline_frame(data):
    from inertia.measures.synergy import measure_inertia
    from inertia.roles import role_indices

    panel, roster, weights = data
    inertia = measure_inertia(panel, roster)
    roles = role_indices(panel, roster, weights, "entropy").indices
    return inertia.shortfall[["code", "year", "shortfall"]].merge(
        roles.drop(columns="cluster"), on=["code", "year"]
    )


def test_core_equals_linearmodels_and_pyfixest_on_baseline(data, small_local):
    import pyfixest as pf

    from inertia.models.panel import fit_twfe

    frame = _baseline_frame(data).dropna().reset_index(drop=True)
    x = list(mv.EFFECTS)
    clustered = fit_twfe(frame, "shortfall", x).tidy.set_index("term")
    kraay = fit_twfe(frame, "shortfall", x, se="driscoll-kraay").tidy.set_index("term")
    fitted = mv._fit_cell(frame, "shortfall", x, ["clustered", "driscoll-kraay"])
    np.testing.assert_allclose(fitted["clustered"]["estimate"], clustered["coef"], rtol=1e-8)
    np.testing.assert_allclose(fitted["clustered"]["se"], clustered["se"], rtol=1e-8)
    np.testing.assert_allclose(fitted["driscoll-kraay"]["se"], kraay["se"], rtol=1e-8)
    np.testing.assert_allclose(fitted["clustered"]["pvalue"], clustered["p"], rtol=1e-8)
    np.testing.assert_allclose(fitted["clustered"]["ci_low"], clustered["ci_low"], rtol=1e-8)
    np.testing.assert_allclose(fitted["driscoll-kraay"]["ci_high"], kraay["ci_high"], rtol=1e-8)
    # pyfixest with linearmodels' small-sample convention (k_fixef="full"; its DK
    # scales by (N-1)/(N-K), linearmodels by N/(N-K)) and a 1e-12 demeaning tolerance.
    formula = "shortfall ~ weakness + deviation + reinforcement | code + year"
    fixest = pf.feols(
        formula,
        frame,
        vcov={"CRV1": "code"},
        ssc=pf.ssc(k_fixef="full", G_adj=False),
        fixef_tol=1e-12,
        fixef_rm="none",
    )
    g, n = frame["code"].nunique(), len(frame)
    np.testing.assert_allclose(fitted["clustered"]["estimate"], fixest.coef()[x], rtol=1e-8)
    np.testing.assert_allclose(
        fitted["clustered"]["se"], fixest.se()[x] * np.sqrt(g / (g - 1)), rtol=1e-8
    )
    lag = mv.dk_bandwidth(frame["year"].nunique())
    fixest.vcov("DK", vcov_kwargs={"lag": lag, "time_id": "year", "panel_id": "code"})
    np.testing.assert_allclose(
        fitted["driscoll-kraay"]["se"], fixest.se()[x] * np.sqrt(n / (n - 1)), rtol=1e-8
    )
    # The curve's baseline row is that fit.
    table = small_local.table
    base = table.loc[table["spec_id"] == mv.spec_id(mv.BASELINE)].set_index("effect")
    np.testing.assert_allclose(base.loc[x, "estimate"], clustered.loc[x, "coef"], atol=1e-8)
    assert (base["n"] == len(frame)).all()
    # pyfixest's default CRV1 small-sample correction does not count the city effects
    # nested in the clusters: its SE / linearmodels' = sqrt((N-k-G-T+1)/(N-k-T)).
    default = pf.feols(
        "shortfall ~ weakness + deviation + reinforcement | code + year",
        frame,
        vcov={"CRV1": "code"},
    )
    n, g, t, k = len(frame), frame["code"].nunique(), frame["year"].nunique(), 3
    ratio = default.se().reindex(x).to_numpy() / clustered["se"].reindex(x).to_numpy()
    expected = np.sqrt((n - k - g - t + 1) / (n - k - t))
    np.testing.assert_allclose(ratio, expected, rtol=1e-4)
    assert 0.88 < expected < 0.89  # 0.886 on the simulated baseline: N=301, G=63, T=9


def test_small_table_shape_and_order(small_local):
    table = small_local.table
    assert list(table.columns) == mv.TABLE_COLUMNS
    assert len(table) == 24 * 3
    assert table.groupby("spec_id").size().eq(3).all()
    assert list(table["effect"].iloc[:3]) == list(mv.EFFECTS)
    assert table["error"].isna().all()
    assert (table["ci_low"] < table["estimate"]).all() and (
        table["estimate"] < table["ci_high"]
    ).all()
    # SE forks share a fit: same estimate, different SEs.
    pair = table.loc[
        (table["index_method"] == "entropy")
        & (table["role_weighting"] == "entropy")
        & (table["controls"] == "none")
    ]
    by_se = pair.pivot(index="effect", columns="se_type", values=["estimate", "se"])
    np.testing.assert_array_equal(
        by_se["estimate"]["clustered"], by_se["estimate"]["driscoll-kraay"]
    )
    assert not np.allclose(by_se["se"]["clustered"], by_se["se"]["driscoll-kraay"])


def test_lags_and_samples_change_the_estimation_sample(data):
    panel, roster, weights = data
    forks = {"sample": ["all", "no_jjj", "post2010"], "lags": [0, 1], "outcome": ["gap"]}
    table = mv.run_multiverse(panel, roster, forks, weights=weights).table
    n = table.drop_duplicates("spec_id").set_index(["sample", "lags"])["n"]
    assert n[("no_jjj", 0)] < n[("all", 0)] and n[("post2010", 0)] < n[("all", 0)]
    assert n[("all", 1)] < n[("all", 0)]  # the first year has no lag
    frame = mv._measure(mv._Context(panel, roster, weights, "t"), mv.BASELINE, False)
    jjj = set(roster.index[roster["cluster"] == "jjj"])
    n_all = frame[["gap", *mv.EFFECTS]].notna().all(axis=1)
    assert n[("no_jjj", 0)] == int((n_all & ~frame["code"].isin(jjj)).sum())


def test_failures_are_recorded_per_specification(data, monkeypatch):
    panel, roster, weights = data

    def broken(*args, **kwargs):
        raise InertiaError("synthetic failure")

    monkeypatch.setattr(mv, "_measure", broken)
    table = mv.run_multiverse(
        panel, roster, {"se": ["clustered", "driscoll-kraay"]}, weights=weights
    ).table
    assert len(table) == 6 and table["estimate"].isna().all()
    assert table["error"].str.contains("synthetic failure").all()
    with pytest.raises(InertiaError, match="too few observations"):
        mv._fit_cell(
            pd.DataFrame({"code": [1, 2], "year": [1, 2], "y": [0.0, 1.0], "weakness": [1.0, 2.0]}),
            "y",
            ["weakness"],
            ["clustered"],
        )


def test_collect_names_missing_specifications():
    specs = mv.expand({"se": ["clustered", "driscoll-kraay"]})
    one = pd.DataFrame(
        {
            "spec_id": specs["spec_id"].iloc[0],
            "draw": -1,
            "effect": mv.EFFECTS,
            "estimate": 1.0,
            "se": 1.0,
            "ci_low": 0.0,
            "ci_high": 2.0,
            "pvalue": 0.5,
            "n": 10,
            "error": None,
        }
    )
    missing = specs["spec_id"].iloc[1]
    with pytest.raises(InertiaError, match=missing):
        mv._collect({0: one}, specs, (-1,))
    # a duplicate delivery (a retried task) is de-duplicated, not counted twice
    both = pd.concat([one, one.assign(spec_id=missing)])
    table = mv._collect({0: both, 1: both}, specs, (-1,))
    assert len(table) == 6


# --------------------------------------------------------------------------- engines


def test_local_pool_equals_inline(data, small_local):
    panel, roster, weights = data
    pooled = mv.run_multiverse(panel, roster, *mv.small_forks(), weights=weights, jobs=2)
    _assert_same_table(pooled.table, small_local.table)


def test_dask_equals_local_and_survives_a_killed_worker(data, small_local):
    """One loopback cluster: the dask engine equals the local one, and still does when a
    worker is SIGKILLed while it runs a task (dask reruns the lost task elsewhere).

    The engine's own LocalCluster path (no scheduler given) is the same code after
    Client creation; benchmarks/multiverse_speed.py and the CLI exercise it.
    """
    import threading

    from distributed import Client, LocalCluster

    panel, roster, weights = data
    with (
        LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            dashboard_address=None,
        ) as cluster,
        Client(cluster) as client,
    ):
        plain = mv.run_multiverse(
            panel, roster, *mv.small_forks(), weights=weights, engine="dask", scheduler=client
        )
        _assert_same_table(plain.table, small_local.table)

        pids = client.run(os.getpid)
        killed: list[str] = []

        def killer() -> None:
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline and not killed:
                busy = [w for w, keys in client.processing().items() if keys]
                if busy:
                    os.kill(pids[busy[0]], signal.SIGKILL)
                    killed.append(busy[0])
                time.sleep(0.02)

        thread = threading.Thread(target=killer)
        thread.start()
        result = mv.run_multiverse(
            panel,
            roster,
            *mv.small_forks(),
            weights=weights,
            engine="dask",
            scheduler=client,
            task_delay=0.3,
        )
        thread.join()
        assert killed, "no worker was killed while tasks ran"
        assert len(client.scheduler_info()["workers"]) >= 1
    _assert_same_table(result.table, small_local.table)
    assert result.table.groupby("spec_id").size().eq(3).all()


# --------------------------------------------------------------------------- inference


def test_curve_summary_by_hand():
    table = pd.DataFrame(
        {
            "effect": ["weakness"] * 4 + ["deviation"] * 4 + ["reinforcement"] * 4,
            "estimate": [1.0, 2.0, 3.0, -1.0, 0, 0, 0, 0, np.nan, 1, 1, 1],
            "pvalue": [0.01, 0.2, 0.01, 0.01, 0.5, 0.5, 0.5, 0.5, 0.1, 0.01, 1, 1],
        }
    )
    summary = mv.curve_summary(table).set_index("effect")
    assert summary.at["weakness", "median"] == 1.5
    assert summary.at["weakness", "share_positive"] == 0.75
    assert summary.at["weakness", "share_significant"] == 0.75
    assert summary.at["weakness", "share_significant_same_sign"] == 0.5
    assert summary.at["reinforcement", "n_failed"] == 1
    assert summary.at["reinforcement", "share_significant"] == pytest.approx(1 / 3)


def test_fork_influence_identifies_the_fork_that_matters():
    specs = mv.expand({"index_method": ["entropy", "equal"], "se": ["clustered", "driscoll-kraay"]})
    rows = []
    for _, spec in specs.iterrows():
        for effect in mv.EFFECTS:
            shift = 1.0 if spec["index_method"] == "equal" else 0.0
            rows.append({"effect": effect, "estimate": shift, **spec.rename({"se": "se_type"})})
    influence = mv.fork_influence(pd.DataFrame(rows)).set_index(["effect", "fork"])
    assert influence.at[("weakness", "index_method"), "eta_squared"] == pytest.approx(1.0)
    assert influence.at[("weakness", "se_type"), "eta_squared"] == pytest.approx(0.0)
    assert influence.at[("weakness", "index_method"), "median_range"] == pytest.approx(1.0)
    assert influence.at[("weakness", "index_method"), "high_level"] == "equal"


def test_permutation_moves_whole_blocks(data):
    panel, roster, weights = data
    frame = mv._add_lags(
        mv._measure(mv._Context(panel, roster, weights, "p"), mv.BASELINE, False), [1]
    )
    columns = [*mv.EFFECTS, "weakness_lag1"]
    within = mv._permute(frame, seed=1, draw=0, scheme="within_year")
    for _year, rows in frame.groupby("year").groups.items():
        before = frame.loc[rows, columns].sort_values(columns, na_position="last")
        after = within.loc[rows, columns].sort_values(columns, na_position="last")
        np.testing.assert_array_equal(before.to_numpy(), after.to_numpy())  # rows move as blocks
    city = mv._permute(frame, seed=1, draw=0)
    # whole histories move: each city's permuted series is some city's whole series
    original = frame.pivot(index="code", columns="year", values="weakness").to_numpy()
    permuted = city.pivot(index="code", columns="year", values="weakness").to_numpy()
    donors = []
    for row in permuted:
        seen = ~np.isnan(row)
        same = [np.array_equal(row[seen], other[seen]) for other in original]
        donors.append(set(np.flatnonzero(same)))
    assert all(donors)
    assert sum(i not in d for i, d in enumerate(donors)) > 50
    for shuffled in (within, city):
        assert not np.allclose(frame["weakness"].fillna(0), shuffled["weakness"].fillna(0))
        np.testing.assert_array_equal(frame["gap"], shuffled["gap"])  # the outcome stays
    pd.testing.assert_frame_equal(city, mv._permute(frame, seed=1, draw=0))
    with pytest.raises(ParameterError, match="scheme"):
        mv._permute(frame, seed=1, draw=0, scheme="rows")


def test_permutation_test_is_seeded_and_bounded(data):
    panel, roster, weights = data
    forks = {"index_method": ["entropy", "equal"], "se": ["clustered", "driscoll-kraay"]}
    first = mv.permutation_test(panel, roster, forks, n_draws=9, n_specs=3, seed=7, weights=weights)
    second = mv.permutation_test(
        panel, roster, forks, n_draws=9, n_specs=3, seed=7, weights=weights
    )
    pd.testing.assert_frame_equal(first.pvalues, second.pvalues)
    assert len(first.spec_ids) == 3 and len(first.null) == 9 * 3
    assert first.pvalues[["p_median", "p_share"]].ge(0.1).all().all()  # >= 1/(B+1)
    assert first.pvalues[["p_median", "p_share"]].le(1.0).all().all()


def test_cli_run_writes_parquet(data, small_local, tmp_path):
    import pyarrow.parquet as pq

    panel, roster, _ = data
    forks, rules = mv.small_forks()
    out = mv.cli_run(
        "local",
        None,
        1,
        tmp_path / "out" / "multiverse.parquet",
        {"forks": forks, "rules": rules},
        panel=panel,
        roster=roster,
    )
    assert out.is_file() and list(out.parent.iterdir()) == [out]
    read = pd.read_parquet(out)
    pd.testing.assert_frame_equal(read, small_local.table, check_dtype=False)
    assert b"inertia.multiverse" in pq.read_schema(out).metadata


def test_bootstrap_test_draws_are_the_wild_bootstrap_of_each_specification(data):
    """Plumbing oracle: a spec's null draws = an explicit restricted wild bootstrap.

    The baseline frame is rebuilt through the chapter functions, the city weights
    are drawn as bootstrap_test documents (wild_weights(seed=(seed, 1)), cities in
    code order), and each draw's coefficients come from statsmodels OLS with city
    and year dummies on y* = restricted fit + restricted residual x city weight.
    """
    import statsmodels.api as sm

    from inertia.models.twfe_core import wild_weights

    panel, roster, weights = data
    forks = {"controls": [[], ["log_gdp_pc"]]}
    result = mv.bootstrap_test(panel, roster, forks, n_draws=3, seed=11, weights=weights)
    assert result.scheme == "wild-rademacher" and result.n_draws == 3
    specs = mv.expand(forks)
    null_draws = result.null  # per draw and effect: medians over the 2 specs
    frame = _baseline_frame(data)
    frame = frame.merge(
        mv._measure(mv._Context(panel, roster, weights, "b"), mv.BASELINE, False)[
            ["code", "year", "log_gdp_pc"]
        ],
        on=["code", "year"],
    )
    city_weights = wild_weights(len(roster), 3, "rademacher", seed=(11, 1))
    cities = np.sort(roster.index.to_numpy())
    estimates = []
    for controls in ([], ["log_gdp_pc"]):
        sample = frame[["code", "year", "shortfall", *mv.EFFECTS, *controls]].dropna()
        dummies = pd.get_dummies(sample[["code", "year"]].astype(str), drop_first=False)
        dummies = dummies.drop(columns=dummies.columns[-1]).astype(float).to_numpy()
        restricted = sm.OLS(
            sample["shortfall"], np.column_stack([sample[controls].to_numpy(), dummies])
        ).fit()
        full = np.column_stack([sample[[*mv.EFFECTS, *controls]].to_numpy(), dummies])
        v = city_weights[np.searchsorted(cities, sample["code"].to_numpy())]
        estimates.append(
            [
                sm.OLS(restricted.fittedvalues + restricted.resid * v[:, b], full).fit().params[:3]
                for b in range(3)
            ]
        )
    by_hand = np.median(np.array(estimates), axis=0)  # (draws, effects): median of 2 specs
    np.testing.assert_allclose(
        null_draws["median"].to_numpy().reshape(3, 3), by_hand, rtol=1e-8, atol=1e-12
    )
    assert len(specs) == 2  # the observed curve is run_multiverse's
    observed = mv.run_multiverse(panel, roster, forks, weights=weights).table
    pd.testing.assert_frame_equal(result.observed, mv.curve_summary(observed))


def test_bootstrap_test_agrees_with_the_permutation_test(data):
    """Two independent nulls, one verdict per effect (a verdict that can fail).

    On the simulated panel the measured reinforcement index moves the shortfall
    and the measured deviation index does not (p = 0.02 and 0.96 by bootstrap,
    0.02 and 0.90 by permutation, 24 specifications): both tests must say so,
    and the bootstrap's null curves are centred at zero.
    """
    panel, roster, weights = data
    boot = mv.bootstrap_test(panel, roster, *mv.small_forks(), n_draws=99, weights=weights)
    again = mv.bootstrap_test(panel, roster, *mv.small_forks(), n_draws=99, weights=weights)
    pd.testing.assert_frame_equal(boot.pvalues, again.pvalues)
    perm = mv.permutation_test(
        panel, roster, *mv.small_forks(), n_draws=49, n_specs=None, weights=weights
    )
    pd.testing.assert_frame_equal(boot.observed, perm.observed)
    for result in (boot, perm):
        p = result.pvalues.set_index("effect")["p_median"]
        assert p.between(1 / (1 + result.n_draws), 1).all()
        assert p["reinforcement"] <= 0.05 and p["deviation"] > 0.5
    null = boot.null.groupby("effect")["median"]
    assert (null.mean().abs() < 3 * null.std() / np.sqrt(99)).all()
