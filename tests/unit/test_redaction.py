"""One redaction for every message and the ledger: user info and secret parameters."""

import pytest

from strider_challenge.adapters.redaction import encode_userinfo, redact


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("postgresql://u:SECRETPW@h/x", "postgresql://u:***@h/x"),
        ("ftp://u:S3c/r3tPW@h:21/x.csv", "ftp://u:***@h:21/x.csv"),
        ("'ftp://u:a@b#c?d@h/x' failed", "'ftp://u:***@h/x' failed"),
        ("ftp://u@h/x", "ftp://u@h/x"),
        ("http://h/p?e=a@b.org&sig=1", "http://h/p?e=a@b.org&sig=***"),
        ("http://h/p?SIGNATURE=1;x=2", "http://h/p?SIGNATURE=***;x=2"),
        (
            "see http://h:99999/p?access_token=z now",
            "see http://h:99999/p?access_token=*** now",
        ),
        ("no url here, token=abc", "no url here, token=abc"),
        (
            "cannot read http://h/?sig=a:b: refused",
            "cannot read http://h/?sig=***: refused",
        ),
    ],
)
def test_redact_masks_user_info_and_secret_parameters(text: str, shown: str) -> None:
    assert redact(text, environ={}) == shown


def test_redact_masks_a_known_secret_anywhere_and_reads_the_extra_names() -> None:
    assert redact('host "RET@h"', secrets=["RET", None], environ={}) == 'host "***@h"'
    assert redact("http://h/?k=1", environ={"SCLI_SECRET_PARAMS": "k"}) == (
        "http://h/?k=***"
    )


@pytest.mark.parametrize(
    ("url", "encoded"),
    [
        ("ftp://u:S3c/r3t@h/x", "ftp://u:S3c%2Fr3t@h/x"),
        ("postgresql://u:a%2Fb@h/x", "postgresql://u:a%2Fb@h/x"),
        ("postgresql://u@h/x", "postgresql://u@h/x"),
        ("http://h/p?e=a@b", "http://h/p?e=a@b"),
        ("sqlite:///x.db", "sqlite:///x.db"),
    ],
)
def test_user_info_is_encoded_so_that_parsers_cut_the_url_right(
    url: str, encoded: str
) -> None:
    assert encode_userinfo(url) == encoded
