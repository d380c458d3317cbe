"""Recovery of known effects: the chapter-4 baseline on the simulated panel's latent variables.

Oracle: the true coefficients the simulation was drawn with
(``truth["outcome"]["effects"]``, documented in :mod:`inertia.data.simulate`).
At the default seed the baseline TWFE estimate of each role effect, with SEs
clustered by city, must have the truth inside its 95% interval. (The Monte
Carlo in ``benchmarks/monte_carlo_roles.py`` checks that such intervals cover
about 95% of the time over seeds; here one draw is checked, so the test can
fail only if the estimator, the SEs or the simulation break.)
"""

from __future__ import annotations

import numpy as np
import pytest

from inertia.data.simulate import simulate_panel
from inertia.models.panel import fit_twfe
from inertia.params import ChapterParams
from inertia.report.role_text import recovery_table

DEFAULT_SEED = ChapterParams().seed  # the seed of params.yaml
ROLE_EFFECTS = ("true_weakness", "true_deviation", "true_reinforcement")


@pytest.fixture(scope="module")
def simulated():
    return simulate_panel(seed=DEFAULT_SEED)


@pytest.fixture(scope="module")
def baseline(simulated):
    effects = simulated.truth["outcome"]["effects"]
    return fit_twfe(simulated.latent, "ps_growth", list(effects), se="clustered")


def test_the_truth_names_the_three_role_effects(simulated) -> None:
    effects = simulated.truth["outcome"]["effects"]
    assert set(ROLE_EFFECTS) <= set(effects)
    # The roles lower public-service growth (module docstring of inertia.data.simulate).
    assert all(effects[term] < 0 for term in ROLE_EFFECTS)


@pytest.mark.parametrize("term", ROLE_EFFECTS)
def test_each_role_effect_lies_in_its_95_percent_interval(simulated, baseline, term) -> None:
    truth = simulated.truth["outcome"]["effects"][term]
    row = baseline.tidy.set_index("term").loc[term]
    assert row["ci_low"] <= truth <= row["ci_high"], (
        f"{term}: truth {truth} outside [{row['ci_low']:.4f}, {row['ci_high']:.4f}]"
    )
    # And the interval is informative: it excludes zero (the effects are a few SEs large).
    assert row["ci_high"] < 0


def test_recovery_table_agrees_with_the_fit(simulated, baseline) -> None:
    effects = {t: simulated.truth["outcome"]["effects"][t] for t in ROLE_EFFECTS}
    table = recovery_table({"clustered": baseline}, effects).set_index("term")
    tidy = baseline.tidy.set_index("term")
    for term, truth in effects.items():
        assert table.loc[term, "estimate"] == pytest.approx(tidy.loc[term, "coef"])
        assert table.loc[term, "bias"] == pytest.approx(tidy.loc[term, "coef"] - truth)
        inside = bool(tidy.loc[term, "ci_low"] <= truth <= tidy.loc[term, "ci_high"])
        assert bool(table.loc[term, "covered"]) is inside
    assert table["covered"].all()


def test_recovery_table_intervals_at_another_level(baseline) -> None:
    """At level 0.5 the interval is coef ± t_{0.75, df} · se (hand formula)."""
    from scipy import stats

    table = recovery_table({"clustered": baseline}, {"true_weakness": -0.05}, level=0.5)
    row = baseline.tidy.set_index("term").loc["true_weakness"]
    q = stats.t.ppf(0.75, baseline.result.df_resid)
    assert table.loc[0, "ci_low"] == pytest.approx(row["coef"] - q * row["se"])
    assert table.loc[0, "ci_high"] == pytest.approx(row["coef"] + q * row["se"])
    assert np.isfinite(table.loc[0, "se"])
