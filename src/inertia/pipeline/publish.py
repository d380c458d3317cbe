"""Publishing ``reports/`` atomically, with its manifest and gallery.

``reports`` is a symbolic link to a complete version folder under
``.inertia/published/``. A new version is assembled in a hidden building
folder from the runner's work folders, renamed to its final name, and the
link is then replaced with one ``os.replace`` of a new link: readers see
either the old complete version or the new one, never a mixture, whatever
moment the run is killed. Leftovers of an interrupted run are removed the
next time.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import shutil
import subprocess
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

from inertia.errors import InertiaError
from inertia.io import atomic_write
from inertia.params import Run
from inertia.pipeline import paper, printing
from inertia.pipeline.layout import Layout
from inertia.pipeline.notebook import SOURCE_SUFFIX

MANIFEST = "MANIFEST.json"
PUBLISH_KEY = ".publish-key"

#: Packages whose versions every manifest entry records.
TRACKED_PACKAGES = (
    "inertia",
    "numpy",
    "pandas",
    "scipy",
    "matplotlib",
    "seaborn",
    "linearmodels",
    "statsmodels",
    "libpysal",
    "esda",
    "geopandas",
    "pandera",
    "great-tables",
    "papermill",
    "jupytext",
    "nbconvert",
    "doit",
    "pyarrow",
    "openpyxl",
)


def package_versions() -> dict[str, str]:
    """Installed versions of :data:`TRACKED_PACKAGES`."""
    versions = {}
    for name in TRACKED_PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return versions


def git_commit(root: Path) -> str:
    """The checked-out commit, with ``+dirty`` when tracked files are modified."""
    try:
        head = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=root, capture_output=True, text=True, check=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=root,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return head + ("+dirty" if dirty else "")


def _records(layout: Layout, runs: Sequence[Run]) -> list[dict[str, Any]]:
    records = []
    for run in runs:
        for notebook in layout.chapter_notebooks():
            path = layout.work_dir(run.name, notebook) / "record.json"
            if path.is_file():
                records.append(json.loads(path.read_text(encoding="utf-8")))
    return records


def _publish_key(layout: Layout, records: list[dict[str, Any]]) -> str:
    digest = hashlib.sha256()
    for record in records:
        digest.update(json.dumps(record, sort_keys=True).encode())
    for module in ("publish.py", "site.py"):
        digest.update((Path(__file__).parent / module).read_bytes())
    digest.update(paper.sources_digest(layout.root).encode())
    # A version published without a browser has no PDFs: one with a browser is new.
    digest.update(b"pdf" if printing.browser() else b"no-pdf")
    digest.update(git_commit(layout.root).encode())
    return digest.hexdigest()


def current_version(layout: Layout) -> Path | None:
    """The version folder ``reports`` points at, if any."""
    if layout.reports.is_symlink():
        target = layout.reports.resolve()
        return target if target.is_dir() else None
    return None


def build_manifest(
    records: list[dict[str, Any]], runs: Sequence[Run], commit: str
) -> dict[str, Any]:
    """The manifest: one entry per figure and table, with its provenance."""
    versions = package_versions()
    described = {run.name: run.description for run in runs}
    entries = []
    # Each published file has one author: two notebooks writing the same file
    # would otherwise publish whichever was copied last.
    authors: dict[str, str] = {}
    for record in records:
        run, notebook = record["run"], record["notebook"]
        for output in record["outputs"]:
            if output["kind"] not in ("figure", "table", "verdict"):
                continue
            folder = "figures" if output["kind"] == "figure" else "tables"
            for item in output["files"]:
                path = f"{folder}/{run}/{item['path']}"
                if authors.setdefault(path, notebook) != notebook:
                    raise InertiaError(
                        f"Notebooks {authors[path]} and {notebook} (run {run!r}) both publish "
                        f"{path}; give one of the outputs another name."
                    )
            entries.append(
                {
                    "name": output["name"],
                    "kind": output["kind"],
                    "run": run,
                    "run_description": described.get(run, run),
                    "notebook": f"notebooks/{notebook}{SOURCE_SUFFIX}",
                    "executed_notebook": f"notebooks/{run}/{notebook}.html",
                    "cell": output["cell"],
                    "caption": output["caption"],
                    "data_source": output["data_source"],
                    "parameters": record["parameters"],
                    "inputs": record["inputs"],
                    "files": [
                        {**item, "path": f"{folder}/{run}/{item['path']}"}
                        for item in output["files"]
                    ],
                    "packages": versions,
                    "git_commit": commit,
                }
            )
    return {
        "generated_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "git_commit": commit,
        "python": platform.python_version(),
        "packages": versions,
        "runs": {run.name: run.description for run in runs},
        "outputs": entries,
    }


def _clean_leftovers(layout: Layout, keep: Path | None) -> None:
    if not layout.published.is_dir():
        return
    for child in layout.published.iterdir():
        if keep is not None and child.resolve() == keep.resolve():
            continue
        shutil.rmtree(child, ignore_errors=True)
    for link in layout.reports.parent.glob(f".{layout.reports.name}.link-*"):
        link.unlink(missing_ok=True)


def publish(
    layout: Layout, runs: Sequence[Run], *, force: bool = False, require_pdf: bool = False
) -> bool:
    """Assemble and atomically publish ``reports/``; False when already current.

    Parameters
    ----------
    layout : Layout
        The runner's folders.
    runs : sequence of Run
        The runs whose outputs are published.
    force : bool
        Publish even when the current version has the same key.
    require_pdf : bool
        Stop when the manuscripts' PDFs cannot be printed (``inertia paper``).

    Returns
    -------
    bool
        True when a new version was published.
    """
    records = _records(layout, runs)
    key = _publish_key(layout, records)
    current = current_version(layout)
    if (
        not force
        and current is not None
        and (current / PUBLISH_KEY).is_file()
        and (current / PUBLISH_KEY).read_text().strip() == key
    ):
        _clean_leftovers(layout, current)
        return False
    _clean_leftovers(layout, current)
    # Imported here, past the no-op return: the gallery's formatter imports pandas.
    from inertia.pipeline import site

    if layout.reports.exists() and not layout.reports.is_symlink():
        # A real folder from elsewhere: keep it as a version so nothing is lost.
        layout.published.mkdir(parents=True, exist_ok=True)
        legacy = layout.published / f"legacy-{int(time.time())}"
        os.replace(layout.reports, legacy)
        current = legacy

    layout.published.mkdir(parents=True, exist_ok=True)
    stamp = f"{time.strftime('%Y%m%dT%H%M%S')}-{os.getpid()}"
    building = layout.published / f".building-{stamp}"
    building.mkdir()
    for record in records:
        run, notebook = record["run"], record["notebook"]
        work = layout.work_dir(run, notebook)
        for kind in ("figures", "tables"):
            source = work / kind
            if source.is_dir():
                shutil.copytree(source, building / kind / run, dirs_exist_ok=True)
        target = building / "notebooks" / run
        target.mkdir(parents=True, exist_ok=True)
        for suffix in (".ipynb", ".html"):
            shutil.copyfile(work / f"{notebook}{suffix}", target / f"{notebook}{suffix}")
    manifest = build_manifest(records, runs, git_commit(layout.root))
    written = paper.write_manuscripts(building, manifest, layout.root, require_pdf=require_pdf)
    manifest["manuscripts"] = [m.record(building) for m in written]
    (building / MANIFEST).write_text(
        json.dumps(manifest, indent=2, sort_keys=True, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    site.write_site(building, manifest)
    (building / PUBLISH_KEY).write_text(key + "\n")
    final = layout.published / f"v-{stamp}"
    os.replace(building, final)

    link = layout.reports.parent / f".{layout.reports.name}.link-{os.getpid()}"
    link.unlink(missing_ok=True)
    link.symlink_to(os.path.relpath(final, layout.reports.parent))
    os.replace(link, layout.reports)
    _clean_leftovers(layout, final)
    return True


def write_json(path: Path, payload: Any) -> None:
    """Write JSON atomically, sorted and indented, for byte-stable files."""
    body = json.dumps(payload, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    atomic_write(path, lambda tmp: tmp.write_text(body, encoding="utf-8"))
