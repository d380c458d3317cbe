"""Sentences and derived tables of chapters 05 and 06: read from the numbers, change with them."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from inertia.models.mediation import PATHS, path_values
from inertia.report import chain_text

TRUTH = {
    "estimands": {
        "chain": {
            "weakness_to_deviation": 0.3,
            "deviation_to_reinforcement": 0.3,
            "weakness_to_reinforcement": 0.1,
        },
        "roles": {
            "effect_on_shortfall_growth": {
                "weakness": -0.05,
                "deviation": -0.08,
                "reinforcement": -0.06,
            }
        },
    }
}


def _paths(coefficients, half_width: float = 0.01) -> pd.DataFrame:
    """A MediationResult.paths-like table with symmetric intervals around the estimates."""
    estimates = path_values(np.asarray(coefficients, dtype=float))
    return pd.DataFrame(
        {
            "path": [p for p, _ in PATHS],
            "description": [d for _, d in PATHS],
            "estimate": estimates,
            "se": half_width / 2,
            "ci_low": estimates - half_width,
            "ci_high": estimates + half_width,
            "bc_low": estimates - half_width,
            "bc_high": estimates + half_width,
            "ci": 0.95,
        }
    )


# --------------------------------------------------------------------------- chapter 05


def test_true_paths_by_hand() -> None:
    from inertia.chapters.chain_reaction import true_paths

    truth = true_paths(TRUTH)
    a1, a2, a3, b1, b2, b3 = 0.3, 0.3, 0.1, -0.05, -0.08, -0.06
    assert truth["a1_W_D"] == a1 and truth["direct_R_y"] == b3
    assert truth["indirect_W_D_R_y"] == pytest.approx(a1 * a2 * b3, abs=1e-15)
    # Hand calculation: -0.05 + 0.3*-0.08 + 0.1*-0.06 + 0.3*0.3*-0.06 = -0.0854
    assert truth["total_W"] == pytest.approx(-0.0854, abs=1e-12)
    assert truth["total_W"] == pytest.approx(b1 + a1 * b2 + a3 * b3 + a1 * a2 * b3, abs=1e-15)
    assert truth["total_D"] == pytest.approx(b2 + a2 * b3, abs=1e-15)


def test_truth_check_and_sentence_follow_the_intervals() -> None:
    from inertia.chapters.chain_reaction import true_paths, truth_check

    truth = true_paths(TRUTH)
    coefficients = np.array([0.3, 0.3, 0.1, -0.05, -0.08, -0.06])
    exact = truth_check(_paths(coefficients), truth)
    assert exact["covered"].all() and (exact["bias"].abs() < 1e-15).all()
    sentence = chain_text.truth_sentence(exact)
    assert "13 of the 13 true paths" in sentence and "validation appendix" in sentence

    shifted = coefficients + np.array([0.2, 0, 0, 0, 0, 0])
    missed = truth_check(_paths(shifted), truth)
    assert not missed.set_index("path").loc["a1_W_D", "covered"]
    assert missed.set_index("path").loc["a2_D_R", "covered"]
    other = chain_text.truth_sentence(missed)
    assert other != sentence and "Missed: W -> D (a1): truth 0.300, estimate 0.500" in other


def test_chain_sentence_reads_the_estimates() -> None:
    significant = chain_text.chain_sentence(_paths([0.3, 0.3, 0.1, -0.05, -0.08, -0.06]))
    assert "W -> D (a1) = 0.300 [0.290, 0.310]" in significant
    assert "covers 0" not in significant
    share = path_values(np.array([0.3, 0.3, 0.1, -0.05, -0.08, -0.06]))[-1]
    assert f"carries {share:.0%}" in significant
    # A zero total effect: the mediated share is not reported.
    flat = chain_text.chain_sentence(_paths([0.0, 0.3, 0.0, 0.0, 0.0, 0.0]))
    assert "(interval covers 0)" in flat and "not interpretable" in flat
    assert flat != significant


def test_shock_sentence_counts_periods() -> None:
    table = pd.DataFrame(
        {
            "horizon": [0, 1, 2],
            "role": "y",
            "estimate": [-0.02, -0.01, -0.005],
            "low": [-0.03, -0.02, -0.01],
            "high": [-0.01, -0.005, 0.0],
            "cumulative": [-0.02, -0.03, -0.035],
            "cumulative_low": [-0.03, -0.05, -0.06],
            "cumulative_high": [-0.01, -0.015, -0.02],
        }
    )
    table.attrs.update(shock="weakness", persistence=0.5)
    annual = chain_text.shock_sentence(table, 1)
    assert "role weakness" in annual and "per year" in annual
    assert "-0.0200 [-0.0300, -0.0100] on impact" in annual and "2 years later" in annual
    assert "over 3 years, -0.0350" in annual
    triennial = chain_text.shock_sentence(table, 3)
    assert "2 periods (6 years) later" in triennial and "per 3-year period" in triennial


# --------------------------------------------------------------------------- chapter 06


def _scenario_tables(reform_jjj: float, transfer_jjj: float):
    """Summary/ranking/draws tables for two clusters and three single levers + a package."""
    measures = [
        ("transfer", "weakness", 10.0),
        ("reform", "deviation", 5.0),
        ("cost", "reinforcement", 1.0),
        ("package", "combination", 1.0),
    ]
    effects = {
        "jjj": {"transfer": transfer_jjj, "reform": reform_jjj, "cost": -0.001, "package": -0.03},
        "yrd": {"transfer": -0.010, "reform": -0.002, "cost": -0.001, "package": -0.013},
    }
    summary_rows, ranking_rows, draw_rows = [], [], []
    for cluster, by_measure in effects.items():
        order = sorted(by_measure, key=by_measure.get)
        for name, dimension, size in measures:
            mean = by_measure[name]
            row = {
                "measure": name,
                "cluster": cluster,
                "dimension": dimension,
                "size": size,
                "unit": "u",
                "horizon_year": 2030,
                "n_targeted": 3,
            }
            for quantity, value in {
                "gap_change": mean,
                "gap_change_per_unit": mean / size,
                "share_horizon_gap_closed": -mean / 0.05,
                "abs_gini_change": 3 * mean,
                "share_horizon_abs_gap_closed": -3 * mean / 0.2,
                "shortfall_change": 2 * mean,
                "shortfall_change_per_unit": 2 * mean / size,
            }.items():
                row[quantity] = value
                row[f"{quantity}_low"] = value - 0.004
                row[f"{quantity}_high"] = value + 0.004
            summary_rows.append(row)
            ranking_rows.append(
                {
                    "cluster": cluster,
                    "rank": order.index(name) + 1,
                    "measure": name,
                    "criterion": "gap_change",
                    "mean": mean,
                    "low": mean - 0.004,
                    "high": mean + 0.004,
                    "prob_best": 0.25,
                }
            )
            # Four draws: the mean plus fixed noise, identical across measures but one.
            noise = np.array([-0.001, 0.0, 0.001, 0.0])
            if name == "cost":
                noise = np.array([-0.2, 0.0, 0.0, 0.0])  # best single lever in draw 0 only
            for draw, value in enumerate(mean + noise):
                draw_rows.append(
                    {"measure": name, "cluster": cluster, "draw": draw, "gap_change": value}
                )
    return pd.DataFrame(summary_rows), pd.DataFrame(ranking_rows), pd.DataFrame(draw_rows)


def test_ranking_table_is_in_rank_order_with_intervals() -> None:
    summary, ranking, _ = _scenario_tables(reform_jjj=-0.02, transfer_jjj=-0.005)
    ranked = chain_text.ranking_table(summary, ranking)
    jjj = ranked[ranked["cluster"] == "jjj"]
    assert list(jjj["measure"]) == ["package", "reform", "transfer", "cost"]
    assert list(jjj["rank"]) == [1, 2, 3, 4]
    assert {
        "gap_change_low", "share_horizon_gap_closed_high", "gap_change_per_unit",
        "abs_gini_change", "share_horizon_abs_gap_closed_low",
    } <= set(ranked)  # fmt: skip


def test_priority_is_computed_from_the_ranking_and_changes_with_it() -> None:
    summary, ranking, draws = _scenario_tables(reform_jjj=-0.02, transfer_jjj=-0.005)
    priority = chain_text.priority_table(chain_text.ranking_table(summary, ranking), draws)
    by_cluster = priority.set_index("cluster")
    assert by_cluster.loc["jjj", "dimension"] == "deviation"  # the package never competes
    assert by_cluster.loc["yrd", "dimension"] == "weakness"
    # Draw 0 has the cost lever far ahead: best single lever in 3 of 4 draws.
    assert by_cluster.loc["jjj", "prob_best"] == pytest.approx(0.75)
    sentence = chain_text.priority_sentence(priority, 2022)
    assert "In Beijing-Tianjin-Hebei the correction of role deviation (reform)" in sentence
    assert "In the Yangtze River Delta the correction of role weakness (transfer)" in sentence
    assert "40% of the gap projected to that horizon" in sentence  # 0.02 / 0.05
    assert "2022" not in sentence  # never the last observed gap
    assert "differs between clusters" in sentence

    summary, ranking, draws = _scenario_tables(reform_jjj=-0.002, transfer_jjj=-0.02)
    swapped = chain_text.priority_table(chain_text.ranking_table(summary, ranking), draws)
    assert set(swapped["dimension"]) == {"weakness"}
    other = chain_text.priority_sentence(swapped, 2022)
    assert other != sentence and "leads in every cluster" in other


def test_top_gains_sentence_handles_gains_and_losses() -> None:
    names = {1: "Alpha", 2: "Beta", 3: "Gamma"}
    gains = pd.Series({1: 0.02, 2: 0.05, 3: 0.01})
    text = chain_text.top_gains_sentence(gains, names, "package", top=2)
    assert "go to Beta (+0.0500), Alpha (+0.0200); the smallest is Gamma (+0.0100)" in text
    losses = chain_text.top_gains_sentence(-gains, names, "package", top=1)
    assert "every city's public-service index falls" in losses and "most in Beta" in losses


def test_scenario_truth_table_flags_coverage() -> None:
    summary = pd.DataFrame(
        {
            "measure": "t",
            "cluster": ["jjj", "yrd"],
            "horizon_year": [2030, 2035],
            "shortfall_change": [-0.06, -0.09],
            "shortfall_change_low": [-0.07, -0.10],
            "shortfall_change_high": [-0.05, -0.08],
        }
    )
    table = chain_text.scenario_truth_table(summary, {"jjj": -0.068, "yrd": -0.111})
    assert list(table["covered"]) == [True, False]
    sentence = chain_text.scenario_truth_sentence(table)
    assert "1 of 2 measure-by-cluster cells" in sentence
    assert "Missed: t in the Yangtze River Delta (truth -0.1110" in sentence


def test_disagreement_sentence_names_the_cells_where_the_yardsticks_differ() -> None:
    summary = pd.DataFrame(
        {
            "measure": ["reform", "transfer", "cost"],
            "cluster": ["jjj", "jjj", "yrd"],
            "gap_change": [0.0, -0.01, -0.002],
            "gap_change_low": [0.0, -0.012, -0.004],
            "gap_change_high": [0.0, -0.008, 0.001],
            "abs_gini_change": [0.03, -0.02, -0.003],
            "abs_gini_change_low": [0.02, -0.03, -0.005],
            "abs_gini_change_high": [0.04, -0.01, -0.001],
        }
    )
    sentence = chain_text.disagreement_sentence(summary)
    assert "disagree in 2 of 3" in sentence
    assert (
        "reform in Beijing-Tianjin-Hebei (relative gap: no change, 0.0000; absolute Gini: "
        "widens, 0.0300)"
    ) in sentence
    assert "cost in the Yangtze River Delta (relative gap: no clear change" in sentence
    assert "transfer" not in sentence
    agree = chain_text.disagreement_sentence(summary.iloc[[1]])
    assert "agree on every measure" in agree


def test_support_sentence_reads_the_table_and_warns_beyond_the_data() -> None:
    table = pd.DataFrame(
        {
            "measure": ["transfer", "reform"],
            "size": [5.0, 5.0],
            "unit": ["points of fiscal self-sufficiency", "points of livelihood budget share"],
            "component": ["fiscal_gap", "non_livelihood_share"],
            "change": [-0.05, -0.05],
            "size_within_sd": [1.16, 4.5],
            "size_two_way_sd": [1.2, 4.8],
            "share_as_large": [0.23, 0.01],
            "share_in_own_range": [0.95, 0.3],
        }
    )
    sentence = chain_text.support_sentence(table)
    assert "transfer (5 points of fiscal self-sufficiency) moves fiscal_gap by -0.0500, 1.16" in (
        sentence
    )
    assert "reform lies far from the data" in sentence and "transfer lies" not in sentence
    assert "Under reform most targeted cities reach a level" in sentence
    inside = chain_text.support_sentence(table.iloc[[0]])
    assert "Every lever stays within the variation the data show." in inside


def test_projection_sentence_reports_the_horizon_gap_beside_the_observed_one() -> None:
    parameters = pd.DataFrame(
        {"cluster": ["jjj"], "mu": [0.047], "beta": [-0.001], "n_years": [8.0]}
    )
    summary = pd.DataFrame(
        {"cluster": ["jjj", "jjj"], "horizon_year": [2030, 2030], "horizon_gap": [0.09, 0.09],
         "horizon_gap_low": [0.06, 0.06], "horizon_gap_high": [0.12, 0.12]}
    )  # fmt: skip
    gap = pd.DataFrame({"cluster": ["jjj", "jjj"], "year": [2021, 2022], "gap": [0.03, 0.041]})
    sentence = chain_text.projection_sentence(parameters, summary, gap)
    assert "E − S at the 2030 horizon is projected at 0.0900 [0.0600, 0.1200]" in sentence
    assert "(observed 0.0410 in 2022)" in sentence


def test_priority_ignores_levers_that_miss_the_cluster_and_says_when_none_helps() -> None:
    summary, ranking, draws = _scenario_tables(reform_jjj=-0.02, transfer_jjj=0.004)
    summary.loc[(summary["cluster"] == "jjj") & (summary["measure"] == "reform"), "n_targeted"] = 0
    summary.loc[(summary["cluster"] == "jjj") & (summary["measure"] == "cost"), "gap_change"] = 0.01
    priority = chain_text.priority_table(chain_text.ranking_table(summary, ranking), draws)
    jjj = priority.set_index("cluster").loc["jjj"]
    assert jjj["measure"] == "transfer"  # reform reaches no jjj city
    sentence = chain_text.priority_sentence(priority, 2022)
    assert "In Beijing-Tianjin-Hebei no single lever narrows" in sentence
    assert "least adverse is the correction of role weakness (transfer), 0.0040" in sentence
