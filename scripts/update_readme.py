"""Regenerate README.md's table of figures and tables from reports/MANIFEST.json.

The table sits between the markers ``<!-- outputs:start -->`` and
``<!-- outputs:end -->``; ``make readme`` runs this after ``make reproduce``.
tests/test_notebooks.py checks that the table lists exactly what the chapters
publish.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
START, END = "<!-- outputs:start -->", "<!-- outputs:end -->"


def outputs_table(manifest: dict) -> str:
    """One row per output name: kind, notebook and cell, runs that publish it, caption."""
    rows: dict[tuple[str, str, str], dict] = {}
    for entry in manifest["outputs"]:
        key = (entry["notebook"], entry["kind"], entry["name"])
        row = rows.setdefault(key, {"runs": [], "entry": entry})
        row["runs"].append(entry["run"])
    lines = [
        "| notebook | cell | output | kind | runs | files |",
        "|---|---|---|---|---|---|",
    ]
    for (notebook, kind, name), row in sorted(rows.items()):
        entry = row["entry"]
        files = ", ".join(
            sorted({Path(f["path"]).suffix.lstrip(".") for f in entry["files"]})
        )
        lines.append(
            f"| `{Path(notebook).stem}` | {entry['cell']['index']} | `{name}` | {kind} "
            f"| {', '.join(sorted(row['runs']))} | {files} |"
        )
    return "\n".join(lines)


def rewrite(readme: str, table: str) -> str:
    head, rest = readme.split(START, 1)
    _, tail = rest.split(END, 1)
    return f"{head}{START}\n{table}\n{END}{tail}"


def main() -> int:
    manifest_path = ROOT / "reports" / "MANIFEST.json"
    if not manifest_path.is_file():
        print("reports/MANIFEST.json is missing: run `make reproduce` first.", file=sys.stderr)
        return 2
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    readme = ROOT / "README.md"
    readme.write_text(rewrite(readme.read_text(encoding="utf-8"), outputs_table(manifest)))
    print(f"README.md: {len(manifest['outputs'])} outputs listed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
