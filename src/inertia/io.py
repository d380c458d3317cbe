"""File hashing and atomic writes: the one home of both for every layer.

Every file the compendium writes (built data, published figures and tables,
the runner's records and caches, harness results) goes through
:func:`atomic_write` or :func:`atomic_write_all`, so a reader never sees a half
written file and a failure leaves the previous version in place. Every file
hash in the manifest and the runner's cache keys is :func:`sha256_file`.

The module sits beside :mod:`inertia.errors` and :mod:`inertia.paths`, below
the layers (docs/design.md, "Layers"): ``data`` writes atomically too, and
``data`` may import nothing above it. It imports only the standard library, so
the runner stays light.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Callable, Mapping
from pathlib import Path

# The process umask, read once (os.umask can only be read by setting it).
_UMASK = os.umask(0)
os.umask(_UMASK)


def sha256_file(path: Path) -> str:
    """Hex SHA-256 of a file's bytes, read in 1 MiB blocks.

    Parameters
    ----------
    path : Path
        The file to hash.

    Returns
    -------
    str
        The 64-character lower-case hex digest.
    """
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _temporary_beside(path: Path) -> Path:
    """A new empty file in ``path``'s folder (same file system, so the rename is atomic)."""
    fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    return Path(name)


def atomic_write(path: Path, write: Callable[[Path], object]) -> None:
    """Call ``write(tmp)`` on a temporary file beside ``path``, then rename it into place.

    Parameters
    ----------
    path : Path
        The file to create or replace; missing parent folders are created.
    write : callable
        Writes the content to the path it is given (e.g.
        ``lambda tmp: frame.to_parquet(tmp)``).

    Returns
    -------
    None
        ``path`` holds the new content, with the ordinary permissions of the
        umask; if ``write`` raises, ``path`` is unchanged and no temporary file
        remains.
    """
    atomic_write_all({Path(path): write})


def atomic_write_all(writers: Mapping[Path, Callable[[Path], object]]) -> None:
    """Write several files, renaming them into place only when every one is written.

    Parameters
    ----------
    writers : mapping
        Target path -> writer, as for :func:`atomic_write`.

    Returns
    -------
    None
        Every target holds its new content. If a writer raises, no target has
        changed and no temporary file remains; the error propagates.
    """
    temporary: dict[Path, Path] = {}
    try:
        for path, write in writers.items():
            path.parent.mkdir(parents=True, exist_ok=True)
            temporary[path] = _temporary_beside(path)
            write(temporary[path])
            # mkstemp creates 0600 files; written outputs are ordinary files.
            os.chmod(temporary[path], 0o666 & ~_UMASK)
        for path, tmp in temporary.items():
            os.replace(tmp, path)
    finally:
        for tmp in temporary.values():
            tmp.unlink(missing_ok=True)
