"""The validation harness, small enough for every test run, so that it cannot rot.

A few replications at fixed seeds check that each chapter's verdict follows
the truth on measured data (the full 200-replication table is produced by
``python -m inertia validate`` and notebook 02_validation), that the harness
is deterministic whatever the engine, and that its summary is computed right
(a hand-made table).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from inertia import validation
from inertia.errors import ParameterError

REPS = 3


@pytest.fixture(scope="module")
def small() -> validation.ValidationResult:
    return validation.validate(REPS, seed=7, n_boot=49)


def _rows(result: validation.ValidationResult, claim: str, truth: str) -> pd.DataFrame:
    table = result.replications
    return table[(table["claim"] == claim) & (table["truth"] == truth)]


def test_every_claim_under_every_truth(small) -> None:
    claims = set(small.replications["claim"])
    assert {"inertia", "effect_weakness", "link_weakness_deviation", "indirect_chain"} <= claims
    assert len(small.summary) == len(claims) * len(validation.TRUTHS)
    assert (small.summary["reps"] == REPS).all()
    # The harness never regresses on a latent variable: every estimate comes from a verdict
    # (the specification curve's test keeps its rejection only: no true standardised value).
    curve = small.replications["chapter"] == "07_robustness"
    assert small.replications.loc[~curve, "estimate"].notna().all()
    assert small.replications.loc[curve, "estimate"].isna().all()


def test_the_curve_test_follows_the_truth(small) -> None:
    summary = small.summary.set_index(["claim", "truth"])
    for role in ("weakness", "deviation", "reinforcement"):
        for claim in (f"curve_{role}", f"curve_share_{role}"):
            assert summary.at[(claim, "no_role_effects"), "kind"] == "size"
            assert summary.at[(claim, "default"), "kind"] == "power"
            assert np.isnan(summary.at[(claim, "default"), "coverage"])
            assert _rows(small, claim, "default")["p_value"].between(1 / 200, 1).all()
    for role in ("weakness", "deviation"):
        assert _rows(small, f"curve_{role}", "default")["rejected"].all()
        assert not _rows(small, f"curve_{role}", "no_role_effects")["rejected"].any()


def test_chapter_3_follows_the_truth(small) -> None:
    default = _rows(small, "inertia", "default")
    delivered = _rows(small, "inertia", "plans_delivered")
    assert default["rejected"].all()
    assert default["estimate"].mean() < 0.5 < delivered["estimate"].mean()
    assert delivered["true_value"].eq(1.0).all() and default["true_value"].lt(0.5).all()


def test_chapter_4_and_5_follow_the_truth(small) -> None:
    for claim in ("effect_weakness", "effect_deviation", "effect_reinforcement"):
        on = _rows(small, claim, "default")
        off = _rows(small, claim, "no_role_effects")
        assert off["true_value"].eq(0.0).all() and on["true_value"].gt(0).all()
        assert abs(off["estimate"].mean()) < on["estimate"].mean(), claim
    link_on = _rows(small, "link_weakness_deviation", "default")
    link_off = _rows(small, "link_weakness_deviation", "no_chain")
    assert link_on["rejected"].all() and link_off["true_value"].eq(0.0).all()
    assert abs(link_off["estimate"].mean()) < 0.1 < link_on["estimate"].mean()


def test_chapter_6_scenarios_follow_the_truth(small) -> None:
    for claim in ("scenario_fiscal_transfer", "scenario_evaluation_reform"):
        on = _rows(small, claim, "default")
        off = _rows(small, claim, "no_role_effects")
        # Without role effects no lever changes the shortfall: the null of a lever without effect.
        assert off["true_value"].eq(0.0).all() and on["true_value"].lt(0).all(), claim
        assert on["estimate"].mean() < -abs(off["estimate"].mean()), claim
        assert on["rejected"].all(), claim
    assert "scenario_cost_sharing" not in set(small.replications["claim"])


def test_same_seed_same_table_on_a_process_pool(small) -> None:
    again = validation.validate(
        REPS, seed=7, n_boot=49, jobs=2, truths={"default": {}, "no_chain": {"chain": "zero"}}
    )
    mine = small.replications[small.replications["truth"].isin(["default", "no_chain"])]
    pd.testing.assert_frame_equal(
        again.replications.sort_values(["truth", "replication", "claim"], ignore_index=True),
        mine.sort_values(["truth", "replication", "claim"], ignore_index=True),
    )


def test_summary_by_hand() -> None:
    rows = pd.DataFrame(
        {
            "chapter": "03",
            "claim": "c",
            "truth": ["t"] * 4,
            "estimate": [0.1, 0.3, -0.1, 0.5],
            "se": 0.2,
            "ci_low": [-0.2, 0.1, -0.4, 0.2],
            "ci_high": [0.4, 0.5, 0.2, 0.8],
            "p_value": [0.3, 0.01, 0.6, 0.02],
            "rejected": [False, True, False, True],
            "null_value": 0.0,
            "true_value": 0.25,
        }
    )
    summary = validation.summarise(rows).iloc[0]
    assert summary["kind"] == "power" and summary["rejection_rate"] == 0.5
    # Truth 0.25 is inside the first, second and fourth intervals.
    assert summary["coverage"] == 0.75
    assert summary["bias"] == pytest.approx(np.mean([0.1, 0.3, -0.1, 0.5]) - 0.25)
    assert summary["rmse"] == pytest.approx(np.sqrt(np.mean(np.square([-0.15, 0.05, -0.35, 0.25]))))
    assert not summary["meets"] and "power 0.50" in summary["reason"]
    assert "coverage 0.75" in summary["reason"]


def test_summary_of_a_test_without_an_interval_by_hand() -> None:
    """The curve test's rows: no estimate, no interval, so only the rejection rate counts."""
    rows = pd.DataFrame(
        {
            "chapter": "07_robustness",
            "claim": "curve_weakness",
            "truth": ["t"] * 20,
            "estimate": np.nan,
            "se": np.nan,
            "ci_low": np.nan,
            "ci_high": np.nan,
            "p_value": [0.01] * 4 + [0.5] * 16,
            "rejected": [True] * 4 + [False] * 16,
            "null_value": 0.0,
            "true_value": 0.0,
        }
    )
    summary = validation.summarise(rows).iloc[0]
    assert summary["kind"] == "size" and summary["rejection_rate"] == 0.2
    assert np.isnan(summary["coverage"]) and summary["target"] == "size 0.02-0.08 (no interval)"
    assert not summary["meets"]
    assert summary["reason"] == (
        "over-rejects under the null (0.20; Monte Carlo SE of a 0.05 rate 0.049 at 20 replications)"
    )
    held = validation.summarise(rows.assign(rejected=[False] * 19 + [True])).iloc[0]
    assert held["meets"] and held["reason"] == ""


def test_bad_settings_are_refused() -> None:
    with pytest.raises(ParameterError, match="reps"):
        validation.validate(1)
    with pytest.raises(ParameterError, match="truth"):
        validation.parse_truths(["nothing"])


def test_a_cached_suite_is_computed_once_when_two_runs_ask_at_once(tmp_path, monkeypatch) -> None:
    """The simulated and the CCSY run start the harness side by side: one computes, one reads."""
    import threading
    import time

    monkeypatch.setattr(validation, "summarise", lambda replications: replications)
    calls = []

    def compute():
        calls.append(1)
        time.sleep(0.5)  # long enough for the second caller to arrive while the first computes
        frame = pd.DataFrame({"replication": [0, 1], "estimate": [0.5, 0.25]})
        return validation.ValidationResult(frame, frame, {"reps": 2})

    results = []

    def ask():
        results.append(validation._cached_result(tmp_path, "suite", {"reps": 2}, compute))

    threads = [threading.Thread(target=ask) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(calls) == 1
    assert [r.replications["estimate"].tolist() for r in results] == [[0.5, 0.25]] * 2
    validation._cached_result(tmp_path, "suite", {"reps": 2}, compute)
    validation._cached_result(tmp_path, "suite", {"reps": 3}, compute)  # other settings: computed
    assert len(calls) == 2
