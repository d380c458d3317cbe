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

import hashlib
import json
from pathlib import Path
from typing import Any

from inertia.errors import InertiaError

#: Suffix and jupytext format of a chapter's source in ``notebooks/``.
SOURCE_SUFFIX = ".py"
SOURCE_FORMAT = "py:percent"
#: File, in the folder given to :func:`parameters_cell`, that remembers each
#: source's parameters cell with the SHA-256 of the bytes it was read from.
PARAMETERS_CACHE = "parameters-cells.json"


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
    given = {cell.metadata.get("id") for cell in nb.cells}
    seen: dict[str, int] = {}
    for index, cell in enumerate(nb.cells):
        cell_id = cell.metadata.pop("id", None)
        where = f"Cell {index} of {path}" + (f" (line {markers[index]})" if markers else "")
        if not isinstance(cell_id, str) or not cell_id:
            free = next(
                f"{path.stem[:2]}-{n:02d}"
                for n in range(index, index + len(given) + 1)
                if f"{path.stem[:2]}-{n:02d}" not in given
            )
            raise InertiaError(
                f"{where} has no id. Give its '# %%' line an id that no other cell "
                f'of the notebook has, e.g. id="{free}"; the manifest cites cells by id, '
                f"so ids must not change from run to run."
            )
        if cell_id in seen:
            raise InertiaError(
                f"{where} has the id {cell_id!r} of cell {seen[cell_id]}; every cell "
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


def parameters_cell(path: Path, cache_dir: Path | None = None) -> str:
    """The source of the one cell tagged ``parameters`` in a chapter's source.

    The runner needs it on every invocation, a no-op rerun included, to know
    which parameters each chapter reads; importing jupytext and nbformat for
    :func:`read_chapter` would take about 1.3 s, three times the whole no-op
    rerun. So the cell is remembered in ``cache_dir`` with the SHA-256 of the
    source's bytes and the jupytext version: after any edit of the source,
    or with another jupytext, the source is read again with
    :func:`read_chapter` (which also checks the cell ids).

    Parameters
    ----------
    path : Path
        The chapter's source, ``notebooks/NN_name.py``.
    cache_dir : Path, optional
        Folder of the runner's state; without it, the source is always read.

    Returns
    -------
    str
        The cell's source.

    Raises
    ------
    InertiaError
        When the source cannot be read as a chapter notebook, or it has no
        cell tagged ``parameters`` or more than one.
    """
    from importlib import metadata

    try:
        content = path.read_bytes()
    except OSError as exc:
        raise InertiaError(f"Notebook source {path} cannot be read: {exc}") from None
    key = f"{hashlib.sha256(content).hexdigest()} jupytext {metadata.version('jupytext')}"
    cache_path = cache_dir / PARAMETERS_CACHE if cache_dir is not None else None
    cache: dict[str, Any] = {}
    if cache_path is not None and cache_path.is_file():
        try:
            cache = json.loads(cache_path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            cache = {}  # a damaged cache is rebuilt, never trusted
        entry = cache.get(str(path)) if isinstance(cache, dict) else None
        if isinstance(entry, dict) and entry.get("key") == key:
            return str(entry["source"])
    cells = [c for c in read_chapter(path).cells if "parameters" in c.metadata.get("tags", [])]
    if len(cells) != 1:
        raise InertiaError(
            f"Notebook {path} must have exactly one cell tagged 'parameters' (found {len(cells)})."
        )
    if cache_path is not None:
        from inertia.io import atomic_write

        # One entry per source: an edited source replaces its old entry.
        cache = (cache if isinstance(cache, dict) else {}) | {
            str(path): {"key": key, "source": cells[0].source}
        }
        body = json.dumps(cache, indent=1, sort_keys=True, ensure_ascii=False) + "\n"
        atomic_write(cache_path, lambda tmp: tmp.write_text(body, encoding="utf-8"))
    return cells[0].source
