"""The settings section `[exact]`: where Exact Online is, the app's client, which divisions."""

from __future__ import annotations

import os
from pathlib import Path

from pydantic import Field, SecretStr, field_validator

from followup.settings.section import Section

SECRET_ENV = "FOLLOWUP_EXACT_CLIENT_SECRET"  # noqa: S105 - the name of a variable, not a secret
EXACT_HOSTS = (
    "start.exactonline.nl",
    "start.exactonline.be",
    "start.exactonline.de",
    "start.exactonline.fr",
    "start.exactonline.es",
    "start.exactonline.co.uk",
    "start.exactonline.com",
)


class Exact(Section):
    """Where Exact Online is and which administrations to read."""

    base_url: str = "https://start.exactonline.nl"
    client_id: str = ""
    client_secret: SecretStr | None = None
    divisions: list[int] = Field(default_factory=list)
    timeout_seconds: float = Field(default=30.0, gt=0, le=300)
    # A demo's state folder (`followup demo` writes it): the built-in sandbox, not Exact Online.
    sandbox: Path | None = None

    @field_validator("base_url")
    @classmethod
    def _known_base(cls, value: str) -> str:
        value = value.rstrip("/")
        local = value.startswith(("http://127.0.0.1", "http://localhost"))
        if not local and not any(value == f"https://{host}" for host in EXACT_HOSTS):
            hosts = ", ".join(f"https://{h}" for h in EXACT_HOSTS)
            raise ValueError(f"must be one of the Exact Online country sites: {hosts}")
        return value

    @field_validator("divisions")
    @classmethod
    def _positive(cls, value: list[int]) -> list[int]:
        if any(d <= 0 for d in value):
            raise ValueError("division numbers are positive integers (see Exact: Administraties)")
        return sorted(set(value))

    def secret(self) -> str:
        """The client secret: the environment wins over the file."""
        from_env = os.environ.get(SECRET_ENV, "")
        if from_env:
            return from_env
        return self.client_secret.get_secret_value() if self.client_secret else ""
