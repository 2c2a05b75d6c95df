"""An accountancy office's settings for the cloud tests: profiles (`[division.N]`) with their own
company and their own outbox folder, and what landed in each outbox."""

from __future__ import annotations

import email
import email.policy
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from cloud.conftest import Site


@dataclass(frozen=True)
class Client:
    """One administration of the office: its company, the mailbox it mails from."""

    division: int
    name: str
    address: str

    def outbox(self, site: Site) -> Path:
        """The profile's own outbox folder."""
        return site.root / f"outbox-{self.division}"


BAKKER = Client(111111, "Bakkerij Jansen B.V.", "administratie@bakkerijjansen.nl")
FIETSEN = Client(222222, "Fietsen de Vries", "boekhouding@fietsendevries.nl")
OFFICE_DIGEST = "overzicht@kantoor-test.nl"


def profile(client: Client, extra: str = "") -> str:
    """The `[division.N]` tables of one administration: its company and its outbox."""
    return f"""
[division.{client.division}.company]
name = "{client.name}"
from_address = "{client.address}"

[division.{client.division}.mail.transport]
backend = "outbox"
path = "outbox-{client.division}"
{extra}
"""


def task(site: Site, division: int, **changes: Any) -> dict[str, Any]:
    """A run_division task's body."""
    body: dict[str, Any] = {
        "date": site.today.isoformat(),
        "division": division,
        "dry_run": False,
        "mode": None,
        "run_id": f"abc123def456-d{division}",
    }
    return {**body, **changes}


def mails(folder: Path, kind: str = "drafts") -> list[EmailMessage]:
    """The mails in an outbox's drafts/ or sent/, parsed."""
    return [
        email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        for path in sorted((folder / kind).glob("*.eml"))
    ]


def text(message: EmailMessage) -> str:
    """A mail's plain-text body."""
    part = message.get_body(("plain",))
    assert part is not None
    return str(part.get_content())
