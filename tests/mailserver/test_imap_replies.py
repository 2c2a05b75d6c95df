"""ImapReplies against Dovecot: answers delivered over LMTP into the owner's INBOX are found by
the Message-ID of our reminder in In-Reply-To or References; policy tells a person from an
out-of-office."""

from __future__ import annotations

import ssl
from datetime import date, datetime
from email.message import EmailMessage

from followup.adapters.mailbox.imap import ImapMailbox
from followup.adapters.mailbox.imap_replies import ImapReplies
from followup.adapters.mailbox.smtp_mailer import message_id_for
from followup.clock import AMSTERDAM
from followup.model import SentReminder
from followup.policy.replies import decide
from mailserver.conftest import Mailbox
from mailserver.dovecot import Dovecot
from mailserver.reading import DOMAIN, password_login

CUSTOMER = "anna@croissant.example.nl"
TODAY = datetime.now(AMSTERDAM).date()


def reminder(key: str = "100/reminder/1001/L1/a") -> SentReminder:
    return SentReminder(
        key, "1001", CUSTOMER, date(2026, 11, 10),
        datetime(2026, 11, 10, 9, 0, tzinfo=AMSTERDAM), message_id_for(key, DOMAIN),
    )  # fmt: skip


def answer(to: str, subject: str, **headers: str) -> bytes:
    msg = EmailMessage()
    msg["From"] = f"Anna de Vries <{CUSTOMER}>"
    msg["To"] = to
    msg["Subject"] = subject
    for name, value in headers.items():
        msg[name.replace("_", "-")] = value
    msg.set_content("Ik heb een vraag over de factuur.\n")
    return msg.as_bytes()


def reader(dovecot: Dovecot, box: Mailbox, context: ssl.SSLContext) -> ImapReplies:
    login = password_login(box)
    return ImapReplies(ImapMailbox("127.0.0.1", dovecot.imaps_port, "tls", context, login))


def test_a_reply_naming_our_reminder_in_in_reply_to_is_found_and_pauses(
    dovecot: Dovecot, mailbox: Mailbox, client_context: ssl.SSLContext
) -> None:
    sent = reminder()
    mail = answer(mailbox.user, "Re: Betalingsherinnering F0042", In_Reply_To=sent.provider_id)
    dovecot.deliver([mailbox.user], mail, CUSTOMER)
    dovecot.deliver([mailbox.user], answer(mailbox.user, "Iets anders"), CUSTOMER)

    [found] = reader(dovecot, mailbox, client_context).replies(100, [sent], TODAY)

    assert (found.customer, found.sender, found.reminder_to) == ("1001", CUSTOMER, CUSTOMER)
    assert found.subject == "Re: Betalingsherinnering F0042"
    assert found.at.date() == TODAY
    [decision] = decide([found], 100, 14)
    assert decision.pause is not None


def test_an_out_of_office_naming_our_reminder_in_references_pauses_nothing(
    dovecot: Dovecot, mailbox: Mailbox, client_context: ssl.SSLContext
) -> None:
    sent = reminder("100/reminder/1001/L1/b")
    away = answer(
        mailbox.user, "Automatisch antwoord: Betalingsherinnering",
        References=f"<other@x.example> {sent.provider_id}", Auto_Submitted="auto-replied",
    )  # fmt: skip
    dovecot.deliver([mailbox.user], away, CUSTOMER)

    [found] = reader(dovecot, mailbox, client_context).replies(100, [sent], TODAY)

    assert ("auto-submitted", "auto-replied") in found.headers
    [decision] = decide([found], 100, 14)
    assert decision.pause is None


def test_nothing_arrived_since_is_no_answer(
    dovecot: Dovecot, mailbox: Mailbox, client_context: ssl.SSLContext
) -> None:
    sent = reminder("100/reminder/1001/L1/c")
    dovecot.deliver([mailbox.user], answer(mailbox.user, "Re: x", In_Reply_To=sent.provider_id))
    later = date(TODAY.year + 1, 1, 1)
    assert reader(dovecot, mailbox, client_context).replies(100, [sent], later) == []
