"""The environment is pinned: environment.yml agrees with requirements.lock, and the
lock pins every package installed."""

from __future__ import annotations

import re
import subprocess
import sys
from importlib import metadata
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))
from write_environment_yml import lock_pins  # noqa: E402


def _canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def test_environment_yml_pins_exactly_what_the_lock_pins() -> None:
    env = yaml.safe_load((ROOT / "environment.yml").read_text(encoding="utf-8"))
    deps = env["dependencies"]
    assert "python=3.11" in deps
    pip_block = next(d["pip"] for d in deps if isinstance(d, dict) and "pip" in d)
    env_pins = {}
    for line in pip_block:
        name, version = line.split("==")
        env_pins[_canonical(name)] = version
    lock = {_canonical(n): v for n, v in lock_pins(ROOT / "requirements.lock")}
    assert env_pins == lock


def test_every_installed_package_is_pinned_by_the_lock() -> None:
    lock = {_canonical(n): v for n, v in lock_pins(ROOT / "requirements.lock")}
    installed = {
        _canonical(d.metadata["Name"]): d.version
        for d in metadata.distributions()
        if d.metadata["Name"]
    }
    installed.pop("inertia", None)  # the project itself, installed editable
    for tool in ("pip", "setuptools", "wheel"):  # venv's own bootstrap
        installed.pop(tool, None)
    unpinned = {n: v for n, v in installed.items() if lock.get(n) != v}
    assert not unpinned, f"installed but not pinned at this version: {unpinned}"


def test_top_level_requirements_are_in_the_lock() -> None:
    lock = {_canonical(n) for n, _ in lock_pins(ROOT / "requirements.lock")}
    wanted = [
        _canonical(re.split(r"[<>=!~;\[ ]", line.split("#")[0].strip())[0])
        for line in (ROOT / "requirements.in").read_text().splitlines()
        if line.split("#")[0].strip()
    ]
    assert set(wanted) <= lock


def test_lock_regeneration_command_is_in_the_makefile() -> None:
    makefile = (ROOT / "Makefile").read_text()
    assert "uv pip compile requirements.in" in makefile
    completed = subprocess.run(
        ["make", "-n", "lock"], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert "requirements.lock" in completed.stdout
