"""A ``language: zh`` run of every chapter: Chinese labels, drawn with the CJK font, no boxes."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd
import pytest

pytestmark = [pytest.mark.notebooks, pytest.mark.slow]

HAN = r"[\u4e00-\u9fff]"


@pytest.fixture(scope="module")
def chinese_run(chapters: Path) -> Path:
    """The shared execution's ``zh`` run: the simulated run with ``language: zh``."""
    return chapters / "reports"


def _stderr_of(notebook: Path) -> str:
    cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
    return "".join(
        "".join(output.get("text", ""))
        for cell in cells
        for output in cell.get("outputs", [])
        if output.get("output_type") == "stream" and output.get("name") == "stderr"
    )


def test_no_chapter_warns_of_a_missing_glyph(chinese_run: Path) -> None:
    notebooks = sorted((chinese_run / "notebooks" / "zh").glob("*.ipynb"))
    assert len(notebooks) == 7  # 01 to 07: the harness (02) runs in every run
    for notebook in notebooks:
        stderr = _stderr_of(notebook)
        assert "missing from font" not in stderr, f"{notebook.name}: {stderr[:500]}"


def test_figures_draw_chinese_glyphs_from_the_cjk_font(chinese_run: Path) -> None:
    figures = sorted((chinese_run / "figures" / "zh").glob("*.svg"))
    assert figures
    # With svg.fonttype "path" each glyph is a <path> whose id names its font.
    without_cjk = [f.name for f in figures if "NotoSansCJK" not in f.read_text(encoding="utf-8")]
    assert not without_cjk


def test_table_headers_and_rows_are_chinese(chinese_run: Path) -> None:
    tables = chinese_run / "tables" / "zh"
    baseline = (tables / "iv_2sls.html").read_text(encoding="utf-8")  # TWFE and 2SLS columns
    assert "角色弱化" in baseline and "角色偏离" in baseline and "角色负强化" in baseline
    # The statistics rows and the SE note of the regression tables switch too.
    assert "观测值" in baseline and "城市固定效应" in baseline and "括号内为标准误" in baseline
    assert "Observations" not in baseline and "City FE" not in baseline
    grades = pd.read_csv(tables / "coupling_grades.csv")
    assert grades.filter(like="grade_zh").stack().str.contains(HAN).all()
    curve = (tables / "curve_summary.html").read_text(encoding="utf-8")
    assert pd.Series([curve]).str.contains(HAN).all()


# A header with no Chinese is a symbol or a number: "I", "z", "N", "β", "2005", "25%".
SYMBOL_HEADER = r"[A-Za-zβη²]\u0304?[A-Za-z]?|\d{1,4}%?"  # \u0304: M̄


def test_dataframe_table_headers_are_chinese(chinese_run: Path) -> None:
    from bs4 import BeautifulSoup

    tables = sorted((chinese_run / "tables" / "zh").glob("*.html"))
    checked, english = 0, []
    for table in tables:
        soup = BeautifulSoup(table.read_text(encoding="utf-8"), "html.parser")
        if soup.select(".gt_table"):  # regression tables label themselves (great-tables)
            continue
        checked += 1
        for cell in soup.find_all("th"):
            header = cell.get_text(" ", strip=True)
            if "row_heading" in cell.get("class", []) or not header:
                continue  # row labels are data; blank corner cells have no text
            if not re.search(HAN, header) and not re.fullmatch(SYMBOL_HEADER, header):
                english.append(f"{table.name}: {header}")
    assert checked >= 20
    assert not english
