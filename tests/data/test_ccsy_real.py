"""CCSY importer on the real yearbook workbooks named by ``INERTIA_CCSY_DIR``.

The check values below were read by hand from the workbooks (cell by cell, in
a spreadsheet program), then converted to the canonical units of
``data/reference/variables.csv``: GDP in 亿元 (the 2006-2018 editions print
万元, so / 10 000), population in 万人, budget in 万元, beds and teachers as
counts. They are the only numbers from the workbooks in the test suite.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pandas as pd
import pytest

from inertia.data import ccsy, reference

CCSY_DIR = os.environ.get("INERTIA_CCSY_DIR")
pytestmark = [
    pytest.mark.ccsy,
    pytest.mark.skipif(
        not CCSY_DIR,
        reason="INERTIA_CCSY_DIR not set: it names the folder of real CCSY workbooks",
    ),
]

YEARS = [2005, 2008, 2011, 2014, 2017, 2020, 2023]
BEIJING, HEFEI, SHENZHEN, BOZHOU = 110000, 340100, 440300, 341600
VARIABLES = [
    "gdp", "pop_registered", "budget_revenue", "budget_expenditure", "hospital_beds",
    "secondary_teachers",
]  # fmt: skip

# (code, data year) -> values of VARIABLES in canonical units; None = the edition lacks it.
CHECK_VALUES = {
    # 2006 edition (2005 data): 年末总人口 全市 col B; 地区生产总值 全市 col BU (万元);
    # 地方财政一般预算内收入/支出 col EO/EP; 医院、卫生院床位数 全市 col GM;
    # 专任教师数 > 普通中学 全市 col FU.
    (BEIJING, 2005): [6886.3101, 1180.7, 9192098, 10583114, 76031, 50970],
    (HEFEI, 2005): [853.57, 455.7, 576372, 734118, 15364, 15668],
    (SHENZHEN, 2005): [4950.9078, 181.93, 4123800, 5991600, 16824, 14196],
    # 2012 edition (2011 data): col B, BT (万元), CF, CG, GQ, FO.
    (BEIJING, 2011): [16251.93, 1277.9, 30062751, 32452264, 87596, 56039],
    (HEFEI, 2011): [3636.6, 706.1, 3385113, 4748895, 32911, 27688],
    (SHENZHEN, 2011): [11505.5298, 267.9, 13395728, 15905599, 22322, 23897],
    # 2018 edition (2017 data): 年末户籍人口 col C; GDP only 市辖区 col AH (万元);
    # 地方一般公共预算收入/支出 col AN/AO; 医院床位数 col GL; 普通中学专任教师数 col FS.
    (BEIJING, 2017): [28014.94, 1359, 54307875, 68194936, 113700, 66635],
    (HEFEI, 2017): [4812.4819, 743, 6559039, 9653444, 42707, 29737],
    (SHENZHEN, 2017): [22490.0586, 435, 33321303, 45938003, 39899, 32590],
    # 2024 edition (2023 data): GDP 全市 col R (亿元); budget col AD/AE; beds col CM;
    # no registered population and no teachers in this edition.
    (BEIJING, 2023): [43761, None, 61810970, 79716333, 130831, None],
    (HEFEI, 2023): [12674, None, 9296276, 14113371, 70165, None],
    (SHENZHEN, 2023): [34606, None, 41129194, 50124309, 64825, None],
}


def _pairs(frame: pd.DataFrame, first: str, second: str) -> set[tuple]:
    return set(zip(frame[first], frame[second], strict=True))


def _files() -> list[Path]:
    return sorted(p for p in Path(CCSY_DIR).iterdir() if p.suffix == ".xlsx")


@pytest.fixture(scope="module")
def real() -> ccsy.CcsyImport:
    before = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in _files()}
    result = ccsy.import_ccsy(CCSY_DIR)
    after = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in _files()}
    assert after == before, "the importer changed a raw workbook"
    return result


def test_seven_editions_with_data_year_edition_minus_one(real):
    editions = real.editions
    assert editions["data_year"].tolist() == YEARS
    assert (editions["edition_year"] - editions["data_year"]).eq(1).all()


def _existing(year: int) -> set[int]:
    roster = reference.prefectures()
    first = roster["first_year"].fillna(0) <= year
    last = roster["last_year"].fillna(9999) >= year
    return set(roster.index[first & last])


def test_every_prefecture_city_in_every_edition(real):
    study = set(reference.cities().index)
    assert (real.editions["study_rows"] == len(study)).all()
    assert (real.editions["rows_skipped"] == 0).all(), "every city row resolves to the roster"
    for year in YEARS:
        rows = real.panel[real.panel["year"] == year].set_index("code")
        assert set(rows.index) == _existing(year)
        present = rows.loc[sorted(study)].drop(columns="year").notna().any(axis=1)
        assert present.all(), (
            f"{year}: study cities without any value: {list(present[~present].index)}"
        )
    # The only roster cities an edition lacks are those that became prefecture-level
    # cities during its data year (the 2015 edition does not list 日喀则 and 昌都, 2014).
    missing = real.issues("city_missing")
    first = reference.prefectures()["first_year"]
    assert all(
        first.get(code) == year for code, year in zip(missing["code"], missing["year"], strict=True)
    )
    assert not set(missing["code"]) & study


def test_quality_counts_per_edition(real):
    counts = real.editions.set_index("data_year")[list(ccsy.EDITION_COUNTS)]
    assert (counts["names_exact"] > 250).all()
    # 毫州 (OCR) and the former names 思茅 and 襄樊 go through the alias stage.
    assert counts.loc[2005, "names_alias"] >= 3
    # Three insurance counts of the 2018 edition and resident population of the 2021
    # edition state no unit: inferred from the adjacent editions.
    assert counts.loc[2017, "units_inferred"] == 3 and counts.loc[2020, "units_inferred"] == 1
    inferred = real.issues("unit_inferred")
    assert set(zip(inferred["year"], inferred["variable"], inferred["value"], strict=True)) == {
        (2017, "pension_insured", "人"), (2017, "medical_insured", "人"),
        (2017, "unemployment_insured", "人"), (2020, "pop_resident", "万人"),
    }  # fmt: skip
    assert counts["numbers_from_text"].sum() > 0


def test_loans_in_every_edition(real):
    study = sorted(reference.cities().index)
    panel = real.panel.set_index(["code", "year"])
    for year in YEARS:
        share = panel.loc[[(c, year) for c in study], "loans"].notna().mean()
        assert share >= 0.95, f"{year}: loans for {share:.0%} of the study cities"
    used = real.provenance[real.provenance["variable"] == "loans"]
    assert set(used["scope"]) == {"全市"}


@pytest.mark.parametrize(("code", "year"), sorted(CHECK_VALUES))
def test_check_values_to_the_unit(real, code, year):
    panel = real.panel.set_index(["code", "year"])
    for variable, expected in zip(VARIABLES, CHECK_VALUES[(code, year)], strict=True):
        got = panel.loc[(code, year), variable]
        if expected is None:
            assert pd.isna(got), f"{variable} {year}: expected missing, got {got}"
        else:
            assert got == pytest.approx(expected, rel=1e-12, abs=1e-9), f"{variable} {year}"


def test_quality_report_lists_the_known_problems(real):
    q = real.quality

    conversions = _pairs(real.issues("unit_conversion"), "year", "variable")
    assert {(y, "gdp") for y in (2005, 2008, 2011, 2014, 2017)} <= conversions  # 万元
    assert (2020, "gdp") not in conversions  # 亿元 from the 2021 edition
    assert {(y, "library_books") for y in (2017, 2020, 2023)} <= conversions  # 万册
    assert (2014, "library_books") not in conversions  # 千册 up to 2014

    debris = real.issues("ocr_debris")
    assert "2079^205" in set(debris["value"])
    cell = debris[debris["value"] == "2079^205"].iloc[0]
    assert cell["file"].startswith("中国城市统计年鉴2012") and pd.notna(cell["row"])

    renamed = real.issues("renamed_header")
    assert ("pop_registered", "年末户籍人口") in _pairs(renamed, "variable", "value")
    assert ("budget_revenue", "公共财政收入") in _pairs(renamed, "variable", "value")
    breaks = real.issues("definition_break")
    assert {("hospital_beds", 2017), ("doctors", 2017)} <= _pairs(breaks, "variable", "year")

    repairs = real.issues("name_repair")
    bozhou = repairs[repairs["code"] == BOZHOU]
    assert set(bozhou["year"]) == {2005, 2008} and set(bozhou["value"]) == {"毫州市"}

    fallback = real.issues("scope_fallback")
    assert (2017, "gdp") in _pairs(fallback, "year", "variable")
    assert (2014, "gdp") not in _pairs(fallback, "year", "variable")

    jumps = real.issues("implausible_jump")
    dip = jumps[(jumps["code"] == BEIJING) & (jumps["variable"] == "library_books")]
    assert dip["year"].tolist() == [2017] and "one-year dip" in dip.iloc[0]["message"]
    assert set(q["kind"]) <= set(ccsy.QUALITY_KINDS)
    # The 2007 budget reform triples science spending under the old label: documented.
    science = breaks[(breaks["variable"] == "science_spending") & (breaks["year"] == 2008)]
    assert len(science) == 1 and "Ministry of Finance" in science.iloc[0]["message"]


def test_write_import_round_trip(real, tmp_path):
    paths = ccsy.write_import(real, tmp_path)
    pd.testing.assert_frame_equal(pd.read_parquet(paths["panel.parquet"]), real.panel)
    coverage = pd.read_csv(paths["coverage.csv"])
    assert set(coverage["year"]) == set(YEARS)
