"""Published files name no folder of the machine that made them.

The runner hands each notebook absolute folders (papermill injects them in
the ``injected-parameters`` cell), the CCSY run reads workbooks from a folder
outside the project, and a warning prints the path of the package that
raised it. Before an executed notebook, its HTML or its provenance is
written, :class:`PathNames` rewrites every such folder to the name it has in
the project's own layout:

=========================================  ==================================
folder on the machine                      published as
=========================================  ==================================
a notebook's private work folder           ``.inertia/work/<run>/<notebook>``
the layout's state folder                  ``.inertia``
the layout's built-data folder             ``data/processed``
the layout's reports folder                ``reports``
the project root                           ``.`` (a path below it: relative)
the ``inertia`` package's own folder       ``src/inertia``
``ccsy_dir`` when outside the project      ``<ccsy_dir>``
the Python environment outside the project ``<python-env>``
the home folder                            ``~``
=========================================  ==================================

The rule depends on the layout's roles only, never on where a run happens
to sit, so two executions into different scratch folders publish the same
bytes (``make verify`` and the determinism test rely on it). The runner's
cache key keeps the real paths: it lives in the state folder, which is never
published.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

#: Output payloads that are binary (base64): never rewritten.
BINARY_MIME_PREFIXES = ("image/png", "image/jpeg", "image/gif", "application/pdf")
#: A folder ends where the next character cannot continue a file name (a full
#: stop ends it when no name character follows: the end of a sentence).
_NAME_GOES_ON = r"[\w\-]|\.[\w\-]"


@dataclass(frozen=True)
class PathNames:
    """Machine folders and the project-relative names published in their place.

    Parameters
    ----------
    pairs : tuple of (str, str)
        Absolute folder and its published name, longest folder first so that
        a folder inside another one gets its own name.
    """

    pairs: tuple[tuple[str, str], ...]

    @classmethod
    def build(cls, folders: Mapping[Path | str, str]) -> PathNames:
        """Names for ``folders``, each taken as given and with symbolic links resolved.

        Parameters
        ----------
        folders : mapping of path to str
            Absolute folder -> published name (``"."`` for the project root).

        Returns
        -------
        PathNames
            The rewriting rule; folders that are the file-system root are
            ignored (they would rewrite every absolute path).
        """
        pairs: dict[str, str] = {}
        for folder, name in folders.items():
            for variant in {os.path.abspath(folder), os.path.realpath(folder)}:
                variant = variant.rstrip("/")
                if variant and variant not in pairs:
                    pairs[variant] = name
        ordered = sorted(pairs.items(), key=lambda pair: (-len(pair[0]), pair[0]))
        return cls(tuple(ordered))

    def _pattern(self) -> re.Pattern[str] | None:
        if not self.pairs:
            return None
        alternatives = "|".join(re.escape(folder) for folder, _ in self.pairs)
        # A path starts where no name character precedes it (not inside a URL's path).
        return re.compile(f"(?<![\\w.\\-])({alternatives})(/|(?!{_NAME_GOES_ON}))")

    def text(self, value: str) -> str:
        """``value`` with every listed folder replaced by its published name.

        Parameters
        ----------
        value : str
            Any text (a cell's source, an output, a JSON string).

        Returns
        -------
        str
            The text; a path below a folder named ``"."`` becomes relative
            (``/root/project/src/x.py`` -> ``src/x.py``).
        """
        pattern = self._pattern()
        if pattern is None or "/" not in value:
            return value
        names = dict(self.pairs)

        def replace(match: re.Match[str]) -> str:
            name = names[match.group(1)]
            if match.group(2) == "/":
                return "" if name == "." else f"{name}/"
            return name

        return pattern.sub(replace, value)

    def value(self, payload: Any) -> Any:
        """A copy of a JSON-like ``payload`` with :meth:`text` applied to every string.

        Dictionary keys are rewritten too (the provenance's inputs are keyed
        by path); the values of binary MIME types are left as they are.

        Parameters
        ----------
        payload : Any
            Nested dicts, lists and scalars.

        Returns
        -------
        Any
            The rewritten copy (plain dicts and lists).
        """
        if isinstance(payload, str):
            return self.text(payload)
        if isinstance(payload, Mapping):
            return {
                self.text(k) if isinstance(k, str) else k: (
                    v
                    if isinstance(k, str) and k.startswith(BINARY_MIME_PREFIXES)
                    else self.value(v)
                )
                for k, v in payload.items()
            }
        if isinstance(payload, list | tuple):
            return [self.value(item) for item in payload]
        return payload

    def notebook(self, nb: Any) -> Any:
        """An nbformat notebook with :meth:`value` applied to its cells and metadata.

        Parameters
        ----------
        nb : nbformat.NotebookNode
            An executed notebook.

        Returns
        -------
        nbformat.NotebookNode
            A new notebook node.
        """
        import nbformat

        return nbformat.from_dict(self.value(nb))


def layout_names(
    root: Path,
    state: Path,
    processed: Path,
    reports: Path,
    *,
    ccsy_dir: str | Path | None = None,
) -> dict[Path, str]:
    """The folders of one layout and the names :class:`PathNames` publishes for them.

    Parameters
    ----------
    root, state, processed, reports : Path
        The project root and the layout's state, built-data and reports folders.
    ccsy_dir : path, optional
        The CCSY run's workbook folder (relative paths are below ``root``).

    Returns
    -------
    dict of Path to str
        Folder -> published name (see the module's table).
    """
    import inertia

    folders: dict[Path, str] = {Path.home(): "~", root: "."}
    # The package imported by the kernel, wherever it is installed (a project
    # run with another root, a non-editable install).
    folders[Path(inertia.__file__).parent] = "src/inertia"
    for prefix in {sys.prefix, sys.exec_prefix}:
        if not _below(Path(prefix), root):
            folders[Path(prefix)] = "<python-env>"
    if ccsy_dir is not None:
        folder = Path(ccsy_dir) if Path(ccsy_dir).is_absolute() else root / ccsy_dir
        if not _below(folder, root):
            folders[folder] = "<ccsy_dir>"
    folders |= {state: ".inertia", processed: "data/processed", reports: "reports"}
    return {folder: name for folder, name in folders.items() if Path(folder).parent != folder}


def _below(path: Path, folder: Path) -> bool:
    """Whether ``path`` is ``folder`` or inside it (symbolic links resolved)."""
    try:
        Path(os.path.realpath(path)).relative_to(os.path.realpath(folder))
    except ValueError:
        return False
    return True
