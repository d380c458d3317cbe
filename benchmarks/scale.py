"""How the pipeline's cost grows: default (63 cities), national (~290) and county (~2,800)
simulated panels, the Dagum Gini at large group sizes, and import costs.

Prints, from one run (no asserts; these machines are noisy):

* for each scale: ``inertia reproduce --force`` of the simulated run (all six
  chapters, default parameters) as a subprocess: wall time, the peak resident
  memory of the whole process tree (runner plus kernels, sampled every 0.1 s
  with psutil) and of its largest single process, the number of city-years,
  the cost per city-year and that cost relative to the default panel's; then
  each notebook's own time, from the runner's progress lines;
* the Dagum Gini decomposition at growing group sizes, with the peak memory
  of the call (it is computed from sorted values and cumulative sums, so time
  is O(n log n) and memory linear; the largest size printed is the largest
  group handled here);
* the import time of seaborn, linearmodels and papermill in a fresh interpreter.

Usage: ``python benchmarks/scale.py [--scales default national county] [--dagum N ...]``
(``--scales`` with no name skips the reproduce runs).
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import time
import tracemalloc
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import psutil

ROOT = Path(__file__).resolve().parents[1]
PROGRESS = re.compile(r"\] simulated · (\S+): executed in ([\d.]+) s")


@dataclass
class ScaleRun:
    scale: str
    seconds: float
    tree_peak_mb: float
    process_peak_mb: float
    city_years: int
    notebooks: dict[str, float] = field(default_factory=dict)


def _tree_rss(process: psutil.Process) -> tuple[float, float]:
    """Total and largest RSS (bytes) of ``process`` and its descendants right now."""
    sizes = []
    for member in [process, *process.children(recursive=True)]:
        try:
            sizes.append(member.memory_info().rss)
        except psutil.Error:  # exited between listing and reading
            continue
    return float(sum(sizes)), float(max(sizes, default=0))


def reproduce(scale: str) -> ScaleRun:
    """Run ``inertia reproduce --force`` on one scale into a scratch folder and measure it."""
    scratch = Path(tempfile.mkdtemp(prefix=f"inertia-scale-{scale}-"))
    command = [
        sys.executable, "-m", "inertia", "reproduce", "--into", str(scratch),
        "--run", "simulated", "-p", "scale", scale, "--force",
    ]  # fmt: skip
    if scale in ("national", "county"):
        command += ["-p", "comparison", "none"]  # synthetic rosters: cluster cities only
    try:
        log = scratch / "runner.log"
        with log.open("w", encoding="utf-8") as sink:
            started = time.perf_counter()
            child = subprocess.Popen(command, cwd=ROOT, stdout=sink, stderr=subprocess.STDOUT)
            watched = psutil.Process(child.pid)
            tree_peak = process_peak = 0.0
            while child.poll() is None:
                total, largest = _tree_rss(watched)
                tree_peak, process_peak = max(tree_peak, total), max(process_peak, largest)
                time.sleep(0.1)
            seconds = time.perf_counter() - started
        output = log.read_text(encoding="utf-8")
        if child.returncode != 0:
            raise SystemExit(f"reproduce failed on scale {scale!r}:\n{output[-3000:]}")
        import pandas as pd

        panel = pd.read_parquet(scratch / "processed" / "simulated" / "panel.parquet")
        notebooks = {name: float(s) for name, s in PROGRESS.findall(output)}
        return ScaleRun(
            scale, seconds, tree_peak / 2**20, process_peak / 2**20, len(panel), notebooks
        )
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def dagum_sizes(sizes: list[int]) -> list[tuple[int, float, float]]:
    """Seconds and peak traced memory (MB) of ``dagum_gini`` on two groups of n each."""
    sys.path.insert(0, str(ROOT / "src"))
    from inertia.measures.inequality import dagum_gini

    rng = np.random.default_rng(0)
    results = []
    for n in sizes:
        values = rng.lognormal(size=2 * n)
        groups = np.repeat(["a", "b"], n)
        tracemalloc.start()
        started = time.perf_counter()
        dagum_gini(values, groups)
        seconds = time.perf_counter() - started
        _current, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        results.append((n, seconds, peak / 2**20))
    return results


def import_seconds(module: str) -> float:
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", f"import {module}"], check=True)
    return time.perf_counter() - started


def _print_runs(runs: list[ScaleRun]) -> None:
    columns = ("city-years", "wall s", "tree MB", "largest MB", "ms/city-yr", "vs first")
    print(f"{'scale':<10}" + "".join(f"{c:>12}" for c in columns))
    base = 1000 * runs[0].seconds / runs[0].city_years
    for run in runs:
        per = 1000 * run.seconds / run.city_years
        print(
            f"{run.scale:<10}{run.city_years:>12}{run.seconds:>12.1f}{run.tree_peak_mb:>12.0f}"
            f"{run.process_peak_mb:>12.0f}{per:>12.2f}{per / base:>11.2f}x"
        )
    names = list(runs[0].notebooks)
    print("notebook seconds:" + " ".join(f"{n[:2]:>8}" for n in names))
    for run in runs:
        times = " ".join(f"{run.notebooks.get(n, float('nan')):>8.1f}" for n in names)
        print(f"  {run.scale:<15}{times}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scales", nargs="*", default=["default", "national", "county"])
    parser.add_argument(
        "--dagum", nargs="*", type=int, default=[10_000, 100_000, 1_000_000, 10_000_000]
    )
    args = parser.parse_args()
    memory = psutil.virtual_memory().total / 2**30
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, {memory:.0f} GB, "
        f"Python {platform.python_version()}"
    )
    runs = [reproduce(scale) for scale in args.scales]
    if runs:
        _print_runs(runs)
    for n, seconds, peak in dagum_sizes(args.dagum):
        print(f"dagum_gini, two groups of {n:>10,}: {seconds:6.2f} s, peak {peak:7.1f} MB")
    for module in ("seaborn", "linearmodels", "papermill"):
        print(f"import {module:<13} {import_seconds(module):5.2f} s")


if __name__ == "__main__":
    main()
