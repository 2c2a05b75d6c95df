"""The outbox's records: one JSON line per delivered mail with what its card shows, a file per
day (the Amsterdam day of its Date) in root/.index, so the pages are made without parsing mail.

A record is appended and fsynced before its .eml is written: a crash can leave a record whose
mail was never written (it isn't shown while its file is missing), never a mail without record.
"""

from __future__ import annotations

import contextlib
import email
import email.policy
import json
import os
import re
import shutil
import tempfile
from dataclasses import dataclass
from datetime import UTC, date, datetime
from email.message import EmailMessage
from pathlib import Path

from followup.adapters.outbox_folder.files import append_durably, fsync_directory, reason
from followup.clock import AMSTERDAM
from followup.errors import MailerError
from followup.model import Mode

FOLDERS = {Mode.DRAFT: "drafts", Mode.SEND: "sent"}
RECORDS = ".index"
HEADERS = ("From", "To", "Reply-To", "Bcc", "Subject", "Date")
_DAY_FILE = re.compile(r"(\d{4}-\d{2}-\d{2})\.jsonl")
_MAIL_PATH = re.compile(r"(drafts|sent)/[A-Za-z0-9._-]+\.eml")


@dataclass(frozen=True)
class Entry:
    """One delivered mail as its card shows it."""

    path: str  # relative to the outbox: drafts/<name>.eml or sent/<name>.eml
    mode: Mode
    when: datetime
    headers: dict[str, str]
    html: str | None
    text: str | None

    @property
    def day(self) -> date:
        """The Amsterdam day the mail is dated."""
        return self.when.astimezone(AMSTERDAM).date()

    @classmethod
    def of(cls, message: EmailMessage, mode: Mode, path: str, fallback: datetime) -> Entry:
        """The card of a message (composed, or parsed from its file); `fallback` without Date."""
        return cls(
            path=path,
            mode=mode,
            when=_dated(message) or fallback,
            headers={name: str(message.get(name, "")) for name in HEADERS},
            html=_part(message, "html"),
            text=_part(message, "plain"),
        )

    def line(self) -> bytes:
        """The record: one line of JSON."""
        fields = {
            "path": self.path,
            "mode": self.mode.value,
            "when": self.when.isoformat(),
            "headers": self.headers,
            "html": self.html,
            "text": self.text,
        }
        return json.dumps(fields, ensure_ascii=False).encode("utf-8") + b"\n"

    @classmethod
    def parse(cls, line: bytes) -> Entry | None:
        """A record read back; None for a line a crash tore or anything else unreadable."""
        try:
            fields = json.loads(line)
            when = datetime.fromisoformat(fields["when"])
            entry = cls(
                path=str(fields["path"]),
                mode=Mode(fields["mode"]),
                when=when if when.tzinfo else when.replace(tzinfo=UTC),
                headers={name: str(fields["headers"].get(name, "")) for name in HEADERS},
                html=_text_or_none(fields["html"]),
                text=_text_or_none(fields["text"]),
            )
        except (ValueError, KeyError, TypeError, AttributeError):
            return None
        return entry if _MAIL_PATH.fullmatch(entry.path) else None


class Journal:
    """The records of one outbox, a file per day; `day()` reads one day back."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.folder = root / RECORDS

    def record(self, entry: Entry) -> None:
        """Append an entry to its day's records, durably."""
        append_durably(self.folder / f"{entry.day.isoformat()}.jsonl", entry.line())

    def sizes(self) -> dict[date, int]:
        """Every day with records, and the size of its file (it only grows)."""
        found: dict[date, int] = {}
        try:
            with os.scandir(self.folder) as items:
                for item in items:
                    named = _DAY_FILE.fullmatch(item.name)
                    if named and item.is_file():
                        with contextlib.suppress(ValueError):
                            found[date.fromisoformat(named[1])] = item.stat().st_size
        except FileNotFoundError:
            return {}
        except OSError as exc:
            raise MailerError(f"outbox {self.folder} can't be read: {reason(exc)}") from None
        return found

    def day(self, day: date) -> list[Entry]:
        """A day's mails, newest first: the last record of each file, if the file is there."""
        try:
            data = (self.folder / f"{day.isoformat()}.jsonl").read_bytes()
        except FileNotFoundError:
            return []
        except OSError as exc:
            raise MailerError(f"outbox {self.folder} can't be read: {reason(exc)}") from None
        latest: dict[str, Entry] = {}
        for line in data.splitlines():
            entry = Entry.parse(line)
            if entry is not None:
                latest[entry.path] = entry  # a mail written again: its last record
        found = [e for e in latest.values() if (self.root / e.path).is_file()]
        return sorted(found, key=lambda e: (e.when, e.path), reverse=True)

    def start(self) -> None:
        """Make the records folder; an outbox written before there were records (only .eml
        files) gets its records from those files, once (the folder appears whole, by rename)."""
        if self.folder.is_dir():
            return
        try:
            mails = [(mode, path) for mode in FOLDERS for path in _mails(self.root, mode)]
            if not mails:
                self.folder.mkdir(parents=True, exist_ok=True)
                return
            _import(self.root, mails, self.folder)
        except OSError as exc:
            raise MailerError(f"outbox {self.root} can't be read: {reason(exc)}") from None


def _import(root: Path, mails: list[tuple[Mode, Path]], folder: Path) -> None:
    """Records of existing .eml files, written to a temp folder renamed into place."""
    temp = Path(tempfile.mkdtemp(dir=root, prefix=f"{RECORDS}-import-"))
    try:
        days: set[Path] = set()
        for mode, path in mails:
            stamp = datetime.fromtimestamp(path.stat().st_mtime, UTC)
            parsed = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
            assert isinstance(parsed, EmailMessage)
            entry = Entry.of(parsed, mode, f"{FOLDERS[mode]}/{path.name}", stamp)
            target = temp / f"{entry.day.isoformat()}.jsonl"
            with target.open("ab") as handle:
                handle.write(entry.line())
            days.add(target)
        for target in days:
            with target.open("rb") as handle:
                os.fsync(handle.fileno())
        fsync_directory(temp)
        with contextlib.suppress(OSError):  # another run imported them first: theirs stands
            os.rename(temp, folder)
        fsync_directory(root)
    finally:
        shutil.rmtree(temp, ignore_errors=True)


def _mails(root: Path, mode: Mode) -> list[Path]:
    folder = root / FOLDERS[mode]
    if not folder.is_dir():
        return []
    return [p for p in folder.glob("*.eml") if not p.name.startswith(".") and p.is_file()]


def _dated(message: EmailMessage) -> datetime | None:
    """The message's Date, timezone-aware; None when it has none or it can't be read."""
    with contextlib.suppress(TypeError, ValueError, AttributeError):
        header = message["Date"]
        stamp: datetime | None = header.datetime if header else None
        if stamp is not None:
            return stamp if stamp.tzinfo else stamp.replace(tzinfo=UTC)
    return None


def _part(message: EmailMessage, subtype: str) -> str | None:
    """The decoded text of the message's text/<subtype> body, if it has one; line ends as
    composed (a parsed file's 8bit body has the CRLF of the wire)."""
    body = message.get_body(preferencelist=(subtype,))
    if body is None or body.get_content_subtype() != subtype:
        return None
    try:
        return str(body.get_content()).replace("\r\n", "\n")
    except (LookupError, ValueError):
        return None


def _text_or_none(value: object) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise TypeError("a body is text or null")
    return value
