"""Tests for the public-service indicators and index.

Oracles: indicator units by hand from the raw units of variables.csv (1e-12);
the imputation rule by hand on a toy city (1e-12); the equal-weight composite
by hand (1e-12); the geometric composite by hand and by an identity (doubling
every indicator of a city doubles its score, 1e-12); the entropy composite
recomputed with an independent numpy entropy calculation (1e-12); TOPSIS
best/worst identities (exact); unit-change invariance of the scores (1e-12).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from inertia.errors import DataError, ParameterError
from inertia.measures.public_service import (
    DOMAINS,
    INDICATORS,
    indicator_table,
    public_service_index,
)

RAW = [var for _, var, _, _ in INDICATORS.values()]


def _row(code: int, year: int, scale: float = 1.0, pop: float = 200.0) -> dict:
    """One city-year in canonical units; ``scale`` multiplies every service count."""
    return {
        "code": code,
        "year": year,
        "pop_registered": pop,
        "pop_resident": pop * 1.2,
        "gdp": 1000.0,
        "budget_revenue": 1e6,
        "budget_expenditure": 2e6,
        "science_spending": 1e4,
        "secondary_teachers": 10_000.0 * scale,
        "education_spending": 40_000.0 * scale,
        "hospital_beds": 8_000.0 * scale,
        "doctors": 5_000.0 * scale,
        "pension_insured": 600_000.0 * scale,
        "medical_insured": 700_000.0 * scale,
        "unemployment_insured": 400_000.0 * scale,
        "library_books": 1_000.0 * scale,
        "buses": 1_600.0 * scale,
        "road_area": 3_000.0 * scale,
        "green_area": 2_000.0 * scale,
    }


def _random_panel(seed: int, n_cities: int = 8, years=range(2010, 2016)) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    rows = []
    for city in range(n_cities):
        level = rng.uniform(0.5, 2.0)
        for year in years:
            row = _row(100 + city, year, pop=float(rng.uniform(100, 900)))
            for var in RAW:
                row[var] *= level * row["pop_registered"] / 200.0 * rng.uniform(0.8, 1.25)
            rows.append(row)
    return pd.DataFrame(rows)


ROSTER = pd.Series({100 + i: ("a" if i < 4 else "b") for i in range(8)})


def test_indicator_units_by_hand():
    table = indicator_table(pd.DataFrame([_row(1, 2010)]))
    row = table.iloc[0]
    # 200 万人 = 2 million people.
    expected = {
        "teachers_per_10k": 10_000 / 200,  # 50 teachers per 10k people
        "beds_per_10k": 40.0,
        "doctors_per_10k": 25.0,
        "pension_insured_pc": 0.3,
        "medical_insured_pc": 0.35,
        "unemployment_insured_pc": 0.2,
        "books_per_100": 1_000e3 / 2e6 * 100,  # 千册 -> volumes: 50 per 100 people
        "buses_per_10k": 8.0,
        "road_area_pc": 3_000e4 / 2e6,  # 万平方米 -> m2: 15 m2 per person
        "green_area_pc": 2_000e4 / 2e6,  # 公顷 -> m2: 10 m2 per person
    }
    for name, value in expected.items():
        assert row[name] == pytest.approx(value, rel=1e-12), name
    assert row["pop_source"] == "registered"
    assert table.attrs["domain"]["books_per_100"] == "culture"
    assert set(table.attrs["domain"].values()) == set(DOMAINS)


def test_population_is_interpolated_within_the_city_and_flagged():
    rows = [_row(1, 2010, pop=200.0), _row(1, 2011), _row(1, 2012, pop=220.0), _row(1, 2013)]
    rows[1]["pop_registered"] = np.nan
    rows[3]["pop_registered"] = np.nan
    table = indicator_table(pd.DataFrame(rows))
    assert list(table["pop_source"]) == [
        "registered",
        "registered_interpolated",
        "registered",
        "registered_carried",
    ]
    assert table.loc[1, "pop"] == pytest.approx(210.0)  # halfway between 200 and 220
    assert table.loc[3, "pop"] == pytest.approx(220.0)  # carried from 2012
    assert table.loc[1, "teachers_per_10k"] == pytest.approx(10_000 / 210)


def test_population_falls_back_to_resident_only_for_a_city_without_registered():
    rows = [_row(1, 2010), _row(1, 2011)]
    for row in rows:
        row["pop_registered"] = np.nan
    table = indicator_table(pd.DataFrame(rows))
    assert list(table["pop_source"]) == ["resident", "resident"]
    assert table.loc[1, "pop"] == pytest.approx(240.0)


def test_missing_columns_raise():
    with pytest.raises(DataError, match="green_area"):
        indicator_table(pd.DataFrame([_row(1, 2010)]).drop(columns="green_area"))


def test_imputation_rule_by_hand():
    panel = _random_panel(3)
    city = panel["code"] == 100
    years = panel.loc[city, "year"].to_numpy()
    # Interior gap in 2012-2013 for city 100: linear between 2011 and 2014.
    interior = city & panel["year"].isin([2012, 2013])
    panel.loc[interior, "buses"] = np.nan
    # Edge gap at 2010 for city 101: carried back from 2011.
    panel.loc[(panel["code"] == 101) & (panel["year"] == 2010), "doctors"] = np.nan
    # City 102 never reports green area: cluster-year median of cities 100, 101, 103.
    panel.loc[panel["code"] == 102, "green_area"] = np.nan
    raw = indicator_table(panel).set_index(["code", "year"])
    index = public_service_index(panel, "equal", roster=ROSTER)
    filled = index.indicators

    b2011, b2014 = raw.loc[(100, 2011), "buses_per_10k"], raw.loc[(100, 2014), "buses_per_10k"]
    assert filled.loc[(100, 2012), "buses_per_10k"] == pytest.approx(
        b2011 + (b2014 - b2011) / 3, rel=1e-12
    )
    assert filled.loc[(100, 2013), "buses_per_10k"] == pytest.approx(
        b2011 + 2 * (b2014 - b2011) / 3, rel=1e-12
    )
    assert filled.loc[(101, 2010), "doctors_per_10k"] == pytest.approx(
        raw.loc[(101, 2011), "doctors_per_10k"], rel=1e-12
    )
    for year in years:
        others = [raw.loc[(code, year), "green_area_pc"] for code in (100, 101, 103)]
        assert filled.loc[(102, year), "green_area_pc"] == pytest.approx(np.median(others))
    counts = index.imputed
    assert counts.loc["buses_per_10k", "interpolated"] == 2
    assert counts.loc["doctors_per_10k", "carried"] == 1
    assert counts.loc["green_area_pc", "cluster_median"] == len(years)
    assert counts.loc["total", "dropped"] == 0
    assert index.n_imputed == 2 + 1 + len(years)
    assert index.imputed_mask.loc[(100, 2012), "buses_per_10k"] == "interpolated"
    assert index.imputed_mask.loc[(100, 2011), "buses_per_10k"] == ""


def test_interpolation_weights_uneven_year_gaps():
    panel = _random_panel(6)
    panel = panel[~((panel["code"] == 100) & (panel["year"] == 2012))]  # no 2012 row at all
    panel.loc[(panel["code"] == 100) & (panel["year"] == 2013), "buses"] = np.nan
    raw = indicator_table(panel).set_index(["code", "year"])
    filled = public_service_index(panel, "equal", roster=ROSTER).indicators
    b2011, b2014 = raw.loc[(100, 2011), "buses_per_10k"], raw.loc[(100, 2014), "buses_per_10k"]
    assert filled.loc[(100, 2013), "buses_per_10k"] == pytest.approx(
        b2011 + 2 * (b2014 - b2011) / 3, rel=1e-12
    )


def test_year_median_when_whole_cluster_lacks_a_value():
    panel = _random_panel(4)
    gone = panel["code"].isin([100, 101, 102, 103])
    panel.loc[gone, "library_books"] = np.nan
    raw = indicator_table(panel).set_index(["code", "year"])
    index = public_service_index(panel, "equal", roster=ROSTER)
    expected = np.median([raw.loc[(code, 2012), "books_per_100"] for code in range(104, 108)])
    assert index.indicators.loc[(100, 2012), "books_per_100"] == pytest.approx(expected)
    assert index.imputed.loc["books_per_100", "year_median"] == 4 * 6


def test_no_imputation_drops_incomplete_rows():
    panel = _random_panel(5)
    panel.loc[0, "buses"] = np.nan
    index = public_service_index(panel, "entropy", roster=ROSTER, impute=False)
    assert len(index.scores) == len(panel) - 1
    assert index.imputed.loc["buses_per_10k", "dropped"] == 1
    assert index.n_imputed == 0


def test_equal_weights_composite_by_hand():
    # Three cities, one year: service levels 1x, 2x, 3x on every indicator.
    panel = pd.DataFrame([_row(1, 2010, 1.0), _row(2, 2010, 2.0), _row(3, 2010, 3.0)])
    roster = pd.Series({1: "a", 2: "a", 3: "a"})
    shift = 1e-4
    index = public_service_index(panel, "equal", shift, roster=roster)
    # Every indicator scales to 0, 0.5, 1 (+ shift); equal weights average them.
    assert index.scores.to_numpy() == pytest.approx([shift, 0.5 + shift, 1 + shift], abs=1e-12)
    assert index.weights["weight"].sum() == pytest.approx(1.0)
    assert index.weights.set_index("indicator")["weight"].eq(1 / 10).all()
    social = index.weights.set_index("indicator").loc["pension_insured_pc", "domain_weight"]
    assert social == pytest.approx(3 / 10)
    expected_domain = np.array([shift, 0.5 + shift, 1 + shift]) / (1 + shift)
    for domain in DOMAINS:
        assert index.domain_scores[domain].to_numpy() == pytest.approx(expected_domain, abs=1e-12)


def _entropy_oracle(X: np.ndarray, shift: float) -> np.ndarray:
    """Independent pooled entropy weights (Shannon), written out in numpy."""
    scaled = (X - X.min(axis=0)) / (X.max(axis=0) - X.min(axis=0)) + shift
    p = scaled / scaled.sum(axis=0)
    e = -(p * np.log(p)).sum(axis=0) / np.log(X.shape[0])
    return (1 - e) / (1 - e).sum()


def test_entropy_index_matches_independent_calculation():
    panel = _random_panel(7)
    shift = 1e-4
    index = public_service_index(panel, "entropy", shift, roster=ROSTER)
    X = indicator_table(panel).set_index(["code", "year"])[list(INDICATORS)].to_numpy()
    w = _entropy_oracle(X, shift)
    scaled = (X - X.min(axis=0)) / (X.max(axis=0) - X.min(axis=0)) + shift
    assert index.weights["weight"].to_numpy() == pytest.approx(w, abs=1e-12)
    assert index.scores.to_numpy() == pytest.approx(scaled @ w, abs=1e-12)
    assert index.scores.between(shift, 1 + shift).all()
    # Domain scores: weight-averaged scaled indicators within the domain, / (1 + shift).
    cols = list(INDICATORS)
    edu = [cols.index("beds_per_10k"), cols.index("doctors_per_10k")]
    expected = (scaled[:, edu] @ w[edu]) / w[edu].sum() / (1 + shift)
    assert index.domain_scores["health"].to_numpy() == pytest.approx(expected, abs=1e-12)
    assert ((index.domain_scores > 0) & (index.domain_scores <= 1)).all().all()
    assert index.method == "entropy"
    assert list(index.scores.index.names) == ["code", "year"]
    assert set(index.cluster.unique()) == {"a", "b"}


def test_geometric_index_by_hand():
    from inertia.measures.public_service import geometric_weights

    # Three cities, one year: service levels 1x, 2x, 4x on every indicator.
    panel = pd.DataFrame([_row(1, 2010, 1.0), _row(2, 2010, 2.0), _row(3, 2010, 4.0)])
    roster = pd.Series({1: "a", 2: "a", 3: "a"})
    index = public_service_index(panel, roster=roster)
    assert index.method == "geometric" and index.log_scale
    # Ratios to the median city (2x): 1/2, 1, 2 on every indicator, whatever the weights.
    assert index.scores.to_numpy() == pytest.approx([0.5, 1.0, 2.0], abs=1e-12)
    assert index.levels.to_numpy() == pytest.approx(np.log([0.5, 1.0, 2.0]), abs=1e-12)
    weights = geometric_weights().groupby(index.weights.set_index("indicator")["domain"]).sum()
    assert weights.to_numpy() == pytest.approx(np.full(6, 1 / 6), abs=1e-15)
    # Domain scores are min-max scaled log ratios: 0, 1/2, 1 (+ shift), / (1 + shift).
    shift = index.shift
    expected = np.array([shift, 0.5 + shift, 1 + shift]) / (1 + shift)
    for domain in DOMAINS:
        assert index.domain_scores[domain].to_numpy() == pytest.approx(expected, abs=1e-12)


def test_geometric_index_is_homogeneous_and_refuses_zeros():
    panel = _random_panel(11)
    base = public_service_index(panel, roster=ROSTER).scores
    doubled = panel.copy()
    first = doubled["code"] == 100
    doubled.loc[first, RAW] *= 2
    moved = public_service_index(doubled, roster=ROSTER).scores
    # The medians may shift, but the ratio of city 100 to any other city doubles.
    ratio = (moved / base).to_numpy()
    codes = base.index.get_level_values("code")
    assert ratio[codes == 100] / ratio[codes == 101][0] == pytest.approx(2.0, abs=1e-12)
    zeros = panel.copy()
    zeros.loc[0, "buses"] = 0.0
    index = public_service_index(zeros, roster=ROSTER)
    assert index.nonpositive == 1
    assert index.imputed_mask.loc[(100, 2010), "buses_per_10k"] != ""


def test_scores_invariant_to_unit_changes():
    panel = _random_panel(8)
    rescaled = panel.copy()
    rescaled["library_books"] *= 0.1  # 千册 -> 万册
    rescaled["road_area"] *= 1e-4
    for method in ("geometric", "entropy", "topsis", "equal"):
        a = public_service_index(panel, method, roster=ROSTER).scores
        b = public_service_index(rescaled, method, roster=ROSTER).scores
        assert a.to_numpy() == pytest.approx(b.to_numpy(), abs=1e-12)


def test_topsis_best_and_worst_city():
    panel = pd.DataFrame([_row(1, 2010, 1.0), _row(2, 2010, 1.7), _row(3, 2010, 3.0)])
    index = public_service_index(panel, "topsis", roster=pd.Series({1: "a", 2: "a", 3: "a"}))
    assert index.scores.iloc[0] == pytest.approx(0.0, abs=1e-15)
    assert index.scores.iloc[2] == pytest.approx(1.0, abs=1e-15)
    assert 0 < index.scores.iloc[1] < 1


def test_errors():
    panel = _random_panel(9)
    with pytest.raises(ParameterError, match="index_method"):
        public_service_index(panel, "pca", roster=ROSTER)
    with pytest.raises(DataError, match="not on the roster"):
        public_service_index(panel, roster=pd.Series({100: "a"}))


def test_to_frame_is_tidy():
    index = public_service_index(_random_panel(10), roster=ROSTER)
    frame = index.to_frame()
    assert list(frame.columns[:4]) == ["code", "year", "cluster", "ps"]
    assert set(DOMAINS) <= set(frame.columns)
    assert len(frame) == 8 * 6
