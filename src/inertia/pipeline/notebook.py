"""A chapter notebook's source: a jupytext percent-format script, read into a notebook.

Each chapter's single source is ``notebooks/NN_name.py`` in jupytext's
`percent format <https://jupytext.readthedocs.io/en/latest/formats-scripts.html>`_:
a ``# %%`` line opens each cell, ``# %% [markdown]`` a markdown cell. The
runner, the parameter check, the benchmarks and the tests all read it with
:func:`read_chapter`, which turns it into the nbformat notebook papermill
executes.

Every ``# %%`` line carries the cell's id (``id="03-05"``, the notebook's
number and the cell's position when it was written). jupytext keeps it in
the cell metadata; :func:`read_chapter` makes it the notebook cell's id, so
the ids that the manifest cites stay the same from run to run (jupytext
would otherwise draw random ones). The ``parameters`` cell carries
``tags=["parameters"]``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from inertia.errors import InertiaError

#: Suffix and jupytext format of a chapter's source in ``notebooks/``.
SOURCE_SUFFIX = ".py"
SOURCE_FORMAT = "py:percent"


def read_chapter(path: Path) -> Any:
    """Read a chapter's percent-format source into an nbformat notebook.

    Parameters
    ----------
    path : Path
        The chapter's source, ``notebooks/NN_name.py``.

    Returns
    -------
    nbformat.NotebookNode
        The notebook (nbformat 4.5) with the source's cells, each with the id
        given on its ``# %%`` line and its tags; its metadata is the kernel
        spec of the source's header (the jupytext header itself, which only
        describes the text format, is dropped).

    Raises
    ------
    InertiaError
        When the file cannot be read or parsed, or a cell has no id, an id
        nbformat refuses, or an id another cell already has.
    """
    # Imported here: jupytext and nbformat take about 0.3 s to import, and
    # src/inertia stays importable without Jupyter.
    import jupytext
    import nbformat

    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise InertiaError(f"Notebook source {path} cannot be read: {exc}") from None
    try:
        nb = jupytext.reads(text, fmt=SOURCE_FORMAT)
    except Exception as exc:  # jupytext raises several types (YAML header, format errors)
        raise InertiaError(
            f"Notebook source {path} is not a jupytext percent-format notebook: "
            f"{type(exc).__name__}: {exc}"
        ) from None
    nb.metadata.pop("jupytext", None)
    markers = _marker_lines(text)
    if len(markers) != len(nb.cells):  # text before the first '# %%' is a cell too
        markers = []
    seen: dict[str, int] = {}
    for index, cell in enumerate(nb.cells):
        cell_id = cell.metadata.pop("id", None)
        where = f"cell {index} of {path}" + (f" (line {markers[index]})" if markers else "")
        if not isinstance(cell_id, str) or not cell_id:
            raise InertiaError(
                f"The {where} has no id. Give its '# %%' line an id that no other cell "
                f'of the notebook has, e.g. id="{path.stem[:2]}-{index:02d}"; the manifest '
                f"cites cells by id, so ids must not change from run to run."
            )
        if cell_id in seen:
            raise InertiaError(
                f"The {where} has the id {cell_id!r} of cell {seen[cell_id]}; every cell "
                f"needs its own id."
            )
        seen[cell_id] = index
        cell.id = cell_id
    try:
        nbformat.validate(nb)
    except nbformat.ValidationError as exc:
        raise InertiaError(
            f"Notebook source {path} is not a valid notebook: {exc.message}"
        ) from None
    return nb


def _marker_lines(text: str) -> list[int]:
    """Line numbers (1-based) of the ``# %%`` lines, to point error messages at a cell.

    Parameters
    ----------
    text : str
        The percent-format source.

    Returns
    -------
    list of int
        One line number per cell marker, in order.
    """
    return [
        number
        for number, line in enumerate(text.splitlines(), start=1)
        if line == "# %%" or line.startswith("# %% ")
    ]
