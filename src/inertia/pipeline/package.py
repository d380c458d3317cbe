"""``make package``: the replication package, one deterministic deposit archive.

The archive ``dist/replication-<version>.zip`` holds, under one folder
``replication-<version>/``:

* the code and the committed files of the repository (``git ls-files``):
  the package, the notebooks' sources, the tests, the reference facts of
  ``data/reference/``, README, LICENSE, CITATION.cff and .zenodo.json;
* the outputs: the published ``reports/`` (figures, tables, executed
  notebooks, ``index.html``, ``MANIFEST.json``) of every run, the CCSY run
  included: its figures and tables are our derived results.

When Debian's ``chromium`` is installed (``.ci/run`` installs it for the
browser test), ``README.pdf`` goes beside ``README.md``: the README rendered
with markdown-it-py and printed by headless chromium
(:func:`render_readme_pdf`); without chromium the archive has no PDF and
the command says so.

It never holds yearbook data: no workbook (``.xls``, ``.xlsx``, ``.xlsm``),
nothing under ``data/raw/`` but its README, no built data (``data/processed/``,
``.parquet``: the CCSY run's processed panels are the yearbook's values),
and, when the CCSY run's processed panel is on disk, no published file that
repeats a row of it (:func:`yearbook_rows`). A member that breaks one of
these rules stops the build with a message naming it.

Members are written in sorted order with a fixed time stamp (1980-01-01),
fixed permissions and fixed compression, so the same files give the same
archive byte for byte.
"""

from __future__ import annotations

import json
import re
import subprocess
import tempfile
import tomllib
import zipfile
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from inertia.errors import InertiaError
from inertia.io import atomic_write
from inertia.pipeline import printing

#: Files of a yearbook edition: never in the archive.
WORKBOOK_SUFFIXES = (".xls", ".xlsx", ".xlsm")
#: Built data (panels and artefacts): never in the archive.
DATA_SUFFIXES = (".parquet",)
#: Folders whose files are never in the archive (the README of data/raw is).
EXCLUDED_FOLDERS = ("data/raw/", "data/processed/", "reports/", "dist/", ".inertia/")
#: Published files that are not outputs: the failures of a later run, the publish key.
SKIPPED_REPORTS = ("failed/", ".publish-key")
#: Files the archive must contain.
REQUIRED = ("README.md", "LICENSE", "CITATION.cff", ".zenodo.json", "reports/MANIFEST.json")
ZIP_TIME = (1980, 1, 1, 0, 0, 0)
SCHEMA = Path(__file__).parent / "schemas" / "citation-cff-1.2.0.json"
#: A published row repeating this many values of one city-year is a row of the yearbook.
ROW_VALUES = 3
#: Values with fewer significant digits are too common to identify a city-year.
MIN_DIGITS = 4
_NUMBER = re.compile(r"-?\d[\d,]*(?:\.\d+)?(?:[eE][+-]?\d+)?")


@dataclass(frozen=True)
class Member:
    """One file of the archive: its name inside the archive and where it is read from."""

    name: str
    source: Path


def project_version(root: Path) -> str:
    """The version of ``pyproject.toml``.

    Parameters
    ----------
    root : Path
        The project root.

    Returns
    -------
    str
        ``project.version``.
    """
    path = root / "pyproject.toml"
    try:
        return str(tomllib.loads(path.read_text(encoding="utf-8"))["project"]["version"])
    except (OSError, KeyError, tomllib.TOMLDecodeError) as exc:
        raise InertiaError(f"{path} has no readable project.version: {exc}") from None


def citation_problems(root: Path) -> list[str]:
    """What is wrong with ``CITATION.cff`` and ``.zenodo.json``; empty when nothing is.

    ``CITATION.cff`` is validated against the Citation File Format 1.2.0 JSON
    schema (shipped in ``inertia/pipeline/schemas``, from cffconvert 2.0.0;
    cffconvert itself needs jsonschema < 4, older than the lock's) with
    jsonschema; ``.zenodo.json`` must be JSON and agree with it on the title,
    the version and the authors, and both on the version with ``pyproject.toml``.

    Parameters
    ----------
    root : Path
        The project root.

    Returns
    -------
    list of str
        One sentence per problem, naming the file and the field.
    """
    import jsonschema
    import yaml

    problems: list[str] = []
    try:
        citation = yaml.safe_load((root / "CITATION.cff").read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        return [f"CITATION.cff cannot be read: {exc}"]
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    validator = jsonschema.Draft7Validator(schema, format_checker=jsonschema.FormatChecker())
    for error in sorted(validator.iter_errors(citation), key=lambda e: list(e.absolute_path)):
        where = "/".join(str(p) for p in error.absolute_path) or "(top level)"
        problems.append(f"CITATION.cff, field {where}: {error.message}")
    try:
        zenodo = json.loads((root / ".zenodo.json").read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        return [*problems, f".zenodo.json cannot be read as JSON: {exc}"]
    if not isinstance(citation, dict):
        return problems
    if zenodo.get("title") != citation.get("title"):
        problems.append(".zenodo.json: title differs from CITATION.cff's title")
    if str(zenodo.get("version")) != str(citation.get("version")):
        problems.append(".zenodo.json: version differs from CITATION.cff's version")
    if [_author_name(a) for a in zenodo.get("creators", [])] != [
        _author_name(a) for a in citation.get("authors", [])
    ]:
        problems.append(".zenodo.json: creators differ from CITATION.cff's authors")
    version = project_version(root)
    if str(citation.get("version")) != version:
        problems.append(f"CITATION.cff: version {citation.get('version')} is not {version}")
    return problems


def _author_name(author: dict[str, Any]) -> str:
    """An author's name as Zenodo writes it (``Family, Given``) from either file's entry."""
    if "family-names" in author:
        return f"{author['family-names']}, {author.get('given-names', '')}".strip(", ")
    return str(author.get("name", ""))


def tracked_files(root: Path) -> list[str]:
    """The repository's committed files (``git ls-files``), relative to ``root``."""
    try:
        listed = subprocess.run(
            ["git", "ls-files", "-z"], cwd=root, capture_output=True, check=True
        ).stdout
    except (OSError, subprocess.CalledProcessError) as exc:
        raise InertiaError(
            f"The code of the package is read from git, but `git ls-files` fails in {root}: "
            f"{exc}. Run `make package` in a clone of the repository."
        ) from None
    return sorted(name for name in listed.decode().split("\0") if name)


def members(root: Path, reports: Path, prefix: str) -> list[Member]:
    """Every file of the archive, sorted by name.

    Parameters
    ----------
    root : Path
        The project root (its committed files are the code).
    reports : Path
        The published reports folder (``reports/`` or a scratch one).
    prefix : str
        The archive's top folder, ``replication-<version>``.

    Returns
    -------
    list of Member
        Committed files (outside :data:`EXCLUDED_FOLDERS`, data/raw's README
        kept) and published outputs (outside :data:`SKIPPED_REPORTS`).
    """
    chosen: dict[str, Path] = {}
    for name in tracked_files(root):
        source = root / name
        keep = name == "data/raw/README.md" or not name.startswith(EXCLUDED_FOLDERS)
        if keep and source.is_file():  # a deleted file not yet committed is left out
            chosen[f"{prefix}/{name}"] = source
    folder = reports.resolve()
    for path in sorted(folder.rglob("*")):
        relative = path.relative_to(folder).as_posix()
        if path.is_file() and not relative.startswith(SKIPPED_REPORTS):
            chosen[f"{prefix}/reports/{relative}"] = path
    return [Member(name, chosen[name]) for name in sorted(chosen)]


def forbidden(names: Iterable[str]) -> list[str]:
    """Archive members that would redistribute yearbook data, with the reason.

    Parameters
    ----------
    names : iterable of str
        Member names (``replication-<version>/path``).

    Returns
    -------
    list of str
        ``name: reason`` for each workbook, built-data file or file of the
        raw and processed data folders.
    """
    found = []
    for name in names:
        inner = name.split("/", 1)[-1]
        lower = inner.lower()
        if lower.endswith(WORKBOOK_SUFFIXES):
            found.append(f"{name}: a spreadsheet workbook (yearbook editions are not ours)")
        elif lower.endswith(DATA_SUFFIXES):
            found.append(f"{name}: built data (a processed panel holds the yearbook's values)")
        elif inner.startswith(("data/processed/", "processed/")) or (
            inner.startswith("data/raw/") and inner != "data/raw/README.md"
        ):
            found.append(f"{name}: inside a data folder that holds yearbook data")
        elif any(part.lower() == "ccsy" for part in inner.split("/")[:-1]) and not (
            inner.startswith("reports/")
        ):
            found.append(f"{name}: inside a CCSY data folder")
    return found


def _significant(token: str) -> str | None:
    """A number's identity at 6 significant digits, or None if it has fewer than 4."""
    try:
        value = float(token.replace(",", ""))
    except ValueError:
        return None
    digits = token.replace(",", "").lstrip("-").split("e")[0].split("E")[0]
    if len(digits.replace(".", "").strip("0")) < MIN_DIGITS:
        return None
    return f"{value:.6g}"


def _panel_values(panel: Any) -> dict[str, set[tuple[Any, Any]]]:
    """Each value of the panel (6 significant digits) -> the city-years that have it."""
    index: dict[str, set[tuple[Any, Any]]] = defaultdict(set)
    values = panel.drop(columns=[c for c in ("code", "year") if c in panel.columns])
    for row, code, year in zip(
        values.itertuples(index=False), panel["code"], panel["year"], strict=True
    ):
        for value in row:
            if isinstance(value, int | float) and value == value:
                key = _significant(repr(float(value)))
                if key is not None:
                    index[key].add((code, year))
    return index


def _text_rows(path: Path) -> list[str]:
    """The rows of a published text file: lines, or HTML table rows.

    Parameters
    ----------
    path : Path
        A published file; a notebook is read output by output.

    Returns
    -------
    list of str
        The rows (none for a binary file).
    """
    try:
        text = path.read_text(encoding="utf-8")
    except (UnicodeDecodeError, OSError):
        return []
    payloads = [text]
    if path.suffix == ".ipynb":
        # Each output as displayed, its list of lines joined; images but SVG skipped.
        payloads = []
        for cell in json.loads(text).get("cells", []):
            for output in cell.get("outputs", []):
                bodies = {**output.get("data", {}), "text": output.get("text", "")}
                for key, body in bodies.items():
                    if not key.startswith("image/") or key == "image/svg+xml":
                        payloads.append("".join(body) if isinstance(body, list) else str(body))
    rows: list[str] = []
    for payload in payloads:
        rows += payload.split("<tr") if "<tr" in payload else payload.splitlines()
    return rows


def yearbook_rows(files: Iterable[Path], panel: Any) -> list[str]:
    """Published rows that repeat :data:`ROW_VALUES` or more values of one city-year.

    A derived figure (an index, a coefficient, a share) does not coincide
    with three raw values of the same city-year; a listing of the panel does.
    Numbers are compared at 6 significant digits, and only those with at
    least :data:`MIN_DIGITS` significant digits count.

    Parameters
    ----------
    files : iterable of Path
        Published files (CSV, LaTeX, HTML, notebooks, JSON; binary ones are skipped).
    panel : pandas.DataFrame
        A processed yearbook panel (``code``, ``year`` and the variables).

    Returns
    -------
    list of str
        ``file, row N: city CODE, year YEAR (k values)`` for each offending row.
    """
    index = _panel_values(panel)
    found = []
    for path in files:
        if path.suffix.lower() in (".png", ".jpg", ".pdf", ".zip"):
            continue
        for number, row in enumerate(_text_rows(path), start=1):
            hits: dict[tuple[Any, Any], set[str]] = defaultdict(set)
            for token in _NUMBER.findall(row):
                key = _significant(token)
                if not key:
                    continue
                for city_year in index.get(key, ()):
                    hits[city_year].add(key)
            for (code, year), keys in hits.items():
                if len(keys) >= ROW_VALUES:
                    found.append(
                        f"{path}, row {number}: city {code}, year {year} ({len(keys)} values)"
                    )
                    break
    return found


def yearbook_panels(processed: Path) -> list[Path]:
    """The processed panels of yearbook runs in a built-data folder.

    Parameters
    ----------
    processed : Path
        A built-data folder with one subfolder per run (``data/processed``).

    Returns
    -------
    list of Path
        ``<run>/panel.parquet`` of every run whose ``source.json`` names the
        CCSY source (the simulated panel is ours and may be published).
    """
    found = []
    for source in sorted(processed.glob("*/source.json")) if processed.is_dir() else []:
        try:
            data_source = json.loads(source.read_text(encoding="utf-8")).get("data_source")
        except (OSError, json.JSONDecodeError, AttributeError):
            data_source = None
        panel = source.parent / "panel.parquet"
        if data_source == "ccsy" and panel.is_file():
            found.append(panel)
    return found


BROWSERS = printing.BROWSERS
_LOCAL_LINK = re.compile(r'<a href="(?!https?://|mailto:)[^"]*">')
_README_STYLE = """
body {{ font-family: "DejaVu Sans", "Noto Sans CJK SC", sans-serif; font-size: 10pt;
       line-height: 1.35; max-width: 46em; margin: auto; }}
table {{ border-collapse: collapse; font-size: 8pt; }}
td, th {{ border: 1px solid #999; padding: 2px 4px; vertical-align: top; }}
pre, code {{ font-family: "DejaVu Sans Mono", monospace; font-size: 8pt;
             white-space: pre-wrap; word-break: break-all; }}
"""


def render_readme_pdf(readme: Path, out: Path) -> bool:
    """Print ``readme`` to the PDF ``out`` with headless chromium; False without chromium.

    The Markdown is rendered by markdown-it-py (CommonMark with tables) and
    printed by :func:`inertia.pipeline.printing.print_pdf`. Links to files of
    the repository and to headings keep their text without a target: the
    browser would print them as ``file://`` URLs of the scratch folder.

    Parameters
    ----------
    readme : Path
        The Markdown file.
    out : Path
        The PDF to write (atomically).

    Returns
    -------
    bool
        True when the PDF was written, False when no browser is installed.

    Raises
    ------
    InertiaError
        When the browser runs but writes no PDF.
    """
    from markdown_it import MarkdownIt

    if printing.browser() is None:
        return False
    body = MarkdownIt("commonmark").enable("table").render(readme.read_text(encoding="utf-8"))
    body = _LOCAL_LINK.sub("<a>", body)
    style = _README_STYLE.format()
    page = (
        f'<!DOCTYPE html><html><head><meta charset="utf-8"><title>{readme.name}</title>'
        f"<style>{style}</style></head><body>{body}</body></html>"
    )
    with tempfile.TemporaryDirectory(prefix="inertia-readme-") as scratch:
        html = Path(scratch) / "README.html"
        html.write_text(page, encoding="utf-8")
        printing.print_pdf(html, out)
    return True


def build(
    root: Path,
    reports: Path,
    out: Path | None = None,
    *,
    yearbook_panels: Iterable[Path] = (),
    readme_pdf: bool = True,
) -> Path:
    """Write the deposit archive and return its path.

    Parameters
    ----------
    root : Path
        The project root (a git clone).
    reports : Path
        The published reports folder to include.
    out : Path, optional
        The archive; ``dist/replication-<version>.zip`` under ``root`` by default.
    yearbook_panels : iterable of Path
        Processed CCSY panels (``panel.parquet``) whose rows no published file
        may repeat; the CCSY run's panel of the layout when it is on disk.
    readme_pdf : bool
        Add ``README.pdf`` (:func:`render_readme_pdf`) when a browser is installed.

    Returns
    -------
    Path
        The archive written.

    Raises
    ------
    InertiaError
        When reports/ is not published, CITATION.cff or .zenodo.json is
        invalid, a required file is missing, or a member would redistribute
        yearbook data.
    """
    if not (reports / "MANIFEST.json").is_file():
        raise InertiaError(
            f"{reports} has no MANIFEST.json: run `make reproduce` before `make package`."
        )
    problems = citation_problems(root)
    if problems:
        raise InertiaError("The citation files are invalid: " + "; ".join(problems) + ".")
    version = project_version(root)
    prefix = f"replication-{version}"
    chosen = members(root, reports, prefix)
    names = [m.name for m in chosen]
    missing = [r for r in REQUIRED if f"{prefix}/{r}" not in names]
    if missing:
        raise InertiaError(f"The package would lack {', '.join(missing)}; commit them first.")
    bad = forbidden(names)
    for panel_path in yearbook_panels:
        import pandas as pd

        panel = pd.read_parquet(panel_path)
        bad += yearbook_rows([m.source for m in chosen if "/reports/" in m.name], panel)
    if bad:
        shown = "; ".join(bad[:10]) + (f"; and {len(bad) - 10} more" if len(bad) > 10 else "")
        raise InertiaError(f"The package would redistribute yearbook data: {shown}.")
    out = out or root / "dist" / f"{prefix}.zip"
    with tempfile.TemporaryDirectory(prefix="inertia-package-") as scratch:
        pdf = Path(scratch) / "README.pdf"
        if readme_pdf and render_readme_pdf(root / "README.md", pdf):
            chosen = sorted([*chosen, Member(f"{prefix}/README.pdf", pdf)], key=lambda m: m.name)
        _write_zip(out, chosen)
    return out


def _write_zip(out: Path, chosen: list[Member]) -> None:
    """Write ``chosen`` to the archive ``out``: sorted, fixed times, modes and compression."""

    def write(tmp: Path) -> None:
        with zipfile.ZipFile(tmp, "w") as archive:
            for member in chosen:
                info = zipfile.ZipInfo(member.name, date_time=ZIP_TIME)
                info.compress_type = zipfile.ZIP_DEFLATED
                info.create_system = 3  # Unix, so the permissions below are read
                mode = 0o755 if member.source.stat().st_mode & 0o111 else 0o644
                info.external_attr = (0o100000 | mode) << 16
                archive.writestr(info, member.source.read_bytes(), compresslevel=9)

    atomic_write(out, write)
