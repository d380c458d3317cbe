"""Published files name no folder of the machine that made them (`inertia.pipeline.portable`)."""

from __future__ import annotations

import json
import os
from pathlib import Path

from inertia.pipeline.portable import PathNames, layout_names
from tests.pipeline.conftest import cli, make_project, write_notebook

ROOT = Path(__file__).resolve().parents[2]


def test_folders_become_their_layout_names_longest_first(tmp_path: Path) -> None:
    root = tmp_path / "project"
    names = PathNames.build(
        {
            root: ".",
            root / ".inertia": ".inertia",
            tmp_path / "elsewhere" / "ccsy": "<ccsy_dir>",
        }
    )
    text = (
        f'output_dir = "{root}/.inertia/work/simulated/.01_data.tmp-42"\n'
        f"warning raised in {root}/.venv/lib/python3.11/site-packages/x.py:3\n"
        f"workbooks in {tmp_path}/elsewhere/ccsy, root {root}.\n"
        f"{root}-other/file stays, so does {tmp_path}/projectile and https://host{root}/x"
    )
    assert names.text(text) == (
        'output_dir = ".inertia/work/simulated/.01_data.tmp-42"\n'
        "warning raised in .venv/lib/python3.11/site-packages/x.py:3\n"
        f"workbooks in <ccsy_dir>, root ..\n"
        f"{root}-other/file stays, so does {tmp_path}/projectile and https://host{root}/x"
    )


def test_keys_and_nested_values_are_rewritten_but_not_binary_payloads(tmp_path: Path) -> None:
    names = PathNames.build({tmp_path / "raw": "<ccsy_dir>"})
    payload = {
        f"{tmp_path}/raw/a.xlsx": "digest",
        "data": {"text/plain": [f"{tmp_path}/raw"], "image/png": f"iVBOR{tmp_path}/raw"},
    }
    assert names.value(payload) == {
        "<ccsy_dir>/a.xlsx": "digest",
        "data": {"text/plain": ["<ccsy_dir>"], "image/png": f"iVBOR{tmp_path}/raw"},
    }


def test_symbolic_links_are_resolved(tmp_path: Path) -> None:
    real = tmp_path / "real"
    real.mkdir()
    (tmp_path / "link").symlink_to(real)
    names = PathNames.build({tmp_path / "link": "reports"})
    assert (
        names.text(f"{real}/index.html and {tmp_path}/link/x") == "reports/index.html and reports/x"
    )


def test_a_ccsy_folder_inside_the_project_stays_relative(tmp_path: Path) -> None:
    root = tmp_path / "p"
    names = layout_names(
        root, root / ".inertia", root / "data/processed", root / "reports", ccsy_dir="data/raw/ccsy"
    )
    assert "<ccsy_dir>" not in names.values()
    outside = layout_names(
        root,
        root / ".inertia",
        root / "data/processed",
        root / "reports",
        ccsy_dir=tmp_path / "ccsy",
    )
    assert outside[tmp_path / "ccsy"] == "<ccsy_dir>"
    assert outside[Path.home()] == "~"


def _leaks(folder: Path, needles: list[str]) -> list[str]:
    """``file: needle`` for every published file under ``folder`` that contains a needle."""
    found = []
    for path in sorted(folder.resolve().rglob("*")):
        if path.is_file():
            body = path.read_bytes()
            found += [
                f"{path.relative_to(folder.resolve())}: {needle}"
                for needle in needles
                if needle.encode() in body
            ]
    return found


def _needles(*folders: Path) -> list[str]:
    needles = {str(Path.home()) + "/", str(ROOT)}
    for folder in folders:
        needles |= {str(folder), os.path.realpath(folder)}
    return sorted(needles)


def test_two_projects_in_different_folders_publish_the_same_bytes(tmp_path: Path) -> None:
    projects = []
    for name in ("first", "second"):
        root = make_project(tmp_path / name / "project")
        # A cell that prints the folders the runner handed it, and the package's path.
        write_notebook(
            root / "notebooks" / "02_validation.py",
            "data_source = 'simulated'\noutput_dir = None\nprocessed_dir = None\nrun_name = None\n",
            [
                "import inertia\nprint(output_dir, processed_dir, inertia.__file__)\n"
                "from inertia.report.outputs import Publisher\nimport pandas as pd\n"
                "pub = Publisher(output_dir, processed_dir, data_source=data_source)\n"
                "pub.table(pd.DataFrame({'a': [1.0]}), 'one', caption='One.')"
            ],
        )
        cli(root, "reproduce", check=True)
        projects.append(root)
    first, second = (root / "reports" for root in projects)
    assert _leaks(first, _needles(*projects)) == []
    notebook = json.loads((first / "notebooks/simulated/02_validation.ipynb").read_text())
    printed = "".join(
        "".join(output.get("text", ""))
        for cell in notebook["cells"]
        for output in cell.get("outputs", [])
    )
    assert (
        ".inertia/work/simulated/02_validation data/processed/simulated src/inertia/__init__.py"
        in printed
    )
    for path in sorted(first.resolve().rglob("*")):
        relative = path.relative_to(first.resolve())
        if path.is_file() and path.name != "MANIFEST.json":
            assert path.read_bytes() == (second.resolve() / relative).read_bytes(), relative
    manifests = [json.loads((r / "MANIFEST.json").read_text()) for r in (first, second)]
    for manifest in manifests:
        manifest.pop("generated_at")  # when it was written
    assert manifests[0] == manifests[1]


def test_no_published_file_of_the_chapters_names_a_machine_folder(chapters: Path) -> None:
    """Every file of the shared execution's reports/: no scratch, home or repository path."""
    leaks = _leaks(chapters / "reports", _needles(chapters))
    assert leaks == [], "\n".join(leaks[:20])
    ccsy = os.environ.get("INERTIA_CCSY_DIR")
    if ccsy:
        assert _leaks(chapters / "reports", [str(Path(ccsy).resolve())]) == []
