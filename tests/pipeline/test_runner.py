"""The runner: caching on content, parameters, atomic publishing, failures, verify."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from .conftest import cli, make_project, tree_digest, write_notebook

pytestmark = pytest.mark.notebooks


def test_reproduce_caches_on_content_and_parameters(reproduced, published: Path) -> None:
    project = published  # a copy of the project that `first` reproduced
    first = reproduced[1]
    assert "Executed 2 notebook(s)" in first.stdout
    reports = project / "reports"
    manifest = json.loads((reports / "MANIFEST.json").read_text())
    names = {(e["kind"], e["name"]) for e in manifest["outputs"]}
    assert names == {
        ("figure", "walk"),
        ("table", "summary"),
        ("verdict", "verdict_03_inertia_evidence"),
    }
    walk = next(e for e in manifest["outputs"] if e["name"] == "walk")
    assert walk["parameters"] == {"synergy_measure": "dagum", "data_source": "simulated"}
    assert walk["cell"]["index"] == 5  # markdown, parameters, injected, setup, sleep, plot
    assert walk["cell"]["id"] == "03-04"  # the id on the cell's '# %%' line in the source
    assert walk["notebook"] == "notebooks/03_inertia_evidence.py"
    assert list(walk["inputs"]) == ["01_data/panel.parquet"]
    assert {Path(f["path"]).suffix for f in walk["files"]} == {".png", ".svg"}
    assert "Simulated data" in walk["caption"]

    second = cli(project, "reproduce", check=True)
    assert "All up to date: nothing re-executed" in second.stdout

    # A parameter that only chapter 3 reads re-executes chapter 3 alone.
    third = cli(project, "reproduce", "-p", "synergy_measure", "theil", check=True)
    assert "03_inertia_evidence: executed" in third.stdout
    assert "01_data: up to date" in third.stdout

    # A parameter chapter 1 reads changes its artefact, so chapter 3 follows.
    fourth = cli(project, "reproduce", "-p", "seed", "2", check=True)
    assert "01_data: executed" in fourth.stdout
    assert "03_inertia_evidence: executed" in fourth.stdout

    # Editing a notebook's source re-executes it, whatever the file times say.
    nb_path = project / "notebooks" / "03_inertia_evidence.py"
    stat = nb_path.stat()
    nb_path.write_text(nb_path.read_text().replace("Summary statistics.", "Summary."))
    os.utime(nb_path, (stat.st_atime, stat.st_mtime))
    fifth = cli(project, "reproduce", "-p", "seed", "2", check=True)
    assert "03_inertia_evidence: executed" in fifth.stdout
    assert "01_data: up to date" in fifth.stdout


def test_outputs_are_byte_identical_and_verify_passes(published: Path) -> None:
    project = published
    assert "All up to date" in cli(project, "reproduce", check=True).stdout  # the copy is current
    before = tree_digest(project / "reports" / "figures")
    before |= tree_digest(project / "reports" / "tables")
    cli(project, "reproduce", "--force", check=True)
    after = tree_digest(project / "reports" / "figures")
    after |= tree_digest(project / "reports" / "tables")
    assert before == after

    verified = cli(project, "verify")
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert "matches a fresh execution" in verified.stdout

    # Tamper with a published table: verify names it and fails.
    table = (project / "reports" / "tables" / "simulated" / "summary.csv").resolve()
    table.write_text(table.read_text() + "tampered\n")
    tampered = cli(project, "verify")
    assert tampered.returncode == 1
    assert "tables/simulated/summary.csv" in tampered.stdout


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (("-p", "colour", "red"), "Unknown parameter 'colour'"),
        (("-p", "seed", "many"), "seed = 'many' is invalid"),
        (("-p", "clusters", '__import__("os")'), "clusters = '__import__(\"os\")' is invalid"),
        (("-p", "synergy_measure", "gini"), "allowed: one of dagum, theil, cv"),
        (("-p", "years", "[2020, 2010]"), "years = [2020, 2010] is invalid"),
        (("--run", "nowhere"), "Unknown run 'nowhere'"),
        # The synthetic benchmark rosters have no cities outside the clusters.
        (("-p", "scale", "county"), "set comparison: none"),
    ],
)
def test_invalid_parameters_are_refused_before_any_notebook(
    project: Path, args: tuple[str, ...], expected: str
) -> None:
    result = cli(project, "reproduce", *args)
    assert result.returncode == 2
    assert expected in result.stderr
    assert "Traceback" not in result.stderr
    assert not (project / ".inertia" / "work").exists()  # nothing started


def test_failing_cell_is_reported_and_kept(published: Path) -> None:
    project = published
    before = tree_digest(project / "reports")
    nb_path = project / "notebooks" / "03_inertia_evidence.py"
    text = nb_path.read_text().replace("time.sleep(0.0)", "1 / 0  # broken on purpose")
    nb_path.write_text(text)
    result = cli(project, "reproduce")
    assert result.returncode == 1
    assert "Notebook 03_inertia_evidence (run 'simulated') failed in cell" in result.stderr
    assert "1 / 0  # broken on purpose" in result.stderr
    assert "ZeroDivisionError" in result.stderr
    assert "Traceback" not in result.stderr
    kept = project / "reports" / "failed" / "simulated" / "03_inertia_evidence.ipynb"
    assert kept.is_file()
    # Everything published before is still there, unchanged.
    after = tree_digest(project / "reports")
    assert {k: v for k, v in after.items() if not k.startswith("failed/")} == before


def test_kill_minus_nine_leaves_reports_unchanged(tmp_path: Path) -> None:
    project = make_project(tmp_path / "project", sleep=30.0)
    # First complete run (with the sleep cut short by a parameterised copy).
    nb_path = project / "notebooks" / "03_inertia_evidence.py"
    slow = nb_path.read_text()
    nb_path.write_text(slow.replace("time.sleep(30.0)", "time.sleep(0)"))
    cli(project, "reproduce", check=True)
    before = tree_digest(project / "reports")
    link_before = os.readlink(project / "reports")

    nb_path.write_text(slow)
    env = {**os.environ, "INERTIA_ROOT": str(project)}
    process = subprocess.Popen(
        [sys.executable, "-m", "inertia", "reproduce", "-p", "seed", "5"],
        cwd=project,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    work = project / ".inertia" / "work" / "simulated"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not list(work.glob(".03_inertia_evidence.tmp-*")):
        time.sleep(0.2)
    time.sleep(2.0)  # chapter 3 is now sleeping mid-notebook
    assert process.poll() is None, "the run ended before it could be killed"
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()

    assert os.readlink(project / "reports") == link_before
    assert tree_digest(project / "reports") == before

    # The next run recovers: it re-executes what was interrupted and publishes.
    nb_path.write_text(slow.replace("time.sleep(30.0)", "time.sleep(0)"))
    recovered = cli(project, "reproduce", "-p", "seed", "5", check=True)
    assert "03_inertia_evidence: executed" in recovered.stdout
    # Chapter 1 had finished (seed 5) and published its work before the kill: kept.
    assert "01_data: up to date" in recovered.stdout
    assert not list(work.glob(".*tmp-*"))
    assert tree_digest(project / "reports") != before


def test_parallel_jobs_give_the_same_outputs(tmp_path: Path) -> None:
    serial = make_project(tmp_path / "serial")
    parallel = make_project(tmp_path / "parallel")
    # A third notebook independent of chapter 3, so two can run side by side.
    write_notebook(
        parallel / "notebooks" / "04_role_deviation.py",
        "data_source = 'simulated'\noutput_dir = None\nprocessed_dir = None\nrun_name = None\n",
        [
            "from inertia.report.outputs import Publisher\nimport pandas as pd\n"
            "pub = Publisher(output_dir, processed_dir, data_source=data_source)\n"
            "pub.table(pd.DataFrame({'a': [1.0]}), 'one', caption='One.')"
        ],
    )
    cli(serial, "reproduce", check=True)
    result = cli(parallel, "reproduce", "--jobs", "2", check=True)
    assert "Executed 3 notebook(s)" in result.stdout
    assert tree_digest(serial / "reports" / "figures") == tree_digest(
        parallel / "reports" / "figures"
    )


def test_runner_executes_the_percent_format_source(project: Path) -> None:
    source = project / "notebooks" / "03_inertia_evidence.py"
    source.write_text(source.read_text().replace("# # 03_inertia_evidence", "# # Edited title"))
    cli(project, "reproduce", check=True)
    executed = json.loads(
        (project / "reports" / "notebooks" / "simulated" / "03_inertia_evidence.ipynb").read_text()
    )
    cells = [c for c in executed["cells"] if "injected-parameters" not in c["metadata"]["tags"]]
    assert "".join(cells[0]["source"]) == "# Edited title"
    assert [c["id"] for c in cells] == [f"03-{i:02d}" for i in range(7)]
    assert "jupytext" not in executed["metadata"]
    # The runner writes nothing beside the sources.
    assert sorted(p.name for p in (project / "notebooks").iterdir()) == [
        "01_data.py",
        "03_inertia_evidence.py",
    ]


def test_two_notebooks_publishing_one_file_are_refused(project: Path) -> None:
    """A name two chapters share would publish whichever was copied last: refused, named."""
    source = project / "notebooks" / "01_data.py"
    source.write_text(
        source.read_text()
        + "\n# %% id=\"01-99\"\npub.table(pd.DataFrame({'x': [1]}), 'summary', caption='Clash.')\n"
    )
    before = tree_digest(project / "reports") if (project / "reports").exists() else {}
    result = cli(project, "reproduce")
    assert result.returncode != 0
    assert "01_data and 03_inertia_evidence" in result.stderr
    assert "tables/simulated/summary.csv" in result.stderr
    assert "Traceback" not in result.stderr
    after = tree_digest(project / "reports") if (project / "reports").exists() else {}
    assert after == before  # nothing published


def test_source_cell_without_an_id_is_refused(project: Path) -> None:
    source = project / "notebooks" / "03_inertia_evidence.py"
    source.write_text(source.read_text().replace('# %% id="03-03"', "# %%"))
    result = cli(project, "reproduce")
    assert result.returncode == 2
    assert "Cell 3 of" in result.stderr and "has no id" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (project / ".inertia" / "work").exists()  # refused before any notebook ran


def test_ccsy_run_is_skipped_with_a_note_when_its_folder_is_absent(reproduced) -> None:
    _, result = reproduced
    notes = [line for line in result.stdout.splitlines() if line.startswith("note:")]
    assert len(notes) == 1 and "run 'ccsy' skipped" in notes[0]


def test_unknown_notebook_parameter_is_refused(project: Path) -> None:
    write_notebook(
        project / "notebooks" / "03_inertia_evidence.py",
        "colour = 'red'\noutput_dir = None\nprocessed_dir = None\nrun_name = None\n",
        ["print(colour)"],
    )
    result = cli(project, "reproduce")
    assert result.returncode == 2
    assert "declares parameters ['colour']" in result.stderr


def test_invalid_scenario_is_refused_naming_it(project: Path) -> None:
    result = cli(
        project,
        "reproduce",
        "-p",
        "scenarios",
        "[{name: braver_cities, dimension: courage, size: 3}]",
    )
    assert result.returncode == 2
    assert "Scenario 'braver_cities': unknown dimension 'courage'" in result.stderr
    assert not (project / ".inertia" / "work").exists()


def test_the_runner_stays_light_for_a_no_op_rerun() -> None:
    """The no-op rerun's budget (< 2 s) leaves no room for pandas, numpy or matplotlib:
    the runner's modules import none of them (a structural check, not a timing)."""
    modules = (
        "inertia.cli",
        "inertia.params",
        "inertia.pipeline.runner",
        "inertia.pipeline.publish",
        "inertia.report.outputs",
    )
    # The runner reads every chapter's source (its parameters cell) on each run.
    source = Path(__file__).resolve().parents[2] / "notebooks" / "03_inertia_evidence.py"
    program = (
        "import sys\nfrom pathlib import Path\n"
        + "".join(f"import {m}\n" for m in modules)
        + f"inertia.pipeline.runner.declared_parameters(Path({str(source)!r}))\n"
        + "print(sorted(m for m in ('pandas', 'numpy', 'matplotlib') if m in sys.modules))"
    )
    result = subprocess.run(
        [sys.executable, "-c", program], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"


def test_ccsy_dir_is_no_dependency_of_the_simulated_run(project: Path, tmp_path: Path) -> None:
    """Pointing INERTIA_CCSY_DIR somewhere re-executes no simulated notebook."""
    chapter = project / "notebooks" / "01_data.py"
    write_notebook(
        chapter,
        "seed = 1\ndata_source = 'simulated'\nccsy_dir = 'data/raw/ccsy'\n"
        "output_dir = None\nprocessed_dir = None\nrun_name = None\n",
        [
            "import numpy as np, pandas as pd\nfrom inertia.report.outputs import Publisher\n"
            "pub = Publisher(output_dir, processed_dir, data_source=data_source)\n"
            "rng = np.random.default_rng(seed)\n"
            "pub.data(pd.DataFrame({'x': rng.normal(size=50)}), 'panel')"
        ],
    )
    cli(project, "reproduce", check=True)
    for folder in ("editions", "elsewhere"):
        (tmp_path / folder).mkdir()
        result = cli(
            project, "reproduce", check=True, env={"INERTIA_CCSY_DIR": str(tmp_path / folder)}
        )
        assert "simulated · 01_data: up to date" in result.stdout
        assert "simulated · 03_inertia_evidence: up to date" in result.stdout
        # The CCSY run reads ccsy_dir: it runs, and again when the folder moves.
        assert "ccsy · 01_data: executed" in result.stdout
    record = json.loads(
        (project / ".inertia" / "work" / "simulated" / "01_data" / "record.json").read_text()
    )
    assert "ccsy_dir" not in record["parameters"]
    ccsy = json.loads(
        (project / ".inertia" / "work" / "ccsy" / "01_data" / "record.json").read_text()
    )
    assert ccsy["parameters"]["ccsy_dir"] == str(tmp_path / "elsewhere")


def test_a_damaged_artefact_re_executes_its_notebook_only(published: Path) -> None:
    """The cache checks published data by content; identical data stop the cascade."""
    project = published
    panel = project / "data" / "processed" / "simulated" / "panel.parquet"
    panel.write_bytes(panel.read_bytes()[:-10])  # truncated, as by a crash
    result = cli(project, "reproduce", check=True)
    assert "01_data: executed" in result.stdout
    # 01 wrote the same panel again, so chapter 3's inputs did not change.
    assert "03_inertia_evidence: up to date" in result.stdout
