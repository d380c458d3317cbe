"""One phrasebook for every figure and table: complete, consistent, translated once."""

from __future__ import annotations

import ast
import re
import string
from pathlib import Path

import pandas as pd
import pytest

from inertia.data import reference
from inertia.viz import labels

SRC = Path(__file__).resolve().parents[2] / "src" / "inertia"


def _fields(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


@pytest.mark.parametrize("table", ["PHRASES", "FORK_NAMES", "TERMS", "COLUMNS"])
def test_every_entry_has_both_languages_with_the_same_placeholders(table: str) -> None:
    for key, (english, chinese) in getattr(labels, table).items():
        assert english.strip() and chinese.strip(), key
        assert _fields(english) == _fields(chinese), key
        # The Chinese side is Chinese (a symbol-only phrase may share its text).
        assert chinese != english or not re.search("[A-Za-z]{3,}", english), key


def test_no_english_phrase_is_translated_twice() -> None:
    english = [e.casefold() for e, _ in labels.PHRASES.values()]
    english += [e.casefold() for e, _ in labels.TERMS.values()]
    repeated = {e for e in english if english.count(e) > 1}
    assert not repeated
    # A column header that a phrase, term or fork already says reuses it (COLUMN_PHRASES).
    said = set(english) | {e.casefold() for e, _ in labels.FORK_NAMES.values()}
    headers = [e.casefold() for e, _ in labels.COLUMNS.values()]
    assert not said & set(headers)
    assert not {h for h in headers if headers.count(h) > 1}


def test_no_module_keeps_a_phrasebook_of_its_own() -> None:
    """Figures and tables take their words from inertia.viz.labels only."""
    for path in SRC.rglob("*.py"):
        if path.name == "labels.py" or path.name == "reference.py":  # reference: the names
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Dict) or not node.values:
                continue
            pairs = [
                v
                for v in node.values
                if isinstance(v, ast.Tuple)
                and len(v.elts) == 2
                and all(isinstance(e, ast.Constant) and isinstance(e.value, str) for e in v.elts)
                and re.search("[\u4e00-\u9fff]", v.elts[1].value)
            ]
            where = f"{path.relative_to(SRC)}:{node.lineno}"
            assert not pairs, f"{where} has an (English, Chinese) table"


def test_text_formats_placeholders_in_either_language() -> None:
    assert labels.text("role_index", "en", name="Role weakness") == "Role weakness index"
    assert labels.text("role_index", "zh", name="角色弱化") == "角色弱化指数"
    assert labels.text("path_title", "en", ci=0.95).endswith("(95% CI)")
    assert labels.text("synergy_gap") == "Synergy gap E − S"
    with pytest.raises(ValueError, match="language"):
        labels.text("year", "fr")


def test_term_labels_cover_lags_cluster_slopes_and_unknown_terms() -> None:
    assert labels.term_label("weakness_lag1") == "Role weakness, lag 1"
    assert labels.term_label("weakness_lag1", "zh") == "角色弱化（滞后 1 期）"
    assert labels.term_label("deviation:yrd") == "Role deviation × YRD"
    assert labels.term_label("deviation:yrd", "zh") == "角色偏离 × 长三角"
    assert labels.term_label("log_gdp", "zh") == "GDP 对数"
    assert labels.term_label("not_a_term") == "not_a_term"
    # The role dimensions share the figures' phrases: one translation each.
    for term in labels.ROLE_TERMS:
        assert labels.term_label(term, "zh") == labels.text(term, "zh")


def test_term_label_mapping_works_with_series_map() -> None:
    zh = labels.TermLabels("zh")
    mapped = pd.Series(["weakness", "reinforcement_lag2", "gap_lag1"]).map(zh)
    assert mapped.tolist() == ["角色弱化", "角色负强化（滞后 2 期）", "差距（滞后一期）"]
    assert set(labels.TermLabels("en")) == set(zh)


def test_fork_names_and_names_from_the_roster() -> None:
    assert labels.fork_name("se_type") == "SE"
    assert labels.fork_name("se_type", "zh") == "标准误"
    assert labels.fork_name("new_fork") == "new_fork"
    roster = reference.cities()
    assert labels.city_name(110000, "zh") == roster.at[110000, "name_zh"] == "北京"
    assert labels.cluster_name("prd", "zh") == "珠三角"


def test_column_tables_point_at_entries_that_exist() -> None:
    assert set(labels.COLUMN_PHRASES.values()) <= set(labels.PHRASES)
    assert set(labels.COLUMN_ALIASES.values()) <= set(labels.COLUMNS)
    # A column is headed in one place only.
    assert not set(labels.COLUMN_PHRASES) & set(labels.COLUMNS)
    assert not set(labels.COLUMN_ALIASES) & (set(labels.COLUMNS) | set(labels.COLUMN_PHRASES))
    # Only se_type is headed otherwise than its fork: "SE" would repeat the "se" column's header.
    assert set(labels.FORK_NAMES) & (set(labels.COLUMNS) | set(labels.COLUMN_PHRASES)) == {
        "se_type"
    }
    for key, (english, _) in labels.COLUMNS.items():
        if "{column}" in key:  # a pattern wraps the header of another column
            assert key.count("{column}") == 1 and _fields(english) == {"header"}, key


@pytest.mark.parametrize(
    ("column", "english", "chinese"),
    [
        ("ci_low", "95% CI, low", "95% 置信区间下限"),
        ("p_sim", "Pseudo p (permutations)", "置换检验伪 p 值"),
        ("n", "N", "样本量"),
        ("count", "N", "样本量"),  # an alias of "n"
        ("z", "z", "z"),  # symbols stay symbols
        ("year", "Year", "年份"),  # from PHRASES
        ("median", "Median", "中位数"),  # the phrase, with a header's capital
        ("50%", "Median", "中位数"),
        ("controls", "Controls", "控制变量"),  # from FORK_NAMES
        ("weakness", "Role weakness", "角色弱化"),  # a role term
        ("deviation_lag1", "Role deviation, lag 1", "角色偏离（滞后 1 期）"),
        ("reinforcement:yrd", "Role negative reinforcement × YRD", "角色负强化 × 长三角"),
        ("delta_weakness", "Δ Role weakness", "角色弱化变化量"),  # a pattern around a term
        ("gap_change_per_unit_low", "Change in E − S per unit, low", None),
        ("jjj", "JJJ", "京津冀"),
        ("PRD", "PRD", "珠三角"),
        ("TWFE", "TWFE", "双向固定效应"),
        ("brand_new_column", "brand_new_column", "brand_new_column"),  # unknown: as it is
        ("delta_brand_new", "delta_brand_new", "delta_brand_new"),
        ("2005", "2005", "2005"),
    ],
)
def test_column_header_in_both_languages(column: str, english: str, chinese: str | None) -> None:
    assert labels.column_header(column) == english
    assert labels.column_header(column, "en") == english
    if chinese is not None:
        assert labels.column_header(column, "zh") == chinese


def test_column_headers_reuse_phrases_terms_and_forks() -> None:
    for column, key in labels.COLUMN_PHRASES.items():
        assert labels.column_header(column, "zh") == labels.text(key, "zh")
    assert labels.column_header("se_type", "zh") != labels.column_header("se", "zh")
    assert labels.column_header("outcome", "zh") == labels.fork_name("outcome", "zh")
    for term in labels.ROLE_TERMS:
        assert labels.column_header(term, "zh") == labels.term_label(term, "zh")
    zh = labels.column_header("shortfall_change_per_unit_high", "zh")
    assert zh == labels.column_header("shortfall_change", "zh") + "（每单位力度）上限"
    with pytest.raises(ValueError, match="language"):
        labels.column_header("not_a_column", "fr")
