"""Chapter notebooks: committed clean, generated from scripts/, and executed on small
parameters through the runner (both runs when the real editions are available)."""

from __future__ import annotations

import ast
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import EXTRA_RUNS

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
RUNNER_PARAMS = {"output_dir", "processed_dir", "run_name"}


def _cells(path: Path) -> list[dict]:
    return json.loads(path.read_text(encoding="utf-8"))["cells"]


def test_there_are_chapter_notebooks() -> None:
    assert [p.stem for p in NOTEBOOKS][:1] == ["01_data"]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_is_committed_clean(path: Path) -> None:
    document = json.loads(path.read_text(encoding="utf-8"))
    assert document["metadata"]["kernelspec"]["name"] == "inertia"
    for cell in document["cells"]:
        if cell["cell_type"] == "code":
            assert cell["outputs"] == [], f"{path.name}: cell {cell.get('id')} has outputs"
            assert cell["execution_count"] is None


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_one_parameters_cell_of_literals_only(path: Path) -> None:
    tagged = [c for c in _cells(path) if "parameters" in c["metadata"].get("tags", [])]
    assert len(tagged) == 1
    tree = ast.parse("".join(tagged[0]["source"]))
    names = set()
    for node in tree.body:
        assert isinstance(node, ast.Assign), "only assignments in the parameters cell"
        ast.literal_eval(node.value)  # derived values belong after this cell
        names |= {t.id for t in node.targets}
    assert RUNNER_PARAMS <= names


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_defines_no_analysis_functions(path: Path) -> None:
    for cell in _cells(path):
        if cell["cell_type"] != "code":
            continue
        for node in ast.walk(ast.parse("".join(cell["source"]))):
            assert not isinstance(node, ast.FunctionDef | ast.ClassDef | ast.Lambda), (
                f"{path.name}: analysis code belongs in src/inertia, not in the notebook"
            )


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_matches_its_generator(path: Path, tmp_path: Path) -> None:
    """The generator, run from a copy of scripts/, writes the committed notebook byte for byte.

    A copy, so that notebooks/ is never rewritten while other tests execute it.
    """
    script = ROOT / "scripts" / f"make_{path.stem}.py"
    assert script.is_file(), f"{path.name} has no generator {script.name}"
    shutil.copytree(ROOT / "scripts", tmp_path / "scripts")
    (tmp_path / "notebooks").mkdir()
    subprocess.run(
        [sys.executable, str(tmp_path / "scripts" / script.name)],
        cwd=tmp_path / "scripts",
        check=True,
    )
    written = tmp_path / "notebooks" / path.name
    assert written.read_bytes() == path.read_bytes(), (
        f"{path.name} differs from scripts/{script.name}: regenerate it"
    )


# --------------------------------------------------------------------------- execution


@pytest.mark.notebooks
def test_every_chapter_runs_and_publishes(executed: Path) -> None:
    manifest = json.loads((executed / "MANIFEST.json").read_text())
    notebooks = {e["notebook"] for e in manifest["outputs"]}
    assert notebooks == {f"notebooks/{p.name}" for p in NOTEBOOKS}
    for entry in manifest["outputs"]:
        for item in entry["files"]:
            assert (executed / item["path"]).is_file()
        if entry["data_source"] == "simulated":
            assert "Simulated data" in entry["caption"]
    index = (executed / "index.html").read_text()
    assert "Simulated data" in index


@pytest.mark.notebooks
@pytest.mark.skipif(
    not os.environ.get("INERTIA_CCSY_DIR"),
    reason="INERTIA_CCSY_DIR not set: the real CCSY editions are not available",
)
def test_real_data_run_is_published_beside_the_simulated_one(executed: Path) -> None:
    manifest = json.loads((executed / "MANIFEST.json").read_text())
    runs = {e["run"] for e in manifest["outputs"]}
    assert runs == {"simulated", "ccsy", *EXTRA_RUNS}
    real = [e for e in manifest["outputs"] if e["run"] == "ccsy"]
    assert all(e["data_source"] == "ccsy" for e in real)
    assert (executed / "figures" / "ccsy").is_dir()


@pytest.mark.notebooks
def test_readme_lists_exactly_the_published_outputs(executed: Path) -> None:
    manifest = json.loads((executed / "MANIFEST.json").read_text())
    runs = {e["run"] for e in manifest["outputs"]}
    published = {(Path(e["notebook"]).stem, e["name"], e["kind"]) for e in manifest["outputs"]}
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = readme.split("<!-- outputs:start -->", 1)[1].split("<!-- outputs:end -->", 1)[0]
    listed = set()
    for line in block.splitlines()[2:]:
        cells = [c.strip().strip("`") for c in line.strip("|").split("|")]
        if set(cells[4].split(", ")) & runs:
            listed.add((cells[0], cells[2], cells[3]))
    assert listed == published, "README's table is stale: run `make readme`"
