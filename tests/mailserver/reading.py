"""Reading a test mailbox the way a mail program would: IMAP over TLS, the test CA trusted."""

from __future__ import annotations

import email
import email.policy
import imaplib
import random
import ssl
from collections.abc import Collection
from email.message import EmailMessage

from fakes import FakeClock
from followup.adapters.mailbox.imap import ImapMailbox
from followup.adapters.mailbox.login import MailboxLogin
from followup.adapters.mailbox.smtp_mailer import SmtpImapMailer
from followup.adapters.mailbox.smtp_submission import SmtpSubmission
from followup.model import MailKind
from mailserver.conftest import Mailbox
from mailserver.dovecot import Dovecot
from mailserver.submission_server import SubmissionServer

DOMAIN = "goudencroissant.example.nl"


def folder(
    dovecot: Dovecot, box: Mailbox, name: str, context: ssl.SSLContext
) -> list[EmailMessage]:
    """Every message in one folder of `box`, oldest first, with its flags in X-Flags."""
    with imaplib.IMAP4_SSL("127.0.0.1", dovecot.imaps_port, ssl_context=context) as imap:
        imap.login(box.user, box.password)
        imap.select(f'"{name}"', readonly=True)
        _, found = imap.uid("SEARCH", "ALL")
        messages = []
        for uid in found[0].split():
            _, data = imap.uid("FETCH", uid, "(FLAGS RFC822)")
            head, raw = data[0]  # type: ignore[misc]
            message = email.message_from_bytes(raw, policy=email.policy.default)
            assert isinstance(message, EmailMessage)
            message["X-Flags"] = head.decode().split("FLAGS (", 1)[1].split(")", 1)[0]
            messages.append(message)
        return messages


def password_login(box: Mailbox) -> MailboxLogin:
    """The owner's password login."""
    return MailboxLogin(box.user, "password", lambda: box.password)


def mailer(
    dovecot: Dovecot,
    smtp: SubmissionServer | None,
    login: MailboxLogin,
    context: ssl.SSLContext,
    clock: FakeClock,
    *,
    sending: Collection[MailKind] = (MailKind.CONFIRMATION, MailKind.REMINDER),
    append_sent: bool = False,
    imap_security: str = "tls",
    max_attempts: int = 3,
) -> SmtpImapMailer:
    """The SMTP/IMAP mailer on the test servers, as bootstrap wires it."""
    submission = SmtpSubmission(
        "127.0.0.1",
        smtp.port if smtp else 1,
        smtp.security if smtp else "starttls",
        context,
        login,
        clock,
        timeout=5,
        max_attempts=max_attempts,
        auth_hint="check the password",
        rng=random.Random(1),
    )
    port = dovecot.imaps_port if imap_security == "tls" else dovecot.imap_port
    mailbox = ImapMailbox("127.0.0.1", port, imap_security, context, login, timeout=5)  # type: ignore[arg-type]
    return SmtpImapMailer(
        submission, mailbox, domain=DOMAIN, sending_kinds=sending, append_sent=append_sent,
        sender=login.username,
    )  # fmt: skip
