"""Tests for inertia.models.delivery (chapter 3's delivered share).

Oracles:

* linearmodels ``PanelOLS(change ~ required, other_effects=cluster-year)`` with
  SEs clustered by city and ``debiased=True``: the same slope and SE (1e-10);
* a hand-built panel in which every city closes exactly half the required
  closure: the slope is 0.5 exactly;
* the simulated panel under its two truths (plans delivered or not).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from inertia.errors import DataError, ParameterError
from inertia.measures.synergy import plans_table
from inertia.models.delivery import delivered_share, delivery_design

PLANS = pd.DataFrame(
    {"milestone_year": [2010, 2012], "horizon_year": [2020, 2022], "residual_gap_share": 0.5},
    index=pd.Index(["a", "b"], name="cluster"),
)


def _panel(share: float, noise: float = 0.0, seed: int = 1) -> tuple[pd.Series, pd.Series]:
    """Cities whose gaps close ``share`` of the plan's path exactly (plus noise)."""
    rng = np.random.default_rng(seed)
    rows, clusters = [], {}
    for code in range(20):
        cluster = "a" if code < 10 else "b"
        clusters[code] = cluster
        plan = PLANS.loc[cluster]
        gap = 0.05 * (code % 10)
        for year in range(2006, 2019):
            progress = np.clip((year - plan.milestone_year) / (plan.horizon_year -
                                                               plan.milestone_year), 0, 1)
            closed = share * (1 - plan.residual_gap_share) * progress * gap
            level = 0.03 * (year - 2006) - gap + closed + noise * rng.normal()
            rows.append((code, year, level))
    frame = pd.DataFrame(rows, columns=["code", "year", "level"]).set_index(["code", "year"])
    return frame["level"], pd.Series(clusters)


def test_exact_half_delivery_gives_a_half() -> None:
    levels, clusters = _panel(0.5)
    result = delivered_share(levels, clusters, PLANS)
    table = result.table.set_index("scope")
    np.testing.assert_allclose(table["estimate"], 0.5, atol=1e-12)
    assert result.dropped == 0
    # Base year: the milestone year itself (it is a data year).
    assert set(result.design["base_year"]) == {2010, 2012}


def test_slope_and_se_equal_panelols_with_cluster_year_effects() -> None:
    from linearmodels.panel import PanelOLS

    levels, clusters = _panel(0.7, noise=0.01)
    result = delivered_share(levels, clusters, PLANS, se="cr1")
    design = result.design.set_index(["code", "year"])
    labels = pd.factorize(design["cluster"] + design.index.get_level_values("year").astype(str))[0]
    oracle = PanelOLS(
        design["change"],
        design[["required"]],
        other_effects=pd.DataFrame({"cy": labels}, index=design.index),
    ).fit(cov_type="clustered", cluster_entity=True, debiased=True, group_debias=True)
    pooled = result.pooled
    assert pooled["estimate"] == pytest.approx(oracle.params["required"], abs=1e-10)
    assert pooled["se"] == pytest.approx(oracle.std_errors["required"], abs=1e-10)


def test_one_sided_test_of_delivery() -> None:
    levels, clusters = _panel(0.3, noise=0.005)
    behind = delivered_share(levels, clusters, PLANS).pooled
    assert behind["inertia"] and behind["pvalue"] < 0.01
    levels, clusters = _panel(1.2, noise=0.005)
    ahead = delivered_share(levels, clusters, PLANS).pooled
    assert not ahead["inertia"] and ahead["pvalue"] > 0.9


def test_cities_without_a_base_year_are_dropped_and_counted() -> None:
    levels, clusters = _panel(0.5)
    levels = levels.drop(index=(3, 2010))
    result = delivered_share(levels, clusters, PLANS)
    assert result.dropped == (2018 - 2010)  # city 3's post-milestone years
    assert 3 not in set(result.design["code"])


def test_no_base_year_is_a_clear_error() -> None:
    levels, clusters = _panel(0.5)
    late = levels[levels.index.get_level_values("year") > 2013]
    with pytest.raises(DataError, match="base year"):
        delivered_share(late, clusters, PLANS)


def test_plans_table_reads_targets_and_checks_overrides() -> None:
    from inertia.measures.synergy import plan_schedule

    plans = plans_table(plan_schedule())
    assert plans["residual_gap_share"].tolist() == [0.5, 0.5, 0.5]
    assert plans_table(plan_schedule(), {"yrd": 0.2}).loc["yrd", "residual_gap_share"] == 0.2
    with pytest.raises(ParameterError, match="plan_residual_gap"):
        plans_table(plan_schedule(), 1.5)


def test_design_requires_the_plan_columns() -> None:
    levels, clusters = _panel(0.5)
    with pytest.raises(ParameterError, match="residual_gap_share"):
        delivered_share(levels, clusters, PLANS.drop(columns="residual_gap_share"))
    design, dropped = delivery_design(levels, clusters, PLANS)
    assert {"change", "required", "base_gap"} <= set(design.columns) and dropped == 0


def test_cluster_jackknife_by_hand() -> None:
    levels, clusters = _panel(0.7, noise=0.01)
    result = delivered_share(levels, clusters, PLANS)
    design = result.design
    slopes = []
    for city in sorted(design["code"].unique()):
        part = delivered_share(levels.drop(index=city, level="code"), clusters, PLANS)
        slopes.append(part.pooled["estimate"])
    slopes = np.array(slopes)
    g = len(slopes)
    expected = np.sqrt((g - 1) / g * ((slopes - slopes.mean()) ** 2).sum())
    assert result.pooled["se"] == pytest.approx(expected, abs=1e-12)
    assert result.se == "cv3"


def test_excluded_city_years_are_left_out_and_counted() -> None:
    levels, clusters = _panel(0.5, noise=0.01)
    exclude = pd.MultiIndex.from_tuples([(1, 2015), (2, 2016)], names=["code", "year"])
    result = delivered_share(levels, clusters, PLANS, exclude=exclude)
    assert result.excluded == 2
    keys = set(zip(result.design["code"], result.design["year"], strict=True))
    assert (1, 2015) not in keys and (2, 2016) not in keys
