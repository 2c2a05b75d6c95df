"""What the SMTP server answers, and what followup makes of it, against the real submission
server: 4xx is retried with backoff on the clock, a refused recipient or message is a permanent
failure of that mail only, a refused BCC is not, a refused login or sender stops the run, a
server out of reach fails the rest of the run at once, and no password shows anywhere."""

from __future__ import annotations

import ssl
from email.message import EmailMessage

import pytest

from fakes import FakeClock
from followup.errors import MailerAuthError, MailerError
from followup.model import Mode
from mailserver.conftest import Mailbox
from mailserver.dovecot import Dovecot
from mailserver.reading import folder, mailer, password_login
from mailserver.submission_server import SubmissionServer

ARCHIVE = "archief@goudencroissant.example.nl"


def message(owner: Mailbox, to: str) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = owner.user
    msg["To"] = to
    msg["Bcc"] = ARCHIVE
    msg["Subject"] = "Herinnering factuur 2026001"
    msg.set_content("Wij hebben uw betaling nog niet ontvangen.\n")
    return msg


@pytest.fixture
def send(
    dovecot: Dovecot, mailbox: Mailbox, starttls_smtp: SubmissionServer,
    client_context: ssl.SSLContext, clock: FakeClock,
):  # type: ignore[no-untyped-def]  # fmt: skip
    m = mailer(dovecot, starttls_smtp, password_login(mailbox), client_context, clock)

    def send(to: str, key: str = "k") -> str:
        return m.deliver(message(mailbox, to), Mode.SEND, key).provider_id

    yield send
    m.close()


def test_a_temporary_refusal_is_retried_with_backoff_and_the_mail_goes_once(
    send, starttls_smtp: SubmissionServer, customer: Mailbox, dovecot: Dovecot,  # type: ignore[no-untyped-def]
    client_context: ssl.SSLContext, clock: FakeClock,
) -> None:  # fmt: skip
    starttls_smtp.state.recipient_replies[customer.user] = [
        "451 4.7.1 Greylisted, try again later", "",  # once, then accepted ("": as usual)
    ]  # fmt: skip
    send(customer.user)
    assert len(clock.slept) == 1
    assert len(folder(dovecot, customer, "INBOX", client_context)) == 1
    assert len(starttls_smtp.state.received) == 1


def test_a_temporary_refusal_that_lasts_is_a_retryable_failure_after_the_attempts(
    send, starttls_smtp: SubmissionServer, customer: Mailbox, clock: FakeClock  # type: ignore[no-untyped-def]
) -> None:  # fmt: skip
    starttls_smtp.state.data_replies = ["452 4.3.1 Insufficient system storage"] * 3
    with pytest.raises(MailerError, match="452") as caught:
        send(customer.user)
    assert not caught.value.permanent
    assert "after 3 attempts" in str(caught.value)
    assert len(clock.slept) == 2
    assert starttls_smtp.state.received == []


def test_a_refused_recipient_is_a_permanent_failure_of_that_mail_only(
    send, starttls_smtp: SubmissionServer, customer: Mailbox, clock: FakeClock  # type: ignore[no-untyped-def]
) -> None:  # fmt: skip
    starttls_smtp.state.recipient_replies["nobody@example.test"] = ["550 5.1.1 No such user"]
    with pytest.raises(MailerError, match=r"550 5\.1\.1 No such user") as caught:
        send("nobody@example.test", "k1")
    assert caught.value.permanent
    assert not isinstance(caught.value, MailerAuthError)
    assert clock.slept == []
    send(customer.user, "k2")  # the next mail goes
    assert [r.recipients for r in starttls_smtp.state.received] == [[customer.user, ARCHIVE]]


def test_a_refused_bcc_archive_does_not_stop_the_mail(
    send, starttls_smtp: SubmissionServer, customer: Mailbox  # type: ignore[no-untyped-def]
) -> None:  # fmt: skip
    starttls_smtp.state.recipient_replies[ARCHIVE] = ["550 5.1.1 No such user"]
    send(customer.user)
    [received] = starttls_smtp.state.received
    assert received.recipients == [customer.user]


def test_a_message_refused_at_the_end_of_data_is_permanent(
    send, starttls_smtp: SubmissionServer, customer: Mailbox  # type: ignore[no-untyped-def]
) -> None:  # fmt: skip
    starttls_smtp.state.data_replies = ["554 5.6.0 Message content rejected"]
    with pytest.raises(MailerError, match="554") as caught:
        send(customer.user)
    assert caught.value.permanent


def test_a_refused_sender_stops_the_run(
    send, starttls_smtp: SubmissionServer, mailbox: Mailbox, customer: Mailbox  # type: ignore[no-untyped-def]
) -> None:  # fmt: skip
    starttls_smtp.state.sender_replies[mailbox.user] = ["550 5.7.60 SendAsDenied"]
    with pytest.raises(MailerAuthError, match="may send as the From address"):
        send(customer.user)


def test_a_refused_login_stops_the_run_with_what_to_do_and_never_shows_the_password(
    dovecot: Dovecot, mailbox: Mailbox, customer: Mailbox, smtp: SubmissionServer,
    client_context: ssl.SSLContext, clock: FakeClock,
) -> None:  # fmt: skip
    login = password_login(Mailbox(mailbox.user, "wrong-SECRET"))
    m = mailer(dovecot, smtp, login, client_context, clock)
    with pytest.raises(MailerAuthError) as caught:
        m.deliver(message(mailbox, customer.user), Mode.SEND, "k")
    said = str(caught.value)
    assert "535" in said
    assert mailbox.user in said
    assert "check the password" in said
    assert "SECRET" not in said
    assert smtp.state.logins[-1][2] is False
    assert smtp.state.received == []


def test_an_smtp_server_out_of_reach_fails_the_rest_of_the_run_at_once(
    dovecot: Dovecot, mailbox: Mailbox, client_context: ssl.SSLContext, clock: FakeClock
) -> None:
    m = mailer(dovecot, None, password_login(mailbox), client_context, clock)  # port 1: closed
    with pytest.raises(MailerError, match="can't reach the SMTP server") as caught:
        m.deliver(message(mailbox, "anna@example.test"), Mode.SEND, "k1")
    assert not caught.value.permanent
    waited = len(clock.slept)
    with pytest.raises(MailerError, match="not tried"):
        m.deliver(message(mailbox, "bert@example.test"), Mode.SEND, "k2")
    assert len(clock.slept) == waited == 2
