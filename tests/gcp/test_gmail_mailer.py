"""GmailMailer through the real googleapiclient (static discovery) against a local Gmail stand-in:
send, draft, scopes, quota pacing, retries, refusals, auth failures, reconciliation by search."""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal
from email.message import EmailMessage

import pytest
from google.auth import crypt

from fakes import FakeClock
from followup.adapters.gmail.credentials import (
    COMPOSE,
    READONLY,
    SEND,
    delegated_credentials,
    gmail_service,
    scopes_for,
    user_credentials,
)
from followup.adapters.gmail.mailer import GmailDeliveryUncertain, GmailMailer
from followup.adapters.gmail.quota import QuotaBucket
from followup.errors import MailerAuthError, MailerError
from followup.model import Claim, Delivery, MailKind, Mode
from followup.ports import Mailer, Trace
from gcp.gmail_server import GmailServer, GmailState

SENDER = "administratie@goudencroissant.example.nl"


def message(
    to: str = "anna@croissant.example.nl", subject: str = "Betaling ontvangen"
) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = f"Bakkerij <{SENDER}>"
    msg["To"] = f"Anna de Vries <{to}>"
    msg["Subject"] = subject
    msg["Message-ID"] = "<followup.abc123@goudencroissant.example.nl>"
    msg.set_content("Hartelijk dank voor je betaling.\n")
    return msg


def claim_for(msg: EmailMessage, clock: FakeClock, key: str = "100/confirmation/1001/x") -> Claim:
    return Claim(
        key=key,
        division=100,
        kind=MailKind.CONFIRMATION,
        item_ids=("x",),
        recipient=str(msg["To"].addresses[0].addr_spec),
        subject=str(msg["Subject"]),
        amount=Decimal("10"),
        currency="EUR",
        claimed_at=clock.now(),
        run_id="run-1",
    )


@pytest.fixture
def gmail(fclock: FakeClock) -> Iterator[GmailServer]:
    with GmailServer(GmailState(now=fclock.now)) as server:
        yield server


def make_mailer(
    gmail: GmailServer,
    clock: FakeClock,
    scopes: tuple[str, ...],
    refresh_token: str = "refresh-SECRET",  # noqa: S107
    units_per_second: float = 200,
) -> GmailMailer:
    state = gmail.state
    creds = user_credentials(
        refresh_token, state.client_id, state.client_secret, scopes, token_uri=gmail.token_uri
    )
    service = gmail_service(creds, api_endpoint=gmail.endpoint, timeout_seconds=5)
    return GmailMailer(
        service, clock, scopes, quota=QuotaBucket(clock, units_per_second), rng=random.Random(7)
    )


def test_the_fewest_scopes_the_modes_need() -> None:
    assert scopes_for([Mode.SEND], reconcile=False) == (SEND,)
    assert scopes_for([Mode.SEND, Mode.DRAFT], reconcile=False) == (COMPOSE,)
    assert scopes_for([Mode.DRAFT], reconcile=True) == (COMPOSE, READONLY)
    assert scopes_for([Mode.SEND], reconcile=True) == (SEND, READONLY)


def test_a_sent_mail_gets_gmails_ids_and_gmail_replaces_our_message_id(
    gmail: GmailServer, fclock: FakeClock
) -> None:
    mailer: Mailer = make_mailer(gmail, fclock, (SEND,))
    delivery = mailer.deliver(message(), Mode.SEND, "k1")
    [stored] = gmail.state.sent()
    assert delivery == Delivery(Mode.SEND, stored.id, stored.thread_id)
    assert stored.message["Message-ID"] != "<followup.abc123@goudencroissant.example.nl>"
    assert stored.message["Subject"] == "Betaling ontvangen"


def test_a_draft_is_created_with_the_compose_scope(gmail: GmailServer, fclock: FakeClock) -> None:
    delivery = make_mailer(gmail, fclock, (COMPOSE,)).deliver(message(), Mode.DRAFT, "k1")
    [stored] = gmail.state.drafts()
    assert delivery == Delivery(Mode.DRAFT, stored.draft_id, stored.thread_id)
    assert gmail.state.sent() == []


def test_drafting_with_the_send_scope_only_stops_the_run(
    gmail: GmailServer, fclock: FakeClock
) -> None:
    with pytest.raises(MailerAuthError, match="insufficientPermissions"):
        make_mailer(gmail, fclock, (SEND,)).deliver(message(), Mode.DRAFT, "k1")


def test_a_bad_recipient_is_a_permanent_failure(gmail: GmailServer, fclock: FakeClock) -> None:
    with pytest.raises(MailerError, match="Invalid To header") as caught:
        make_mailer(gmail, fclock, (SEND,)).deliver(message("nobody@x.invalid"), Mode.SEND, "k")
    assert caught.value.permanent


def test_a_revoked_refresh_token_stops_the_run_with_what_to_do(
    gmail: GmailServer, fclock: FakeClock
) -> None:
    gmail.state.refresh_tokens.clear()
    with pytest.raises(MailerAuthError) as caught:
        make_mailer(gmail, fclock, (SEND,)).deliver(message(), Mode.SEND, "k")
    assert "followup auth gmail" in str(caught.value)
    assert "7 days" in str(caught.value)
    assert "invalid_grant" in str(caught.value)
    assert "SECRET" not in str(caught.value)
    assert gmail.state.sent() == []


def test_an_access_token_gmail_keeps_refusing_is_an_auth_error(
    gmail: GmailServer, fclock: FakeClock
) -> None:
    mailer = make_mailer(gmail, fclock, (SEND,))
    mailer.deliver(message(), Mode.SEND, "k1")
    gmail.state.access.clear()  # every token Gmail issued is now refused (a password change)
    gmail.state.refresh_tokens.clear()
    with pytest.raises(MailerAuthError, match="followup auth gmail"):
        mailer.deliver(message(), Mode.SEND, "k2")


def test_429_and_5xx_are_retried_with_backoff_on_the_clock(
    gmail: GmailServer, fclock: FakeClock
) -> None:
    gmail.state.fail_next = [429, 503, 403]  # the 403 is rateLimitExceeded: retried too
    started = fclock.now()
    make_mailer(gmail, fclock, (SEND,)).deliver(message(), Mode.SEND, "k1")
    assert len(gmail.state.sent()) == 1
    assert fclock.now() > started  # waited with the Clock, not for real


def test_a_quota_that_stays_exhausted_is_a_retryable_failure(
    gmail: GmailServer, fclock: FakeClock
) -> None:
    gmail.state.fail_next = [429] * 5
    with pytest.raises(MailerError, match="429") as caught:
        make_mailer(gmail, fclock, (SEND,)).deliver(message(), Mode.SEND, "k1")
    assert not caught.value.permanent
    assert gmail.state.sent() == []


def test_pacing_keeps_below_the_per_user_quota(gmail: GmailServer, fclock: FakeClock) -> None:
    gmail.state.units_per_minute = 1_000  # ten sends a minute
    mailer = make_mailer(gmail, fclock, (SEND,), units_per_second=1_000 / 60 * 0.9)
    started = fclock.now()
    for n in range(25):
        mailer.deliver(message(), Mode.SEND, f"k{n}")
    assert len(gmail.state.sent()) == 25
    assert "messages.send" in gmail.state.calls
    assert gmail.state.calls.count("messages.send") == 25  # never a 429, never a retry
    assert fclock.now() - started > timedelta(minutes=2)


def test_a_lost_answer_to_a_send_is_uncertain_never_resent(
    gmail: GmailServer, fclock: FakeClock
) -> None:
    gmail.state.drop_after = {"messages.send"}
    with pytest.raises(GmailDeliveryUncertain, match="may exist"):
        make_mailer(gmail, fclock, (SEND,)).deliver(message(), Mode.SEND, "k1")
    assert len(gmail.state.sent()) == 1
    assert gmail.state.calls.count("messages.send") == 1  # not re-sent by the HTTP layer


def test_with_a_listing_scope_find_reconciles_sent_and_drafts_and_proves_absence(
    gmail: GmailServer, fclock: FakeClock
) -> None:
    mailer = make_mailer(gmail, fclock, scopes_for([Mode.DRAFT], reconcile=True))
    sent_msg, draft_msg = message(subject="Herinnering: factuur 7"), message(subject="Bedankt")
    sent = mailer.deliver(sent_msg, Mode.SEND, "k1")
    drafted = mailer.deliver(draft_msg, Mode.DRAFT, "k2")
    fclock.sleep(60)
    assert mailer.find(claim_for(sent_msg, fclock)) == sent
    assert mailer.find(claim_for(draft_msg, fclock)) == drafted
    other = message(to="someone@else.example.nl", subject="Herinnering: factuur 7")
    assert mailer.find(claim_for(other, fclock)) is Trace.ABSENT
    fclock.sleep(3 * 3600)  # a claim from hours later: outside the window
    assert mailer.find(claim_for(sent_msg, fclock)) is Trace.ABSENT


def test_without_a_listing_scope_a_missing_mail_is_unknown(
    gmail: GmailServer, fclock: FakeClock
) -> None:
    send_only = make_mailer(gmail, fclock, (SEND,))
    send_only.deliver(message(), Mode.SEND, "k1")
    assert send_only.find(claim_for(message(), fclock)) is Trace.UNKNOWN
    compose = make_mailer(gmail, fclock, (COMPOSE,))
    drafted = compose.deliver(message(subject="Concept"), Mode.DRAFT, "k2")
    assert compose.find(claim_for(message(subject="Concept"), fclock)) == drafted
    assert compose.find(claim_for(message(subject="Nooit"), fclock)) is Trace.UNKNOWN


class FakeSigner(crypt.Signer):  # type: ignore[misc]
    """Stands in for the IAM signBlob call of keyless delegation."""

    key_id = "fake-key"

    def sign(self, message: bytes | str) -> bytes:
        return b"signature"


def test_delegation_impersonates_the_sender_with_the_least_scope(
    gmail: GmailServer, fclock: FakeClock
) -> None:
    creds = delegated_credentials(
        "followup@proj.iam.gserviceaccount.com",
        SENDER,
        (SEND,),
        token_uri=gmail.token_uri,
        signer=FakeSigner(),
    )
    service = gmail_service(creds, api_endpoint=gmail.endpoint)
    GmailMailer(service, fclock, (SEND,)).deliver(message(), Mode.SEND, "k1")
    [claims] = gmail.state.assertions
    assert claims["sub"] == SENDER
    assert claims["iss"] == "followup@proj.iam.gserviceaccount.com"
    assert claims["scope"] == SEND
    assert len(gmail.state.sent()) == 1
