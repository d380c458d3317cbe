"""``make paper``: the manuscript of every run, in English and Chinese, HTML and PDF.

Publishing (:func:`inertia.pipeline.publish.publish`) calls
:func:`write_manuscripts` on the version folder it is building, after the
figures, tables and verdicts are in it, so the manuscript is always the one of
the results beside it. For each run that published the verdict of every
chapter it writes::

    manuscript/<run>/manuscript-en.html   manuscript-en.pdf
    manuscript/<run>/manuscript-zh.html   manuscript-zh.pdf
    manuscript/<run>/exhibits.json        the figures and tables, numbered, with their outputs

The text is ``manuscript/en.md`` and ``manuscript/zh.md`` of the repository,
rendered by :mod:`inertia.report.manuscript`; the PDF is the HTML page printed
by headless Chromium (:mod:`inertia.pipeline.printing`). Without Chromium the
PDFs are left out and publishing says so; ``inertia paper`` (``make paper``)
refuses to start without it.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from inertia.errors import InertiaError
from inertia.io import sha256_file
from inertia.pipeline import printing

#: The manuscript's sources, relative to the project root.
SOURCE_DIR = "manuscript"
BIBLIOGRAPHY = "references.bib"
STYLE = "style.css"
LANGUAGES = ("en", "zh")
#: Chapters whose verdicts the manuscript reads; a run without all of them has none.
CHAPTERS = (
    "03_inertia_evidence",
    "04_role_deviation",
    "05_chain_reaction",
    "06_corrective_measures",
    "07_robustness",
)
#: Where the manuscripts go in a reports folder.
OUTPUT_DIR = "manuscript"


@dataclass(frozen=True)
class Manuscript:
    """One written manuscript: a run in one language."""

    run: str
    language: str
    html: str  # path relative to the reports folder
    pdf: str | None

    def record(self, root: Path) -> dict[str, Any]:
        """The manifest's record of this manuscript (paths, sizes, hashes).

        Parameters
        ----------
        root : Path
            The reports folder the paths are relative to.

        Returns
        -------
        dict
        """
        files = [p for p in (self.html, self.pdf) if p is not None]
        return {
            "run": self.run,
            "language": self.language,
            "files": [
                {"path": p, "bytes": (root / p).stat().st_size, "sha256": sha256_file(root / p)}
                for p in files
            ],
        }


def sources_digest(project: Path) -> str:
    """A hash of the manuscript's sources and renderers (part of the publish key).

    Parameters
    ----------
    project : Path
        The project root.

    Returns
    -------
    str
        Hex SHA-256 over the files of ``manuscript/`` and the rendering modules.
    """
    digest = hashlib.sha256()
    folder = project / SOURCE_DIR
    for path in sorted(folder.glob("*")) if folder.is_dir() else []:
        if path.is_file():
            digest.update(path.name.encode() + b"\0" + path.read_bytes())
    # The renderer is hashed by path, not imported: a no-op rerun must stay light.
    renderer = Path(__file__).resolve().parents[1] / "report" / "manuscript.py"
    for module in (Path(__file__), renderer):
        digest.update(module.read_bytes())
    return digest.hexdigest()


def complete_runs(root: Path, manifest: dict[str, Any]) -> list[str]:
    """The runs of ``manifest`` that published the verdict of every chapter.

    Parameters
    ----------
    root : Path
        The reports folder.
    manifest : dict
        Its manifest.

    Returns
    -------
    list of str
    """
    published = {(e["run"], e["name"]) for e in manifest["outputs"] if e["kind"] == "verdict"}
    return [
        run
        for run in manifest["runs"]
        if all((run, f"verdict_{chapter}") in published for chapter in CHAPTERS)
    ]


def write_manuscripts(
    root: Path, manifest: dict[str, Any], project: Path, *, require_pdf: bool = False
) -> list[Manuscript]:
    """Write every run's manuscripts into the reports folder ``root``.

    Parameters
    ----------
    root : Path
        The reports folder being built (figures, tables and verdicts in place).
    manifest : dict
        Its manifest (the outputs of every run).
    project : Path
        The project root, whose ``manuscript/`` holds the sources.
    require_pdf : bool
        Stop with an error when no browser can print the PDFs (``inertia paper``).

    Returns
    -------
    list of Manuscript
        What was written, run by run and language by language.
    """
    from inertia.report import manuscript

    runs = complete_runs(root, manifest)
    if not runs:
        return []  # e.g. `inertia chapter 03_...`: some chapters' verdicts are not published
    folder = project / SOURCE_DIR
    if not (folder / BIBLIOGRAPHY).is_file():
        raise InertiaError(f"The manuscript's bibliography {folder / BIBLIOGRAPHY} is missing.")
    can_print = printing.browser() is not None
    if require_pdf and not can_print:
        raise InertiaError(
            "make paper prints the manuscripts with Debian's chromium, which is not installed "
            "(apt-get install chromium; .ci/run does it)."
        )
    style = (folder / STYLE).read_text(encoding="utf-8")
    written = []
    for run in runs:
        results = manuscript.RunResults(root, run, manifest)
        out = root / OUTPUT_DIR / run
        out.mkdir(parents=True, exist_ok=True)
        numbers: dict[str, list[dict[str, Any]]] = {}
        for language in LANGUAGES:
            source = folder / f"{language}.md"
            if not source.is_file():
                raise InertiaError(f"The {language} manuscript {source} is missing.")
            page, exhibits = manuscript.render(
                source.read_text(encoding="utf-8"),
                results,
                language=language,
                prefix="../..",
                bibliography=folder / BIBLIOGRAPHY,
                style=style,
            )
            html = out / f"manuscript-{language}.html"
            html.write_text(page, encoding="utf-8")
            pdf = None
            if can_print:
                pdf = out / f"manuscript-{language}.pdf"
                printing.print_pdf(html, pdf)
            numbers[language] = [
                {
                    "kind": "figure" if e.kind == "fig" else "table",
                    "number": e.number,
                    "output": e.source,
                }
                for e in exhibits.placed
            ]
            written.append(
                Manuscript(
                    run,
                    language,
                    html.relative_to(root).as_posix(),
                    None if pdf is None else pdf.relative_to(root).as_posix(),
                )
            )
        if numbers["en"] != numbers["zh"]:
            raise InertiaError(
                f"The English and Chinese manuscripts of run {run!r} number their figures and "
                "tables differently; place the same exhibits in the same order in both."
            )
        (out / "exhibits.json").write_text(
            json.dumps(numbers["en"], indent=2) + "\n", encoding="utf-8"
        )
    return written
