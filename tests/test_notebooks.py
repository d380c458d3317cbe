"""Chapter notebooks: percent-format sources kept clean (one parameters cell, fixed
cell ids, no outputs), editable in JupyterLab through the jupytext pairing, and executed
on small parameters through the runner (both runs when the real editions are
available)."""

from __future__ import annotations

import ast
import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from inertia import options
from inertia.params import ChapterParams
from inertia.pipeline.layout import NOTEBOOK_GRAPH
from inertia.pipeline.notebook import SOURCE_FORMAT, read_chapter
from tests.conftest import EXTRA_RUNS

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.py"))
RUNNER_PARAMS = {"output_dir", "processed_dir", "run_name"}


def test_every_chapter_of_the_graph_has_a_source_and_nothing_else_is_there() -> None:
    assert [p.stem for p in NOTEBOOKS] == list(NOTEBOOK_GRAPH)
    others = {p.name for p in (ROOT / "notebooks").iterdir()} - {p.name for p in NOTEBOOKS}
    # Paired .ipynb files of interactive work may be there; git ignores them.
    unexpected = {n for n in others if not n.endswith(".ipynb")}
    assert unexpected <= {"jupytext.toml", ".ipynb_checkpoints"}


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_source_is_clean(path: Path) -> None:
    nb = read_chapter(path)
    assert nb.metadata["kernelspec"]["name"] == "inertia"
    for cell in nb.cells:
        assert "outputs" not in cell or cell.outputs == [], f"{path.name}: {cell.id} has outputs"
        assert cell.get("execution_count") is None
        assert set(cell.metadata) <= {"tags"}, f"{path.name}: {cell.id} has other metadata"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_cell_ids_are_fixed_unique_and_numbered_by_notebook(path: Path) -> None:
    """The manifest cites cells by id: each ``# %%`` line carries one, NN-XX."""
    text = path.read_text(encoding="utf-8")
    markers = [line for line in text.splitlines() if re.match(r"# %%( |$)", line)]
    ids = [c.id for c in read_chapter(path).cells]
    assert len(markers) == len(ids)
    assert all(re.fullmatch(rf"{path.stem[:2]}-\d{{2,}}", i) for i in ids), ids
    assert len(set(ids)) == len(ids)
    for marker, cell_id in zip(markers, ids, strict=True):
        assert f'id="{cell_id}"' in marker
    assert [c.id for c in read_chapter(path).cells] == ids  # the same on every read


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_one_parameters_cell_of_literals_only(path: Path) -> None:
    tagged = [c for c in read_chapter(path).cells if "parameters" in c.metadata.get("tags", [])]
    assert len(tagged) == 1
    assert tagged[0].cell_type == "code"
    tree = ast.parse(tagged[0].source)
    names = set()
    for node in tree.body:
        # Annotated, so that mypy checks the notebook's calls against the parameter's type.
        assert isinstance(node, ast.AnnAssign), "only annotated assignments in the parameters cell"
        assert isinstance(node.target, ast.Name) and node.value is not None
        ast.literal_eval(node.value)  # derived values belong after this cell
        names.add(node.target.id)
    assert RUNNER_PARAMS <= names


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_papermill_reads_every_parameter_of_the_cell(path: Path) -> None:
    """papermill parses each annotated assignment (else it warns "Passed unknown parameter")."""
    from papermill.translators import PythonTranslator

    tagged = [c for c in read_chapter(path).cells if "parameters" in c.metadata.get("tags", [])]
    assigned = [
        node.target.id
        for node in ast.parse(tagged[0].source).body
        if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name)
    ]
    read = [parameter.name for parameter in PythonTranslator.inspect(tagged[0])]
    assert read == assigned


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_a_choice_is_annotated_with_the_schemas_type(path: Path) -> None:
    """A parameter the schema types as a choice carries the same inertia.options alias."""
    tagged = [c for c in read_chapter(path).cells if "parameters" in c.metadata.get("tags", [])]
    aliases = {name: getattr(options, name) for name in options.__all__}
    checked = 0
    for node in ast.parse(tagged[0].source).body:
        assert isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name)
        name = node.target.id
        field = ChapterParams.model_fields.get(name)
        annotation = node.annotation
        quoted = isinstance(annotation, ast.Constant) and isinstance(annotation.value, str)
        if field is not None and field.annotation in aliases.values():
            assert quoted, f"{path.name}: {name} should be annotated with its inertia.options type"
            assert aliases.get(annotation.value) == field.annotation, (
                f"{path.name}: {name} is {annotation.value!r}, the schema's type is another"
            )
            checked += 1
        elif quoted:
            assert annotation.value in aliases, f"{path.name}: {name}'s type is not in options"
    assert checked >= 1


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_defines_no_analysis_functions(path: Path) -> None:
    for cell in read_chapter(path).cells:
        if cell.cell_type != "code":
            continue
        for node in ast.walk(ast.parse(cell.source)):
            assert not isinstance(node, ast.FunctionDef | ast.ClassDef | ast.Lambda), (
                f"{path.name}: analysis code belongs in src/inertia, not in the notebook"
            )


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_source_is_in_jupytext_canonical_form(path: Path) -> None:
    """Opening and saving a source in JupyterLab without an edit leaves it byte-identical
    (no spurious diff, ids and tags kept)."""
    import jupytext

    text = path.read_text(encoding="utf-8")
    assert jupytext.writes(jupytext.reads(text, fmt=SOURCE_FORMAT), fmt=SOURCE_FORMAT) == text


def test_no_ipynb_is_tracked_and_paired_ones_are_ignored() -> None:
    if shutil.which("git") is None or not (ROOT / ".git").exists():
        pytest.skip("not a git checkout: cannot ask git what it tracks")
    tracked = subprocess.run(
        ["git", "ls-files", "notebooks"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.split()
    assert tracked and not [t for t in tracked if t.endswith(".ipynb")]
    for path in NOTEBOOKS:
        paired = f"notebooks/{path.stem}.ipynb"
        ignored = subprocess.run(
            ["git", "check-ignore", "-q", "--no-index", paired], cwd=ROOT, check=False
        )
        assert ignored.returncode == 0, f"{paired} (the JupyterLab pair) is not git-ignored"


def test_an_edit_in_jupyterlab_goes_back_to_the_source(tmp_path: Path) -> None:
    """JupyterLab saves through jupytext's contents manager (its server extension): with
    notebooks/jupytext.toml, saving a chapter opened as a notebook rewrites the .py and
    writes the paired .ipynb."""
    from jupytext import TextFileContentsManager

    folder = tmp_path / "notebooks"
    folder.mkdir()
    shutil.copyfile(ROOT / "notebooks" / "jupytext.toml", folder / "jupytext.toml")
    source = folder / "03_inertia_evidence.py"
    shutil.copyfile(ROOT / "notebooks" / source.name, source)
    before = read_chapter(source)

    manager = TextFileContentsManager(root_dir=str(folder))
    model = manager.get(source.name)
    assert model["type"] == "notebook"
    code = next(i for i, c in enumerate(model["content"].cells) if c.cell_type == "code")
    model["content"].cells[code].source += "\n# edited in JupyterLab"
    manager.save(model, source.name)

    after = read_chapter(source)
    assert after.cells[code].source == before.cells[code].source + "\n# edited in JupyterLab"
    assert [c.id for c in after.cells] == [c.id for c in before.cells]
    assert [c.metadata for c in after.cells] == [c.metadata for c in before.cells]
    assert (folder / "03_inertia_evidence.ipynb").is_file()  # the pair, git-ignored


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
    # The validation harness (02) draws simulated panels in every run, and says so.
    harness = [e for e in real if Path(e["notebook"]).stem == "02_validation"]
    assert harness and all(e["data_source"] == "simulated" for e in harness)
    assert all(e["data_source"] == "ccsy" for e in real if e not in harness)
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
