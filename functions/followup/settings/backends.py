"""The settings sections that say where things live: tokens, ledger, mail, the cloud doors.

Each backend section names itself with `backend`; a section without it is the embedded default.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import EmailStr, Field, field_validator, model_validator

from followup.settings.section import Section

GMAIL_SECRET_ENV = "FOLLOWUP_GMAIL_CLIENT_SECRET"  # noqa: S105 - the name of a variable


class FileTokens(Section):
    """Exact tokens in a local JSON file (the embedded default)."""

    backend: Literal["file"] = "file"
    path: Path = Path("state/exact-tokens.json")


class SqliteLedger(Section):
    """The delivery ledger in a local SQLite file (the embedded default)."""

    backend: Literal["sqlite"] = "sqlite"
    path: Path = Path("state/ledger.sqlite3")


class OutboxMail(Section):
    """Mails written as .eml files to a folder (the embedded default)."""

    backend: Literal["outbox"] = "outbox"
    path: Path = Path("outbox")


class SecretManagerTokens(Section):
    """Exact tokens in a Secret Manager secret; refreshes serialized by a lease in Firestore."""

    backend: Literal["secret_manager"]
    project: str = Field(min_length=1)
    secret: str = Field(default="exact-tokens", min_length=1)  # the secret's name (id)
    lease_collection: str = Field(default="followup_leases", min_length=1)
    database: str = "(default)"  # the Firestore database holding the lease
    lease_seconds: float = Field(default=660.0, ge=600, le=3600)  # above Exact's 570 s wait
    api_endpoint: str | None = None  # e.g. a regional endpoint (tests: http://127.0.0.1:PORT)

    @property
    def secret_name(self) -> str:
        """The secret's resource name."""
        return f"projects/{self.project}/secrets/{self.secret}"


class FirestoreLedger(Section):
    """The delivery ledger, run log and pauses in Firestore."""

    backend: Literal["firestore"]
    project: str = Field(min_length=1)
    database: str = "(default)"
    collection_prefix: str = Field(default="followup_", pattern=r"^[A-Za-z0-9_-]*$")
    retention_days: int = Field(default=400, ge=1, le=3650)  # the TTL field expire_at
    lease_seconds: float = Field(default=1800.0, ge=60, le=3600)  # a crashed run's lock expires
    timeout_seconds: float = Field(default=20.0, gt=0, le=120)  # per call, retries included


class GmailMail(Section):
    """Mails drafted or sent in a Gmail / Google Workspace mailbox."""

    backend: Literal["gmail"]
    user: EmailStr  # the mailbox the mails are drafted in and sent from
    # (a) a user's consent, with the OAuth client: its refresh token in Secret Manager
    # (refresh_token_secret), or without it in the local token file beside the Exact tokens
    # ([tokens] backend = "file": Gmail from cron, no Google Cloud)
    project: str = ""  # the project holding the secrets
    refresh_token_secret: str = ""
    client_id: str = ""
    client_secret_secret: str = ""  # else the environment variable FOLLOWUP_GMAIL_CLIENT_SECRET
    # (b) Workspace domain-wide delegation: the service account that impersonates `user`
    delegation: EmailStr | None = None
    reconcile: bool = False  # adds gmail.readonly: crashed sends are looked up in Sent
    units_per_second: float = Field(default=200.0, gt=0, le=250)  # Gmail allows 250 per user
    max_attempts: int = Field(default=5, ge=1, le=10)
    timeout_seconds: float = Field(default=30.0, gt=0, le=300)
    token_uri: str = "https://oauth2.googleapis.com/token"  # noqa: S105 - a URL
    auth_uri: str = "https://accounts.google.com/o/oauth2/auth"  # the consent screen
    api_endpoint: str | None = None  # tests: http://127.0.0.1:PORT/
    secret_manager_endpoint: str | None = None  # as [tokens] api_endpoint, for these secrets

    @model_validator(mode="after")
    def _one_credential(self) -> GmailMail:
        if self.delegation and self.refresh_token_secret:
            raise ValueError(
                "set either refresh_token_secret (a user's consent kept in Secret Manager) or "
                "delegation (a service account with domain-wide delegation), not both"
            )
        if not self.delegation and not self.client_id:
            raise ValueError(
                "client_id: missing value (the OAuth client's id; or delegation: a service "
                "account with domain-wide delegation)"
            )
        if self.refresh_token_secret and not (self.project and self.client_id):
            raise ValueError("refresh_token_secret needs project and client_id as well")
        return self


class CloudTasks(Section):
    """The fan-out: one Cloud Tasks task per division to the run_division function (OIDC)."""

    project: str = Field(min_length=1)
    location: str = Field(min_length=1)  # the queue's region
    queue: str = Field(default="followup-divisions", min_length=1)
    url: str = Field(min_length=1)  # the run_division function's URL
    service_account: EmailStr  # whose OIDC token the task carries (run.invoker on run_division)
    audience: str = ""  # the token's audience; default: the url
    dispatch_deadline_seconds: int = Field(default=1800, ge=15, le=1800)
    timeout_seconds: float = Field(default=30.0, gt=0, le=300)  # per task created, retries included
    # An office's overview (its [digest]) goes this long after the fan-out, once the divisions ran.
    overview_after_minutes: int = Field(default=30, ge=1, le=720)
    api_endpoint: str | None = None  # tests: http://127.0.0.1:PORT

    @field_validator("url")
    @classmethod
    def _https(cls, value: str) -> str:
        if not value.startswith(("https://", "http://127.0.0.1", "http://localhost")):
            raise ValueError("must start with https://")
        return value

    @property
    def queue_path(self) -> str:
        """The queue's resource name."""
        return f"projects/{self.project}/locations/{self.location}/queues/{self.queue}"


class Cloud(Section):
    """The HTTP entry points on Google Cloud."""

    max_backdate_days: int = Field(default=7, ge=0, le=366)  # how far back a manual run may go
    # A scheduler call whose invocation died is taken over by a retry after this (> the timeout).
    trigger_lease_seconds: float = Field(default=1860.0, ge=60, le=7200)
    tasks: CloudTasks | None = None  # absent: every division runs inline, in one invocation
