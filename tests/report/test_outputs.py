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
