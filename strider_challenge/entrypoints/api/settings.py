"""The API's settings, read once from the environment when the server starts."""

from collections.abc import Mapping

from pydantic import BaseModel, SecretStr

#: The variable that holds the token every request but /healthz must carry.
TOKEN_ENV = "SCLI_API_TOKEN"
#: The variable that caps a PUT's body, in MiB.
MAX_BODY_ENV = "SCLI_API_MAX_BODY_MB"
#: The cap when the variable is not set.
DEFAULT_MAX_BODY_MB = 1024


class SettingsError(ValueError):
    """The environment does not let the server start; the message says why."""


class ApiSettings(BaseModel):
    """What the API needs: the database, the token, the largest body it takes."""

    database_url: str
    token: SecretStr
    max_body_bytes: int = DEFAULT_MAX_BODY_MB << 20

    @classmethod
    def from_environ(
        cls, environ: Mapping[str, str], *, database_url: str
    ) -> "ApiSettings":
        """The settings from SCLI_API_TOKEN and SCLI_API_MAX_BODY_MB.

        Raises:
            SettingsError: the token is missing or empty, or the cap is not a
                positive number.
        """
        token = environ.get(TOKEN_ENV, "")
        if not token.strip():
            raise SettingsError(
                f"{TOKEN_ENV} is not set: the API serves only requests that carry "
                f"its token (Authorization: Bearer ${TOKEN_ENV})"
            )
        text = environ.get(MAX_BODY_ENV, str(DEFAULT_MAX_BODY_MB))
        try:
            megabytes = float(text)
        except ValueError:
            megabytes = 0.0
        if not 0 < megabytes < float("inf"):
            raise SettingsError(
                f"{MAX_BODY_ENV} is {text!r}: give the largest body in MiB, e.g. 1024"
            )
        return cls(
            database_url=database_url,
            token=SecretStr(token),
            max_body_bytes=int(megabytes * (1 << 20)),
        )
