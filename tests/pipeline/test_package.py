"""The replication package (`inertia.pipeline.package`): citation files and the archive."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from inertia.errors import InertiaError
from inertia.pipeline import package

ROOT = Path(__file__).resolve().parents[2]


def _citation_copy(tmp_path: Path) -> Path:
    for name in ("CITATION.cff", ".zenodo.json", "pyproject.toml"):
        shutil.copyfile(ROOT / name, tmp_path / name)
    return tmp_path


def test_citation_cff_is_valid_and_zenodo_agrees_with_it() -> None:
    assert package.citation_problems(ROOT) == []
    citation = yaml.safe_load((ROOT / "CITATION.cff").read_text(encoding="utf-8"))
    zenodo = json.loads((ROOT / ".zenodo.json").read_text(encoding="utf-8"))
    assert citation["cff-version"] == "1.2.0"
    assert zenodo["title"] == citation["title"]
    assert zenodo["version"] == citation["version"] == package.project_version(ROOT)
    assert [c["name"] for c in zenodo["creators"]] == [a["name"] for a in citation["authors"]]


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        (lambda c: c.pop("authors"), "'authors' is a required property"),
        (lambda c: c.update({"cff-version": "9.9"}), "field cff-version"),
        (lambda c: c.update({"license": "Not-A-Licence"}), "field license"),
        (lambda c: c.update({"version": "0.0.9"}), "version differs from CITATION.cff"),
        (lambda c: c.update({"title": "Another title"}), "title differs"),
    ],
)
def test_a_broken_citation_file_is_named(tmp_path: Path, edit, expected: str) -> None:
    folder = _citation_copy(tmp_path)
    citation = yaml.safe_load((folder / "CITATION.cff").read_text(encoding="utf-8"))
    edit(citation)
    (folder / "CITATION.cff").write_text(yaml.safe_dump(citation, allow_unicode=True))
    problems = package.citation_problems(folder)
    assert any(expected in p for p in problems), problems


def test_zenodo_creators_must_match_the_authors(tmp_path: Path) -> None:
    folder = _citation_copy(tmp_path)
    zenodo = json.loads((folder / ".zenodo.json").read_text(encoding="utf-8"))
    zenodo["creators"] = [{"name": "Somebody, Else"}]
    (folder / ".zenodo.json").write_text(json.dumps(zenodo))
    assert package.citation_problems(folder) == [
        ".zenodo.json: creators differ from CITATION.cff's authors"
    ]


def _check_archive(archive: Path, reports: Path) -> list[str]:
    """The archive's rules, checked from the zip itself; returns the member names."""
    version = package.project_version(ROOT)
    with zipfile.ZipFile(archive) as opened:
        infos = opened.infolist()
    names = [info.filename for info in infos]
    assert names == sorted(names)
    assert {info.date_time for info in infos} == {package.ZIP_TIME}
    prefix = f"replication-{version}/"
    assert all(name.startswith(prefix) for name in names)
    inner = {name.removeprefix(prefix) for name in names}
    for required in (*package.REQUIRED, "src/inertia/pipeline/package.py", "Makefile"):
        assert required in inner
    references = {f"data/reference/{p.name}" for p in (ROOT / "data/reference").glob("*.csv")}
    assert references <= inner
    published = {
        "reports/" + p.relative_to(reports.resolve()).as_posix()
        for p in reports.resolve().rglob("*")
        if p.is_file()
    }
    assert published - {"reports/.publish-key"} <= inner
    # No yearbook data: no workbook, no built data, nothing from the data folders.
    for name in inner:
        assert not name.lower().endswith((".xls", ".xlsx", ".xlsm", ".parquet")), name
        assert not name.startswith(("data/processed/", ".inertia/", "dist/")), name
        assert not name.startswith("data/raw/") or name == "data/raw/README.md", name
        assert "ccsy" not in name.split("/")[:-1] or name.startswith("reports/"), name
    return names


def test_archive_of_a_published_run_is_complete_deterministic_and_clean(
    reproduced, tmp_path: Path
) -> None:
    reports = reproduced[0] / "reports"
    first = package.build(ROOT, reports, tmp_path / "a.zip")
    second = package.build(ROOT, reports, tmp_path / "b.zip")
    assert first.read_bytes() == second.read_bytes()
    names = _check_archive(first, reports)
    version = package.project_version(ROOT)
    pdf_name = f"replication-{version}/README.pdf"
    if not any(shutil.which(name) for name in package.BROWSERS):
        assert pdf_name not in names
        pytest.skip("no chromium: the archive has no README.pdf (.ci/run installs chromium)")
    with zipfile.ZipFile(first) as opened:
        pdf = opened.read(pdf_name)
    assert pdf.startswith(b"%PDF")
    assert b"/FontName /" in pdf and b"NotoSansCJK" in pdf  # the Chinese names have a font
    for needle in (b"file://", str(ROOT).encode(), b"/tmp/"):
        assert needle not in pdf


@pytest.mark.parametrize(
    ("planted", "reason"),
    [
        ("tables/simulated/edition_2019.xlsx", "a spreadsheet workbook"),
        ("tables/simulated/panel.parquet", "built data"),
    ],
)
def test_yearbook_files_stop_the_build(reproduced, tmp_path: Path, planted, reason) -> None:
    reports = tmp_path / "reports"
    shutil.copytree(reproduced[0] / "reports", reports, symlinks=False)
    (reports / planted).write_bytes(b"synthetic bytes, not a yearbook")
    with pytest.raises(InertiaError, match=reason) as caught:
        package.build(ROOT, reports, tmp_path / "a.zip")
    assert planted in str(caught.value)
    assert not (tmp_path / "a.zip").exists()


def _synthetic_panel() -> pd.DataFrame:
    rng = np.random.default_rng(3)
    frame = pd.DataFrame(
        {
            "code": np.repeat([110000, 120000, 130100], 4),
            "year": np.tile([2019, 2020, 2021, 2022], 3),
        }
    )
    for name in ("gdp", "budget_revenue", "doctors", "library_books"):
        frame[name] = rng.uniform(1_000, 9_000_000, len(frame))
    return frame


def test_a_listing_of_the_panel_is_found_and_derived_tables_are_not(tmp_path: Path) -> None:
    panel = _synthetic_panel()
    listing = tmp_path / "listing.csv"
    panel.iloc[[4]].to_csv(listing, index=False)
    html = tmp_path / "listing.html"
    html.write_text(panel.iloc[[1, 7]].round(2).to_html())
    derived = tmp_path / "derived.csv"
    panel.groupby("year").mean().to_csv(derived)
    summary = tmp_path / "summary.csv"
    panel.describe().to_csv(summary)  # min and max are values of different city-years
    found = package.yearbook_rows([listing, html, derived, summary], panel)
    assert [f.split(": ")[0].rsplit("/", 1)[-1] for f in found] == [
        "listing.csv, row 2",
        "listing.html, row 3",
        "listing.html, row 4",
    ]
    assert "city 120000, year 2019" in found[0]


def test_a_published_listing_of_a_yearbook_panel_stops_the_build(
    reproduced, tmp_path: Path
) -> None:
    reports = tmp_path / "reports"
    shutil.copytree(reproduced[0] / "reports", reports, symlinks=False)
    panel = _synthetic_panel()
    processed = tmp_path / "processed" / "ccsy"
    processed.mkdir(parents=True)
    panel.to_parquet(processed / "panel.parquet")
    (processed / "source.json").write_text(json.dumps({"data_source": "ccsy"}))
    (tmp_path / "processed" / "simulated").mkdir()
    panel.to_parquet(tmp_path / "processed" / "simulated" / "panel.parquet")
    (tmp_path / "processed" / "simulated" / "source.json").write_text(
        json.dumps({"data_source": "simulated"})
    )
    panels = package.yearbook_panels(tmp_path / "processed")
    assert panels == [processed / "panel.parquet"]
    panel.iloc[:3].to_csv(reports / "tables" / "simulated" / "leak.csv", index=False)
    with pytest.raises(InertiaError, match=r"redistribute yearbook data: .*leak\.csv, row 2"):
        package.build(ROOT, reports, tmp_path / "a.zip", yearbook_panels=panels)


def test_package_command_without_reports_exits_2_without_traceback(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "inertia", "package", "--reports", str(tmp_path / "nowhere")],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 2
    assert "has no MANIFEST.json: run `make reproduce` before `make package`" in result.stderr
    assert "Traceback" not in result.stderr


def test_archive_of_the_chapters_holds_no_yearbook_data(chapters: Path, tmp_path: Path) -> None:
    """The shared execution (the CCSY run too, when its editions are there) packaged."""
    panels = package.yearbook_panels(chapters / "processed")
    if os.environ.get("INERTIA_CCSY_DIR"):
        assert [p.parent.name for p in panels] == ["ccsy"]
    archive = package.build(ROOT, chapters / "reports", tmp_path / "a.zip", yearbook_panels=panels)
    names = _check_archive(archive, chapters / "reports")
    assert any("/reports/notebooks/simulated/" in name for name in names)
    if any(shutil.which(name) for name in package.BROWSERS):
        with zipfile.ZipFile(archive) as opened:
            for language in ("en", "zh"):
                name = next(n for n in names if n.endswith(f"simulated/manuscript-{language}.pdf"))
                assert opened.read(name).startswith(b"%PDF")
