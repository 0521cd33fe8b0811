"""PostgreSQL's extended query protocol, which psycopg2 does not use, through libpq.

psycopg2 sends every statement with the simple query protocol, which runs each of
the statements a text holds, one after the other. The extended protocol's Parse
message takes exactly one statement and refuses a text that holds several (`cannot
insert multiple commands into a prepared statement`) before running any of it.
`prepare` sends that message on psycopg2's own connection with libpq's `PQprepare`,
from the libpq psycopg2 itself is linked with, so the statement is then run by name
(`EXECUTE`) through psycopg2 as usual, with its types converted as usual.
"""

import ctypes
import ctypes.util
from pathlib import Path
from typing import Any

import psycopg2
from psycopg2.extensions import encodings

#: `PQresultStatus` of a statement prepared without error.
PGRES_COMMAND_OK = 1


def library_path(package: Path) -> str | None:
    """The libpq beside a psycopg2 wheel's package, else the system's."""
    bundled = sorted((package.parent / "psycopg2_binary.libs").glob("libpq*.so*"))
    return str(bundled[0]) if bundled else ctypes.util.find_library("pq")


def _library() -> Any:
    library = ctypes.CDLL(library_path(Path(psycopg2.__file__).parent))
    library.PQprepare.restype = ctypes.c_void_p
    library.PQprepare.argtypes = [
        ctypes.c_void_p,
        ctypes.c_char_p,
        ctypes.c_char_p,
        ctypes.c_int,
        ctypes.c_void_p,
    ]
    library.PQresultStatus.argtypes = [ctypes.c_void_p]
    library.PQresultErrorMessage.argtypes = [ctypes.c_void_p]
    library.PQresultErrorMessage.restype = ctypes.c_char_p
    library.PQclear.argtypes = [ctypes.c_void_p]
    return library


def prepare(connection: Any, name: str, sql: str) -> str | None:
    """Prepare `sql` as the statement `name` on a psycopg2 connection.

    Returns:
        None, or the server's error in one line (the transaction is then aborted).
    """
    library = _library()
    codec = encodings[connection.encoding]
    result = library.PQprepare(
        connection.pgconn_ptr, name.encode(), sql.encode(codec), 0, None
    )
    try:
        if library.PQresultStatus(result) == PGRES_COMMAND_OK:
            return None
        message = str(library.PQresultErrorMessage(result).decode(codec, "replace"))
        return message.strip().splitlines()[0].removeprefix("ERROR:").strip()
    finally:
        library.PQclear(result)
