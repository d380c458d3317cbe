"""The synergy-measure registry (inertia.synergy_measures) and what reads it.

Oracles: the vectorised functions against the scalar implementations of
``measures/inequality.py`` (an independent formula for each index, to 1e-12)
and a hand calculation; an extra measure registered by a test is accepted by
the parameter check, actual and expected synergy, the scenarios, the
synthetic control's group synergy and the labels, with its values checked by
hand.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from libpysal.weights import W

from inertia import params, synergy_measures
from inertia.chapters import corrective_measures
from inertia.data.simulate import simulate_panel
from inertia.errors import ParameterError
from inertia.measures.synergy import actual_synergy, measure_inertia
from inertia.models.synthetic_control import group_synergy
from inertia.report import inertia_text
from inertia.roles import role_indices
from inertia.scenarios import Measure, run_scenarios, synergy_of
from inertia.synergy_measures import SYNERGY_REGISTRY, SynergyMeasureSpec, resolve
from inertia.viz.labels import synergy_label

CHAIN = {"a1": 0.30, "a2": 0.30, "a3": 0.10, "b1": -0.05, "b2": -0.08, "b3": -0.06}


def range_synergy_rows(values: np.ndarray, ddof: int = 0) -> np.ndarray:
    """1 - (max - min) / mean of each row: the extra measure the tests register."""
    return 1.0 - (values.max(axis=-1) - values.min(axis=-1)) / values.mean(axis=-1)


def weakest_domain(frame: pd.DataFrame, base: object = None) -> pd.Series:
    """Mean over the cluster's cities of each city's lowest domain score: a domain measure."""
    from inertia.measures.public_service import DOMAINS

    years = frame.index.get_level_values("year")
    return frame[list(DOMAINS)].min(axis=1).groupby([frame["cluster"], years]).mean()


@pytest.fixture
def extra(monkeypatch):
    """Register ``range`` (levels) and ``weakest_domain`` (domains) for one test."""
    monkeypatch.setitem(
        SYNERGY_REGISTRY,
        "range",
        SynergyMeasureSpec(
            labels=("1 − relative range", "1 − 相对极差"), of_levels=range_synergy_rows
        ),
    )
    monkeypatch.setitem(
        SYNERGY_REGISTRY,
        "weakest_domain",
        SynergyMeasureSpec(labels=("weakest domain", "最弱领域"), of_domains=weakest_domain),
    )


def test_registry_keeps_the_order_and_labels():
    # The order is the order in which outputs list the measures; the labels are in captions.
    assert synergy_measures.synergy_measures() == (
        "dagum", "theil", "cv", "coupling", "synergy_degree"
    )
    assert synergy_measures.level_measures() == ("dagum", "theil", "cv")
    assert [synergy_label(m) for m in synergy_measures.synergy_measures()] == [
        "1 − Dagum Gini",
        "1 − Theil",
        "1 − coefficient of variation",
        "coupling coordination degree",
        "composite-system synergy degree",
    ]
    assert synergy_label("theil", "zh") == "1 − 泰尔指数"
    assert synergy_measures.on_levels("coupling") == "dagum"
    assert synergy_measures.on_levels("cv") == "cv"


def test_every_registered_function_resolves():
    for spec in SYNERGY_REGISTRY.values():
        for ref in (spec.of_levels, spec.cross_section, spec.of_domains, spec.base_state):
            if ref is not None:
                assert callable(resolve(ref))


@pytest.mark.parametrize("measure", ["dagum", "theil", "cv"])
def test_vectorised_equals_scalar_implementation(measure):
    spec = SYNERGY_REGISTRY[measure]
    rows, scalar = resolve(spec.of_levels), resolve(spec.cross_section)
    values = np.random.default_rng(5).lognormal(size=(20, 9))
    values[3, 2] = 0.0  # 0 ln 0 = 0 in Theil
    for ddof in (0, 1):
        expected = [scalar(row, ddof) for row in values]
        assert rows(values, ddof) == pytest.approx(expected, abs=1e-12)


def test_gini_by_hand():
    # x = 1, 2, 3, 4: sum (2i - n - 1) x_(i) = -3 - 2 + 3 + 12 = 10, n^2 mu = 40, G = 0.25.
    rows = resolve(SYNERGY_REGISTRY["dagum"].of_levels)
    assert rows(np.array([4.0, 1.0, 3.0, 2.0])) == pytest.approx(0.75, abs=1e-15)


def test_a_spec_has_levels_or_domains():
    with pytest.raises(ParameterError, match="exactly one"):
        SynergyMeasureSpec(labels=("x", "x"))
    with pytest.raises(ParameterError, match="exactly one"):
        SynergyMeasureSpec(
            labels=("x", "x"), of_levels=range_synergy_rows, of_domains=weakest_domain
        )


def test_unknown_measure_is_refused_with_the_allowed_ones():
    with pytest.raises(ParameterError, match=r"synergy_measure = 'gini' is invalid") as error:
        params.validate({"synergy_measure": "gini"}, "the test")
    assert "allowed: one of dagum, theil, cv, coupling, synergy_degree." in str(error.value)
    with pytest.raises(ParameterError, match=r"must be one of \['dagum'"):
        synergy_measures.measure_spec("gini")


# --------------------------------------------------------------------------- an extra measure


def _hand_index() -> tuple[pd.Series, pd.Series]:
    """Two clusters of three cities in two years, PS chosen for a hand calculation."""
    codes = [1, 2, 3, 4, 5, 6]
    roster = pd.Series(["a", "a", "a", "b", "b", "b"], index=pd.Index(codes, name="code"))
    values = {2010: [1.0, 2.0, 3.0, 2.0, 2.0, 2.0], 2011: [2.0, 2.0, 5.0, 1.0, 3.0, 5.0]}
    index = pd.MultiIndex.from_product([codes, [2010, 2011]], names=["code", "year"])
    ps = pd.Series([values[y][codes.index(c)] for c, y in index], index=index)
    return ps, roster.rename("cluster")


def test_an_extra_measure_is_accepted_everywhere(extra):
    # The parameter check, its message and the labels.
    assert params.validate({"synergy_measure": "range"}, "the test").synergy_measure == "range"
    with pytest.raises(ParameterError, match="coupling, synergy_degree, range, weakest_domain"):
        params.validate({"synergy_measure": "gini"}, "the test")
    assert synergy_label("range", "zh") == "1 − 相对极差"
    assert inertia_text.measure_label("range") == "1 − relative range"
    assert synergy_measures.level_measures() == ("dagum", "theil", "cv", "range")

    # Actual synergy by hand: (max - min) / mean = 2/2, 0/2, 3/3, 4/3.
    ps, roster = _hand_index()
    table = actual_synergy(ps, roster, "range").set_index(["cluster", "year"])["S"]
    assert table.to_dict() == pytest.approx(
        {("a", 2010): 0.0, ("a", 2011): 0.0, ("b", 2010): 1.0, ("b", 2011): 1 - 4 / 3}, abs=1e-15
    )
    # The synthetic control's synergy of a grouping uses the same function.
    groups = group_synergy(ps, roster, "range")
    assert groups.loc["b", 2011] == pytest.approx(1 - 4 / 3, abs=1e-15)

    # The scenarios' vectorised synergy and the chapter's choice of measure.
    draws = np.array([[1.0, 2.0, 3.0], [2.0, 2.0, 2.0]])
    assert synergy_of(draws, "range") == pytest.approx([0.0, 1.0], abs=1e-15)
    assert corrective_measures.scenario_synergy_measure("range") == "range"
    assert corrective_measures.scenario_synergy_measure("weakest_domain") == "dagum"
    with pytest.raises(ParameterError, match="weakest_domain"):
        synergy_of(draws, "weakest_domain")


@pytest.fixture(scope="module")
def simulated():
    sim = simulate_panel(scale="clusters")
    weights = W(sim.neighbours, silence_warnings=True)
    roles = role_indices(sim.panel, sim.roster, weights, method="equal")
    return sim, roles


def test_an_extra_measure_runs_through_the_chain_and_the_scenarios(extra, simulated):
    sim, roles = simulated
    for measure in ("range", "weakest_domain"):
        result = measure_inertia(sim.panel, sim.roster, synergy_measure=measure)
        assert result.params["synergy_measure"] == measure
        gap = result.gap
        assert gap["S"].notna().all() and gap["E"].notna().all()
    # The scenarios recompute the extra level measure on the counterfactual levels.
    inertia = measure_inertia(sim.panel, sim.roster, synergy_measure="range")
    summary = run_scenarios(
        [Measure("transfer", "weakness", 10)],
        roles.frame,
        CHAIN,
        inertia.shortfall,
        sim.roster,
        covariance=np.zeros((6, 6)),
        unit_changes={"weakness": -0.01},
        outcome="growth",
        horizon_years=2030,
        synergy_measure="range",
        n_draws=5,
        seed=1,
    ).summary
    assert summary["gap_change"].notna().all()
    assert (summary["gap_change"] != 0).any()
