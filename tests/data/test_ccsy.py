"""CCSY importer on generated workbooks (see conftest.py); no real yearbook needed.

Oracles: the expected numbers are the made-up cells of the generated
workbooks, converted by hand (1 亿元 = 10 000 万元, 1 万册 = 10 千册).
"""

from __future__ import annotations

import hashlib
import importlib.util
import os

import numpy as np
import pandas as pd
import pytest

from inertia.data import ccsy, reference
from inertia.data.names import CityResolver
from inertia.data.schema import validate_panel
from inertia.errors import DataError, ParameterError

try:  # tests/data may or may not be a package
    from .malformed import MALFORMED, OLD_COLUMNS, OLD_ROWS, write_new, write_old
except ImportError:
    from malformed import MALFORMED, OLD_COLUMNS, OLD_ROWS, write_new, write_old

BEIJING, TIANJIN, SHIJIAZHUANG, HEFEI, BOZHOU, SHENZHEN = (
    110000, 120000, 130100, 340100, 341600, 440300,
)  # fmt: skip


@pytest.fixture(scope="module")
def result(tmp_path_factory) -> ccsy.CcsyImport:
    """One import of the two generated editions, shared by the read-only tests."""
    source = tmp_path_factory.mktemp("ccsy")
    write_old(source / "中国城市统计年鉴2006.xlsx")
    write_new(source / "中国城市统计年鉴2021.xlsx")
    return ccsy.import_ccsy(source)


def _value(result: ccsy.CcsyImport, code: int, year: int, variable: str) -> float:
    panel = result.panel.set_index(["code", "year"])
    return float(panel.loc[(code, year), variable])


def _existing(year: int) -> set[int]:
    """Codes of the national roster that were prefecture-level cities at the end of ``year``."""
    roster = reference.prefectures()
    first = roster["first_year"].fillna(0) <= year
    last = roster["last_year"].fillna(9999) >= year
    return set(roster.index[first & last])


def test_panel_is_canonical_and_covers_the_national_roster(result):
    validate_panel(result.panel, source="test")  # raises on any schema breach
    assert list(result.panel.columns) == ["code", "year", *reference.variables().index]
    assert sorted(result.panel["year"].unique()) == [2005, 2020]
    for year in (2005, 2020):
        assert set(result.panel.loc[result.panel["year"] == year, "code"]) == _existing(year)
    chaohu = 341400  # abolished in 2011: in the 2005 panel, not in the 2020 one
    assert chaohu in _existing(2005) and chaohu not in _existing(2020)
    missing = result.issues("city_missing")
    listed_2005 = {BEIJING, TIANJIN, SHIJIAZHUANG, HEFEI, BOZHOU, SHENZHEN, chaohu}
    assert set(missing.loc[missing["year"] == 2005, "code"]) == _existing(2005) - listed_2005


def test_study_roster_keeps_the_63_cities(two_editions):
    study = ccsy.import_ccsy(two_editions, roster="study")
    roster = set(reference.cities().index)
    for year in (2005, 2020):
        assert set(study.panel.loc[study.panel["year"] == year, "code"]) == roster
    assert set(study.roster.index) == roster


@pytest.mark.parametrize(
    ("code", "year", "variable", "expected"),
    [
        (BEIJING, 2005, "gdp", 70000000 / 1e4),  # 万元 -> 亿元
        (BEIJING, 2020, "gdp", 36000.0),  # already 亿元
        (BEIJING, 2005, "pop_registered", 1200.5),  # 全市 column, not 市辖区 1100.25
        (BEIJING, 2020, "pop_resident", 2200.0),  # number stored as text
        (BEIJING, 2005, "budget_revenue", 9000000.0),
        (BEIJING, 2020, "budget_expenditure", 71000000.0),
        (BEIJING, 2005, "science_spending", 150000.0),
        (BEIJING, 2005, "secondary_teachers", 51500.0),  # 专任教师数 > 普通中学, not 学校数
        (BEIJING, 2005, "library_books", 36000.0),  # 千册
        (BEIJING, 2020, "library_books", 72000.0),  # 7200 万册 = 72000 千册
        (BEIJING, 2005, "road_area", 16000.0),  # 市辖区 only
        (SHIJIAZHUANG, 2020, "pop_resident", 1124.0),
        (BOZHOU, 2005, "pop_registered", 580.3),  # printed 毫州市
        (HEFEI, 2020, "gdp", 10046.0),
        (SHENZHEN, 2020, "hospital_beds", 60000.0),
    ],
)
def test_values_to_the_unit(result, code, year, variable, expected):
    assert _value(result, code, year, variable) == pytest.approx(expected, rel=1e-12)


def test_missing_and_debris_cells_are_nan_and_debris_is_reported(result):
    assert np.isnan(_value(result, SHIJIAZHUANG, 2005, "secondary_teachers"))  # '-'
    assert np.isnan(_value(result, TIANJIN, 2005, "hospital_beds"))  # 'I960'
    debris = result.issues("ocr_debris")
    assert len(debris) == 1
    row = debris.iloc[0]
    assert (row["file"], row["sheet"], row["row"], row["column"]) == (
        "中国城市统计年鉴2006.xlsx", "Sheet1", 6, "K",
    )  # fmt: skip
    assert (row["code"], row["variable"], row["value"]) == (TIANJIN, "hospital_beds", "I960")


def test_provinces_and_totals_are_dropped_and_rows_counted(result):
    info = result.editions.set_index("data_year")
    assert info.loc[2005, "study_rows"] == 6
    assert info.loc[2005, "other_roster_rows"] == 1  # 巢湖市, a prefecture city until 2011
    assert info.loc[2005, "province_or_total_rows"] == 4  # 城市合计 + three provinces
    assert info.loc[2020, "province_or_total_rows"] == 3
    # Quality counts per edition: names per stage, rows skipped, units, numbers from text.
    assert info.loc[2005, ["names_exact", "names_alias", "names_normalised", "names_one_char"]
                    ].tolist() == [6, 1, 0, 0]  # fmt: skip
    assert info.loc[2005, "rows_skipped"] == 0
    assert info.loc[2005, "numbers_from_text"] == 0
    # The bilingual family stores its numbers as text: 6 cities x 11 columns.
    assert info.loc[2020, "numbers_from_text"] == 6 * 11
    assert info.loc[2020, "units_inferred"] == 0


def test_quality_report_lists_known_problems(result):
    quality = result.quality
    assert list(quality.columns) == ccsy.QUALITY_COLUMNS

    repair = result.issues("name_repair")
    assert list(zip(repair["code"], repair["value"], repair["row"], strict=True)) == [
        (BOZHOU, "毫州市", 11)
    ]
    conversions = result.issues("unit_conversion").set_index(["year", "variable"])["value"]
    assert conversions.to_dict() == {(2005, "gdp"): "万元", (2020, "library_books"): "万册"}
    fallback = result.issues("scope_fallback")
    assert set(zip(fallback["year"], fallback["variable"], strict=True)) == {
        (2005, "road_area"), (2020, "road_area"),
    }  # fmt: skip
    renamed = result.issues("renamed_header")
    assert {"hospital_beds", "doctors", "budget_revenue"} <= set(renamed["variable"])
    breaks = result.issues("definition_break")
    assert set(breaks["variable"]) == {"hospital_beds", "doctors"}
    assert result.issues("unit_inferred").empty


def test_values_are_never_changed_by_flags(result):
    flagged = result.issues("implausible_jump")
    assert len(flagged) > 0
    panel = result.panel.set_index(["code", "year"])
    for row in flagged.itertuples():
        assert panel.loc[(row.code, row.year), row.variable] == row.value


def test_flag_jumps_dip_spike_and_shift():
    years = [2005, 2008, 2011, 2014, 2017]
    panel = pd.DataFrame(
        {
            "code": [BEIJING] * 5 + [HEFEI] * 5,
            "year": years * 2,
            # library books halve then recover (dip); GDP steps up fivefold (shift)
            "library_books": [100.0, 110.0, 50.0, 120.0, 125.0, 10, 11, 12, 13, 14],
            "gdp": [10.0, 11, 12, 13, 14, 100, 105, 500, 520, 530],
        }
    )
    flags = ccsy.flag_jumps(panel, dip_ratio=1.8, shift_ratio=3.0)
    got = {
        (r.code, r.year, r.variable, r.message.split(":")[1].strip()) for r in flags.itertuples()
    }
    assert got == {
        (BEIJING, 2011, "library_books", "one-year dip"),
        (HEFEI, 2011, "gdp", "level shift"),
    }
    spike = panel.assign(library_books=[100.0, 110, 300, 120, 125, 10, 11, 12, 13, 14])
    flags = ccsy.flag_jumps(spike[["code", "year", "library_books"]])
    assert [(r.code, r.year) for r in flags.itertuples()] == [(BEIJING, 2011)]
    assert "one-year spike" in flags.iloc[0]["message"]


def test_unmerged_header_layout_imports_the_same(tmp_path):
    merged, flat = tmp_path / "merged", tmp_path / "flat"
    merged.mkdir()
    flat.mkdir()
    write_old(merged / "中国城市统计年鉴2006.xlsx")
    write_old(flat / "中国城市统计年鉴2006.xlsx", merge=False)
    pd.testing.assert_frame_equal(ccsy.import_ccsy(merged).panel, ccsy.import_ccsy(flat).panel)


@pytest.mark.skipif(
    importlib.util.find_spec("python_calamine") is None, reason="python-calamine not installed"
)
def test_readers_agree(two_editions):
    with_calamine = ccsy.import_ccsy(two_editions, reader="calamine")
    with_openpyxl = ccsy.import_ccsy(two_editions, reader="openpyxl")
    pd.testing.assert_frame_equal(with_calamine.panel, with_openpyxl.panel)
    pd.testing.assert_frame_equal(with_calamine.quality, with_openpyxl.quality)


def test_edition_year_from_file_name_when_title_has_none(tmp_path):
    write_old(tmp_path / "ccsy_2009.xlsx", title="地级以上城市数据")
    result = ccsy.import_ccsy(tmp_path)
    assert result.editions.loc[0, ["edition_year", "data_year", "year_source"]].tolist() == [
        2009, 2008, "file name",
    ]  # fmt: skip


def test_municipality_listed_twice_with_same_numbers_is_merged(tmp_path):
    rows = [list(r) for r in OLD_ROWS]
    rows.insert(2, list(rows[1]))  # 北京市 as province row and as city row
    write_old(tmp_path / "中国城市统计年鉴2006.xlsx", rows=rows)
    result = ccsy.import_ccsy(tmp_path)
    assert _value(result, BEIJING, 2005, "pop_registered") == 1200.5
    assert len(result.issues("duplicate_row")) == 1


def test_raw_files_are_not_modified(two_editions):
    def digest():
        return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in two_editions.iterdir()}

    before = digest()
    mtimes = {p.name: p.stat().st_mtime_ns for p in two_editions.iterdir()}
    ccsy.import_ccsy(two_editions)
    assert digest() == before
    assert {p.name: p.stat().st_mtime_ns for p in two_editions.iterdir()} == mtimes


def test_write_import_is_atomic_and_complete(result, tmp_path):
    out = tmp_path / "processed"
    paths = ccsy.write_import(result, out)
    assert sorted(p.name for p in out.iterdir()) == [
        "coverage.csv", "editions.csv", "panel.parquet", "quality.csv",
    ]  # fmt: skip
    editions = pd.read_csv(paths["editions.csv"])
    assert set(ccsy.EDITION_COUNTS) <= set(editions.columns)
    pd.testing.assert_frame_equal(pd.read_parquet(paths["panel.parquet"]), result.panel)
    assert len(pd.read_csv(paths["quality.csv"])) == len(result.quality)

    # An invalid panel writes nothing and leaves the previous outputs untouched.
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    broken = ccsy.CcsyImport(
        panel=result.panel.assign(gdp=-1.0),
        quality=result.quality,
        coverage=result.coverage,
        editions=result.editions,
    )
    with pytest.raises(DataError, match="gdp"):
        ccsy.write_import(broken, out)
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before


def test_run_import_writes_outputs(two_editions, tmp_path):
    out = tmp_path / "out"
    result = ccsy.run_import(two_editions, out)
    assert (out / "panel.parquet").is_file()
    assert len(result.panel) == len(_existing(2005)) + len(_existing(2020))


def test_coverage_table_shares(result):
    table = ccsy.coverage_table(result.panel).set_index(["cluster", "variable", "year"])
    # jjj has 13 roster cities; the 2005 workbook holds 北京, 天津, 石家庄 with GDP.
    assert table.loc[("jjj", "gdp", 2005), "n_cities"] == 13
    assert table.loc[("jjj", "gdp", 2005), "share"] == pytest.approx(3 / 13)
    # 天津's bed count is OCR debris, so only 北京 and 石家庄 count.
    assert table.loc[("jjj", "hospital_beds", 2005), "n_present"] == 2
    assert table.loc[("prd", "gdp", 2020), "share"] == pytest.approx(1 / 9)


def test_plot_coverage_returns_a_figure(result):
    from matplotlib.figure import Figure

    from inertia.viz.quality import plot_coverage

    figure = plot_coverage(result.panel)
    assert isinstance(figure, Figure)
    heatmaps = [ax for ax in figure.axes if ax.images]
    assert [ax.get_title() for ax in heatmaps] == [
        "Beijing-Tianjin-Hebei", "Yangtze River Delta", "Pearl River Delta",
    ]  # fmt: skip
    shown = heatmaps[0].images[0].get_array()
    assert shown.shape == (len(reference.variables()), 2)
    variables = list(reference.variables().index)
    assert shown[variables.index("gdp"), 0] == pytest.approx(3 / 13)


def test_header_map_rejects_a_header_for_two_variables(tmp_path):
    path = tmp_path / "map.csv"
    path.write_text(
        "header,variable,definition,note\n"
        "医院床位数,hospital_beds,hospitals,\n"
        "医院床位数,doctors,doctors,\n",
        encoding="utf-8",
    )
    with pytest.raises(DataError, match=r"line 3.*医院床位数.*hospital_beds"):
        ccsy.load_header_map(path)


def test_header_map_rejects_unknown_variable_and_empty_header(tmp_path):
    path = tmp_path / "map.csv"
    path.write_text("header,variable,definition,note\n年末总人口,population,x,\n", encoding="utf-8")
    with pytest.raises(DataError, match="population"):
        ccsy.load_header_map(path)
    path.write_text("header,variable,definition,note\n(万人),pop_registered,x,\n", encoding="utf-8")
    with pytest.raises(DataError, match="no text to match"):
        ccsy.load_header_map(path)


def test_committed_reference_tables_load():
    header_map = ccsy.load_header_map()
    assert {v.variable for v in header_map.variants} == set(reference.variables().index)
    aliases = ccsy.load_aliases()
    repairs = {a.name: a.code for a in aliases.values() if a.kind == "ocr_repair"}
    former = {a.name: a.code for a in aliases.values() if a.kind == "former_name"}
    assert former == {"思茅": 530800, "襄樊": 420600}  # from prefecture_changes.csv
    assert repairs["毫州市"] == 341600
    assert repairs["准安市"] == 320800
    assert repairs["准南市"] == 340400
    assert repairs["准北市"] == 340600


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("医院、卫生院床位数(张)", "医院卫生院床位数"),
        ("医院.卫生院床位数 (张) Number of Beds", "医院卫生院床位数"),
        ("执业(助理)医师数 (人） Number of Licensed (Assistant) Doctors", "执业医师数"),
        ("2-22 专任教师数(二) （人）", "专任教师数"),
        ("其中：非农业人口(万人)", "非农业人口"),
    ],
)
def test_zh_key(text, key):
    assert ccsy.zh_key(text) == key


def test_malformed_corpus_is_large_enough():
    assert len(MALFORMED) >= 20


def test_malformed_input_raises_a_readable_data_error(malformed):
    name, case = malformed
    with pytest.raises(DataError) as caught:
        ccsy.import_ccsy(case.source, **case.kwargs)
    message = str(caught.value)
    for item in case.expected:
        assert item in message, f"{name}: {item!r} not in {message!r}"
    assert "\n" not in message.strip(), f"{name}: message is not one paragraph"
    assert "Traceback" not in message


def test_old_columns_match_rows():
    # Guard for the generated corpus itself: every row has one value per column.
    assert all(len(row) == len(OLD_COLUMNS) + 1 for row in OLD_ROWS)


def test_new_family_alone_imports(tmp_path):
    write_new(tmp_path / "中国城市统计年鉴2021.xlsx")
    result = ccsy.import_ccsy(tmp_path / "中国城市统计年鉴2021.xlsx")  # a single file works too
    assert result.editions["data_year"].tolist() == [2020]
    assert os.fspath(result.editions.loc[0, "file"]) == "中国城市统计年鉴2021.xlsx"


@pytest.mark.parametrize(
    ("name", "kind", "code"),
    [
        ("1.北京市", "city", BEIJING),
        ("北京", "city", BEIJING),  # municipality without 市
        ("\xa0\xa0上海市", "city", 310000),
        ("河北省", "province", None),
        ("3.河北省", "province", None),
        ("河北", "province", None),
        ("吉林省", "province", None),
        ("吉林市", "city", 220200),  # city of the same name as a province
        ("全省合计", "total", None),
        ("城市合计", "total", None),
        ("毫州市", "city", BOZHOU),  # OCR repair
        ("准安市", "city", 320800),
        ("准南市", "city", 340400),
        ("准北市", "city", 340600),
        ("巢湖市", "city", 341400),  # abolished 2011: on the roster until 2010
        ("襄樊市", "city", 420600),  # renamed 襄阳 in 2010 (crosswalk)
        ("火星市", "unresolved", None),
        ("注：本表数据不含县。", "footnote", None),
        ("Beijing", "blank", None),
    ],
)
def test_city_names_are_classified(name, kind, code):
    names = CityResolver(ccsy.load_aliases())
    got = names.classify(name)
    assert (got.kind, got.code) == (kind, code)


def test_municipality_names_without_shi_import(tmp_path):
    rows = [list(r) for r in OLD_ROWS]
    rows[1][0] = "北京"
    rows[2][0] = "天津"
    write_old(tmp_path / "中国城市统计年鉴2006.xlsx", rows=rows)
    result = ccsy.import_ccsy(tmp_path)
    assert _value(result, BEIJING, 2005, "pop_registered") == 1200.5
    assert _value(result, TIANJIN, 2005, "pop_registered") == 950.5


def test_ccsy_bundle_keeps_every_city_and_restricts_to_the_clusters(two_editions):
    from inertia.data.sources import build_panel

    bundle = build_panel("ccsy", years=(2005, 2020), ccsy_dir=two_editions)
    assert len(bundle.roster) > len(reference.cities())
    assert bundle.roster["cluster"].isna().any()
    assert set(bundle.panel["code"]) == set(bundle.roster.index)
    clustered = bundle.restrict(list(reference.CLUSTERS))
    assert sorted(clustered.roster.index) == sorted(reference.cities().index)
    assert set(clustered.panel["code"]) <= set(reference.cities().index)
    assert set(reference.cities().columns) <= set(clustered.roster.columns)
    only_prd = bundle.restrict(["prd"])
    assert set(only_prd.roster["cluster"]) == {"prd"}
    with pytest.raises(ParameterError, match="xyz"):
        bundle.restrict(["xyz"])


def test_legacy_xls_edition_imports_like_its_xlsx(tmp_path):
    from .malformed import write_old_xls

    xls, xlsx = tmp_path / "xls", tmp_path / "xlsx"
    xls.mkdir()
    xlsx.mkdir()
    write_old_xls(xls / "中国城市统计年鉴2006.xls")
    write_old(xlsx / "中国城市统计年鉴2006.xlsx")
    from_xls, from_xlsx = ccsy.import_ccsy(xls), ccsy.import_ccsy(xlsx)
    pd.testing.assert_frame_equal(from_xls.panel, from_xlsx.panel)
    assert from_xls.editions.loc[0, "file"] == "中国城市统计年鉴2006.xls"
    # openpyxl does not read .xls: the importer uses python-calamine for it.
    pd.testing.assert_frame_equal(ccsy.import_ccsy(xls, reader="openpyxl").panel, from_xls.panel)
