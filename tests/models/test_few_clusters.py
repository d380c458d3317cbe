"""Tests of the few-cluster inference (inertia.models.few_clusters).

Oracles: the randomisation p-value is recomputed by hand from the placebo
assignments it enumerates (exact); the wild bootstrap's t statistic equals
statsmodels' CR1 t clustered by assignment group (1e-6 relative); a large
effect gives the smallest attainable p-values and no effect does not.
"""

from __future__ import annotations

import itertools
import warnings

import numpy as np
import pandas as pd
import pytest

from inertia.errors import DataError, ParameterError
from inertia.models import few_clusters as fc
from inertia.models.staggered import imputation_event_study


def _panel(effect: float, seed: int = 5) -> pd.DataFrame:
    """Two treated clusters (cohorts 6 and 8) and five provinces of four controls each."""
    rng = np.random.default_rng(seed)
    rows = []
    units = (
        [("a", 6)] * 6
        + [("b", 8)] * 5
        + [(f"province:p{k}", None) for k in range(5) for _ in range(4)]
    )
    for code, (group, cohort) in enumerate(units):
        level = rng.normal()
        for t in range(12):
            treated = cohort is not None and t >= cohort
            y = level + 0.1 * t + (effect * (t - cohort + 1) if treated else 0) + rng.normal(0, 0.1)
            rows.append((code, t, y, cohort, group))
    frame = pd.DataFrame(rows, columns=["code", "period", "y", "cohort", "group"])
    frame["cohort"] = frame["cohort"].astype("Int64")
    return frame


def _t(frame: pd.DataFrame) -> float:
    fit = imputation_event_study(frame, window=2, post=(0, 2), leads=False)
    return fit.post_mean / fit.post_se


def test_placebo_clusters_p_value_by_hand() -> None:
    frame = _panel(effect=0.0)
    result = fc.randomisation_inference(frame, kind="clusters", draws=99, window=2, post=(0, 2))
    groups = fc.placebo_groups(frame)
    assert result.assignments == len(list(itertools.permutations(groups, 2))) == 20
    controls = frame[frame["cohort"].isna()]
    placebo = []
    for first, second in itertools.permutations(groups, 2):
        relabelled = controls.copy()
        cohort = pd.Series(pd.NA, index=relabelled.index, dtype="Int64")
        cohort[relabelled["group"] == first] = 6
        cohort[relabelled["group"] == second] = 8
        relabelled["cohort"] = cohort
        placebo.append(_t(relabelled))
    placebo = np.array(placebo)
    real = _t(frame)
    assert result.statistic == pytest.approx(real, abs=1e-12)
    np.testing.assert_allclose(np.sort(result.placebo), np.sort(placebo), atol=1e-12)
    assert result.pvalue_greater == pytest.approx((1 + (placebo >= real).sum()) / 21)
    assert result.pvalue_two_sided == pytest.approx((1 + (abs(placebo) >= abs(real)).sum()) / 21)


def test_large_effect_is_found_by_both_kinds() -> None:
    frame = _panel(effect=0.5)
    clusters = fc.randomisation_inference(frame, kind="clusters", draws=99, window=2, post=(0, 2))
    assert clusters.pvalue_greater == pytest.approx(1 / 21)
    dates = fc.randomisation_inference(frame, kind="dates", draws=99, window=2, post=(0, 2))
    # Placebo dates: cohort 6 in 1..3, cohort 8 in 1..5 (window ends before the real date).
    assert dates.assignments == 3 * 5
    assert dates.pvalue_greater == pytest.approx(1 / 16)


def test_wild_bootstrap_t_is_the_group_clustered_t() -> None:
    import statsmodels.api as sm

    frame = _panel(effect=0.2)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = fc.wild_cluster_bootstrap(frame, window=2, post=(0, 2), draws=999, seed=1)
    event = frame["period"] - frame["cohort"].astype(float)
    sample = frame[~(event > 2).fillna(False)].reset_index(drop=True)
    treated = ((sample["period"] - sample["cohort"].astype(float)) >= 0).fillna(False)
    dummies = pd.get_dummies(sample[["code", "period"]].astype(str), drop_first=True, dtype=float)
    design = sm.add_constant(pd.concat([treated.astype(float).rename("D"), dummies], axis=1))
    groups = pd.factorize(sample["group"])[0]
    oracle = sm.OLS(sample["y"].to_numpy(), design).fit(
        cov_type="cluster", cov_kwds={"groups": groups}
    )
    assert result.estimate == pytest.approx(oracle.params["D"], rel=1e-10)
    assert result.t_stat == pytest.approx(oracle.tvalues["D"], rel=1e-6)
    assert result.groups == 7 and result.treated_groups == 2
    assert 0 <= result.pvalue <= 1


def test_errors() -> None:
    frame = _panel(effect=0.0)
    with pytest.raises(ParameterError, match="kind"):
        fc.randomisation_inference(frame, kind="units")
    with pytest.raises(DataError, match="groups"):
        fc.randomisation_inference(frame, kind="clusters", window=2, post=(0, 2), min_cities=5)
