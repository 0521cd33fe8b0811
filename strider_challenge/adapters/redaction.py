"""Secrets out of every message and out of the ledger: one `redact` for all of them.

A URL may carry a password (`scheme://user:password@host`) and a signed URL carries
its signature or token in the query string. Both are shown as `***`, whether the URL
parses or not: a password with an unencoded `/`, `#`, `?` or `@` breaks every URL
parser, so the user info is found by the last `@` of the URL instead.
"""

import os
import re
from collections.abc import Iterable, Mapping
from urllib.parse import quote, unquote

#: What a secret is shown as.
MASK = "***"
#: Query parameters that carry a secret, whatever their case.
SECRET_PARAMS = (
    "token",
    "access_token",
    "sig",
    "signature",
    "X-Amz-Signature",
    "X-Amz-Credential",
    "X-Amz-Security-Token",
)
#: More secret query parameters, comma-separated.
SECRET_PARAMS_ENV = "SCLI_SECRET_PARAMS"

# A URL's scheme and what follows it up to the end of the word: the user info is
# everything before its last `@`, the password what follows the first `:` in it.
_URL = re.compile(r"(?P<scheme>\b[A-Za-z][A-Za-z0-9+.-]*://)(?P<rest>[^\s'\"<>]*)")


def secret_params(environ: Mapping[str, str] | None = None) -> tuple[str, ...]:
    """The built-in secret parameters and those named in SCLI_SECRET_PARAMS."""
    extra = (os.environ if environ is None else environ).get(SECRET_PARAMS_ENV, "")
    return SECRET_PARAMS + tuple(n.strip() for n in extra.split(",") if n.strip())


def redact(
    text: str,
    *,
    secrets: Iterable[str | None] = (),
    environ: Mapping[str, str] | None = None,
) -> str:
    """`text` with every URL's password and secret query parameters shown as `***`.

    Args:
        text: a message, or a URL, parsable or not.
        secrets: strings known to be secret (a password), masked wherever they occur,
            should a library have quoted one.
        environ: where SCLI_SECRET_PARAMS is read; default: the process environment.
    """
    names = "|".join(re.escape(name) for name in secret_params(environ))
    # A value ends at the next parameter, or at a colon that ends the URL in a
    # message ("...?sig=abc: connection refused").
    params = re.compile(rf"(?i)([?&;](?:{names})=)(?:[^&;#\s'\":]|:(?!\s|$))*")

    def one_url(match: re.Match[str]) -> str:
        rest = match["rest"]
        userinfo, host = _split_userinfo(rest)
        if userinfo is not None and ":" in userinfo:
            rest = f"{userinfo.partition(':')[0]}:{MASK}@{host}"
        return params.sub(rf"\1{MASK}", match["scheme"] + rest)

    redacted = _URL.sub(one_url, text)
    for secret in secrets:
        if secret:
            redacted = redacted.replace(secret, MASK)
    return redacted


def encode_userinfo(url: str) -> str:
    """The URL with its user and password percent-encoded, so that parsers split it.

    A password typed with a raw `/`, `#`, `?` or `@` is taken up to the URL's last
    `@`; one already encoded stays as it is.
    """
    scheme, separator, rest = url.partition("://")
    userinfo, host = _split_userinfo(rest)
    if not separator or userinfo is None:
        return url
    user, colon, password = userinfo.partition(":")
    encoded = _encoded(user) + (colon + _encoded(password) if colon else "")
    return f"{scheme}://{encoded}@{host}"


def _split_userinfo(rest: str) -> tuple[str | None, str]:
    """The user info of what follows `scheme://`, up to its last `@`, and the rest.

    An `@` in the query string (`?email=a@b`) is not the end of a user info: one
    with `=` or `&` in it is taken for a query.
    """
    userinfo, at, host = rest.rpartition("@")
    if not at or "=" in userinfo or "&" in userinfo:
        return None, rest
    return userinfo, host


def _encoded(part: str) -> str:
    return quote(unquote(part), safe="")
