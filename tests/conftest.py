"""Shared fixtures: the chapters executed once, on small parameters, through the runner."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

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
    "permutation_draws",
    "20",
    "-p",
    "validation_reps",
    "3",
    "-p",
    "validation_boot",
    "49",
]


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


@pytest.fixture(scope="session")
def executed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    scratch = tmp_path_factory.mktemp("chapters")
    result = reproduce_into(scratch, *SMALL)
    assert result.returncode == 0, result.stdout + result.stderr
    return scratch / "reports"
