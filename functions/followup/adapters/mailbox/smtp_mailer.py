"""Mailer on any provider's mailbox: drafts by IMAP APPEND to Drafts, sends by SMTP submission
(and files a copy in Sent when the provider keeps none: `append_sent`).

Exactly once over a protocol without an idempotency key: every mail gets a Message-ID made
from its ledger key (`<fu.HASH@domain>`); SMTP keeps it, and IMAP APPEND stores it. A
claim a crashed run left without outcome (`find`) is looked up by that Message-ID in Sent and
in Drafts: found → delivered (recorded, not repeated). Not found: a mail kind that only drafts
was provably never stored (APPEND is all or nothing), so it is planned again; a kind that may
send can't be told apart from a mail the server took while the run died, so it is "uncertain:
check Sent", never sent again automatically. A mailbox that can't be searched right now
raises: the claim stays open for the next run rather than being judged on no evidence.
"""

from __future__ import annotations

import copy
import email.policy
import hashlib
import logging
from collections.abc import Collection
from email.message import EmailMessage
from email.utils import getaddresses

from followup.adapters.mailbox.imap import DRAFT_FLAGS, SENT_FLAGS, ImapMailbox
from followup.adapters.mailbox.smtp_submission import SmtpSubmission
from followup.errors import DeliveryUncertain, FollowupError, MailerError
from followup.model import Claim, Delivery, MailKind, Mode
from followup.ports import Trace

log = logging.getLogger(__name__)


def message_id_for(key: str, domain: str) -> str:
    """The Message-ID of the mail of a ledger key: the same for every attempt at it (80 bits
    of the key's hash: short enough that the header is not folded for domains up to 40)."""
    return f"<fu.{hashlib.sha256(key.encode()).hexdigest()[:20]}@{domain}>"


class SmtpImapMailer:
    """Delivers through one mailbox: IMAP for drafts and lookups, SMTP for sending."""

    def __init__(
        self,
        submission: SmtpSubmission,
        mailbox: ImapMailbox,
        *,
        domain: str,
        sending_kinds: Collection[MailKind],
        append_sent: bool = False,
        sender: str = "",
    ) -> None:
        self._smtp = submission
        self._imap = mailbox
        self._domain = domain
        self._sending = frozenset(sending_kinds)
        self._append_sent = append_sent
        self._sender = sender

    def __repr__(self) -> str:
        return f"SmtpImapMailer({self._smtp!r}, {self._imap!r}, append_sent={self._append_sent})"

    def deliver(self, message: EmailMessage, mode: Mode, key: str) -> Delivery:
        """Append to Drafts, or submit by SMTP (then file in Sent when asked)."""
        message_id = message_id_for(key, self._domain)
        del message["Message-ID"]
        message["Message-ID"] = message_id
        whole = message.as_bytes(policy=email.policy.SMTP)
        if mode is Mode.DRAFT:
            uid = self._imap.append(self._imap.folders().drafts, whole, DRAFT_FLAGS)
            return Delivery(Mode.DRAFT, message_id, uid or None)
        sent = copy.copy(message)
        del sent["Bcc"]
        shown = _addresses(message, "To", "Cc")
        hidden = [a for a in _addresses(message, "Bcc") if a not in shown]
        if not shown:
            raise MailerError("the mail has no recipient", permanent=True)
        sender = _addresses(message, "Sender", "From")[:1] or [self._sender]
        self._smtp.send(
            sent.as_bytes(policy=email.policy.SMTP), sender[0], [*shown, *hidden], hidden
        )
        if self._append_sent:
            self._file_in_sent(whole, message_id)
        return Delivery(Mode.SEND, message_id)

    def _file_in_sent(self, whole: bytes, message_id: str) -> None:
        """The sent copy; the mail went out whatever happens here, so a failure only warns."""
        try:
            self._imap.append(self._imap.folders().sent, whole, SENT_FLAGS)
        except (FollowupError, DeliveryUncertain) as exc:
            log.warning("sent %s, but its copy could not be filed in Sent: %s", message_id, exc)

    def find(self, claim: Claim) -> Delivery | Trace:
        """Where a claim's mail went, by its Message-ID (see the module docstring)."""
        message_id = message_id_for(claim.key, self._domain)
        folders = self._imap.folders()
        if self._imap.search(folders.sent, message_id):
            return Delivery(Mode.SEND, message_id)
        if self._imap.search(folders.drafts, message_id):
            return Delivery(Mode.DRAFT, message_id)
        return Trace.UNKNOWN if claim.kind in self._sending else Trace.ABSENT

    @property
    def mailbox(self) -> ImapMailbox:
        """The IMAP mailbox it files into (imap_replies.py reads its INBOX)."""
        return self._imap

    def close(self) -> None:
        """Log out of the mailbox."""
        self._imap.close()


def _addresses(message: EmailMessage, *headers: str) -> list[str]:
    values = [str(v) for h in headers for v in message.get_all(h, [])]
    found: list[str] = []
    for _, address in getaddresses(values):
        if address and address not in found:
            found.append(address)
    return found
