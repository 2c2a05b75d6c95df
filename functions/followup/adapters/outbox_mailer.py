"""Mailer into a folder: one .eml per mail in drafts/ or sent/, and an index.html to read them."""

from __future__ import annotations

import contextlib
import email
import email.policy
import hashlib
import html
import os
import re
import tempfile
from dataclasses import dataclass
from datetime import UTC, date, datetime
from email.message import EmailMessage
from pathlib import Path
from types import TracebackType

from followup.clock import AMSTERDAM
from followup.errors import MailerError
from followup.model import Claim, Delivery, Mode
from followup.ports import Trace

FOLDERS = {Mode.DRAFT: "drafts", Mode.SEND: "sent"}
INDEX = "index.html"
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def file_name(key: str) -> str:
    """A filesystem-safe name, unique per key: a readable slug plus a short hash of the key."""
    slug = _UNSAFE.sub("-", key).strip("-._")[:80] or "mail"
    return f"{slug}-{hashlib.sha256(key.encode()).hexdigest()[:12]}.eml"


class OutboxMailer:
    """Writes each mail as RFC 5322 bytes, atomically; `close()` writes the preview page."""

    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = Path(root)

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
        """Write the message to drafts/ or sent/ (temp file, fsync, rename): all or nothing."""
        target = self.root / FOLDERS[mode] / file_name(key)
        _write_atomically(target, message.as_bytes(policy=email.policy.SMTP))
        return Delivery(mode, target.relative_to(self.root).as_posix())

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
        """Write the index page."""
        self.write_index()

    def write_index(self) -> Path:
        """Write root/index.html: every message, newest first, as its reader would see it."""
        try:
            entries = [_Entry.read(path, mode) for mode in FOLDERS for path in self._files(mode)]
        except OSError as exc:
            raise MailerError(f"outbox {self.root} can't be read: {_reason(exc)}") from None
        entries.sort(key=lambda e: (e.when, e.path), reverse=True)
        target = self.root / INDEX
        _write_atomically(target, _index_page(entries).encode("utf-8"))
        return target

    def _files(self, mode: Mode) -> list[Path]:
        folder = self.root / FOLDERS[mode]
        if not folder.is_dir():
            return []
        return [p for p in folder.glob("*.eml") if not p.name.startswith(".")]


@dataclass(frozen=True)
class _Entry:
    """One message as the index shows it."""

    path: str
    mode: Mode
    when: datetime
    headers: dict[str, str]
    html: str | None
    text: str | None

    @classmethod
    def read(cls, path: Path, mode: Mode) -> _Entry:
        data = path.read_bytes()
        when = datetime.fromtimestamp(path.stat().st_mtime, UTC)
        message = email.message_from_bytes(data, policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        headers = {
            name: str(message.get(name, ""))
            for name in ("From", "To", "Reply-To", "Bcc", "Subject", "Date")
        }
        with contextlib.suppress(TypeError, ValueError, AttributeError):
            stamp = message["Date"].datetime if message["Date"] else None
            if stamp is not None:
                when = stamp if stamp.tzinfo else stamp.replace(tzinfo=UTC)
        return cls(
            path=path.relative_to(path.parents[1]).as_posix(),
            mode=mode,
            when=when,
            headers=headers,
            html=_part(message, "html"),
            text=_part(message, "plain"),
        )


def _part(message: EmailMessage, subtype: str) -> str | None:
    """The decoded text of the message's text/<subtype> body, if it has one."""
    body = message.get_body(preferencelist=(subtype,))
    if body is None or body.get_content_subtype() != subtype:
        return None
    try:
        return str(body.get_content())
    except (LookupError, ValueError):
        return None


_PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy"
 content="script-src 'none'; object-src 'none'; base-uri 'none'; form-action 'none'">
<title>followup outbox</title>
<style>
body {{ font-family: Arial, sans-serif; margin: 24px; color: #1f2933; background: #f5f7fa; }}
.mail {{ background: #fff; border: 1px solid #d5d9de; margin: 0 0 28px 0; padding: 16px; }}
.mail table {{ border-collapse: collapse; margin: 0 0 12px 0; font-size: 14px; }}
.mail th {{ text-align: left; padding: 2px 14px 2px 0; color: #52606d; vertical-align: top; }}
.mode {{ display: inline-block; padding: 1px 8px; border-radius: 3px; font-size: 12px; }}
.draft {{ background: #fdf3d8; }} .send {{ background: #dcf1e3; }}
iframe {{ width: 100%; height: 560px; border: 1px solid #e4e7eb; resize: vertical; }}
pre {{ white-space: pre-wrap; background: #fafbfc; padding: 12px; border: 1px solid #e4e7eb; }}
h2.day {{ margin: 32px 0 12px 0; border-bottom: 2px solid #d5d9de; }} .count {{ color: #52606d; }}
</style>
</head>
<body>
<h1>Outbox</h1>
<p class="summary">{summary}</p>
{mails}
</body>
</html>
"""


def _index_page(entries: list[_Entry]) -> str:
    """The page: a heading per day (Amsterdam time, newest first), that day's mails under it."""
    drafts = sum(1 for e in entries if e.mode is Mode.DRAFT)
    sent = len(entries) - drafts
    days: dict[date, list[_Entry]] = {}
    for entry in entries:  # newest first already
        days.setdefault(entry.when.astimezone(AMSTERDAM).date(), []).append(entry)
    summary = (
        f"{drafts} draft{'s' if drafts != 1 else ''}, {sent} sent, newest first"
        + (f", over {len(days)} days." if len(days) > 1 else ".")
        if entries
        else "No messages yet."
    )
    sections = [
        f'<h2 class="day" id="{day.isoformat()}">{day:%A} {day.day} {day:%B %Y} '
        f'<span class="count">({len(mails)})</span></h2>\n' + "\n".join(_card(e) for e in mails)
        for day, mails in days.items()
    ]
    return _PAGE.format(summary=summary, mails="\n".join(sections))


def _card(entry: _Entry) -> str:
    esc = html.escape
    label = "draft" if entry.mode is Mode.DRAFT else "sent"
    rows = "\n".join(
        f"<tr><th>{esc(name)}</th><td>{esc(value)}</td></tr>"
        for name, value in entry.headers.items()
        if value
    )
    if entry.html is not None:
        # srcdoc, escaped as an attribute; an empty sandbox: no scripts, forms or navigation.
        view = (
            f'<iframe sandbox="" title="{esc(entry.headers["Subject"])}" '
            f'srcdoc="{esc(entry.html, quote=True)}"></iframe>'
        )
        if entry.text is not None:
            view += f"\n<details><summary>Text part</summary><pre>{esc(entry.text)}</pre></details>"
    else:
        view = f"<pre>{esc(entry.text or '(no text part)')}</pre>"
    return (
        f'<div class="mail">\n<p><span class="mode {entry.mode.value}">{label}</span> '
        f'<a href="{esc(entry.path, quote=True)}">{esc(entry.path)}</a></p>\n'
        f"<table>\n{rows}\n</table>\n{view}\n</div>"
    )


def _write_atomically(target: Path, data: bytes) -> None:
    """Temp file in the target's folder, fsync, rename over the target, fsync the folder."""
    temp: str | None = None
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, temp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, target)
        temp = None
        _fsync_directory(target.parent)
    except OSError as exc:
        raise MailerError(f"outbox: can't write {target}: {_reason(exc)}") from None
    finally:
        if temp is not None:
            with contextlib.suppress(OSError):
                os.unlink(temp)


def _fsync_directory(directory: Path) -> None:
    """Make the rename itself durable (POSIX); not every platform can open a directory."""
    with contextlib.suppress(OSError):
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _reason(exc: OSError) -> str:
    return exc.strerror or type(exc).__name__
