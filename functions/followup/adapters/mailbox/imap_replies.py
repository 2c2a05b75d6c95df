"""Answers to our reminders over IMAP: messages in INBOX whose `In-Reply-To` or `References`
names a reminder's Message-ID (the SMTP mailer makes it from the ledger key and keeps it as the
provider id), arrived on `since` or later. Headers only (BODY.PEEK: nothing is marked read).
"""

from __future__ import annotations

import email
import email.policy
import imaplib
import re
from collections.abc import Sequence
from datetime import date, datetime
from email.utils import parseaddr
from typing import Any

from followup.adapters.mailbox.imap import ImapMailbox
from followup.clock import AMSTERDAM
from followup.model import Reply, SentReminder

HEADERS = "FROM SUBJECT IN-REPLY-TO REFERENCES AUTO-SUBMITTED X-AUTOREPLY X-AUTORESPOND PRECEDENCE"
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_INTERNALDATE = re.compile(rb'INTERNALDATE "([^"]+)"')
_IDS = re.compile(r"<[^<>\s]+>")


class ImapReplies:
    """Reads answers from the INBOX of one mailbox (the mailer's own connection)."""

    def __init__(self, mailbox: ImapMailbox, *, inbox: str = "INBOX") -> None:
        self._imap = mailbox
        self._inbox = inbox

    def __repr__(self) -> str:
        return f"ImapReplies({self._imap!r})"

    def replies(self, division: int, reminders: Sequence[SentReminder], since: date) -> list[Reply]:
        """The answers to these reminders in INBOX (by Message-ID, In-Reply-To first)."""
        ours = {r.provider_id: r for r in reminders if r.provider_id.startswith("<")}
        if not ours:
            return []
        day = f"{since.day}-{_MONTHS[since.month - 1]}-{since.year}"

        def search(imap: imaplib.IMAP4) -> list[Any]:
            _ok(imap.select(f'"{self._inbox}"', readonly=True))
            uids: set[bytes] = set()
            for message_id in ours:
                found = _ok(imap.uid(
                    "SEARCH", "SINCE", day, "OR", "HEADER", "In-Reply-To", f'"{message_id}"',
                    "HEADER", "References", f'"{message_id}"',
                ))  # fmt: skip
                uids.update(uid for part in found if part for uid in part.split())
            if not uids:
                return []
            wanted = b",".join(sorted(uids, key=int)).decode()
            fields = f"(INTERNALDATE BODY.PEEK[HEADER.FIELDS ({HEADERS})])"
            return _ok(imap.uid("FETCH", wanted, fields))

        answers = []
        for item in self._imap.read(f"SEARCH in {self._inbox}", search):
            if not isinstance(item, tuple):
                continue
            reply = _reply(item[0], item[1], ours)
            if reply is not None:
                answers.append(reply)
        return answers


def _reply(head: bytes, raw: bytes, ours: dict[str, SentReminder]) -> Reply | None:
    message = email.message_from_bytes(raw, policy=email.policy.default)
    named = [*_IDS.findall(str(message.get("In-Reply-To", ""))),
             *reversed(_IDS.findall(str(message.get("References", ""))))]  # fmt: skip
    reminder = next((ours[m] for m in named if m in ours), None)
    found = _INTERNALDATE.search(head)
    if reminder is None or found is None:
        return None
    at = datetime.strptime(found.group(1).decode(), "%d-%b-%Y %H:%M:%S %z").astimezone(AMSTERDAM)
    skip = {"from", "subject", "in-reply-to", "references"}
    return Reply(
        customer=reminder.customer,
        reminder_to=reminder.recipient,
        sender=parseaddr(str(message.get("From", "")))[1],
        at=at,
        subject=" ".join(str(message.get("Subject", "")).split()),
        headers=tuple((k.lower(), str(v)) for k, v in message.items() if k.lower() not in skip),
    )


def _ok(result: tuple[str, list[Any]]) -> list[Any]:
    status, data = result
    if status != "OK":
        raise imaplib.IMAP4.error(f"{status} {data!r}"[:200])
    return data
