"""GmailReplies through the real googleapiclient against the Gmail stand-in: the answers in the
threads the ledger kept, headers only, with the scope `[replies]` adds."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from email.message import EmailMessage

import pytest

from fakes import FakeClock
from followup.adapters.gmail.credentials import (
    COMPOSE,
    METADATA,
    READONLY,
    SEND,
    gmail_service,
    scopes_for,
    user_credentials,
)
from followup.adapters.gmail.mailer import GmailMailer
from followup.adapters.gmail.quota import QuotaBucket
from followup.adapters.gmail.replies import GmailReplies
from followup.clock import business_date
from followup.errors import MailerAuthError
from followup.model import Mode, SentReminder
from followup.policy.replies import decide
from gcp.gmail_server import GmailServer, GmailState
from gcp.test_gmail_mailer import make_mailer, message

CUSTOMER = "anna@croissant.example.nl"


@pytest.fixture
def gmail(fclock: FakeClock) -> Iterator[GmailServer]:
    with GmailServer(GmailState(now=fclock.now)) as server:
        yield server


def remind(mailer: GmailMailer, clock: FakeClock) -> SentReminder:
    """A level-1 reminder sent through Gmail, as the ledger keeps it."""
    delivery = mailer.deliver(message(CUSTOMER, "Betalingsherinnering F0042"), Mode.SEND, "k1")
    return SentReminder(
        "k1", "1001", CUSTOMER, business_date(clock.now()), clock.now(),
        delivery.provider_id, delivery.thread_id or "",
    )  # fmt: skip


def answer(sender: str, subject: str, **headers: str) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = f"Anna de Vries <{sender}>"
    msg["To"] = "administratie@goudencroissant.example.nl"
    msg["Subject"] = subject
    for name, value in headers.items():
        msg[name.replace("_", "-")] = value
    msg.set_content("Ik heb een vraag over de factuur.\n")
    return msg


def reader(gmail: GmailServer, clock: FakeClock, scopes: tuple[str, ...]) -> GmailReplies:
    """The mailer and the answer reader on one Gmail client, as bootstrap wires them."""
    state = gmail.state
    creds = user_credentials(
        "refresh-SECRET", state.client_id, state.client_secret, scopes, token_uri=gmail.token_uri
    )
    service = gmail_service(creds, api_endpoint=gmail.endpoint, timeout_seconds=5)
    mailer = GmailMailer(service, clock, scopes, quota=QuotaBucket(clock, 200))
    return GmailReplies(service, mailer)


def test_replies_add_the_metadata_scope_only_when_on_and_without_reconcile() -> None:
    assert scopes_for([Mode.SEND], reconcile=False, replies=True) == (SEND, METADATA)
    assert scopes_for([Mode.DRAFT], reconcile=True, replies=True) == (COMPOSE, READONLY)
    assert scopes_for([Mode.SEND], reconcile=False) == (SEND,)


def test_a_customers_answer_in_the_reminders_thread_is_found_with_its_headers(
    gmail: GmailServer, fclock: FakeClock
) -> None:
    replies = reader(gmail, fclock, (SEND, METADATA))
    sent = remind(make_mailer(gmail, fclock, (SEND,)), fclock)
    later = fclock.now() + timedelta(days=2)
    gmail.state.receive(sent.thread_id, answer(CUSTOMER, "Re: Betalingsherinnering F0042"), later)

    [found] = replies.replies(100, [sent], sent.run_date)

    assert (found.customer, found.reminder_to, found.sender) == ("1001", CUSTOMER, CUSTOMER)
    assert found.subject == "Re: Betalingsherinnering F0042"
    assert found.at == later
    assert "threads.get" in gmail.state.calls
    [decision] = decide([found], 100, 14)
    assert decision.pause is not None  # a reply to the level-1 reminder pauses level 2


def test_an_out_of_office_in_the_thread_is_found_but_pauses_nothing(
    gmail: GmailServer, fclock: FakeClock
) -> None:
    replies = reader(gmail, fclock, (SEND, READONLY))
    sent = remind(make_mailer(gmail, fclock, (SEND,)), fclock)
    away = answer(CUSTOMER, "Afwezig: Betalingsherinnering F0042", Auto_Submitted="auto-replied")
    gmail.state.receive(sent.thread_id, away, fclock.now() + timedelta(hours=1))

    [found] = replies.replies(100, [sent], sent.run_date)

    assert ("auto-submitted", "auto-replied") in found.headers
    [decision] = decide([found], 100, 14)
    assert decision.pause is None


def test_our_own_messages_and_answers_before_since_are_not_answers(
    gmail: GmailServer, fclock: FakeClock
) -> None:
    replies = reader(gmail, fclock, (SEND, METADATA))
    sent = remind(make_mailer(gmail, fclock, (SEND,)), fclock)
    gmail.state.receive(sent.thread_id, answer(CUSTOMER, "Re: oud"), fclock.now() + timedelta(1))
    assert replies.replies(100, [sent], sent.run_date + timedelta(days=2)) == []
    assert replies.replies(100, [sent], sent.run_date)[0].subject == "Re: oud"


def test_a_thread_the_owner_deleted_has_no_answers(gmail: GmailServer, fclock: FakeClock) -> None:
    replies = reader(gmail, fclock, (SEND, METADATA))
    sent = remind(make_mailer(gmail, fclock, (SEND,)), fclock)
    gmail.state.messages.clear()
    assert replies.replies(100, [sent], sent.run_date) == []


def test_without_a_reading_scope_gmail_refuses_and_the_run_is_told(
    gmail: GmailServer, fclock: FakeClock
) -> None:
    replies = reader(gmail, fclock, (SEND,))
    sent = remind(make_mailer(gmail, fclock, (SEND,)), fclock)
    with pytest.raises(MailerAuthError, match="insufficientPermissions"):
        replies.replies(100, [sent], sent.run_date)
