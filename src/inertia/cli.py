"""Command line: ``inertia`` (or ``python -m inertia``).

Commands
--------
reproduce   execute every chapter notebook that is stale, then publish reports/
chapter     execute one notebook (and what it depends on), then publish
verify      re-execute everything in a scratch folder and compare with reports/
params      print the validated parameters of every run
package     the replication package: a deterministic deposit archive of code and outputs
validate    the size-and-power harness of every chapter's headline test
data        ``import-ccsy DIR`` builds the panel from yearbook workbooks;
            ``simulate`` writes the simulated replication panel

Errors the user can cause are printed as one paragraph without a traceback,
and the exit status is non-zero.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from inertia.errors import InertiaError


def _add_run_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "-p",
        "--parameters",
        nargs=2,
        action="append",
        default=[],
        metavar=("KEY", "VALUE"),
        help="override a parameter for every run (VALUE is read as YAML), e.g. -p seed 7",
    )
    parser.add_argument("--params-file", default=None, help="parameter file (default params.yaml)")
    parser.add_argument(
        "--run", action="append", default=[], help="only this named run (repeatable)"
    )
    parser.add_argument("--jobs", "-j", type=int, default=1, help="notebooks side by side")
    parser.add_argument("--kernel", default=None, help="Jupyter kernel (default: inertia)")
    parser.add_argument(
        "--into",
        type=Path,
        default=None,
        metavar="DIR",
        help="keep the runner's state, built data and reports under DIR instead of the project",
    )


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="inertia", description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)

    reproduce = commands.add_parser("reproduce", help="regenerate every figure and table")
    _add_run_options(reproduce)
    reproduce.add_argument("--force", action="store_true", help="execute even what is current")

    chapter = commands.add_parser("chapter", help="execute one chapter notebook and publish")
    chapter.add_argument("notebook", help="notebook name, e.g. 03_inertia_evidence")
    _add_run_options(chapter)
    chapter.add_argument("--force", action="store_true")

    paper = commands.add_parser(
        "paper",
        help="reproduce, then build every run's manuscript (English, Chinese; HTML, PDF)",
    )
    _add_run_options(paper)
    paper.add_argument("--force", action="store_true", help="execute even what is current")

    verify = commands.add_parser("verify", help="re-execute into scratch and compare")
    _add_run_options(verify)
    verify.add_argument("--keep", action="store_true", help="keep the scratch folder")

    show = commands.add_parser("params", help="print the validated parameters")
    _add_run_options(show)

    package = commands.add_parser(
        "package", help="build the replication package (dist/replication-<version>.zip)"
    )
    package.add_argument(
        "--reports", type=Path, default=None, help="published reports folder (default reports/)"
    )
    package.add_argument(
        "--processed",
        type=Path,
        default=None,
        help="built-data folder whose CCSY panel no published file may repeat "
        "(default data/processed/)",
    )
    package.add_argument("--out", type=Path, default=None, help="archive to write")

    multiverse = commands.add_parser(
        "multiverse", help="run the specification curve (robustness) on the simulated panel"
    )
    multiverse.add_argument("--engine", choices=["local", "dask"], default="local")
    multiverse.add_argument(
        "--scheduler", default=None, help="dask scheduler address, e.g. tcp://host:8786"
    )
    multiverse.add_argument("--jobs", "-j", type=int, default=1, help="local worker processes")
    multiverse.add_argument("--preset", choices=["default", "small"], default="default")
    multiverse.add_argument("--seed", type=int, default=20240601)
    multiverse.add_argument("--out", type=Path, default=Path("data/processed/multiverse.parquet"))

    validate = commands.add_parser(
        "validate",
        help="size-and-power harness: every chapter's headline test under known truths",
    )
    validate.add_argument("--reps", type=int, default=200, help="replications per truth")
    validate.add_argument("--seed", type=int, default=20240601, help="master seed")
    validate.add_argument("--jobs", "-j", type=int, default=1, help="worker processes")
    validate.add_argument("--engine", choices=["local", "dask"], default="local")
    validate.add_argument(
        "--scheduler", default=None, help="dask scheduler address, e.g. tcp://host:8786"
    )
    validate.add_argument(
        "--boot", type=int, default=199, help="chain bootstrap draws per replication"
    )
    validate.add_argument(
        "--truth",
        action="append",
        default=[],
        help="only this truth (repeatable): default, plans_delivered, no_role_effects, no_chain",
    )
    validate.add_argument(
        "--out",
        type=Path,
        default=Path("data/processed/validation.csv"),
        help="summary table (CSV); the replications go beside it as .parquet",
    )

    data = commands.add_parser("data", help="build data sets")
    data_commands = data.add_subparsers(dest="data_command", required=True)
    ccsy = data_commands.add_parser("import-ccsy", help="import CCSY edition workbooks")
    ccsy.add_argument("directory", type=Path)
    ccsy.add_argument("--out", type=Path, default=Path("data/processed"))
    simulate = data_commands.add_parser("simulate", help="write the simulated panel")
    simulate.add_argument("--seed", type=int, default=20240601)
    simulate.add_argument(
        "--scale", choices=["default", "clusters", "national", "county"], default="default"
    )
    simulate.add_argument("--out", type=Path, default=Path("data/processed/simulated"))
    return parser


def _config(args: argparse.Namespace) -> tuple:
    from inertia import params
    from inertia.paths import project_root

    root = project_root()
    path = Path(args.params_file) if args.params_file else root / "params.yaml"
    overrides = params.parse_overrides(args.parameters)
    config = params.load(path, overrides)
    return root, config, config.select(args.run)


def _execute(
    args: argparse.Namespace, notebooks: list[str] | None, *, require_pdf: bool = False
) -> int:
    from inertia.pipeline.layout import Layout
    from inertia.pipeline.publish import publish
    from inertia.pipeline.runner import enabled_runs, exclusive, run_notebooks

    started = time.perf_counter()
    root, _config_, selected = _config(args)
    runs = enabled_runs(selected)
    if not runs:
        raise InertiaError("No run is enabled; see the notes above.")
    if args.jobs < 1:
        raise InertiaError(f"--jobs must be at least 1, not {args.jobs}.")
    layout = Layout.scratch(root, args.into.resolve()) if args.into else Layout.for_project(root)
    with exclusive(layout):
        summary = run_notebooks(
            layout, runs, notebooks=notebooks, jobs=args.jobs, force=args.force, kernel=args.kernel
        )
        published = publish(
            layout, enabled_runs(_config_.runs, write=lambda _: None), require_pdf=require_pdf
        )
    took = time.perf_counter() - started
    if not summary.executed and not published:
        print(f"All up to date: nothing re-executed ({took:.1f} s).")
    else:
        print(
            f"Executed {len(summary.executed)} notebook(s), {len(summary.up_to_date)} up to date; "
            f"reports/ {'published' if published else 'unchanged'} ({took:.1f} s)."
        )
    if require_pdf:
        _print_manuscripts(layout.reports)
    return 0


def _print_manuscripts(reports: Path) -> None:
    """List the manuscripts of the published ``reports/`` (``inertia paper``)."""
    import json

    manifest = json.loads((reports / "MANIFEST.json").read_text(encoding="utf-8"))
    manuscripts = manifest.get("manuscripts", [])
    if not manuscripts:
        raise InertiaError(
            "No run published the verdict of every chapter, so no manuscript was built; "
            "run every chapter (make reproduce)."
        )
    for item in manuscripts:
        paths = ", ".join(f"reports/{f['path']}" for f in item["files"])
        print(f"manuscript ({item['run']}, {item['language']}): {paths}")


def _verify(args: argparse.Namespace) -> int:
    from inertia.pipeline.runner import enabled_runs
    from inertia.pipeline.verify import verify

    root, config, _selected = _config(args)
    differences = verify(
        root, enabled_runs(config.runs), jobs=args.jobs, kernel=args.kernel, keep=args.keep
    )
    if differences:
        print(f"verify: {len(differences)} difference(s) between reports/ and a fresh run:")
        for line in differences:
            print(f"  {line}")
        return 1
    print("verify: reports/ matches a fresh execution byte for byte.")
    return 0


def _package(args: argparse.Namespace) -> int:
    import shutil

    from inertia.paths import project_root
    from inertia.pipeline import package

    root = project_root()
    reports = args.reports or root / "reports"
    processed = args.processed or root / "data" / "processed"
    panels = package.yearbook_panels(processed)
    out = package.build(root, reports, args.out, yearbook_panels=panels)
    if not any(shutil.which(name) for name in package.BROWSERS):
        print("note: no chromium found, so the archive has no README.pdf.")
    print(
        f"Wrote {out} ({out.stat().st_size / 1e6:.1f} MB); checked against {len(panels)} "
        f"yearbook panel(s)."
    )
    return 0


def _show_params(args: argparse.Namespace) -> int:
    _root, _unused, selected = _config(args)
    for run in selected:
        state = "enabled" if run.enabled else run.skip_reason
        print(f"# run {run.name}: {state}")
        print(json.dumps(run.as_dict(), indent=2, ensure_ascii=False))
    return 0


def _data(args: argparse.Namespace) -> int:
    if args.data_command == "import-ccsy":
        from inertia.data.ccsy import run_import

        result = run_import(args.directory, args.out)
        print(result.summary())
        print(f"Wrote panel.parquet, quality.csv, coverage.csv and editions.csv to {args.out}")
        return 0
    from inertia.data.simulate import simulate_panel, write_simulated

    sim = simulate_panel(seed=args.seed, scale=args.scale)
    write_simulated(sim, args.out)
    print(f"Wrote the simulated panel ({len(sim.panel)} city-years) to {args.out}")
    return 0


def _multiverse(args: argparse.Namespace) -> int:
    from inertia import multiverse

    if args.jobs < 1:
        raise InertiaError(f"--jobs must be at least 1, not {args.jobs}.")
    forks, rules = (
        multiverse.default_forks() if args.preset == "default" else multiverse.small_forks()
    )
    started = time.perf_counter()
    try:
        path = multiverse.cli_run(
            args.engine,
            args.scheduler,
            args.jobs,
            args.out,
            {"forks": forks, "rules": rules},
            seed=args.seed,
        )
    except OSError as exc:  # an unreachable scheduler, a full disk
        raise InertiaError(f"The multiverse could not run: {exc}") from None
    print(f"Wrote {path} ({time.perf_counter() - started:.1f} s, engine {args.engine}).")
    return 0


def _validate(args: argparse.Namespace) -> int:
    from inertia import validation
    from inertia.io import atomic_write

    if args.jobs < 1:
        raise InertiaError(f"--jobs must be at least 1, not {args.jobs}.")
    started = time.perf_counter()
    result = validation.validate(
        args.reps,
        seed=args.seed,
        jobs=args.jobs,
        engine=args.engine,
        scheduler=args.scheduler,
        n_boot=args.boot,
        truths=validation.parse_truths(args.truth),
    )
    seconds = time.perf_counter() - started
    validation.print_table(result.summary)
    out = args.out
    atomic_write(out, lambda tmp: result.summary.to_csv(tmp, index=False, float_format="%.6g"))
    replications = out.with_suffix(".parquet")
    atomic_write(replications, lambda tmp: result.replications.to_parquet(tmp, index=False))
    failing = int((~result.summary["meets"]).sum())
    print(
        f"Wrote {out} and {replications}: {args.reps} replications x "
        f"{len(result.settings['truths'])} truths in {seconds:.1f} s; "
        f"{len(result.summary) - failing} of {len(result.summary)} rows meet their targets."
    )
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point; returns the exit status."""
    args = _parser().parse_args(argv)
    try:
        if args.command == "reproduce":
            return _execute(args, None)
        if args.command == "paper":
            from inertia.pipeline import printing

            if printing.browser() is None:
                raise InertiaError(
                    "make paper prints the manuscripts with Debian's chromium, which is not "
                    "installed (apt-get install chromium; .ci/run does it)."
                )
            return _execute(args, None, require_pdf=True)
        if args.command == "chapter":
            return _execute(args, [args.notebook])
        if args.command == "verify":
            return _verify(args)
        if args.command == "params":
            return _show_params(args)
        if args.command == "package":
            return _package(args)
        if args.command == "multiverse":
            return _multiverse(args)
        if args.command == "validate":
            return _validate(args)
        return _data(args)
    except InertiaError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("interrupted: reports/ is unchanged.", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
