"""Which libpq the extended protocol is reached through."""

import ctypes.util
from pathlib import Path

from strider_challenge.adapters.libpq import library_path


def test_the_libpq_bundled_beside_psycopg2_comes_first(tmp_path: Path) -> None:
    package = tmp_path / "psycopg2"
    bundled = tmp_path / "psycopg2_binary.libs" / "libpq-0123abcd.so.5.17"
    package.mkdir()
    bundled.parent.mkdir()
    bundled.write_bytes(b"")

    assert library_path(package) == str(bundled)


def test_without_a_bundled_libpq_the_systems_is_used(tmp_path: Path) -> None:
    assert library_path(tmp_path / "psycopg2") == ctypes.util.find_library("pq")
