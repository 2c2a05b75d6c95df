"""Mailer into a folder: one .eml per mail in drafts/ or sent/, and pages to read them.

Each delivery appends the mail's record (what its card shows) to the day's records, then writes
the .eml; closing brings the pages up to date from the records of the days that changed
(outbox_index.py), so a run costs its own mails, not the outbox's history.
"""

from __future__ import annotations

import contextlib
import email.policy
import hashlib
import os
import re
from datetime import UTC, datetime
from email.message import EmailMessage
from pathlib import Path
from types import TracebackType

from followup.adapters.outbox_folder import index as outbox_index
from followup.adapters.outbox_folder.files import write_atomically
from followup.adapters.outbox_folder.index import INDEX
from followup.adapters.outbox_folder.records import FOLDERS, Entry, Journal
from followup.errors import MailerError
from followup.model import Claim, Delivery, Mode
from followup.ports import Trace

__all__ = ["FOLDERS", "INDEX", "OutboxMailer", "file_name"]

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def file_name(key: str) -> str:
    """A filesystem-safe name, unique per key: a readable slug plus a short hash of the key."""
    slug = _UNSAFE.sub("-", key).strip("-._")[:80] or "mail"
    return f"{slug}-{hashlib.sha256(key.encode()).hexdigest()[:12]}.eml"


class OutboxMailer:
    """Writes each mail as RFC 5322 bytes, atomically, after its durable record; `close()`
    brings the pages (index.html, days/<day>.html) up to date."""

    def __init__(self, root: str | os.PathLike[str], shown: int = outbox_index.SHOWN) -> None:
        self.root = Path(root)
        self.shown = shown  # mails index.html shows in full (each day's page has all its own)
        self._journal = Journal(self.root)
        self._started = False

    def __repr__(self) -> str:
        return f"OutboxMailer({str(self.root)!r})"

    def __enter__(self) -> OutboxMailer:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if exc is None:
            self.close()
        else:  # the run failed already: keep its error, the index is a convenience
            with contextlib.suppress(MailerError):
                self.close()

    def deliver(self, message: EmailMessage, mode: Mode, key: str) -> Delivery:
        """Record the mail, then write it to drafts/ or sent/ (temp file, fsync, rename)."""
        path = f"{FOLDERS[mode]}/{file_name(key)}"
        data = message.as_bytes(policy=email.policy.SMTP)
        self._start()
        self._journal.record(Entry.of(message, mode, path, datetime.now(UTC)))
        write_atomically(self.root / path, data)
        return Delivery(mode, path)

    def find(self, claim: Claim) -> Delivery | Trace:
        """The file of a claim's key, if a run wrote it; writes are atomic, so no file = none."""
        name = file_name(claim.key)
        try:
            for mode in (Mode.SEND, Mode.DRAFT):
                path = self.root / FOLDERS[mode] / name
                if path.is_file():
                    return Delivery(mode, path.relative_to(self.root).as_posix())
        except OSError:
            return Trace.UNKNOWN
        return Trace.ABSENT

    def close(self) -> None:
        """Bring the pages up to date."""
        self.write_index()

    def write_index(self) -> Path:
        """Bring root/index.html and the day pages up to date with the records; its path.
        Only days with new records are read and written again."""
        self._start()
        return outbox_index.refresh(self._journal, self.shown)

    def _start(self) -> None:
        if not self._started:
            self._journal.start()
            self._started = True
