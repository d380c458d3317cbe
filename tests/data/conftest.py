"""Fixtures that generate CCSY workbooks into ``tmp_path`` (builders in malformed.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

try:  # tests/data may or may not be a package
    from .malformed import MALFORMED, Case, write_new, write_old
except ImportError:
    from malformed import MALFORMED, Case, write_new, write_old


@pytest.fixture
def two_editions(tmp_path: Path) -> Path:
    """A directory with one older-family and one bilingual-family edition."""
    source = tmp_path / "ccsy"
    source.mkdir()
    write_old(source / "中国城市统计年鉴2006.xlsx")
    write_new(source / "中国城市统计年鉴2021.xlsx")
    return source


@pytest.fixture(params=sorted(MALFORMED))
def malformed(request, tmp_path: Path) -> tuple[str, Case]:
    """One generated malformed input per parameter (the corpus has >= 20)."""
    return request.param, MALFORMED[request.param](tmp_path)
