"""Shared fixtures: the chapters executed once, on small parameters, through the runner.

One ``inertia reproduce`` executes every chapter notebook for every run the
tests need, side by side (``--jobs 2``): the ``simulated`` and (when
``INERTIA_CCSY_DIR`` is set) ``ccsy`` runs of ``params.yaml``, and two extra
runs declared in a test parameter file, ``zh`` (the simulated run with
``language: zh``) and ``national`` (the simulated run on the 290-unit
synthetic roster). The notebook, language, scale and browser tests all read
this one execution (:func:`chapters`).

Under ``pytest -n 2 --dist loadgroup`` (``make test``) every test that reads
it is put in one xdist group, so the execution happens once, on one worker, while the
other worker runs the rest of the suite.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]

SMALL = [
    "-p",
    "seed",
    "7",
    "-p",
    "bootstrap_draws",
    "200",
    "-p",
    "scenario_draws",
    "200",
    "-p",
    "multiverse_preset",
    "small",
    "-p",
    "curve_draws",
    "20",
    "-p",
    "validation_reps",
    "3",
    "-p",
    "validation_boot",
    "49",
]

#: Runs the tests add to those of params.yaml: name -> parameters.
EXTRA_RUNS = {
    "zh": {"data_source": "simulated", "language": "zh"},
    "national": {"data_source": "simulated", "scale": "national", "comparison": "none"},
}
#: Fixtures that read the shared execution.
CHAPTER_FIXTURES = {"chapters", "executed", "chinese_run", "national_run", "served"}


def reproduce_into(scratch: Path, *extra: str) -> subprocess.CompletedProcess:
    """``inertia reproduce --into scratch``: every run enabled here, two notebooks at a time."""
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "inertia",
            "reproduce",
            "--into",
            str(scratch),
            "--jobs",
            "2",
            *extra,
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**os.environ},
    )


def test_params_file(folder: Path) -> Path:
    """``params.yaml`` with the :data:`EXTRA_RUNS` added to its runs."""
    document = yaml.safe_load((ROOT / "params.yaml").read_text(encoding="utf-8"))
    for name, params in EXTRA_RUNS.items():
        document["runs"][name] = {"description": f"Tests: {name}", "params": params}
    path = folder / "params.yaml"
    path.write_text(yaml.safe_dump(document, allow_unicode=True), encoding="utf-8")
    return path


test_params_file.__test__ = False  # a helper, not a test


@pytest.fixture(scope="session")
def chapters(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Scratch folder of the one execution of every chapter (``reports/``, ``processed/``)."""
    scratch = tmp_path_factory.mktemp("chapters")
    params = test_params_file(tmp_path_factory.mktemp("params"))
    result = reproduce_into(scratch, "--params-file", str(params), *SMALL)
    assert result.returncode == 0, result.stdout + result.stderr
    return scratch


@pytest.fixture(scope="session")
def executed(chapters: Path) -> Path:
    return chapters / "reports"


@pytest.hookimpl(tryfirst=True)  # before xdist reads the group markers
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Group the tests of the shared execution, and put them first.

    First, so that under xdist the longest job (executing every chapter for
    four runs) starts at once on one worker while the other works through the
    rest; the order of the other tests is kept.
    """
    chapter_items = []
    for item in items:
        if CHAPTER_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.xdist_group("chapters"))
            chapter_items.append(item)
    others = [item for item in items if item not in chapter_items]
    items[:] = chapter_items + others
