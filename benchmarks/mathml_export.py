"""Cost of writing the executed notebooks' math as MathML, measured in one run.

For each executed notebook of a report folder, prints the time of nbconvert's
plain HTML export with the report's template and of the export the runner
uses (:class:`inertia.pipeline.mathml.MathMLExporter`: one pandoc call per
notebook), the ratio and the difference, and how many formulas were
converted. Each export is timed as the best of ``--repeat`` runs, after one
warm-up of both.

Usage: ``python benchmarks/mathml_export.py [REPORTS] [--repeat N]`` (default
``reports/``; run ``make reproduce`` first).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))


def _best(export, nb, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        export(nb)
        times.append(time.perf_counter() - started)
    return min(times)


def main() -> None:
    import nbformat
    from nbconvert import HTMLExporter

    from inertia.pipeline.execute import _without_records
    from inertia.pipeline.mathml import MathMLExporter, formulas, markdown_sources

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("reports", nargs="?", default=str(ROOT / "reports"))
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    templates = [str(ROOT / "src" / "inertia" / "pipeline" / "templates")]
    plain = HTMLExporter(template_name="inertia", extra_template_basedirs=templates)
    mathml = MathMLExporter(template_name="inertia", extra_template_basedirs=templates)
    notebooks = sorted(Path(args.reports).glob("notebooks/*/*.ipynb"))
    if not notebooks:
        sys.exit(f"no executed notebook under {args.reports}/notebooks: run `make reproduce`.")
    print(f"{'notebook':<42} {'formulas':>8} {'plain s':>8} {'MathML s':>9} {'ratio':>6} {'+s':>6}")
    for path in notebooks:
        nb = _without_records(nbformat.read(path, as_version=4))
        plain.from_notebook_node(nb), mathml.from_notebook_node(nb)  # warm-up
        base = _best(plain.from_notebook_node, nb, args.repeat)
        with_math = _best(mathml.from_notebook_node, nb, args.repeat)
        found = len(formulas(markdown_sources(nb)))
        name = f"{path.parent.name}/{path.stem}"
        print(
            f"{name:<42} {found:>8} {base:>8.3f} {with_math:>9.3f} "
            f"{with_math / base:>6.2f} {with_math - base:>6.3f}"
        )


if __name__ == "__main__":
    main()
