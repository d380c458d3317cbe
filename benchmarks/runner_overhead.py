"""Runner overhead, no-op rerun and parallel speed-up, measured in one run.

Prints ratios rather than asserting times (these machines are noisy):

* ``plain``: the chapter notebooks' code executed as plain Python, one after
  the other in one process (papermill, kernels and publishing left out), on
  the same parameters: the pure-compute limit;
* ``cold --jobs 2``: ``inertia reproduce --jobs 2`` into an empty scratch
  folder (nothing cached: what ``make reproduce --jobs 2`` costs on a fresh
  clone with the environment built), as a subprocess, wall time; goal 60 s;
* ``runner --jobs 1``: ``inertia reproduce --force --jobs 1`` on the same folder;
* ``no-op``: a second ``inertia reproduce`` with nothing changed, wall time
  of the whole command including interpreter start-up; goal 0.5 s;
* ``INERTIA_CCSY_DIR`` moved: a rerun of the simulated run with the variable
  pointing at another folder, which must re-execute no notebook; it prints
  the notebooks that were executed (none).

Usage: ``python benchmarks/runner_overhead.py [-p KEY VALUE ...]``
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))


def _parameters(overrides: list[tuple[str, str]]) -> dict:
    from inertia import params

    config = params.load(ROOT / "params.yaml", params.parse_overrides(overrides))
    run = next(r for r in config.runs if r.name == "simulated")
    return run.as_dict()


def plain_python(scratch: Path, overrides: list[tuple[str, str]]) -> float:
    """Execute every chapter's code cells in one fresh process; return its wall time."""
    from inertia.pipeline.layout import Layout
    from inertia.pipeline.notebook import read_chapter
    from inertia.pipeline.runner import declared_parameters

    values = _parameters(overrides)
    layout = Layout.for_project(ROOT)
    program = [
        "import os",
        "os.environ.update(OPENBLAS_NUM_THREADS='1', OMP_NUM_THREADS='1', MKL_NUM_THREADS='1')",
        "import matplotlib; matplotlib.use('Agg')",
    ]
    for notebook in layout.chapter_notebooks():
        path = layout.source(notebook)
        declared = declared_parameters(path)
        injected = {k: values[k] for k in declared if k in values}
        injected |= {
            "output_dir": str(scratch / "out" / notebook),
            "processed_dir": str(scratch / "processed"),
            "run_name": "simulated",
        }
        cells = read_chapter(path).cells
        program.append(f"# ---- {notebook}")
        program += [f"{k} = {v!r}" for k, v in injected.items()]
        for cell in cells:
            if cell.cell_type == "code" and "parameters" not in cell.metadata.get("tags", []):
                program.append(cell.source)
    scratch.mkdir(parents=True, exist_ok=True)
    script = scratch / "chapters.py"
    script.write_text("\n".join(program) + "\n", encoding="utf-8")
    started = time.perf_counter()
    subprocess.run([sys.executable, str(script)], cwd=ROOT, check=True, capture_output=True)
    return time.perf_counter() - started


def runner(scratch: Path, overrides: list[tuple[str, str]], jobs: int, force: bool) -> float:
    """Wall time of ``inertia reproduce --into scratch --run simulated`` as a subprocess."""
    return _reproduce(scratch, overrides, jobs, force, "simulated")[0]


def _reproduce(
    scratch: Path,
    overrides: list[tuple[str, str]],
    jobs: int,
    force: bool,
    run: str,
    env: dict | None = None,
) -> tuple[float, subprocess.CompletedProcess]:
    flat = [x for key, value in overrides for x in ("-p", key, value)]
    command = [
        sys.executable,
        "-m",
        "inertia",
        "reproduce",
        "--into",
        str(scratch),
        "--run",
        run,
        "--jobs",
        str(jobs),
        *flat,
    ]
    if force:
        command.append("--force")
    started = time.perf_counter()
    result = subprocess.run(
        command, cwd=ROOT, capture_output=True, text=True, env={**os.environ, **(env or {})}
    )
    seconds = time.perf_counter() - started
    if result.returncode != 0:
        raise SystemExit(f"reproduce failed:\n{result.stdout}\n{result.stderr}")
    return seconds, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-p", nargs=2, action="append", default=[], metavar=("KEY", "VALUE"))
    args = parser.parse_args()
    overrides = [tuple(p) for p in args.p]
    scratch = Path(tempfile.mkdtemp(prefix="inertia-bench-"))
    try:
        plain = plain_python(scratch / "plain", overrides)
        cold, cold_run = _reproduce(scratch / "runner", overrides, 2, False, "simulated")
        cold_lines = [line for line in cold_run.stdout.splitlines() if ": executed in" in line]
        serial = runner(scratch / "runner", overrides, jobs=1, force=True)
        noop = runner(scratch / "runner", overrides, jobs=1, force=False)
        (scratch / "empty").mkdir()
        _, moved = _reproduce(
            scratch / "runner",
            overrides,
            1,
            False,
            "simulated",
            env={"INERTIA_CCSY_DIR": str(scratch / "empty")},
        )
        re_executed = [line for line in moved.stdout.splitlines() if ": executed" in line]
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    )
    print(f"load average at the end: {os.getloadavg()[0]:.1f}")
    print(f"plain Python, one process (pure-compute limit): {plain:7.1f} s")
    print(f"cold reproduce --jobs 2 (nothing cached):      {cold:7.1f} s   (goal 60 s)")
    print(f"runner --jobs 1 (forced):                      {serial:7.1f} s")
    print(f"no-op rerun (whole command):                   {noop:7.2f} s   (goal 0.5 s)")
    print(f"runner overhead, --jobs 1 / plain:             {serial / plain:7.2f}x")
    print(f"runner overhead, cold --jobs 2 / plain:        {cold / plain:7.2f}x")
    print(f"speed-up from --jobs 2:                        {serial / cold:7.2f}x")
    print(f"INERTIA_CCSY_DIR moved: simulated notebooks re-executed: {re_executed or 'none'}")
    print("cold --jobs 2, each notebook:")
    for line in cold_lines:
        print(f"  {line}")


if __name__ == "__main__":
    main()
