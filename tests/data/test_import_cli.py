"""``inertia data import-ccsy DIR`` end to end: exit codes, messages, atomic output."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from .malformed import MALFORMED, write_new, write_old


def _cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "inertia", "data", "import-ccsy", *args],
        capture_output=True, text=True,
    )


def test_good_editions_are_imported_and_summarised(tmp_path: Path) -> None:
    source = tmp_path / "ccsy"
    source.mkdir()
    write_old(source / "中国城市统计年鉴2006.xlsx")
    write_new(source / "中国城市统计年鉴2021.xlsx")
    raw_before = {p.name: p.read_bytes() for p in source.iterdir()}
    result = _cli(str(source), "--out", str(tmp_path / "out"))
    assert result.returncode == 0, result.stderr
    assert "Imported 2 edition(s)" in result.stdout
    assert {p.name for p in (tmp_path / "out").iterdir()} == {
        "panel.parquet", "quality.csv", "coverage.csv", "editions.csv",
    }
    assert "2005 (中国城市统计年鉴2006.xlsx): names 6 / 1 / 0 / 0" in result.stdout
    assert {p.name: p.read_bytes() for p in source.iterdir()} == raw_before


@pytest.mark.parametrize("name", sorted(MALFORMED)[:6])
def test_malformed_input_exits_non_zero_without_traceback(name: str, tmp_path: Path) -> None:
    case = MALFORMED[name](tmp_path)
    out = tmp_path / "out"
    if case.kwargs:
        pytest.skip("this case needs library options the command line does not take")
    result = _cli(str(case.source), "--out", str(out))
    assert result.returncode == 2
    assert result.stderr.startswith("error: ")
    assert "Traceback" not in result.stderr
    assert not out.exists() or not any(out.iterdir())


@pytest.mark.skipif(
    not os.environ.get("INERTIA_CCSY_DIR"),
    reason="INERTIA_CCSY_DIR not set: the real CCSY editions are not available",
)
def test_real_editions_summary(tmp_path: Path) -> None:
    result = _cli(os.environ["INERTIA_CCSY_DIR"], "--out", str(tmp_path / "out"))
    assert result.returncode == 0, result.stderr
    expected = "Imported 7 edition(s): 299 prefecture-level cities (63 study cities) x 7 data years"
    assert expected in result.stdout
    assert "Names resolved:" in result.stdout and "unit(s) inferred" in result.stdout
    assert "ocr_debris" in result.stdout and "unit_conversion" in result.stdout
