"""Speed of the estimation core on the specification curve, measured in one run.

Prints, on the simulated replication panel and the default multiverse
(1,848 specifications in 24 outcome measurements):

1. estimator only, one process, one BLAS thread (every specification's
   analysis frame is built first and left out): specifications per second per
   core of

   * the estimation core (:mod:`inertia.models.twfe_core`) as the multiverse
     uses it: one absorbed design per estimation sample, both SE types on one
     fit, 2SLS for the headline estimator;
   * a loop of the chapters' linearmodels fits, one per specification and SE
     type (:func:`inertia.models.panel.fit_eiv` for the 2SLS specifications,
     :func:`inertia.models.panel.fit_twfe` for the OLS ones; their clustered and
     Driscoll-Kraay SEs; fit_eiv has clustered SEs only);
   * a loop of pyfixest ``feols`` fits of the OLS specifications, with
     linearmodels' small-sample convention;

   their ratios (goals: 40x the linearmodels loop, 10x the pyfixest loop) and
   the largest coefficient and SE differences of the core against each;
2. the full-curve null distribution: :func:`inertia.multiverse.bootstrap_test`
   with 500 draws, every specification re-estimated in every draw (2SLS for the
   headline estimator), local engine with 1 and 2 worker processes (goal: at
   most 30 s on 2 cores), end to end (measurement included);
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


def _prepared(panel, roster, weights):
    """Every specification with its fitter and analysis frame, measured first."""
    from inertia import multiverse as mv

    forks, rules = mv.default_forks()
    specs = mv.expand(forks, rules)
    context = mv._context(panel, roster, weights, seed=0)
    prepared = []
    for chunk in mv._chunks(specs):
        shortfall = mv._shortfall(context, dict(chunk.measurement))
        extra = mv._extra_controls(context)
        outcome_part = None
        controls: dict = {}
        members: dict[tuple, list] = {}
        for sid, model in chunk.specs:
            model = dict(model)
            members.setdefault(tuple(model[f] for f in mv.ROLE_MEASUREMENT), []).append(
                (sid, model)
            )
        for key, group in members.items():
            roles = mv._roles(context, *key)
            if outcome_part is None:
                outcome_part = mv._outcome_part(shortfall, roles, roster, extra)
            frame = mv._analysis_frame(outcome_part, roles, {m["lags"] for _, m in group})
            fitter = mv._Fitter(frame, roles, context, controls)
            for sid, model in group:
                spec = mv._Spec(
                    sid,
                    model["outcome"],
                    model["estimator"],
                    model["time_effects"],
                    model["sample"],
                    model["controls"],
                    model["lags"],
                )
                prepared.append((spec, fitter))
    return specs, prepared


def _estimator_only(panel, roster, weights) -> None:
    import pyfixest as pf

    from inertia.models.panel import fit_eiv, fit_twfe

    start = time.perf_counter()
    specs, prepared = _prepared(panel, roster, weights)
    measure_seconds = time.perf_counter() - start
    print(
        f"{len(specs)} specifications; measurement and analysis frames first: "
        f"{measure_seconds:.1f} s (left out below)\n"
    )
    # Each specification's complete rows and variables, for the loops of other packages.
    samples = []
    for spec, fitter in prepared:
        roles_x, instruments = spec.terms(fitter.roles)
        controls = [*fitter.base_controls(spec.sample, spec.outcome), *spec.controls]
        names = [spec.outcome, *roles_x, *instruments, *controls]
        keep = fitter.mask(spec.sample).copy()
        for name in names:
            keep &= np.isfinite(fitter.column(name))
        columns = ["code", "year", "cluster_year", *dict.fromkeys(names)]
        part = fitter.frame.loc[keep, columns].reset_index(drop=True)
        samples.append((spec, part, roles_x, instruments, controls))

    core: dict[str, dict] = {}
    start = time.perf_counter()
    for spec, fitter in prepared:
        result, _ = fitter.fit(spec)
        core[spec.spec_id] = result
    core_seconds = time.perf_counter() - start

    def compare(estimates: dict[str, dict[str, np.ndarray]]) -> tuple[float, float]:
        coef = max(
            float(np.abs(e["estimate"] - core[s]["estimate"]).max()) for s, e in estimates.items()
        )
        se = max(
            float((np.abs(e[k] - core[s][k]) / core[s][k]).max())
            for s, e in estimates.items()
            for k in ("se", "se_dk")
            if k in e
        )
        return coef, se

    linearmodels: dict[str, dict[str, np.ndarray]] = {}
    start = time.perf_counter()
    for spec, part, roles_x, instruments, controls in samples:
        other = spec.time_effects
        if spec.estimator == "eiv":
            fit = fit_eiv(part, spec.outcome, roles_x, instruments, controls, other=other)
            tidy = fit.tidy().set_index("term").loc[roles_x]
            linearmodels[spec.spec_id] = {"estimate": tidy["coef"].to_numpy(), "se": tidy["se"]}
            continue
        out = {}
        for se, key in (("clustered", "se"), ("driscoll-kraay", "se_dk")):
            other_effect = "cluster_year" if other == "cluster_year" else None
            fit = fit_twfe(part, spec.outcome, roles_x, controls, se=se, other=other_effect)
            tidy = fit.tidy().set_index("term").loc[roles_x]
            out["estimate"], out[key] = tidy["coef"].to_numpy(), tidy["se"].to_numpy()
        linearmodels[spec.spec_id] = out
    linearmodels_seconds = time.perf_counter() - start

    fixest: dict[str, dict[str, np.ndarray]] = {}
    n_ols = 0
    start = time.perf_counter()
    for spec, part, roles_x, _, controls in samples:
        if spec.estimator == "eiv":
            continue
        n_ols += 1
        g, n = part["code"].nunique(), len(part)
        effect = "cluster_year" if spec.time_effects == "cluster_year" else "year"
        formula = f"{spec.outcome} ~ {' + '.join([*roles_x, *controls])} | code + {effect}"
        out = {}
        for key in ("se", "se_dk"):
            if key == "se":
                vcov, factor, options = {"CRV1": "code"}, g / (g - 1), {}
            else:
                from inertia.models.covariance import bartlett_bandwidth

                lag = bartlett_bandwidth(part["year"].nunique())
                vcov, factor = "DK", n / (n - 1)
                options = {"vcov_kwargs": {"lag": lag, "time_id": "year", "panel_id": "code"}}
            fit = pf.feols(
                formula,
                part,
                vcov=vcov,
                ssc=pf.ssc(k_fixef="full", G_adj=False),
                fixef_tol=1e-12,
                fixef_rm="none",  # keep singletons, as linearmodels and the core do
                **options,
            )
            out["estimate"] = fit.coef()[roles_x].to_numpy()
            out[key] = fit.se()[roles_x].to_numpy() * np.sqrt(factor)
        fixest[spec.spec_id] = out
    fixest_seconds = time.perf_counter() - start
    ols_core = core_seconds * n_ols / len(prepared)  # the core's share for the OLS specs

    n = len(prepared)
    print("1. Estimator only, one process, one BLAS thread")
    rows = [
        (f"estimation core ({n} fits, both SE types)", core_seconds, n),
        ("loop of linearmodels fits (fit_eiv, fit_twfe)", linearmodels_seconds, n),
        (f"loop of pyfixest fits ({n_ols} OLS specs)", fixest_seconds, n_ols),
    ]
    for label, seconds, count in rows:
        print(f"  {label:48s} {seconds:7.2f} s  {count / seconds:9.1f} specs/s/core")
    coef_lm, se_lm = compare(linearmodels)
    coef_fx, se_fx = compare(fixest)
    print(
        f"  core / linearmodels loop: {linearmodels_seconds / core_seconds:6.1f}x  (goal 40x); "
        f"largest |coef diff| {coef_lm:.1e}, largest relative SE diff {se_lm:.1e}"
    )
    print(
        f"  core / pyfixest loop (OLS specs): {fixest_seconds / ols_core:6.1f}x  (goal 10x); "
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
    from inertia.data.geometry import weights_for_roster
    from inertia.data.simulate import simulate_panel

    sim = simulate_panel(scale="clusters")  # the 63 cluster cities the curve runs on
    panel, roster = sim.panel, sim.roster
    weights = weights_for_roster(roster)
    print("Estimation core on the specification curve (simulated panel, 63 cities, 2005-2022)")
    print(
        f"python {platform.python_version()}, numpy {np.__version__}, pandas {pd.__version__}, "
        f"pyfixest {pyfixest.__version__}, {os.cpu_count()} cores, {platform.machine()}, "
        f"load average {os.getloadavg()[0]:.1f}"
    )
    _estimator_only(panel, roster, weights)

    print(f"2. Full-curve null distribution: {args.draws} draws, every specification in each")
    boot = {}
    for jobs in (1, 2):
        start = time.perf_counter()
        result = mv.bootstrap_test(panel, roster, n_draws=args.draws, jobs=jobs, weights=weights)
        boot[jobs] = time.perf_counter() - start
        print(
            f"  local, {jobs} process(es): {boot[jobs]:6.1f} s "
            f"({result.curve.n_specs * args.draws / boot[jobs]:,.0f} spec-draws/s)"
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
