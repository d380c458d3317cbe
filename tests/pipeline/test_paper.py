"""The manuscripts of the shared execution (tests/conftest.py), checked as a reader would.

PDF checks use poppler's ``pdffonts`` and ``pdftotext`` (Debian's poppler-utils;
``.ci/run`` installs them with chromium and the CJK font) and skip, saying
why, without them. The browser checks of the HTML pages are in
tests/test_report_browser.py.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from inertia.pipeline import paper, printing
from inertia.report import manuscript

pytestmark = pytest.mark.notebooks

ROOT = Path(__file__).resolve().parents[2]
NEEDS_PDF = pytest.mark.skipif(
    printing.browser() is None or not shutil.which("pdffonts") or not shutil.which("pdftotext"),
    reason="chromium and poppler-utils (pdffonts, pdftotext) are not installed "
    "(apt-get install chromium poppler-utils fonts-wqy-microhei; .ci/run does it)",
)


def _manifest(executed: Path) -> dict:
    return json.loads((executed / "MANIFEST.json").read_text(encoding="utf-8"))


def test_every_complete_run_has_both_languages_in_html_and_pdf(executed: Path) -> None:
    manifest = _manifest(executed)
    runs = paper.complete_runs(executed, manifest)
    assert {"simulated", "zh", "national"} <= set(runs)
    recorded = {(m["run"], m["language"]): m for m in manifest["manuscripts"]}
    for run in runs:
        for language in paper.LANGUAGES:
            files = [f["path"] for f in recorded[(run, language)]["files"]]
            assert f"manuscript/{run}/manuscript-{language}.html" in files
            if printing.browser() is not None:
                assert f"manuscript/{run}/manuscript-{language}.pdf" in files
            for path in files:
                assert (executed / path).stat().st_size > 10_000
        exhibits = json.loads((executed / "manuscript" / run / "exhibits.json").read_text())
        assert [e["number"] for e in exhibits if e["kind"] == "figure"] == list(
            range(1, 1 + sum(e["kind"] == "figure" for e in exhibits))
        )


def _pdffonts(pdf: Path) -> list[list[str]]:
    out = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, check=True)
    return [line.split() for line in out.stdout.splitlines()[2:] if line.strip()]


def _pages(pdf: Path) -> int:
    text = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True).stdout
    match = re.search(r"^Pages:\s+(\d+)", text, re.MULTILINE)
    return int(match.group(1)) if match else 0


@NEEDS_PDF
def test_pdfs_embed_every_font_the_chinese_one_a_cjk_font_and_resolve_every_reference(
    executed: Path,
) -> None:
    for pdf in sorted(executed.glob("manuscript/*/manuscript-*.pdf")):
        fonts = _pdffonts(pdf)
        assert fonts, pdf
        # Columns from the right: object ID (2), uni, sub, emb.
        assert all(row[-5] == "yes" for row in fonts), (pdf, fonts)
        names = " ".join(row[0] for row in fonts)
        if pdf.name.endswith("-zh.pdf"):
            assert "WenQuanYiMicroHei" in names, (pdf, names)
        text = subprocess.run(
            ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
        ).stdout
        assert "??" not in text, pdf
        assert "{{" not in text and "{%" not in text, pdf
        pages = _pages(pdf)
        print(f"{pdf.relative_to(executed)}: {pages} pages")
        assert 8 <= pages <= 60, (pdf, pages)


@NEEDS_PDF
def test_the_pdf_prints_the_numbers_of_the_results(executed: Path) -> None:
    results = manuscript.RunResults(executed, "simulated", _manifest(executed))
    pooled = results.claim("03_inertia_evidence", "inertia")
    pdf = executed / "manuscript" / "simulated" / "manuscript-en.pdf"
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True).stdout
    assert f"delivered share is {manuscript.num(pooled.estimate)}" in " ".join(text.split())


def _copy_run(executed: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "reports"
    shutil.copytree(executed / "tables", copy / "tables")
    shutil.copy(executed / "MANIFEST.json", copy / "MANIFEST.json")
    return copy


def _render(copy: Path, language: str) -> str:
    folder = ROOT / paper.SOURCE_DIR
    html, _ = manuscript.render(
        (folder / f"{language}.md").read_text(encoding="utf-8"),
        manuscript.RunResults(copy, "simulated", _manifest(copy)),
        language=language,
        prefix="../..",
        bibliography=folder / paper.BIBLIOGRAPHY,
        style="",
    )
    return html


def _flat(text: str) -> str:
    return " ".join(text.split())


def test_the_wording_follows_the_verdict_so_the_text_can_say_no_inertia(
    executed: Path, tmp_path: Path
) -> None:
    """Flip chapter 3's pooled verdict in a copy of the results: the text must follow."""
    copy = _copy_run(executed, tmp_path)
    path = copy / "tables" / "simulated" / "verdict_03_inertia_evidence.json"
    original = {language: _flat(_render(copy, language)) for language in paper.LANGUAGES}
    payload = json.loads(path.read_text(encoding="utf-8"))
    pooled = next(c for c in payload["claims"] if c["claim"] == "inertia")
    assert pooled["verdict"] == "inertia"  # the default panel has inertia
    pooled.update(verdict="no inertia", rejected=False, p_value=0.41, estimate=0.97)
    path.write_text(json.dumps(payload), encoding="utf-8")
    flipped = {language: _flat(_render(copy, language)) for language in paper.LANGUAGES}
    assert "This is the inertia the study is about" in original["en"]
    assert "the inertia the study is about" not in flipped["en"]
    assert "we cannot reject that the commitments were met" in flipped["en"]
    assert "delivered share is 0.970" in flipped["en"]
    assert "delivered share is 0.970" not in original["en"]
    assert "合作存在协同惰性" in original["zh"] and "合作存在协同惰性" not in flipped["zh"]
    assert "不能拒绝承诺已经兑现" in flipped["zh"]


def test_rendering_is_deterministic(executed: Path, tmp_path: Path) -> None:
    copy = _copy_run(executed, tmp_path)
    assert _render(copy, "zh") == _render(copy, "zh")


def test_readme_maps_the_outputs_to_the_manuscripts_numbers(executed: Path) -> None:
    """The README's list of exhibits (``make readme``) gives each figure and table of
    the simulated manuscript the number it has there."""
    exhibits = json.loads((executed / "manuscript" / "simulated" / "exhibits.json").read_text())
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = readme.split("<!-- outputs:start -->", 1)[1].split("<!-- outputs:end -->", 1)[0]
    listed = {}
    for line in block.splitlines()[2:]:
        cells = [c.strip().strip("`") for c in line.strip("|").split("|")]
        listed[(cells[2], cells[3])] = cells[6]
    for item in exhibits:
        word = "Figure" if item["kind"] == "figure" else "Table"
        number = listed[(item["output"], item["kind"])]
        assert f"{word} {item['number']}" in number, (item, number)


@NEEDS_PDF
def test_printing_the_same_page_again_gives_the_same_bytes(executed: Path, tmp_path: Path) -> None:
    page = executed / "manuscript" / "simulated" / "manuscript-zh.html"
    again = tmp_path / "again.pdf"
    # Print from a copy in the same folder, so the figures' relative links resolve.
    copy = page.with_name("again-zh.html")
    shutil.copy(page, copy)
    try:
        printing.print_pdf(copy, again)
    finally:
        copy.unlink()
    assert again.read_bytes() == page.with_suffix(".pdf").read_bytes()
