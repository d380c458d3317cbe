"""Chapter 3 figures draw what they are given (checked on the returned artists)."""

from __future__ import annotations

from types import SimpleNamespace

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from inertia.chapters.inertia_evidence import effective_milestones
from inertia.data import reference
from inertia.measures.synergy import plan_schedule
from inertia.viz import inertia_figures as figures
from inertia.viz.style import CLUSTER_COLOURS


@pytest.fixture(autouse=True)
def _close() -> None:
    matplotlib.use("Agg")
    yield
    plt.close("all")


def _gap(years: list[int]) -> pd.DataFrame:
    rows = []
    for cluster, milestone in (("jjj", 2014), ("yrd", 2019), ("prd", 2017)):
        for year in years:
            s = 0.6 + 0.01 * (year - years[0])
            e = s + (0.02 * (year - milestone) if year >= milestone else 0.0)
            rows.append((cluster, year, s, e, year >= milestone))
    frame = pd.DataFrame(rows, columns=["cluster", "year", "S", "E", "post"])
    frame["gap"] = frame["E"] - frame["S"]
    return frame


def test_headline_figure_has_one_panel_per_cluster_and_shades_the_gap() -> None:
    years = list(range(2005, 2023))
    milestones = effective_milestones(plan_schedule(["jjj", "yrd", "prd"]), years)
    fig = figures.synergy_gap_figure(
        _gap(years), milestones, measure_label="1 − Dagum Gini", rule_label="plan"
    )
    axes = [ax for ax in fig.axes if ax.get_title()]
    assert [ax.get_title() for ax in axes] == [reference.CLUSTER_NAMES[c][0] for c in
                                               reference.CLUSTERS]
    for ax, cluster in zip(axes, reference.CLUSTERS, strict=True):
        actual = ax.get_lines()[0]
        assert matplotlib.colors.same_color(actual.get_color(), CLUSTER_COLOURS[cluster])
        assert len(ax.collections) >= 1  # the shaded gap


def test_headline_figure_marks_an_unobserved_milestone() -> None:
    years = [2005, 2008, 2011, 2014, 2017, 2020, 2023]
    milestones = effective_milestones(plan_schedule(["jjj", "yrd", "prd"]), years)
    gap = _gap(years)
    gap.loc[(gap["cluster"] == "yrd"), "post"] = gap["year"] >= 2020
    fig = figures.synergy_gap_figure(gap, milestones, measure_label="S", rule_label="plan")
    yrd = next(ax for ax in fig.axes if ax.get_title() == reference.CLUSTER_NAMES["yrd"][0])
    vertical = {line.get_xdata()[0] for line in yrd.get_lines() if len(set(line.get_xdata())) == 1}
    assert {2019, 2020} <= vertical


def test_event_study_figure_handles_a_missing_study() -> None:
    table = pd.DataFrame(
        {
            "event_time": [-2, -1, 0, 1], "coef": [0.01, 0.0, 0.02, 0.03],
            "ci_low": [0.0, np.nan, 0.01, 0.02], "ci_high": [0.02, np.nan, 0.03, 0.04],
            "reference": [False, True, False, False], "label": ["≤ -2", "-1", "0", "≥ 1"],
            "required": [0.0, 0.0, 0.0, -0.02],
        }
    )
    study = SimpleNamespace(estimated=True, coefficients=table, spacing=1,
                            pretrend_pvalue=0.3, outcome="gap")
    missing = SimpleNamespace(estimated=False, spacing=1, pretrend_pvalue=np.nan,
                              outcome="shortfall")
    fig = figures.event_study_figure(study, missing)
    left, right = fig.axes[:2]
    assert "p = 0.3" in left.get_title()
    assert [t.get_text() for t in left.get_xticklabels()] == table["label"].tolist()
    assert not right.axison


def test_decomposition_figure_stacks_the_parts() -> None:
    years = pd.Index([2005, 2006, 2007], name="year")
    table = pd.DataFrame(
        {
            "gini": [0.3, 0.28, 0.26], "gini_within": [0.1] * 3,
            "gini_between_net": [0.12, 0.11, 0.1], "gini_transvariation": [0.08, 0.07, 0.06],
            "theil": [0.2, 0.18, 0.16], "theil_within": [0.15, 0.13, 0.11],
            "theil_between": [0.05] * 3,
        },
        index=years,
    )
    fig = figures.decomposition_figure(table)
    left, right = fig.axes[:2]
    assert len(left.collections) == 3 and len(right.collections) == 2
    top = left.collections[-1].get_paths()[0].vertices[:, 1].max()
    assert top == pytest.approx(0.3)  # the stack adds up to the Gini ratio


def test_coupling_heatmap_has_a_row_per_city() -> None:
    roster = reference.cities()
    codes = roster.index[:5]
    rows = [
        {"code": c, "year": y, "cluster": roster.at[c, "cluster"], "D": 0.1 + 0.1 * k + 0.01 * j}
        for k, c in enumerate(codes)
        for j, y in enumerate([2005, 2010])
    ]
    fig = figures.coupling_heatmap(pd.DataFrame(rows), roster)
    mesh = fig.axes[0].collections[0]
    assert mesh.get_array().shape == (5, 2)  # cities x years
