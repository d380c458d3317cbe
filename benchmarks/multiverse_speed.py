"""Speed of the estimation core on the specification curve, measured in one run.

Prints, on the simulated replication panel and the default multiverse
(2,160 specifications in 132 measurement forks):

1. estimator only, one process, one BLAS thread (every fork's measurement is
   done first and left out): specifications per second per core of

   * the estimation core (:mod:`inertia.models.twfe_core`) as the multiverse
     uses it: one absorbed design per estimation sample, one fit per
     sample x outcome x controls x lags cell, the SE forks reusing it;
   * a loop of one linearmodels ``PanelOLS`` fit per specification
     (:func:`inertia.models.panel.fit_twfe`);
   * a loop of one pyfixest ``feols`` fit per specification, with
     linearmodels' small-sample convention;

   their ratios (goals: 40x the PanelOLS loop, 10x the pyfixest loop) and the
   largest coefficient and SE differences of the core against each;
2. the full-curve null distribution: :func:`inertia.multiverse.bootstrap_test`
   with 500 wild-bootstrap draws over all specifications, local engine with 1
   and 2 worker processes (goal: at most 30 s on 2 cores), end to end
   (measurement included);
3. the observed curve end to end with 1 and 2 local workers and on a Dask
   LocalCluster of 2 workers, and whether the Dask table is byte-identical
   to the local one (``--skip-dask`` leaves it out).

The machine may be shared: timings are wall times of one run; read the
ratios. No asserts.

Usage: ``python benchmarks/multiverse_speed.py [--draws 500] [--skip-dask]``
"""

from __future__ import annotations

import os

# One BLAS thread, set before numpy is imported: the cost of one core is reported.
for _variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_variable] = "1"

import argparse  # noqa: E402
import io  # noqa: E402
import logging  # noqa: E402
import platform  # noqa: E402
import time  # noqa: E402
import warnings  # noqa: E402

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402


def _estimator_only(panel, roster, weights) -> None:
    import pyfixest as pf

    from inertia import multiverse as mv
    from inertia.models.panel import fit_twfe

    forks, rules = mv.default_forks()
    specs = mv.expand(forks, rules)
    chunks = mv._chunks(specs, (-1,))
    context = mv._Context(panel, roster, weights, "bench")
    start = time.perf_counter()
    prepared = [mv._prepare(context, chunk) for chunk in chunks]
    measure_seconds = time.perf_counter() - start
    print(
        f"{len(specs)} specifications in {len(chunks)} measurement forks; measurement of all "
        f"forks first: {measure_seconds:.1f} s (left out below)\n"
    )

    def samples():
        """(spec id, SE type, estimation frame, y, regressors) of every specification."""
        for frame, cells, _ in prepared:
            arrays = mv._Arrays(frame)
            for cell in cells:
                columns = ["code", "year", cell.outcome, *cell.regressors]
                part = frame.loc[cell.rows(arrays), columns]
                part = part.dropna().reset_index(drop=True)
                for sid, se_type in cell.members:
                    yield sid, se_type, part, cell.outcome, cell.regressors

    # The core, as the multiverse runs it.
    core: dict[str, dict] = {}
    n_cells = 0
    start = time.perf_counter()
    for frame, cells, _ in prepared:
        arrays = mv._Arrays(frame)
        for cell in cells:
            design = arrays.design(cell.rows(arrays), [cell.outcome, *cell.regressors])
            fitted = mv._fit_design(
                design, cell.outcome, cell.regressors, [se for _, se in cell.members]
            )
            n_cells += 1
            for sid, se_type in cell.members:
                core[sid] = fitted[se_type]
    core_seconds = time.perf_counter() - start

    def compare(estimates: dict[str, tuple[np.ndarray, np.ndarray]]) -> tuple[float, float]:
        coef = max(
            float(np.abs(b - core[s]["estimate"][:3]).max()) for s, (b, _) in estimates.items()
        )
        se = max(
            float((np.abs(e - core[s]["se"][:3]) / core[s]["se"][:3]).max())
            for s, (_, e) in estimates.items()
        )
        return coef, se

    panelols: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    start = time.perf_counter()
    for sid, se_type, part, y, regressors in samples():
        fit = fit_twfe(part, y, regressors[:3], regressors[3:], se=se_type)
        panelols[sid] = (fit.tidy["coef"].to_numpy()[:3], fit.tidy["se"].to_numpy()[:3])
    panelols_seconds = time.perf_counter() - start

    fixest: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    start = time.perf_counter()
    for sid, se_type, part, y, regressors in samples():
        g, n, t = part["code"].nunique(), len(part), part["year"].nunique()
        formula = f"{y} ~ {' + '.join(regressors)} | code + year"
        if se_type == "clustered":
            vcov, factor = {"CRV1": "code"}, g / (g - 1)
            options = {}
        else:
            vcov, factor = "DK", n / (n - 1)
            options = {
                "vcov_kwargs": {"lag": mv.dk_bandwidth(t), "time_id": "year", "panel_id": "code"}
            }
        fit = pf.feols(
            formula,
            part,
            vcov=vcov,
            ssc=pf.ssc(k_fixef="full", G_adj=False),
            fixef_tol=1e-12,
            fixef_rm="none",  # keep singletons, as linearmodels and the core do
            **options,
        )
        fixest[sid] = (
            fit.coef().to_numpy()[:3],
            fit.se().to_numpy()[:3] * np.sqrt(factor),
        )
    fixest_seconds = time.perf_counter() - start

    n = len(specs)
    print("1. Estimator only, one process, one BLAS thread")
    rows = [
        (f"estimation core ({n_cells} fits, SE forks reuse them)", core_seconds),
        ("loop of PanelOLS fits, one per spec", panelols_seconds),
        ("loop of pyfixest fits, one per spec", fixest_seconds),
    ]
    for label, seconds in rows:
        print(f"  {label:48s} {seconds:7.2f} s  {n / seconds:9.1f} specs/s/core")
    coef_lm, se_lm = compare(panelols)
    coef_fx, se_fx = compare(fixest)
    print(
        f"  core / PanelOLS loop: {panelols_seconds / core_seconds:6.1f}x  (goal 40x); "
        f"largest |coef diff| {coef_lm:.1e}, largest relative SE diff {se_lm:.1e}"
    )
    print(
        f"  core / pyfixest loop: {fixest_seconds / core_seconds:6.1f}x  (goal 10x); "
        f"largest |coef diff| {coef_fx:.1e}, largest relative SE diff {se_fx:.1e}\n"
    )


def _parquet(table: pd.DataFrame) -> bytes:
    buffer = io.BytesIO()
    table.to_parquet(buffer, index=False)
    return buffer.getvalue()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--draws", type=int, default=500, help="bootstrap draws of part 2")
    parser.add_argument("--skip-dask", action="store_true")
    args = parser.parse_args()
    warnings.simplefilter("ignore")  # pyfixest's pandas deprecation warnings
    logging.getLogger("distributed").setLevel(logging.ERROR)  # the LocalCluster's chatter

    import pyfixest

    from inertia import multiverse as mv
    from inertia.data import reference
    from inertia.data.geometry import contiguity_weights
    from inertia.data.simulate import simulate_panel

    panel = simulate_panel().panel
    roster = reference.cities()
    weights = contiguity_weights(list(roster.index))
    print("Estimation core on the specification curve (simulated panel, 63 cities, 2005-2022)")
    print(
        f"python {platform.python_version()}, numpy {np.__version__}, pandas {pd.__version__}, "
        f"pyfixest {pyfixest.__version__}, {os.cpu_count()} cores, {platform.machine()}, "
        f"load average {os.getloadavg()[0]:.1f}"
    )
    _estimator_only(panel, roster, weights)

    print(f"2. Full-curve null distribution: {args.draws} wild-bootstrap draws, all specifications")
    boot = {}
    for jobs in (1, 2):
        start = time.perf_counter()
        result = mv.bootstrap_test(panel, roster, n_draws=args.draws, jobs=jobs, weights=weights)
        boot[jobs] = time.perf_counter() - start
        print(
            f"  local, {jobs} process(es): {boot[jobs]:6.1f} s "
            f"({len(result.spec_ids) * args.draws / boot[jobs]:,.0f} spec-draws/s)"
            + ("  (goal: at most 30 s on 2 cores)" if jobs == 2 else "")
        )
    print(f"  speed-up 1 -> 2 processes: {boot[1] / boot[2]:.2f}x\n")

    print("3. Observed curve end to end (measurement + fits)")
    tables = {}
    engines = [("local, inline", "local", 1), ("local, 2 processes", "local", 2)]
    if not args.skip_dask:
        engines.append(("dask LocalCluster, 2 workers", "dask", 2))
    for label, engine, jobs in engines:
        start = time.perf_counter()
        result = mv.run_multiverse(panel, roster, engine=engine, jobs=jobs, weights=weights)
        seconds = time.perf_counter() - start
        tables[label] = result.table
        print(f"  {label:30s} {seconds:6.1f} s  {result.n_specs / seconds:7.1f} specs/s")
    if not args.skip_dask:
        same = _parquet(tables[engines[0][0]]) == _parquet(tables[engines[2][0]])
        print(f"  dask table byte-identical to the local one: {same}")


if __name__ == "__main__":
    main()
