"""Answers to our reminders in Gmail: the threads the ledger kept, read with threads.get
(format=metadata: headers only, never a body; gmail.readonly or gmail.metadata).

An answer is a message of a reminder's thread that is neither ours (SENT, DRAFT) nor older than
the reminder, and arrived on `since` or later. Calls go through the mailer's pacing and retries;
a thread that is gone (deleted by the owner: 404) has no answers.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from email.utils import parseaddr
from functools import partial
from typing import Any

from followup.adapters.gmail.mailer import GmailMailer
from followup.clock import AMSTERDAM, business_date
from followup.errors import MailerAuthError, MailerError
from followup.model import Reply, SentReminder

HEADERS = ("From", "Subject", "Auto-Submitted", "X-Autoreply", "X-Autorespond", "Precedence")
_OURS = {"SENT", "DRAFT"}


class GmailReplies:
    """Reads answers from one Gmail mailbox (`user`: "me" for the credentials' own user)."""

    def __init__(self, service: Any, mailer: GmailMailer, *, user: str = "me") -> None:
        self._threads = service.users().threads()
        self._mailer = mailer
        self._user = user

    def __repr__(self) -> str:
        return f"GmailReplies(user={self._user!r})"

    def replies(self, division: int, reminders: Sequence[SentReminder], since: date) -> list[Reply]:
        """The answers in the reminders' threads (the newest reminder of a thread counts)."""
        by_thread = {r.thread_id: r for r in sorted(reminders, key=lambda r: r.claimed_at)}
        found: list[Reply] = []
        for thread_id, reminder in by_thread.items():
            if thread_id:
                found.extend(self._answers(thread_id, reminder, since))
        return found

    def _answers(self, thread_id: str, reminder: SentReminder, since: date) -> list[Reply]:
        request = partial(
            self._threads.get,
            userId=self._user,
            id=thread_id,
            format="metadata",
            metadataHeaders=list(HEADERS),
        )
        try:
            thread = self._mailer.read("threads.get", request)
        except MailerError as exc:
            if exc.permanent and not isinstance(exc, MailerAuthError):  # the thread is gone
                return []
            raise
        answers = []
        for message in thread.get("messages", []):
            at = datetime.fromtimestamp(int(message.get("internalDate", "0")) / 1000, AMSTERDAM)
            labels = set(message.get("labelIds", []))
            if labels & _OURS or at <= reminder.claimed_at or business_date(at) < since:
                continue
            headers = [
                (str(h.get("name", "")).lower(), str(h.get("value", "")))
                for h in message.get("payload", {}).get("headers", [])
            ]
            named = dict(headers)
            answers.append(
                Reply(
                    customer=reminder.customer,
                    reminder_to=reminder.recipient,
                    sender=parseaddr(named.get("from", ""))[1],
                    at=at,
                    subject=named.get("subject", ""),
                    headers=tuple(h for h in headers if h[0] not in ("from", "subject")),
                )
            )
        return answers
