"""The business-as-usual projection: oracles are numpy least squares with cluster-year dummies,
an explicitly resampled panel, the deterministic recursion, and a panel drawn from the model."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from inertia.errors import ParameterError
from inertia.models.projection import project_baseline, projection_parameters

TRUE = {"a": {"mu": 0.05, "beta": -0.04, "sigma": 0.02, "tau": 0.01},
        "b": {"mu": 0.03, "beta": 0.0, "sigma": 0.01, "tau": 0.005}}  # fmt: skip


def _panel(seed: int = 1, cities: int = 60, years: range = range(2000, 2016)) -> pd.DataFrame:
    """Levels drawn from the projection's own model, cluster a (first half) and b."""
    rng = np.random.default_rng(seed)
    cluster = np.where(np.arange(cities) < cities // 2, "a", "b")
    level = rng.normal(0.0, 0.3, cities)
    rows = []
    for year in years:
        rows += [
            {"code": i, "year": year, "cluster": cluster[i], "level": level[i]}
            for i in range(cities)
        ]
        step = np.zeros(cities)
        for name in ("a", "b"):
            members = cluster == name
            p = TRUE[name]
            mean = level[members].mean()
            step[members] = (
                p["mu"] + p["tau"] * rng.normal()
                + p["beta"] * (level[members] - mean)
                + p["sigma"] * rng.normal(size=members.sum())
            )  # fmt: skip
        level = level + step
    return pd.DataFrame(rows)


def test_slope_and_variances_equal_least_squares_with_cluster_year_dummies() -> None:
    panel = _panel(cities=20, years=range(2000, 2008))
    panel = panel.drop(index=[5, 17, 40]).reset_index(drop=True)  # unbalanced
    first = {"a": 2002, "b": 2001}
    estimates = projection_parameters(panel, first)
    ordered = panel.sort_values(["code", "year"])
    lag = ordered.groupby("code")[["year", "level"]].shift(1)
    rows = ordered.assign(lag_year=lag["year"], lag_level=lag["level"]).dropna()
    rows["gap"] = rows["year"] - rows["lag_year"]
    rows["growth"] = (rows["level"] - rows["lag_level"]) / rows["gap"]
    for cluster in ("a", "b"):
        part = rows[(rows["cluster"] == cluster) & (rows["year"] >= first[cluster])]
        dummies = pd.get_dummies(part["year"]).to_numpy(float)
        design = np.column_stack([part["lag_level"].to_numpy(), dummies])
        coef, *_ = np.linalg.lstsq(design, part["growth"].to_numpy(), rcond=None)
        residual = part["growth"].to_numpy() - design @ coef
        dof = len(part) - dummies.shape[1] - 1
        got = estimates[cluster]
        assert got["beta"][0] == pytest.approx(coef[0], abs=1e-12)
        assert got["sigma"][0] == pytest.approx(
            np.sqrt(np.sum(residual**2 * part["gap"]) / dof), rel=1e-10
        )
        assert got["mu"][0] == pytest.approx(part["growth"].mean(), abs=1e-14)
        cell_means = part.groupby("year")["growth"].mean()
        assert got["tau"][0] == pytest.approx(cell_means.std(ddof=1), rel=1e-10)
        assert got["n_years"][0] == part["year"].nunique()


def test_a_resample_equals_the_explicitly_duplicated_panel() -> None:
    panel = _panel(cities=12, years=range(2000, 2007))
    codes = np.sort(panel["code"].unique())
    counts = np.zeros((1, codes.size))
    picks = [0, 0, 3, 7, 7, 7, 9, 11, 2, 2, 6, 5]
    for code in picks:
        counts[0, code] += 1
    resampled = pd.concat(
        [panel[panel["code"] == code].assign(code=k) for k, code in enumerate(picks)],
        ignore_index=True,
    )
    via_counts = projection_parameters(panel, {"a": 2001, "b": 2001}, counts=counts, entities=codes)
    explicit = projection_parameters(resampled, {"a": 2001, "b": 2001})
    for cluster in ("a", "b"):
        for key in ("mu", "beta", "sigma", "tau"):
            expected = explicit[cluster][key][0]
            assert via_counts[cluster][key][1] == pytest.approx(expected, rel=1e-10)


def test_projection_is_the_recursion_and_recovers_the_model() -> None:
    panel = _panel(seed=4, cities=400)
    horizons, first = {"a": 2020, "b": 2018}, {"a": 2001, "b": 2001}
    estimates = projection_parameters(panel, first)
    for cluster, truth in TRUE.items():
        assert estimates[cluster]["beta"][0] == pytest.approx(truth["beta"], abs=0.006)
        assert estimates[cluster]["sigma"][0] == pytest.approx(truth["sigma"], rel=0.05)
        assert estimates[cluster]["mu"][0] == pytest.approx(truth["mu"], abs=0.008)
    plain = project_baseline(panel, 2015, horizons, first, n_draws=2, residual=False)
    assert plain.years.tolist() == list(range(2016, 2021))
    base = panel[panel["year"] == 2015].sort_values("code")
    a = base["cluster"].to_numpy() == "a"
    mean, deviation = base["level"][a].mean(), base["level"].to_numpy()[a] - base["level"][a].mean()
    mu, beta = estimates["a"]["mu"][0], estimates["a"]["beta"][0]
    expected = mean + 5 * mu + (1 + beta) ** 5 * deviation
    np.testing.assert_allclose(plain.at(2020)[0, a], expected, rtol=0, atol=1e-12)
    assert np.isnan(plain.at(2020)[:, ~a]).all()  # b's horizon is 2018
    noisy = project_baseline(panel, 2015, horizons, first, n_draws=4000, seed=3)
    spread = noisy.at(2016)[:, a] - plain.at(2016)[0, a]
    # One year ahead: the city's shock, the common shock and the mean growth's own error.
    tau, sigma = estimates["a"]["tau"][0], estimates["a"]["sigma"][0]
    expected_sd = np.sqrt(sigma**2 + tau**2 * (1 + 1 / estimates["a"]["n_years"][0]))
    assert spread.std() == pytest.approx(expected_sd, rel=0.05)
    again = project_baseline(panel, 2015, horizons, first, n_draws=4000, seed=3)
    np.testing.assert_array_equal(noisy.levels, again.levels)


def test_bad_inputs_name_the_problem() -> None:
    panel = _panel(cities=10, years=range(2000, 2005))
    with pytest.raises(ParameterError, match="not after the baseline"):
        project_baseline(panel, 2004, {"a": 2004, "b": 2010}, {"a": 2001, "b": 2001}, n_draws=2)
    with pytest.raises(ParameterError, match="no horizon"):
        project_baseline(panel, 2004, {"a": 2010}, {"a": 2001}, n_draws=2)
