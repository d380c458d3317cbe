"""Where things live in the compendium, resolved from the project root."""

from __future__ import annotations

import os
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent


def project_root() -> Path:
    """The compendium's root: ``$INERTIA_ROOT`` or the folder holding ``params.yaml``.

    Falls back to the source checkout (two levels above the package).
    """
    env = os.environ.get("INERTIA_ROOT")
    if env:
        return Path(env).resolve()
    for parent in [Path.cwd(), *Path.cwd().parents]:
        if (parent / "params.yaml").is_file() and (parent / "src" / "inertia").is_dir():
            return parent
    return PACKAGE_DIR.parent.parent


def reference_dir() -> Path:
    """Committed reference facts (roster, milestones, header map).

    The project's own ``data/reference`` when it has one, else the one of the
    source checkout the package is installed from (a scratch project, e.g. in
    the runner's tests, has none).
    """
    own = project_root() / "data" / "reference"
    if own.is_dir():
        return own
    return PACKAGE_DIR.parent.parent / "data" / "reference"
