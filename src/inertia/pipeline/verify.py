"""``make verify``: re-execute everything into a scratch folder and compare with ``reports/``."""

from __future__ import annotations

import json
import shutil
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from inertia.errors import InertiaError
from inertia.io import sha256_file
from inertia.params import Run
from inertia.pipeline.layout import Layout
from inertia.pipeline.publish import MANIFEST, publish
from inertia.pipeline.runner import exclusive, run_notebooks

#: Provenance fields that legitimately differ between two executions of the
#: same code on the same inputs: when the manifest was written, and the
#: commit at the time (a later commit that changes no input leaves every
#: output the same).
VOLATILE = ("git_commit",)


def _entries(reports: Path) -> dict[tuple[str, str, str], dict[str, Any]]:
    manifest_path = reports / MANIFEST
    if not manifest_path.is_file():
        raise InertiaError(f"{manifest_path} does not exist: run `make reproduce` first.")
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    return {(e["run"], e["kind"], e["name"]): e for e in manifest["outputs"]}


def compare(published: Path, fresh: Path) -> list[str]:
    """Names of every output that differs between two report folders."""
    old, new = _entries(published), _entries(fresh)
    differences = []
    for key in sorted(set(old) | set(new)):
        label = "/".join(key)
        if key not in new:
            differences.append(f"{label}: in reports/ but not produced by a fresh run")
            continue
        if key not in old:
            differences.append(f"{label}: produced by a fresh run but missing from reports/")
            continue
        for item in old[key]["files"]:
            path = published / item["path"]
            if not path.is_file() or sha256_file(path) != item["sha256"]:
                differences.append(f"{item['path']}: file in reports/ does not match its manifest")
        old_files = {f["path"]: f["sha256"] for f in old[key]["files"]}
        new_files = {f["path"]: f["sha256"] for f in new[key]["files"]}
        for path in sorted(set(old_files) | set(new_files)):
            if old_files.get(path) != new_files.get(path):
                differences.append(f"{path}: bytes differ from a fresh run")
        fields = sorted((set(old[key]) | set(new[key])) - {"files", *VOLATILE})
        for name in fields:
            if old[key].get(name) != new[key].get(name):
                differences.append(f"{label}: manifest field {name!r} differs from a fresh run")
    return differences


def verify(
    root: Path,
    runs: Sequence[Run],
    *,
    jobs: int = 1,
    kernel: str | None = None,
    keep: bool = False,
    write: Callable[[str], None] = print,
) -> list[str]:
    """Re-execute every notebook in a scratch folder and compare with ``reports/``."""
    project = Layout.for_project(root)
    if not project.reports.exists():
        raise InertiaError("reports/ does not exist: run `make reproduce` first.")
    scratch = Path(tempfile.mkdtemp(prefix="inertia-verify-"))
    try:
        layout = Layout.scratch(root, scratch)
        with exclusive(project):  # reports/ must not change while it is compared
            run_notebooks(layout, runs, jobs=jobs, force=True, kernel=kernel, write=write)
            publish(layout, runs)
            return compare(project.reports, layout.reports)
    finally:
        if keep:
            write(f"scratch outputs kept in {scratch}")
        else:
            shutil.rmtree(scratch, ignore_errors=True)
