"""Write chapter notebooks from plain cell lists (kept clean: no outputs, one
``parameters`` cell). Used by the ``scripts/make_*.py`` generators, so a
notebook's source can be reviewed as Python."""

from __future__ import annotations

from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

KERNELSPEC = {"name": "inertia", "display_name": "Python 3.11 (inertia)", "language": "python"}
RUNNER_PARAMETERS = (
    "# Set by the runner; leave as None when working interactively.\n"
    "output_dir = None\n"
    "processed_dir = None\n"
    "run_name = None"
)


def write(path: Path, cells: list[tuple[str, str]]) -> None:
    """``cells`` are ("md" | "code" | "parameters", source) pairs."""
    nb = new_notebook()
    nb.metadata["kernelspec"] = KERNELSPEC
    nb.metadata["language_info"] = {"name": "python"}
    for index, (kind, source) in enumerate(cells):
        source = source.strip("\n")
        if kind == "md":
            cell = new_markdown_cell(source)
        else:
            cell = new_code_cell(source)
            if kind == "parameters":
                cell.metadata["tags"] = ["parameters"]
        cell.id = f"{path.stem[:2]}-{index:02d}"
        nb.cells.append(cell)
    nbformat.validate(nb)
    nbformat.write(nb, path)
