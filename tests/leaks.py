"""The secrets the tests put in URLs, and the check that no output of scli shows one.

`tests/conftest.py` runs the check on every `CliRunner` result of every test; the
tests of the redaction run it on their subprocesses' output too.
"""

from collections.abc import Iterable

#: Every password, token and signature a test hands to scli (see tests/servers.py's
#: FTP_PASSWORD too). None may appear in what scli prints.
TEST_SECRETS = (
    "s3cret-Pa55",
    "SECRETPW",
    "S3c/r3tPW",
    "r3tPW",
    "tok-7f3a9",
    "sig-88c1",
)


def leaks(outputs: Iterable[str], secrets: Iterable[str] = TEST_SECRETS) -> list[str]:
    """The secrets found in `outputs`, each once, in the order of `secrets`."""
    text = "\n".join(outputs)
    return [secret for secret in secrets if secret in text]
