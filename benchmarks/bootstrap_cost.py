"""Cost of the city bootstrap of the serial mediation (chapter 4's chain reaction).

Draws the simulated replication panel (63 cities, 2005-2022), builds the role
indices and the city shortfall, and times
:func:`inertia.models.mediation.serial_mediation` with ``n_boot=0`` (point
estimates and setup) and with the default ``n_boot=1000``, on one BLAS thread.
The cost per draw is the difference divided by the number of draws. It prints
the timings (best of ``--repeats`` runs) as plain text; there are no asserts.

Usage: ``python benchmarks/bootstrap_cost.py [--repeats 5] [--draws 1000]``
"""

from __future__ import annotations

import os

# One BLAS thread, set before numpy is imported: the cost of one core is reported.
for _variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_variable] = "1"

import argparse  # noqa: E402
import platform  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402


def _best_time(function, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--draws", type=int, default=1000)
    args = parser.parse_args()

    from libpysal.weights import W

    from inertia.data.simulate import simulate_panel
    from inertia.measures.synergy import measure_inertia
    from inertia.models.mediation import serial_mediation
    from inertia.roles import role_indices

    sim = simulate_panel()
    roles = role_indices(sim.panel, sim.roster, W(sim.neighbours, silence_warnings=True))
    inertia = measure_inertia(sim.panel, sim.roster)
    data = roles.frame.merge(inertia.shortfall[["code", "year", "shortfall"]], on=["code", "year"])
    latent_controls = {"m2": ["neighbour_deviation", "lagged_deviation"]}

    print("Serial mediation city bootstrap (simulated replication panel, one BLAS thread)")
    print(f"python {platform.python_version()}, numpy {np.__version__}, {platform.machine()}")
    cases = {
        "observed indices -> shortfall": (data, {}),
        "latent W, D, R -> ps_growth (+2 controls)": (
            sim.latent,
            {
                "x": "true_weakness",
                "m1": "true_deviation",
                "m2": "true_reinforcement",
                "y": "ps_growth",
                "controls": latent_controls,
            },
        ),
    }
    for label, (frame, kwargs) in cases.items():
        fit = serial_mediation(frame, n_boot=0, **kwargs)
        setup = _best_time(lambda f=frame, k=kwargs: serial_mediation(f, n_boot=0, **k), 3)
        full = _best_time(
            lambda f=frame, k=kwargs: serial_mediation(f, n_boot=args.draws, seed=1, **k),
            args.repeats,
        )
        per_draw = (full - setup) / args.draws
        print(f"\n{label}: {fit.n} city-years, {fit.n_entities} cities, {fit.n_periods} years")
        print(f"  point estimates and setup (n_boot=0): {setup * 1e3:8.1f} ms")
        print(f"  n_boot={args.draws}:                     {full * 1e3:8.1f} ms")
        print(f"  cost per bootstrap draw:              {per_draw * 1e6:8.1f} us")


if __name__ == "__main__":
    main()
