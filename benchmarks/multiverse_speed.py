"""Speed of the specification curve (inertia.multiverse) on the simulated replication panel.

Prints, in one run:

1. estimator only (measurement prepared beforehand, one process, one BLAS
   thread): specifications per second of the pyfixest path (one fit per
   sample x outcome x controls x lags cell, the SE forks reusing it) against a
   naive loop of one linearmodels ``PanelOLS`` fit (``fit_twfe``) per
   specification, on the same specifications, and their ratio; with the
   largest coefficient difference between the two as a check;
2. end to end (measurement + fits), ``run_multiverse``: local engine with 1
   and 2 worker processes (the speed-up, including spawning the workers), and
   the dask engine on a LocalCluster of 2 single-threaded workers on
   127.0.0.1 (its cost against the local engine with 2 workers).

The specifications are the city-outcome part of ``default_forks()`` with
three samples (864 by default; ``--samples`` changes it), or with ``--full``
the whole default multiverse (2,160, with the cluster-gap outcome) for part 2.
The machine may be shared: timings are wall times of one run. No asserts.

Usage: ``python benchmarks/multiverse_speed.py [--samples ...] [--skip-dask] [--full]
[--repeats 2]``
"""

from __future__ import annotations

import os

# One BLAS thread, set before numpy is imported: the cost of one core is reported.
for _variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_variable] = "1"

import argparse  # noqa: E402
import platform  # noqa: E402
import time  # noqa: E402
import warnings  # noqa: E402

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402


def _forks(samples: list[str]) -> tuple[dict, list]:
    from inertia import multiverse as mv

    forks, rules = mv.default_forks()
    forks = {**forks, "outcome": ["shortfall", "gap"], "sample": samples}
    forks.pop("synergy_measure")
    forks.pop("target_rule")
    rules = [rule for rule in rules if "cluster_gap" not in str(rule.get("if"))]
    rules = [rule for rule in rules if "synergy_measure" not in rule["exclude"]]
    rules = [rule for rule in rules if "target_rule" not in rule["exclude"]]
    return forks, rules


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", nargs="+", default=["all", "no_jjj", "post2010"])
    parser.add_argument("--skip-dask", action="store_true")
    parser.add_argument("--full", action="store_true", help="part 2 on default_forks()")
    parser.add_argument("--repeats", type=int, default=2, help="part 2: best of N runs")
    args = parser.parse_args()
    warnings.simplefilter("ignore")  # pyfixest's pandas deprecation warnings

    import pyfixest

    from inertia import multiverse as mv
    from inertia.data import reference
    from inertia.data.geometry import contiguity_weights
    from inertia.data.simulate import simulate_panel
    from inertia.models.panel import fit_twfe

    panel = simulate_panel().panel
    roster = reference.cities()
    weights = contiguity_weights(list(roster.index))
    forks, rules = _forks(args.samples)
    specs = mv.expand(forks, rules)
    n_specs = len(specs)
    n_tasks = specs[list(mv.MEASUREMENT_FORKS)].drop_duplicates().shape[0]
    print("Specification curve speed (simulated replication panel, 63 cities, 2005-2022)")
    print(
        f"python {platform.python_version()}, numpy {np.__version__}, pandas {pd.__version__}, "
        f"pyfixest {pyfixest.__version__}, {os.cpu_count()} cores, {platform.machine()}"
    )
    print(f"{n_specs} specifications in {n_tasks} measurement forks (tasks)\n")

    # -- 1. estimator only
    context = mv._Context(panel, roster, weights, "bench")
    chunks = mv._chunks(specs, (-1,))
    start = time.perf_counter()
    frames = {}
    for chunk in chunks:
        models = [dict(model) for _, model in chunk.specs]
        frame = mv._measure(context, dict(chunk.measurement), False)
        frames[chunk.chunk_id] = mv._add_lags(frame, {m["lags"] for m in models})
    measure_seconds = time.perf_counter() - start

    def cells(chunk):
        grouped: dict[tuple, list] = {}
        for sid, model in chunk.specs:
            model = dict(model)
            key = (model["sample"], model["outcome"], model["controls"], model["lags"])
            grouped.setdefault(key, []).append((sid, model["se"]))
        return grouped

    def subset(frame, sample, outcome):
        part = frame.loc[mv._sample_mask(frame, sample)]
        return part if outcome == "gap" else part.loc[part["post"].astype(bool)]

    mv._fit_cell(subset(frames[0], "all", "gap"), "gap", list(mv.EFFECTS), ["clustered"])  # warm
    pyfixest_estimates: dict[str, np.ndarray] = {}
    n_fits = 0
    start = time.perf_counter()
    for chunk in chunks:
        frame = frames[chunk.chunk_id]
        for (sample, outcome, controls, lags), members in cells(chunk).items():
            x = [e if lags == 0 else f"{e}_lag{lags}" for e in mv.EFFECTS]
            fitted = mv._fit_cell(
                subset(frame, sample, outcome), outcome, [*x, *controls], [s for _, s in members]
            )
            n_fits += 1
            for sid, se_type in members:
                pyfixest_estimates[sid] = fitted[se_type]["estimate"][:3]
    pyfixest_seconds = time.perf_counter() - start

    largest = 0.0
    start = time.perf_counter()
    for chunk in chunks:
        frame = frames[chunk.chunk_id]
        for sid, model in chunk.specs:
            model = dict(model)
            lags = model["lags"]
            x = [e if lags == 0 else f"{e}_lag{lags}" for e in mv.EFFECTS]
            fit = fit_twfe(
                subset(frame, model["sample"], model["outcome"]),
                model["outcome"],
                x,
                list(model["controls"]),
                se=model["se"],
            )
            difference = np.abs(fit.tidy["coef"].to_numpy()[:3] - pyfixest_estimates[sid])
            largest = max(largest, float(difference.max()))
    naive_seconds = time.perf_counter() - start

    print(
        "1. Estimator only, one process (measurement of all tasks done first: "
        f"{measure_seconds:.1f} s)"
    )
    print(
        f"  pyfixest path ({n_fits} fits, SE forks reuse them): {pyfixest_seconds:7.2f} s  "
        f"{n_specs / pyfixest_seconds:8.1f} specs/s/core"
    )
    print(
        f"  naive loop, one PanelOLS per spec:          {naive_seconds:7.2f} s  "
        f"{n_specs / naive_seconds:8.1f} specs/s/core"
    )
    print(f"  ratio pyfixest / naive: {naive_seconds / pyfixest_seconds:.2f}x")
    print(f"  largest |coefficient difference|: {largest:.1e}\n")

    # -- 2. end to end
    if args.full:
        forks, rules = mv.default_forks()
        n_specs = len(mv.expand(forks, rules))
        print(f"Part 2 on default_forks(): {n_specs} specifications")
    print(f"2. End to end (measurement + fits), best of {args.repeats} runs. Start-up = the same")
    print("   engine on a 2-spec run (spawning workers that import pandas and pyfixest);")
    print("   marginal = total minus start-up (rough: start-up varies from run to run).")
    tiny = {"index_method": ["entropy", "equal"]}
    engines = [("local, 1 process (inline)", "local", 1), ("local, 2 worker processes", "local", 2)]
    if not args.skip_dask:
        engines.append(("dask LocalCluster, 2 workers", "dask", 2))
    runs = {}
    for label, engine, jobs in engines:
        startups, totals = [], []
        for _ in range(args.repeats):  # best of the repeats: the machine may be shared
            start = time.perf_counter()
            mv.run_multiverse(panel, roster, tiny, engine=engine, jobs=jobs, weights=weights)
            startups.append(time.perf_counter() - start)
            start = time.perf_counter()
            result = mv.run_multiverse(
                panel, roster, forks, rules, engine=engine, jobs=jobs, weights=weights
            )
            totals.append(time.perf_counter() - start)
        startup, seconds = min(startups), min(totals)
        marginal = n_specs / max(seconds - startup, 1e-9)
        runs[label] = (seconds, seconds - startup, result.table)
        print(
            f"  {label:29s} total {seconds:6.1f} s, start-up {startup:5.1f} s: "
            f"{n_specs / seconds:6.1f} specs/s, marginal {marginal:6.1f} specs/s "
            f"= {marginal / jobs:6.1f} specs/s/core"
        )
    one, two = runs[engines[0][0]], runs[engines[1][0]]
    print(
        f"  speed-up 1 -> 2 local workers: {one[0] / two[0]:.2f}x total, "
        f"{one[1] / two[1]:.2f}x marginal"
    )
    if not args.skip_dask:
        dask_run = runs[engines[2][0]]
        print(
            f"  dask / local (2 workers each): {dask_run[0] / two[0]:.2f}x the time total, "
            f"{dask_run[1] / two[1]:.2f}x marginal"
        )
        numbers = ["estimate", "se", "pvalue"]
        gap = (dask_run[2][numbers] - one[2][numbers]).abs() / one[2][numbers].abs()
        print(f"  dask vs local: largest relative difference {np.nanmax(gap.to_numpy()):.1e}")


if __name__ == "__main__":
    main()
