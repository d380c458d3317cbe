"""``inertia.io``: file hashes against the published SHA-256 test vector, atomic writes."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from inertia.io import atomic_write, atomic_write_all, sha256_file

# FIPS 180-2, appendix B.1: SHA-256("abc").
ABC_SHA256 = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"


def test_sha256_file_matches_the_fips_test_vector(tmp_path: Path) -> None:
    path = tmp_path / "abc.txt"
    path.write_bytes(b"abc")
    assert sha256_file(path) == ABC_SHA256


def test_sha256_file_reads_past_one_block(tmp_path: Path) -> None:
    """A file longer than the 1 MiB read block hashes as its whole bytes (hashlib oracle)."""
    import hashlib

    body = bytes(range(256)) * ((1 << 20) // 256 * 3 + 7)
    path = tmp_path / "big.bin"
    path.write_bytes(body)
    assert sha256_file(path) == hashlib.sha256(body).hexdigest()


def test_atomic_write_creates_parents_with_ordinary_permissions(tmp_path: Path) -> None:
    path = tmp_path / "a" / "b" / "out.txt"
    atomic_write(path, lambda tmp: tmp.write_text("x", encoding="utf-8"))
    assert path.read_text(encoding="utf-8") == "x"
    umask = os.umask(0)
    os.umask(umask)
    assert stat.S_IMODE(path.stat().st_mode) == 0o666 & ~umask
    assert [p.name for p in path.parent.iterdir()] == ["out.txt"]


def test_a_failed_write_leaves_the_old_file_and_no_temporary(tmp_path: Path) -> None:
    path = tmp_path / "out.txt"
    path.write_text("old", encoding="utf-8")

    def half_then_fail(tmp: Path) -> None:
        tmp.write_text("half", encoding="utf-8")
        raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        atomic_write(path, half_then_fail)
    assert path.read_text(encoding="utf-8") == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["out.txt"]


def test_atomic_write_all_replaces_nothing_when_one_writer_fails(tmp_path: Path) -> None:
    first, second = tmp_path / "first.txt", tmp_path / "second.txt"
    first.write_text("old first", encoding="utf-8")

    def fail(tmp: Path) -> None:
        raise OSError("no space")

    with pytest.raises(OSError, match="no space"):
        atomic_write_all(
            {first: lambda tmp: tmp.write_text("new first", encoding="utf-8"), second: fail}
        )
    assert first.read_text(encoding="utf-8") == "old first"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["first.txt"]

    atomic_write_all(
        {
            first: lambda tmp: tmp.write_text("new first", encoding="utf-8"),
            second: lambda tmp: tmp.write_text("new second", encoding="utf-8"),
        }
    )
    assert first.read_text(encoding="utf-8") == "new first"
    assert second.read_text(encoding="utf-8") == "new second"
