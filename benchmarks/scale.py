"""How the pipeline's cost grows: default (63 cities), national (~290) and county (~2,800)
simulated panels, the Dagum Gini at large group sizes, and import costs.

Prints, from one run (no asserts; these machines are noisy):

* for each scale: ``inertia reproduce --force`` wall time, the peak resident
  memory of the largest process (runner or kernel), the number of city-years
  and the cost per city-year, and that cost relative to the default panel's;
* the Dagum Gini decomposition at growing group sizes (it is computed from
  sorted values and cumulative sums, so memory stays linear);
* the import time of seaborn, linearmodels and papermill in a fresh interpreter.

Usage: ``python benchmarks/scale.py [--scales default national county]``
"""

from __future__ import annotations

import argparse
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]


def reproduce(scale: str) -> tuple[float, float, int]:
    """Wall seconds, peak RSS in MB of the largest descendant, and city-years."""
    scratch = Path(tempfile.mkdtemp(prefix=f"inertia-scale-{scale}-"))
    try:
        started = time.perf_counter()
        subprocess.run(
            [
                sys.executable,
                "-m",
                "inertia",
                "reproduce",
                "--into",
                str(scratch),
                "--run",
                "simulated",
                "-p",
                "scale",
                scale,
                "--force",
            ],
            cwd=ROOT,
            check=True,
            capture_output=True,
        )
        seconds = time.perf_counter() - started
        # ru_maxrss of waited-for descendants: the largest single process, in kB.
        peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        import pandas as pd

        panel = pd.read_parquet(scratch / "processed" / "simulated" / "panel.parquet")
        return seconds, peak_mb, len(panel)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def dagum_sizes(sizes: list[int]) -> list[tuple[int, float]]:
    sys.path.insert(0, str(ROOT / "src"))
    from inertia.measures.inequality import dagum_gini

    rng = np.random.default_rng(0)
    timings = []
    for n in sizes:
        values = rng.lognormal(size=2 * n)
        groups = np.repeat(["a", "b"], n)
        started = time.perf_counter()
        dagum_gini(values, groups)
        timings.append((n, time.perf_counter() - started))
    return timings


def import_seconds(module: str) -> float:
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", f"import {module}"], check=True)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scales", nargs="+", default=["default", "national", "county"])
    parser.add_argument("--dagum", nargs="+", type=int, default=[10_000, 100_000, 1_000_000])
    args = parser.parse_args()
    print(f"machine: {platform.machine()}, 2 cores assumed, Python {platform.python_version()}")
    columns = ("city-years", "wall s", "peak MB", "ms/city-yr", "vs default")
    print(f"{'scale':<10}" + "".join(f"{c:>12}" for c in columns))
    base = None
    for scale in args.scales:
        seconds, peak, rows = reproduce(scale)
        per = 1000 * seconds / rows
        base = base or per
        print(f"{scale:<10}{rows:>12}{seconds:>12.1f}{peak:>12.0f}{per:>12.2f}{per / base:>11.2f}x")
    for n, seconds in dagum_sizes(args.dagum):
        print(f"dagum_gini, two groups of {n:>9,}: {seconds:6.2f} s")
    for module in ("seaborn", "linearmodels", "papermill"):
        print(f"import {module:<13} {import_seconds(module):5.2f} s")


if __name__ == "__main__":
    main()
