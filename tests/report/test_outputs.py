"""Publisher.table: machine names in the CSV, headers in the publisher's language elsewhere."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from inertia.report.outputs import Publisher, display_frame
from inertia.viz import labels

SUFFIXES = ("csv", "tex", "html")
CHINESE = ("城市群", "年份", "估计值", "置信区间下限", "置换检验伪 p 值", "角色弱化变化量")


def _frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "cluster": ["jjj", "yrd"],
            "year": [2020, 2021],
            "estimate": [0.5, -0.25],
            "ci_low": [0.1, -0.5],
            "p_sim": [0.01, 0.2],
            "delta_weakness": [0.0, 1.0],
            "new_column": [1.0, 2.0],
            "variable": ["pop_registered", "share_>_50%"],
        }
    )


def _publish(tmp_path: Path, language: str) -> dict[str, str]:
    pub = Publisher(tmp_path / language, data_source="ccsy", language=language)
    pub.table(_frame(), "headers", caption="Headers.", show=False)
    folder = tmp_path / language / "tables"
    return {s: (folder / f"headers.{s}").read_text(encoding="utf-8") for s in SUFFIXES}


def test_chinese_headers_in_html_and_latex_machine_names_in_csv(tmp_path: Path) -> None:
    out = _publish(tmp_path, "zh")
    assert out["csv"].splitlines()[0] == ",".join(_frame().columns)
    assert "jjj" in out["csv"] and "京津冀" not in out["csv"]
    for suffix in ("html", "tex"):
        text = out[suffix]
        for header in CHINESE:
            assert header in text, (suffix, header)
        assert "ci_low" not in text and "p_sim" not in text
        assert "new_column" in text.replace("new\\_column", "new_column")  # unknown: as it is
        assert "京津冀" in text and "长三角" in text


def test_english_headers_are_readable_and_escaped_for_latex(tmp_path: Path) -> None:
    out = _publish(tmp_path, "en")
    assert out["csv"].splitlines()[0] == ",".join(_frame().columns)
    assert "95% CI, low" in out["html"] and "Pseudo p (permutations)" in out["html"]
    assert "95\\% CI, low" in out["tex"] and "new\\_column" in out["tex"]
    assert ">Year</th>" in out["html"] and ">year</th>" not in out["html"]
    assert "JJJ" in out["html"] and "jjj" in out["csv"]
    # Cell text is escaped too, so the LaTeX compiles.
    assert "pop\\_registered" in out["tex"] and "share\\_>\\_50\\%" in out["tex"]
    assert "share_&gt;_50%" in out["html"]


def test_regression_tables_export_themselves_unchanged(tmp_path: Path) -> None:
    class Exported:
        def to_latex(self) -> str:
            return "latex p_sim"

        def to_html(self) -> str:
            return "<p>p_sim</p>"

        def to_csv(self) -> str:
            return "p_sim\n"

    pub = Publisher(tmp_path, data_source="ccsy", language="zh")
    pub.table(Exported(), "regression", caption="Regression.", show=False)
    assert (tmp_path / "tables" / "regression.html").read_text() == "<p>p_sim</p>"


def test_display_frame_names_the_index_and_keeps_clashing_columns_apart() -> None:
    frame = pd.DataFrame({"p_value": [0.1], "pvalue": [0.2], "n": [3]}).rename_axis("cluster")
    shown = display_frame(frame, "zh")
    assert shown.index.name == labels.text("cluster", "zh")
    assert list(shown.columns) == ["p_value", "pvalue", "样本量"]
    assert list(frame.columns) == ["p_value", "pvalue", "n"]  # the input is left alone
    with pytest.raises(ValueError, match="language"):
        display_frame(frame, "fr")


def test_each_chapter_publishes_its_own_verdict_file(tmp_path) -> None:
    """Publishing gathers a run's tables in one folder: verdicts must not overwrite each other."""
    import json

    from inertia.chapters.verdicts import ChapterVerdict
    from inertia.report.outputs import Publisher

    paths = []
    for chapter in ("05_chain_reaction", "06_corrective_measures"):
        pub = Publisher(tmp_path / chapter, tmp_path / "processed", data_source="simulated")
        record = pub.verdict(ChapterVerdict(chapter, "simulated", ()))
        paths.append(record["files"][0]["path"])
        body = json.loads((tmp_path / chapter / "tables" / paths[-1]).read_text())
        assert body["chapter"] == chapter and body["simulated"] is True
    assert paths == ["verdict_05_chain_reaction.json", "verdict_06_corrective_measures.json"]


def test_tables_for_reading_and_csv_at_full_precision(tmp_path: Path) -> None:
    """Separators, integer counts, units in the headers; the CSV beside them unrounded."""
    frame = pd.DataFrame(
        {
            "year": [2014, 2022],
            "budget_revenue": [6108858.7335123, 17999.25],
            "n": [5185.0, 962.0],
            "estimate": [0.104123456789, -0.25],
            "p_value": [0.0004, 0.0421],
        }
    )
    pub = Publisher(tmp_path, data_source="ccsy", language="en")
    pub.table(frame, "readable", caption="Readable.", show=False)
    folder = tmp_path / "tables"
    html, tex, csv = (
        (folder / f"readable.{s}").read_text(encoding="utf-8") for s in ("html", "tex", "csv")
    )
    for text in (html, tex):
        assert "6,108,859" in text and "17,999" in text  # money: separators, no decimals
        assert "5,185" in text and "5,185.0" not in text and "962.0" not in text
        assert "2014" in text and "2,014" not in text
        assert "0.104" in text and "0.1041" not in text and "-0.250" in text
    assert ">Local general budget revenue (10k yuan)</th>" in html
    assert "Local general budget revenue (10k yuan)" in tex
    assert "&lt;0.001" in html and "0.042" in html
    assert "$<$0.001" in tex
    # The CSV is data: machine names and every digit.
    assert csv.splitlines()[0] == "year,budget_revenue,n,estimate,p_value"
    assert "6108858.7335123" in csv and "0.104123456789" in csv
    assert pd.read_csv(folder / "readable.csv").equals(frame)


def test_variable_headers_carry_the_unit_in_chinese_too() -> None:
    from inertia.report.outputs import variable_header

    assert variable_header("budget_revenue", "zh") == "地方一般公共预算收入（万元）"
    registered = "Registered (hukou) population at year end (10k persons)"
    assert variable_header("pop_registered") == registered
    assert variable_header("estimate") is None
    shown = display_frame(pd.DataFrame({"gdp": [1.0]}), "en")
    assert list(shown.columns) == [
        "Gross regional product at current prices (100 million yuan)"
    ]
