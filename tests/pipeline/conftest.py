"""A throw-away project with two tiny notebooks, to test the runner's mechanics fast.

The notebooks are written as the chapters are: jupytext percent-format sources
``notebooks/NN_name.py`` whose ``# %%`` lines carry each cell's id."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import jupytext
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

PROJECT = Path(__file__).resolve().parents[2]
RUNNER = "output_dir = None\nprocessed_dir = None\nrun_name = None\n"
SETUP = (
    "from pathlib import Path\n"
    "import numpy as np, pandas as pd, matplotlib.pyplot as plt\n"
    "from inertia.report.outputs import Publisher\n"
    "from inertia.viz import style\n"
    "style.use()\n"
    "pub = Publisher(output_dir, processed_dir, data_source=data_source)\n"
)


def write_notebook(path: Path, parameters: str, cells: list[str]) -> None:
    """A percent-format source at ``path``: a title, the parameters cell, code cells."""
    nb = new_notebook()
    nb.metadata["kernelspec"] = {
        "name": "inertia",
        "display_name": "Python 3.11 (inertia)",
        "language": "python",
    }
    tagged = new_code_cell(parameters)
    tagged.metadata["tags"] = ["parameters"]
    nb.cells = [new_markdown_cell(f"# {path.stem}"), tagged, *map(new_code_cell, cells)]
    for index, cell in enumerate(nb.cells):
        cell.metadata["id"] = f"{path.stem[:2]}-{index:02d}"
    jupytext.write(nb, path, fmt="py:percent")


def make_project(root: Path, *, sleep: float = 0.0) -> Path:
    """Two chapters: 01_data writes a data artefact, 03 reads it and writes outputs."""
    (root / "notebooks").mkdir(parents=True)
    shutil.copyfile(PROJECT / "params.yaml", root / "params.yaml")
    write_notebook(
        root / "notebooks" / "01_data.py",
        "seed = 1\ndata_source = 'simulated'\n" + RUNNER,
        [
            SETUP,
            "rng = np.random.default_rng(seed)\n"
            "pub.data(pd.DataFrame({'x': rng.normal(size=50)}), 'panel')",
        ],
    )
    write_notebook(
        root / "notebooks" / "03_inertia_evidence.py",
        "synergy_measure = 'dagum'\ndata_source = 'simulated'\n" + RUNNER,
        [
            SETUP + "panel = pd.read_parquet(Path(processed_dir) / 'panel.parquet')",
            f"import time\ntime.sleep({sleep})",
            "fig, ax = plt.subplots()\nax.plot(panel.x.cumsum())\nax.set_title(synergy_measure)\n"
            "pub.figure(fig, 'walk', caption=f'A random walk; measure {synergy_measure}.')",
            "pub.table(panel.describe().reset_index(), 'summary', caption='Summary statistics.')",
            # A verdict file too: a rerun must find it when it checks the record.
            "pub.verdict({'chapter': '03_inertia_evidence', 'claims': []})",
        ],
    )
    return root


def cli(
    root: Path, *args: str, check: bool = False, env: dict | None = None, **kwargs
) -> subprocess.CompletedProcess:
    """``python -m inertia ARGS`` in ``root``, without INERTIA_CCSY_DIR unless ``env`` sets it."""
    base = {**os.environ, "INERTIA_ROOT": str(root)}
    base.pop("INERTIA_CCSY_DIR", None)
    env = {**base, **(env or {})}
    result = subprocess.run(
        [sys.executable, "-m", "inertia", *args],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        **kwargs,
    )
    if check and result.returncode != 0:
        raise AssertionError(f"inertia {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
    return result


def tree_digest(folder: Path) -> dict[str, bytes]:
    """Every file under ``folder`` (following the reports link) with its bytes."""
    folder = folder.resolve()
    return {
        str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()
    }


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return make_project(tmp_path / "project")


@pytest.fixture(scope="module")
def reproduced(
    tmp_path_factory: pytest.TempPathFactory,
) -> tuple[Path, subprocess.CompletedProcess]:
    """A throw-away project reproduced once per module, and that run's output."""
    root = make_project(tmp_path_factory.mktemp("reproduced") / "project")
    return root, cli(root, "reproduce", check=True)


@pytest.fixture
def published(reproduced: tuple[Path, subprocess.CompletedProcess], tmp_path: Path) -> Path:
    """A private copy of :func:`reproduced`'s project, state and reports included.

    The ``reports`` link is relative, so the copy is a complete, current project:
    tests that start from a published run save one execution each.
    """
    copy = tmp_path / "project"
    shutil.copytree(reproduced[0], copy, symlinks=True)
    return copy
