"""Regenerate README.md's tables of results from what ``make reproduce`` published.

* the table of figures and tables, from reports/MANIFEST.json, between the
  markers ``<!-- outputs:start -->`` and ``<!-- outputs:end -->``, with the
  number each has in the manuscripts (``reports/manuscript/<run>/exhibits.json``)
  (tests/test_notebooks.py checks that it lists exactly what the chapters
  publish, tests/pipeline/test_paper.py that the numbers are the manuscripts');
* the validation harness's summary, from the simulated run's
  ``validation_harness.csv`` (notebook 02_validation), between
  ``<!-- validation:start -->`` and ``<!-- validation:end -->``.

``make readme`` runs this after ``make reproduce``.
"""

from __future__ import annotations

import csv
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
START, END = "<!-- outputs:start -->", "<!-- outputs:end -->"
VALIDATION = ("<!-- validation:start -->", "<!-- validation:end -->")
VALIDATION_CSV = Path("reports/tables/simulated/validation_harness.csv")


def exhibit_numbers(reports: Path) -> dict[tuple[str, str], str]:
    """(output name, kind) -> its number in the manuscripts, e.g. "Figure 3".

    Read from each run's ``reports/manuscript/<run>/exhibits.json``; when the runs
    number an output differently (a table shown only on simulated data shifts the
    later ones), each run's number is given with the run's name.
    """
    numbers: dict[tuple[str, str], dict[str, str]] = {}
    for path in sorted(reports.glob("manuscript/*/exhibits.json")):
        run = path.parent.name
        for item in json.loads(path.read_text(encoding="utf-8")):
            word = "Figure" if item["kind"] == "figure" else "Table"
            numbers.setdefault((item["output"], item["kind"]), {})[run] = f"{word} {item['number']}"
    labels = {}
    for key, by_run in numbers.items():
        distinct = set(by_run.values())
        labels[key] = (
            distinct.pop()
            if len(distinct) == 1
            else ", ".join(f"{number} ({run})" for run, number in sorted(by_run.items()))
        )
    return labels


def outputs_table(manifest: dict, exhibits: dict[tuple[str, str], str] | None = None) -> str:
    """One row per output name: notebook and cell, kind, runs, files, manuscript number."""
    exhibits = exhibits or {}
    rows: dict[tuple[str, str, str], dict] = {}
    for entry in manifest["outputs"]:
        key = (entry["notebook"], entry["kind"], entry["name"])
        row = rows.setdefault(key, {"runs": [], "entry": entry})
        row["runs"].append(entry["run"])
    lines = [
        "| notebook | cell | output | kind | runs | files | manuscript |",
        "|---|---|---|---|---|---|---|",
    ]
    for (notebook, kind, name), row in sorted(rows.items()):
        entry = row["entry"]
        files = ", ".join(
            sorted({Path(f["path"]).suffix.lstrip(".") for f in entry["files"]})
        )
        lines.append(
            f"| `{Path(notebook).stem}` | {entry['cell']['index']} | `{name}` | {kind} "
            f"| {', '.join(sorted(row['runs']))} | {files} "
            f"| {exhibits.get((name, kind), '')} |"
        )
    return "\n".join(lines)


def _number(text: str, digits: int) -> str:
    return f"{float(text):.{digits}f}" if text not in ("", "nan") else "–"


def validation_table(rows: list[dict[str, str]]) -> str:
    """One row per (claim, truth) of the harness, then the reasons of the rows that miss."""
    reps = {row["reps"] for row in rows}
    lines = [
        f"{', '.join(sorted(reps))} replications per truth, from the simulated run's "
        "`validation_harness` table (notebook `02_validation`).",
        "",
        "| claim | truth | test | true value | rejection at 5% | coverage of 95% CI "
        "| bias | targets met |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for row in rows:
        lines.append(
            f"| `{row['claim']}` | `{row['simulated_truth']}` | {row['kind']} "
            f"| {_number(row['true_value'], 4)} | {_number(row['rejection_rate'], 3)} "
            f"| {_number(row['coverage'], 3)} | {_number(row['bias'], 4)} "
            f"| {'yes' if row['meets'] == 'True' else 'no'} |"
        )
    reasons = [row for row in rows if row["reason"]]
    if reasons:
        lines.append("")
        lines.extend(f"* `{r['claim']}` (`{r['simulated_truth']}`): {r['reason']}" for r in reasons)
    return "\n".join(lines)


def rewrite(readme: str, table: str, markers: tuple[str, str] = (START, END)) -> str:
    start, end = markers
    head, rest = readme.split(start, 1)
    _, tail = rest.split(end, 1)
    return f"{head}{start}\n{table}\n{end}{tail}"


def main() -> int:
    manifest_path = ROOT / "reports" / "MANIFEST.json"
    if not manifest_path.is_file():
        print("reports/MANIFEST.json is missing: run `make reproduce` first.", file=sys.stderr)
        return 2
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    readme = ROOT / "README.md"
    exhibits = exhibit_numbers(ROOT / "reports")
    text = rewrite(readme.read_text(encoding="utf-8"), outputs_table(manifest, exhibits))
    validation = ROOT / VALIDATION_CSV
    if validation.is_file():
        with validation.open(encoding="utf-8", newline="") as handle:
            rows = list(csv.DictReader(handle))
        text = rewrite(text, validation_table(rows), VALIDATION)
    else:
        print(f"{VALIDATION_CSV} is missing: the validation table is left as it was.",
              file=sys.stderr)
    readme.write_text(text, encoding="utf-8")
    print(f"README.md: {len(manifest['outputs'])} outputs listed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
