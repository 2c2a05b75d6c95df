"""Rendered text → an RFC 5322 message: headers that data from Exact can't break, text + HTML."""

from __future__ import annotations

import email.errors
import hashlib
import re
import unicodedata
from collections.abc import Sequence
from datetime import datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

from followup.errors import MailerError

_SPACE_RUNS = re.compile(r"\s+")
_DOMAIN = re.compile(
    r"^[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+$"
)
# Bidirectional overrides can make a name read differently from what it is.
_BIDI = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
# RFC 5322 allows no line over 998 octets and a header can only be folded between words: a name
# or subject from Exact with one endless word is cut (with an ellipsis) well before that.
NAME_MAX = 100  # display names (From, To, Reply-To) and attachment file names, in characters
SUBJECT_MAX = 200
_LOCAL_MAX, _ADDRESS_MAX = 64, 254  # RFC 5321: the longest local part and whole address


def one_line(text: str) -> str:
    """Control characters (CR, LF, tab, NUL …) and line separators become spaces, runs collapse."""
    cleaned = "".join(
        " " if unicodedata.category(ch) in ("Cc", "Zl", "Zp") or ch in _BIDI else ch for ch in text
    )
    return _SPACE_RUNS.sub(" ", cleaned).strip()


def shortened(text: str, limit: int) -> str:
    """`text` on one line, at most `limit` characters: a longer one is cut and ends in '…'."""
    line = one_line(text)
    return line if len(line) <= limit else line[: limit - 1].rstrip() + "…"


def mailbox(name: str, address: str) -> Address:
    """A display name and address as a header value; an unusable address is a permanent error."""
    addr = one_line(address)
    local, _, domain = addr.rpartition("@")
    try:
        if not domain.isascii():
            domain = domain.encode("idna").decode("ascii")
        if not local or not _DOMAIN.match(domain):
            raise ValueError("expected one address like name@example.nl")
        if len(local) > _LOCAL_MAX or len(local) + 1 + len(domain) > _ADDRESS_MAX:
            raise ValueError("longer than an e-mail address can be")
        # Parsing addr_spec (rather than passing the parts) refuses lists, spaces and other junk.
        return Address(display_name=shortened(name, NAME_MAX), addr_spec=f"{local}@{domain}")
    except (ValueError, UnicodeError, IndexError, email.errors.MessageError) as exc:
        shown = shortened(addr, NAME_MAX)
        raise MailerError(f"invalid e-mail address {shown!r}: {exc}", permanent=True) from None


def attachment_name(name: str) -> str:
    """A PDF file name a mail client shows as is: one line, no folders, ending in .pdf."""
    base = one_line(name).replace("/", "-").replace("\\", "-").strip(" .")
    base = base or "invoice"
    base = base if base.lower().endswith(".pdf") else f"{base}.pdf"
    return base if len(base) <= NAME_MAX else f"{shortened(base[:-4], NAME_MAX - 4)}.pdf"


def build_message(
    *,
    sender: Address,
    to: Address,
    subject: str,
    text: str,
    html: str | None,
    now: datetime,
    key: str = "",
    reply_to: Address | None = None,
    bcc: Address | None = None,
    attachments: Sequence[tuple[str, bytes]] = (),
) -> EmailMessage:
    """The whole message: From/To/Reply-To/Bcc/Subject/Date/Message-ID, text, HTML, PDFs.

    No header line can pass RFC 5322's 998 octets: names and the subject are `shortened`.
    """
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    if reply_to is not None:
        message["Reply-To"] = reply_to
    if bcc is not None:
        message["Bcc"] = bcc
    message["Subject"] = shortened(subject, SUBJECT_MAX)
    message["Date"] = format_datetime(now)
    # The key's hash in the Message-ID lets an operator find a mail by its ledger key,
    # without showing the customer our internal ids.
    tag = hashlib.sha256(key.encode()).hexdigest()[:12] if key else None
    message["Message-ID"] = make_msgid(idstring=tag, domain=sender.domain)
    message.set_content(text, cte="quoted-printable")
    if html is not None:
        message.add_alternative(html, subtype="html", cte="quoted-printable")
    for name, data in attachments:
        if not data.startswith(b"%PDF-"):
            raise MailerError(f"attachment {name!r} is not a PDF")
        message.add_attachment(
            data, maintype="application", subtype="pdf", filename=attachment_name(name)
        )
    return message
