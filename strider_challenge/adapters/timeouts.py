"""How long a connection may take to open, and how long a transfer may stand still.

There is no limit on a transfer's total time: a big file over a slow link takes as
long as it takes. What ends a load is *no progress*: a server that does not accept
the connection within `connect` seconds, or that sends (next to) nothing for `read`
seconds, whether it has gone silent or trickles a byte now and then.
"""

import os
from collections.abc import Mapping
from dataclasses import dataclass

from strider_challenge.domain.errors import LoadError

#: The variables that change the defaults (the options --connect-timeout and
#: --read-timeout win over them).
CONNECT_TIMEOUT_ENV, READ_TIMEOUT_ENV = "SCLI_CONNECT_TIMEOUT", "SCLI_READ_TIMEOUT"
#: Seconds to open a connection: a server up and reachable answers in well under a
#: second; 30 s rides out a busy server or a slow VPN, and a dead one fails fast.
DEFAULT_CONNECT = 30.0
#: Seconds without progress before a transfer is given up: five minutes outlasts a
#: server that pauses to compress or page in a big file, and is not a night lost.
DEFAULT_READ = 300.0
#: Fewer bytes than this in `read` seconds is no progress (a trickle keeps a socket
#: alive but never finishes a file: below about 3 bytes/s at the default).
MIN_PROGRESS = 1024


class TimeoutSettingError(LoadError):
    """A timeout variable is not a positive number."""


@dataclass(frozen=True)
class Timeouts:
    """The connect and idle-read timeouts, in seconds."""

    connect: float = DEFAULT_CONNECT
    read: float = DEFAULT_READ

    @classmethod
    def from_environ(cls, environ: Mapping[str, str] | None = None) -> "Timeouts":
        """SCLI_CONNECT_TIMEOUT and SCLI_READ_TIMEOUT, else the defaults.

        Raises:
            TimeoutSettingError: a variable is not a positive number.
        """
        environ = os.environ if environ is None else environ
        return cls(
            connect=_seconds(environ, CONNECT_TIMEOUT_ENV, DEFAULT_CONNECT),
            read=_seconds(environ, READ_TIMEOUT_ENV, DEFAULT_READ),
        )

    def no_connection(self) -> str:
        """Why a connection failed, when it took too long."""
        return f"no connection within {self.connect:g} s (--connect-timeout)"

    def no_progress(self) -> str:
        """Why a transfer failed, when it stood still too long."""
        return (
            f"less than {MIN_PROGRESS:,} bytes in {self.read:g} s, given up "
            "(--read-timeout)"
        )


class StalledError(TimeoutError):
    """A connection or a transfer made no progress in time; the message says which."""


def _seconds(environ: Mapping[str, str], name: str, default: float) -> float:
    text = environ.get(name, "").strip()
    if not text:
        return default
    try:
        value = float(text)
    except ValueError:
        value = 0.0
    if not value > 0:
        raise TimeoutSettingError(
            f"{name}={text!r} is not a positive number of seconds"
        )
    return value
