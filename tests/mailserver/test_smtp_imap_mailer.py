"""The SMTP/IMAP mailer against a real Dovecot (IMAP, LMTP) and a real SMTP submission server
(aiosmtpd): drafts land in Drafts, sent mail arrives with our Message-ID, Bcc stays hidden, the
Sent copy is filed only when the provider keeps none, and every certificate is verified."""

from __future__ import annotations

import ssl
from collections.abc import Iterator
from decimal import Decimal
from email.message import EmailMessage

import pytest

from fakes import FakeClock
from followup.adapters.mailbox.smtp_mailer import message_id_for
from followup.errors import MailerAuthError
from followup.model import Claim, Delivery, MailKind, Mode
from followup.ports import Mailer, Trace
from mailserver.conftest import Mailbox
from mailserver.dovecot import Dovecot
from mailserver.reading import DOMAIN, folder, mailer, password_login
from mailserver.submission_server import SubmissionServer


def message(owner: Mailbox, to: str, subject: str = "Betaling ontvangen") -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = f"Bakkerij <{owner.user}>"
    msg["To"] = f"Anna de Vries <{to}>"
    msg["Bcc"] = "archief@goudencroissant.example.nl"
    msg["Subject"] = subject
    msg["Message-ID"] = "<composer.1234@goudencroissant.example.nl>"
    msg.set_content("Hartelijk dank voor uw betaling.\n")
    return msg


def claim(key: str, to: str, kind: MailKind = MailKind.CONFIRMATION) -> Claim:
    return Claim(key, 100, kind, ("x",), to, "Betaling ontvangen", Decimal(10), "EUR",
                 FakeClock().now(), "run-1")  # fmt: skip


@pytest.fixture
def closing() -> Iterator[list[Mailer]]:
    made: list[Mailer] = []
    yield made
    for made_mailer in made:
        made_mailer.close()  # type: ignore[attr-defined]


def test_a_draft_lands_in_the_folder_flagged_drafts_with_the_keys_message_id(
    dovecot: Dovecot, mailbox: Mailbox, customer: Mailbox, client_context: ssl.SSLContext,
    clock: FakeClock,
) -> None:  # fmt: skip
    m = mailer(dovecot, None, password_login(mailbox), client_context, clock)
    delivery = m.deliver(message(mailbox, customer.user), Mode.DRAFT, "100/confirmation/1001/a")
    m.close()
    [draft] = folder(dovecot, mailbox, "Drafts", client_context)
    assert delivery.mode is Mode.DRAFT
    assert delivery.provider_id == message_id_for("100/confirmation/1001/a", DOMAIN)
    assert draft["Message-ID"] == delivery.provider_id
    assert draft["Bcc"] == "archief@goudencroissant.example.nl"  # the owner sends it later
    assert "\\Draft" in draft["X-Flags"]
    assert folder(dovecot, customer, "INBOX", client_context) == []


def test_a_sent_mail_arrives_with_our_message_id_and_without_its_bcc_header(
    dovecot: Dovecot, mailbox: Mailbox, customer: Mailbox, smtp: SubmissionServer,
    client_context: ssl.SSLContext, clock: FakeClock,
) -> None:  # fmt: skip
    m = mailer(dovecot, smtp, password_login(mailbox), client_context, clock)
    delivery = m.deliver(message(mailbox, customer.user), Mode.SEND, "100/confirmation/1001/b")
    m.close()
    [arrived] = folder(dovecot, customer, "INBOX", client_context)
    assert arrived["Message-ID"] == delivery.provider_id
    assert arrived["Bcc"] is None
    [received] = smtp.state.received
    assert received.recipients == [customer.user, "archief@goudencroissant.example.nl"]
    assert received.sender == mailbox.user
    assert folder(dovecot, mailbox, "Sent", client_context) == []  # this provider keeps none
    assert clock.slept == []


def test_the_sent_copy_is_filed_in_sent_when_the_provider_keeps_none(
    dovecot: Dovecot, mailbox: Mailbox, customer: Mailbox, starttls_smtp: SubmissionServer,
    client_context: ssl.SSLContext, clock: FakeClock,
) -> None:  # fmt: skip
    m = mailer(dovecot, starttls_smtp, password_login(mailbox), client_context, clock,
               append_sent=True)  # fmt: skip
    delivery = m.deliver(message(mailbox, customer.user), Mode.SEND, "k-sent")
    [copy] = folder(dovecot, mailbox, "Sent", client_context)
    assert copy["Message-ID"] == delivery.provider_id
    assert copy["Bcc"] == "archief@goudencroissant.example.nl"
    assert "\\Seen" in copy["X-Flags"]
    assert m.find(claim("k-sent", customer.user)) == Delivery(Mode.SEND, delivery.provider_id)


def test_a_provider_that_keeps_sent_copies_gets_no_second_one_and_find_sees_it(
    dovecot: Dovecot, mailbox: Mailbox, customer: Mailbox, starttls_smtp: SubmissionServer,
    client_context: ssl.SSLContext, clock: FakeClock,
) -> None:  # fmt: skip
    starttls_smtp.state.keep_sent = True
    m = mailer(dovecot, starttls_smtp, password_login(mailbox), client_context, clock)
    delivery = m.deliver(message(mailbox, customer.user), Mode.SEND, "k-kept")
    [copy] = folder(dovecot, mailbox, "Sent", client_context)
    assert copy["Message-ID"] == delivery.provider_id
    assert m.find(claim("k-kept", customer.user)) == Delivery(Mode.SEND, delivery.provider_id)


def test_a_claim_found_nowhere_is_absent_for_a_drafting_kind_and_unknown_for_a_sending_one(
    dovecot: Dovecot, mailbox: Mailbox, client_context: ssl.SSLContext, clock: FakeClock,
) -> None:  # fmt: skip
    m = mailer(dovecot, None, password_login(mailbox), client_context, clock,
               sending={MailKind.REMINDER})  # fmt: skip
    assert m.find(claim("nowhere", "x@example.test", MailKind.CONFIRMATION)) is Trace.ABSENT
    assert m.find(claim("nowhere", "x@example.test", MailKind.REMINDER)) is Trace.UNKNOWN


def test_a_draft_is_found_again_by_its_key(
    dovecot: Dovecot, mailbox: Mailbox, client_context: ssl.SSLContext, clock: FakeClock,
) -> None:  # fmt: skip
    m = mailer(dovecot, None, password_login(mailbox), client_context, clock,
               imap_security="starttls")  # fmt: skip
    delivery = m.deliver(message(mailbox, "anna@example.test"), Mode.DRAFT, "k-draft")
    found = m.find(claim("k-draft", "anna@example.test"))
    assert found == Delivery(Mode.DRAFT, delivery.provider_id)


def test_a_server_certificate_the_client_does_not_trust_stops_the_run(
    dovecot: Dovecot, mailbox: Mailbox, clock: FakeClock
) -> None:
    untrusting = ssl.create_default_context()  # the system's CAs: not the test CA
    m = mailer(dovecot, None, password_login(mailbox), untrusting, clock)
    with pytest.raises(MailerAuthError, match="certificate"):
        m.deliver(message(mailbox, "anna@example.test"), Mode.DRAFT, "k")


def test_a_wrong_imap_password_stops_the_run_without_showing_it(
    dovecot: Dovecot, mailbox: Mailbox, client_context: ssl.SSLContext, clock: FakeClock
) -> None:
    login = password_login(Mailbox(mailbox.user, "wrong-SECRET"))
    m = mailer(dovecot, None, login, client_context, clock)
    with pytest.raises(MailerAuthError) as caught:
        m.deliver(message(mailbox, "anna@example.test"), Mode.DRAFT, "k")
    assert mailbox.user in str(caught.value)
    assert "SECRET" not in str(caught.value)
