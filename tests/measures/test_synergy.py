"""Tests for actual and expected synergy, the inertia gap and the city shortfall.

Oracles: Gini, Theil and CV of a three-city cluster by hand (1e-12); the plan
path of E (the synergy of the planned distribution) by hand on a toy (1e-12);
the frontier path by hand for two cities with a given speed (1e-12); a known
pre-milestone speed of gap
closure recovered exactly (1e-10); identities: gap = E - S, E = S before the
milestone, efficiency 1 when S follows E, shortfall 0 when every city is on its
planned path, Dagum and Theil decompositions summing to the total; coupling
coordination and Meng-Han synergy degree by hand for equal domain scores.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from inertia.errors import ParameterError
from inertia.measures.public_service import DOMAINS, PublicServiceIndex, public_service_index
from inertia.measures.synergy import (
    actual_synergy,
    city_gap,
    city_shortfall,
    expected_synergy,
    historical_convergence_speed,
    inequality_decomposition,
    inertia_gap,
    measure_inertia,
    plan_schedule,
)
from inertia.synergy_measures import synergy_measures

YEARS = list(range(2008, 2017))
ROSTER = pd.Series({1: "a", 2: "a", 3: "a", 4: "b", 5: "b"})
MILESTONES = {"a": 2010, "b": 2012}
HORIZONS = {"a": 2014, "b": 2016}
RESIDUAL = {"a": 0.5, "b": 0.5}


def _series(values: dict[int, list[float]], years=YEARS) -> pd.Series:
    """PS keyed by (code, year) from per-city paths."""
    index = pd.MultiIndex.from_tuples(
        [(code, year) for code in values for year in years], names=["code", "year"]
    )
    return pd.Series(np.concatenate([values[c] for c in values]), index=index, name="ps")


def _toy_ps() -> pd.Series:
    """Cluster a: PS 1, 2, 3 in every year; cluster b: 1 and 3 slowly converging."""
    n = len(YEARS)
    return _series(
        {
            1: [1.0] * n,
            2: [2.0] * n,
            3: [3.0] * n,
            4: list(np.linspace(1.0, 1.8, n)),
            5: [3.0] * n,
        }
    )


def _index_with_domains(ps: pd.Series, domains: pd.DataFrame) -> PublicServiceIndex:
    """A hand-made index for measures that read the domain scores."""
    cluster = pd.Series(ROSTER.reindex(ps.index.get_level_values("code")).to_numpy(), ps.index)
    empty = pd.DataFrame(index=ps.index)
    return PublicServiceIndex(
        scores=ps,
        weights=pd.DataFrame(),
        domain_scores=domains,
        method="hand",
        shift=0.0,
        indicators=empty,
        imputed=pd.DataFrame(),
        imputed_mask=empty,
        population_source=pd.Series(dtype="string"),
        cluster=cluster,
    )


# --------------------------------------------------------------------------- actual


def test_inequality_measures_by_hand():
    ps = _toy_ps()
    dagum = actual_synergy(ps, ROSTER, "dagum").set_index(["cluster", "year"])["S"]
    theil = actual_synergy(ps, ROSTER, "theil").set_index(["cluster", "year"])["S"]
    cv = actual_synergy(ps, ROSTER, "cv").set_index(["cluster", "year"])["S"]
    cv1 = actual_synergy(ps, ROSTER, "cv", ddof=1).set_index(["cluster", "year"])["S"]
    # y = 1, 2, 3: sum over ordered pairs |yi - yj| = 8, 2 n^2 mu = 36.
    assert dagum[("a", 2010)] == pytest.approx(1 - 8 / 36, abs=1e-12)
    # Theil: (1/3) [0.5 ln 0.5 + 1.5 ln 1.5].
    assert theil[("a", 2010)] == pytest.approx(
        1 - (0.5 * np.log(0.5) + 1.5 * np.log(1.5)) / 3, abs=1e-12
    )
    assert cv[("a", 2010)] == pytest.approx(1 - np.sqrt(2 / 3) / 2, abs=1e-12)
    assert cv1[("a", 2010)] == pytest.approx(1 - 1.0 / 2, abs=1e-12)
    # Two cities x, 3: Gini = |3 - x| / (2 (x + 3)).
    x = 1.0
    assert dagum[("b", 2008)] == pytest.approx(1 - (3 - x) / (2 * (x + 3)), abs=1e-12)
    table = actual_synergy(ps, ROSTER, "dagum")
    assert list(table.columns) == ["cluster", "year", "S", "n"]
    assert table.attrs["measure"] == "dagum"
    assert table.set_index(["cluster", "year"])["n"][("a", 2010)] == 3


def test_single_city_cluster_year_has_no_synergy():
    ps = _toy_ps().drop(index=[(4, 2009)])
    table = actual_synergy(ps, ROSTER, "cv").set_index(["cluster", "year"])
    assert np.isnan(table.loc[("b", 2009), "S"])
    assert table.loc[("b", 2009), "n"] == 1


def test_coupling_and_synergy_degree_by_hand():
    ps = _toy_ps()
    # All six domains equal to u (rising by 0.05 a year): C = 1, T = u, D = sqrt(u).
    u = 0.2 + 0.05 * (ps.index.get_level_values("year") - 2008).to_numpy()
    domains = pd.DataFrame({d: u for d in DOMAINS}, index=ps.index)
    index = _index_with_domains(ps, domains)
    coupling = actual_synergy(index, None, "coupling").set_index(["cluster", "year"])["S"]
    assert coupling[("a", 2012)] == pytest.approx(np.sqrt(0.4), abs=1e-12)
    degree = actual_synergy(index, None, "synergy_degree").set_index(["cluster", "year"])["S"]
    # Every domain up by 0.05 per year from the base year 2008: SD = +0.05 (t - 2008).
    assert degree[("b", 2008)] == 0.0
    assert degree[("b", 2013)] == pytest.approx(0.25, abs=1e-12)
    # One domain falling makes the synergy degree negative (theta = -1).
    falling = domains.copy()
    falling["culture"] = 0.9 - falling["culture"]
    degree = actual_synergy(_index_with_domains(ps, falling), None, "synergy_degree")
    value = degree.set_index(["cluster", "year"])["S"][("a", 2010)]
    assert value == pytest.approx(-0.1, abs=1e-12)  # |changes| all 0.1: geometric mean 0.1


def test_domain_measures_need_an_index():
    with pytest.raises(ParameterError, match="domain scores"):
        actual_synergy(_toy_ps(), ROSTER, "coupling")
    with pytest.raises(ParameterError, match="synergy_measure"):
        actual_synergy(_toy_ps(), ROSTER, "gini")


def test_inequality_decomposition_identities():
    rng = np.random.default_rng(11)
    ps = _series({code: list(rng.uniform(0.2, 1.0, len(YEARS))) for code in ROSTER.index})
    table = inequality_decomposition(ps, ROSTER)
    parts = table[["gini_within", "gini_between_net", "gini_transvariation"]].sum(axis=1)
    assert parts.to_numpy() == pytest.approx(table["gini"].to_numpy(), abs=1e-12)
    theil_parts = table["theil_within"] + table["theil_between"]
    assert theil_parts.to_numpy() == pytest.approx(table["theil"].to_numpy(), abs=1e-12)
    shares = table[["gini_within_share", "gini_between_net_share", "gini_transvariation_share"]]
    assert shares.sum(axis=1).to_numpy() == pytest.approx(1.0, abs=1e-12)
    # Identical distributions in both clusters: no net between-cluster inequality.
    same = _series({1: [1.0] * 9, 2: [2.0] * 9, 3: [3.0] * 9, 4: [1.0] * 9, 5: [3.0] * 9})
    mirrored = pd.Series({1: "a", 2: "a", 3: "b", 4: "b", 5: "a"})  # a: 1, 2, 3; b: 3, 1
    table = inequality_decomposition(same.drop(index=2, level="code"), mirrored)
    assert table["gini_between_net"].to_numpy() == pytest.approx(0.0, abs=1e-12)


# --------------------------------------------------------------------------- expected


def test_plan_schedule_defaults_and_overrides():
    schedule = plan_schedule()
    # The default horizon is the year each plan's public-service commitment is due.
    assert schedule.loc["jjj"].tolist() == [2014, 2030]
    assert schedule.loc["yrd"].tolist() == [2019, 2025]
    final = plan_schedule(["yrd"], horizon="final")
    assert final.loc["yrd", "horizon_year"] == 2035
    interim = plan_schedule(["prd"], horizon="interim")
    assert interim.loc["prd"].tolist() == [2017, 2022]
    custom = plan_schedule(["jjj"], milestones={"jjj": 2015}, horizons={"jjj": 2025})
    assert custom.loc["jjj"].tolist() == [2015, 2025]
    with pytest.raises(ParameterError, match="after the milestone"):
        plan_schedule(["jjj"], horizons={"jjj": 2010})
    with pytest.raises(ParameterError, match="No milestone"):
        plan_schedule(["xyz"])
    with pytest.raises(ParameterError, match="integer year"):
        plan_schedule(["jjj"], milestones={"jjj": "2014"})


def _gini_synergy(values: list[float]) -> float:
    x = np.asarray(values)
    return 1 - np.abs(x[:, None] - x[None, :]).sum() / (2 * len(x) ** 2 * x.mean())


def test_plan_path_by_hand():
    ps = _toy_ps()
    actual = actual_synergy(ps, ROSTER, "dagum")
    expected = expected_synergy(
        ps,
        ROSTER,
        actual,
        "plan",
        residual_gap=RESIDUAL,
        milestones=MILESTONES,
        horizons=HORIZONS,
    ).set_index(["cluster", "year"])
    # Cluster a: PS 1, 2, 3 every year; base-year gaps to the best (3) are 2, 1, 0. The
    # plan halves them by 2014, linearly: by 2012 a quarter is closed.
    assert expected.loc[("a", 2012), "E"] == pytest.approx(
        _gini_synergy([3 - 2 * 0.75, 3 - 0.75, 3]), abs=1e-12
    )
    assert expected.loc[("a", 2014), "E"] == pytest.approx(_gini_synergy([2, 2.5, 3]), abs=1e-12)
    assert expected.loc[("a", 2016), "E"] == pytest.approx(_gini_synergy([2, 2.5, 3]), abs=1e-12)
    # At and before the milestone there is no commitment: E = S.
    pre = expected.loc[expected["event_time"] <= 0]
    assert (pre["E"] == pre["S"]).all()
    # Cluster b (milestone 2012): the frontier 3 stays; city 4 is at 1.4 in 2012, so its gap
    # 1.6 shrinks to 1.6 * (1 - 0.5 / 4) one year later, against the frontier of 2013.
    assert expected.loc[("b", 2013), "E"] == pytest.approx(
        _gini_synergy([3 - 1.6 * (1 - 0.5 / 4), 3]), abs=1e-12
    )
    assert expected.attrs["residual_gap_share"] == RESIDUAL
    # Full closure (residual 0) makes every city equal by the horizon: E = 1.
    full = expected_synergy(
        ps,
        ROSTER,
        actual,
        residual_gap={"a": 0.0, "b": 0.0},
        milestones=MILESTONES,
        horizons=HORIZONS,
    ).set_index(["cluster", "year"])
    assert full.loc[("a", 2015), "E"] == pytest.approx(1.0, abs=1e-12)


def test_gap_and_efficiency_identities():
    ps = _toy_ps()
    actual = actual_synergy(ps, ROSTER, "cv")
    expected = expected_synergy(
        ps, ROSTER, actual, residual_gap=RESIDUAL, milestones=MILESTONES, horizons=HORIZONS
    )
    gap = inertia_gap(actual, expected)
    assert (gap["gap"] == gap["E"] - gap["S"]).all()
    assert (gap.loc[~gap["post"], "gap"] == 0).all()
    assert gap.loc[gap["event_time"] <= 0, "efficiency"].isna().all()
    # Cluster a stands still: efficiency 0 after the milestone; b converges partly.
    assert gap.loc[(gap["cluster"] == "a") & (gap["event_time"] > 0), "efficiency"].eq(0).all()
    # If S followed E exactly, efficiency is 1 wherever E moved.
    on_plan = actual.merge(expected[["cluster", "year", "E"]], on=["cluster", "year"])
    on_plan["S"] = on_plan["E"]
    perfect = inertia_gap(on_plan, expected)
    post = perfect[perfect["event_time"] > 0]
    assert post["efficiency"].to_numpy() == pytest.approx(1.0, abs=1e-12)
    assert post["gap"].to_numpy() == pytest.approx(0.0, abs=1e-15)


def test_efficiency_guards_zero_expected_gain():
    ps = _toy_ps()
    actual = actual_synergy(ps, ROSTER, "dagum")
    # A plan that tolerates the whole gap (residual share 1 - tiny) expects no gain.
    expected = expected_synergy(
        ps,
        ROSTER,
        actual,
        residual_gap={"a": 0.999999999999, "b": 0.5},
        milestones=MILESTONES,
        horizons=HORIZONS,
    )
    gap = inertia_gap(actual, expected)
    assert gap.loc[gap["cluster"] == "a", "efficiency"].isna().all()


def test_frontier_path_by_hand():
    # Two cities per cluster, constant PS; relative gap at the milestone 0.5 (a), 0.6 (b).
    ps = _series({1: [1.0] * 9, 2: [0.5] * 9, 4: [2.0] * 9, 5: [5.0] * 9})
    roster = ROSTER.drop(3)
    actual = actual_synergy(ps, roster, "dagum")
    speed = 0.2
    expected = expected_synergy(
        ps, roster, actual, "frontier", speed=speed, milestones=MILESTONES, horizons=HORIZONS
    ).set_index(["cluster", "year"])

    def gini_synergy(low: float, high: float) -> float:
        return _gini_synergy([low, high])

    x = 1.0 * (1 - 0.5 * np.exp(-speed * 3))  # cluster a, 3 years after 2010
    assert expected.loc[("a", 2013), "E"] == pytest.approx(gini_synergy(x, 1.0), abs=1e-12)
    x = 5.0 * (1 - 0.6 * np.exp(-speed * 1))  # cluster b, 1 year after 2012
    assert expected.loc[("b", 2013), "E"] == pytest.approx(gini_synergy(x, 5.0), abs=1e-12)
    assert expected.attrs["speed"] == speed
    # Zero speed freezes the relative distribution: E = S at the milestone (scale-free measure).
    frozen = expected_synergy(
        ps, roster, actual, "frontier", speed=0.0, milestones=MILESTONES, horizons=HORIZONS
    )
    assert frozen["E"].to_numpy() == pytest.approx(frozen["S"].to_numpy(), abs=1e-12)


def test_historical_speed_recovered_and_used():
    # Before 2012, city 4's relative gap to city 5 decays at exactly 0.1 a year.
    years = np.array(YEARS)
    frontier = 2.0 * np.exp(0.05 * (years - 2008))
    lagging = frontier * (1 - 0.5 * np.exp(-0.1 * (years - 2008)))
    ps = _series({4: list(lagging), 5: list(frontier)})
    roster = pd.Series({4: "b", 5: "b"})
    speeds = historical_convergence_speed(ps, roster, schedule=plan_schedule(["b"], **_plan("b")))
    assert speeds.loc["b", "speed"] == pytest.approx(0.1, abs=1e-10)
    assert speeds.loc["b", "n_years"] == 4  # 2008-2011
    assert speeds.loc["b", "half_life"] == pytest.approx(np.log(2) / 0.1, abs=1e-8)
    actual = actual_synergy(ps, roster, "cv")
    expected = expected_synergy(
        ps, roster, actual, "frontier", milestones=MILESTONES, horizons=HORIZONS
    )
    assert expected.attrs["speed"] == pytest.approx(0.1, abs=1e-10)
    # The actual path keeps closing at 0.1, so the frontier rule expects exactly it.
    assert expected["E"].to_numpy() == pytest.approx(expected["S"].to_numpy(), abs=1e-12)


def _plan(cluster: str) -> dict:
    return {
        "milestones": {cluster: MILESTONES[cluster]},
        "horizons": {cluster: HORIZONS[cluster]},
    }


def test_expected_synergy_errors():
    ps = _toy_ps()
    actual = actual_synergy(ps, ROSTER, "dagum")
    with pytest.raises(ParameterError, match="target_rule"):
        expected_synergy(ps, ROSTER, actual, "hope", milestones=MILESTONES, horizons=HORIZONS)
    with pytest.raises(ParameterError, match="plan_residual_gap"):
        expected_synergy(
            ps,
            ROSTER,
            actual,
            residual_gap={"a": 1.0, "b": 0.5},
            milestones=MILESTONES,
            horizons=HORIZONS,
        )
    with pytest.raises(ParameterError, match="plan_residual_gap"):
        expected_synergy(ps, ROSTER, actual, milestones=MILESTONES, horizons=HORIZONS)
    with pytest.raises(ParameterError, match="measure"):
        expected_synergy(ps, ROSTER, actual.copy().drop(columns=[]).pipe(_no_attrs))


def _no_attrs(frame: pd.DataFrame) -> pd.DataFrame:
    frame = frame.copy()
    frame.attrs = {}
    return frame


# --------------------------------------------------------------------------- city level


def test_shortfall_zero_on_planned_path():
    years = np.array(YEARS)
    progress = np.clip((years - 2010) / (2014 - 2010), 0, 1)
    growth = 1.03 ** (years - 2008)
    # Frontier city 1; cities 2 and 3 close gaps of 0.4 and 0.7 linearly from 2010 to 2014.
    paths = {
        1: growth,
        2: growth - 0.4 * (1 - progress),
        3: growth - 0.7 * (1 - progress),
    }
    ps = _series({code: list(path) for code, path in paths.items()})
    roster = pd.Series({1: "a", 2: "a", 3: "a"})
    plan = {"milestones": {"a": 2010}, "horizons": {"a": 2014}, "residual_gap": {"a": 0.0}}
    table = city_shortfall(ps, roster, **plan)
    # On the planned path after the milestone, and gaps unchanged before it: zero throughout.
    assert table["shortfall"].to_numpy() == pytest.approx(0.0, abs=1e-12)
    assert set(table["base_year"]) == {2010}
    # A city that stands still at gap 0.7 is behind by the closure the plan required.
    stuck = ps.copy()
    stuck.loc[3] = growth - 0.7
    table = city_shortfall(stuck, roster, **plan).set_index(["code", "year"])
    assert table.loc[(3, 2012), "required"] == pytest.approx(0.7 * 0.5, abs=1e-12)
    assert table.loc[(3, 2012), "shortfall"] == pytest.approx(0.7 * 0.5, abs=1e-12)
    # With a residual gap of 20 %, the planned gap at the horizon is 0.2 * 0.7.
    residual = city_shortfall(
        ps, roster, milestones={"a": 2010}, horizons={"a": 2014}, residual_gap={"a": 0.2}
    ).set_index(["code", "year"])
    assert residual.loc[(3, 2015), "planned_gap"] == pytest.approx(0.14, abs=1e-12)


def test_cities_outside_the_clusters_have_no_shortfall():
    """The national comparison cities are bound by no plan: left out, the others unchanged."""
    years = np.array(YEARS)
    growth = 1.03 ** (years - 2008)
    ps = _series({1: list(growth), 2: list(growth - 0.4), 4: list(growth - 0.9)})
    plan = {"milestones": {"a": 2010}, "horizons": {"a": 2014}, "residual_gap": {"a": 0.0}}
    clusters_only = city_shortfall(ps.drop(4, level=0), pd.Series({1: "a", 2: "a"}), **plan)
    national = city_shortfall(ps, pd.Series({1: "a", 2: "a", 4: np.nan}), **plan)
    assert set(national["code"]) == {1, 2}
    pd.testing.assert_frame_equal(
        national.reset_index(drop=True), clusters_only.reset_index(drop=True)
    )


def test_shortfall_before_the_milestone_is_the_drift_of_the_gap():
    ps = _toy_ps()
    table = city_shortfall(
        ps, ROSTER, milestones=MILESTONES, horizons=HORIZONS, residual_gap=RESIDUAL
    ).set_index(["code", "year"])
    # City 4 converges towards 3 by 0.1 a year: before 2012 its shortfall is the change of its
    # gap since the base year 2012 (positive before it: it was further behind).
    assert table.loc[(4, 2010), "shortfall"] == pytest.approx(0.2, abs=1e-12)
    assert table.loc[(4, 2012), "shortfall"] == pytest.approx(0.0, abs=1e-12)


def test_shortfall_against_the_mean():
    ps = _toy_ps()
    table = city_shortfall(
        ps,
        ROSTER,
        reference_level="mean",
        milestones=MILESTONES,
        horizons=HORIZONS,
        residual_gap={"a": 0.0, "b": 0.0},
    ).set_index(["code", "year"])
    # Cluster a: mean 2, constant. City 1 keeps gap 1 while the plan halves it by 2012.
    assert table.loc[(1, 2012), "shortfall"] == pytest.approx(0.5, abs=1e-12)
    # City 3 is above the mean: its (negative) gap is planned to close too.
    assert table.loc[(3, 2012), "gap_base"] == pytest.approx(-1.0)


def test_city_gap():
    gaps = city_gap(_toy_ps(), ROSTER).loc[(1, 2010)]
    assert gaps["reference"] == 3.0 and gaps["gap"] == 2.0
    with pytest.raises(ParameterError, match="reference"):
        city_gap(_toy_ps(), ROSTER, "median")


# --------------------------------------------------------------------------- end to end


def _roster_panel(seed: int) -> tuple[pd.DataFrame, pd.Series]:
    """A canonical panel for 12 cities in the three real clusters, 2008-2022."""
    rng = np.random.default_rng(seed)
    clusters = ["jjj"] * 4 + ["yrd"] * 5 + ["prd"] * 3
    codes = np.arange(1, 13)
    years = np.arange(2008, 2023)
    code, year = (a.ravel() for a in np.meshgrid(codes, years, indexing="ij"))
    level = rng.lognormal(0, 0.3, len(codes)).repeat(len(years))
    pop = rng.uniform(100, 900, len(codes)).repeat(len(years))
    growth = np.exp(0.05 * (year - 2008))
    data = {
        "code": code.astype("int64"),
        "year": year.astype("int64"),
        "pop_registered": pop,
        "pop_resident": pop * 1.1,
    }
    for var, per in {
        "secondary_teachers": 50,
        "hospital_beds": 40,
        "doctors": 20,
        "pension_insured": 3e3,
        "medical_insured": 3.5e3,
        "unemployment_insured": 2e3,
        "library_books": 0.05,
        "buses": 8,
        "road_area": 10,
        "green_area": 8,
    }.items():
        data[var] = pop * per * level * growth * rng.lognormal(0, 0.05, len(code))
    panel = pd.DataFrame(data)
    panel.loc[5, "doctors"] = np.nan
    return panel, pd.Series(dict(zip(codes, clusters, strict=True)))


# Every registered measure runs end to end (a new one is tested here without an edit).
@pytest.mark.parametrize("measure", synergy_measures())
@pytest.mark.parametrize("rule", ["plan", "frontier"])
def test_measure_inertia_end_to_end(measure, rule):
    panel, roster = _roster_panel(21)
    result = measure_inertia(panel, roster, synergy_measure=measure, target_rule=rule, speed=0.05)
    gap = result.gap
    assert len(gap) == 3 * 15
    assert gap["gap"].to_numpy() == pytest.approx((gap["E"] - gap["S"]).to_numpy(), abs=1e-15)
    assert (gap.loc[gap["event_time"] <= 0, "gap"] == 0).all()
    assert result.schedule.loc["jjj"].tolist() == [2014, 2030]
    assert result.params["synergy_measure"] == measure
    assert result.index.imputed.loc["doctors_per_10k", "interpolated"] == 1
    # The shortfall is defined in every year of every city with a base-year value.
    assert result.shortfall["shortfall"].notna().sum() == 12 * 15
    assert set(result.efficiency.columns) == {"cluster", "year", "efficiency"}
    assert len(result.decomposition) == 15


def test_measure_inertia_accepts_a_built_index():
    panel, roster = _roster_panel(22)
    index = public_service_index(panel, "equal", roster=roster)
    result = measure_inertia(index, roster)
    assert result.index is index
    assert result.params["index_method"] == "equal"
