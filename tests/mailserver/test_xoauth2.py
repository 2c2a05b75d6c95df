"""XOAUTH2 end to end: Dovecot's oauth2 passdb and the SMTP stand-in accept exactly the access
tokens the OAuth stand-in issued (Dovecot asks its /tokeninfo); the token source refreshes from
the stored refresh token (google-auth for Google, MSAL over HTTPS for Microsoft, whose rotated
refresh token is saved at once), reuses the access token for both protocols, and turns a
refused consent into "run `followup auth mailbox`"."""

from __future__ import annotations

import ssl
from email.message import EmailMessage
from pathlib import Path

import pytest

from fakes import FakeClock
from followup.adapters.mailbox.login import MailboxLogin
from followup.adapters.mailbox.oauth import OAuthAccess, google_exchange, microsoft_exchange
from followup.adapters.mailbox.tokens import FileRefreshToken
from followup.errors import MailerAuthError
from followup.model import Mode
from mailserver.certs import ServerCA
from mailserver.conftest import Mailbox
from mailserver.dovecot import Dovecot
from mailserver.oauth_server import MicrosoftLoginServer, OAuthMailServer
from mailserver.reading import folder, mailer
from mailserver.submission_server import SubmissionServer

Servers = tuple[OAuthMailServer, MicrosoftLoginServer]


def message(owner: Mailbox, to: str) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = owner.user
    msg["To"] = to
    msg["Subject"] = "Betaling ontvangen"
    msg.set_content("Dank u wel.\n")
    return msg


def test_dovecot_and_smtp_take_an_access_token_the_token_stand_in_vouches_for(
    dovecot: Dovecot, mailbox: Mailbox, customer: Mailbox, smtp: SubmissionServer,
    oauth: Servers, client_context: ssl.SSLContext, clock: FakeClock,
) -> None:  # fmt: skip
    state = oauth[0].state
    token = state.issue(mailbox.user, with_refresh=False)["access_token"]
    calls = state.tokeninfo_calls
    login = MailboxLogin(mailbox.user, "xoauth2", lambda: token)
    m = mailer(dovecot, smtp, login, client_context, clock)
    m.deliver(message(mailbox, customer.user), Mode.DRAFT, "k-draft")
    m.deliver(message(mailbox, customer.user), Mode.SEND, "k-send")
    m.close()
    assert state.tokeninfo_calls > calls  # Dovecot's oauth2 passdb asked the stand-in
    assert smtp.state.logins[-1] == ("XOAUTH2", mailbox.user, True)
    assert len(folder(dovecot, mailbox, "Drafts", client_context)) == 1
    assert len(folder(dovecot, customer, "INBOX", client_context)) == 1


def test_a_refused_access_token_stops_the_run_and_is_forgotten_for_the_next_login(
    dovecot: Dovecot, mailbox: Mailbox, client_context: ssl.SSLContext, clock: FakeClock
) -> None:
    forgotten: list[bool] = []
    login = MailboxLogin(mailbox.user, "xoauth2", lambda: "at-unknown-SECRET",
                         lambda: forgotten.append(True))  # fmt: skip
    m = mailer(dovecot, None, login, client_context, clock)
    with pytest.raises(MailerAuthError) as caught:
        m.deliver(message(mailbox, "anna@example.test"), Mode.DRAFT, "k")
    assert "SECRET" not in str(caught.value)
    assert forgotten == [True]


def test_smtp_refuses_a_stale_token_with_googles_error_challenge(
    dovecot: Dovecot, mailbox: Mailbox, starttls_smtp: SubmissionServer,
    client_context: ssl.SSLContext, clock: FakeClock,
) -> None:  # fmt: skip
    login = MailboxLogin(mailbox.user, "xoauth2", lambda: "at-stale")
    m = mailer(dovecot, starttls_smtp, login, client_context, clock)
    with pytest.raises(MailerAuthError, match="535"):
        m.deliver(message(mailbox, "anna@example.test"), Mode.SEND, "k")
    assert starttls_smtp.state.received == []


def test_a_google_refresh_token_in_the_token_file_gives_one_access_token_for_both_logins(
    dovecot: Dovecot, mailbox: Mailbox, customer: Mailbox, starttls_smtp: SubmissionServer,
    oauth: Servers, client_context: ssl.SSLContext, clock: FakeClock, tmp_path: Path,
) -> None:  # fmt: skip
    state = oauth[0].state
    store = FileRefreshToken(tmp_path / "mailbox-tokens.json", f"google:{mailbox.user}")
    refresh = str(state.issue(mailbox.user)["refresh_token"])
    store.save(refresh)
    before = state.refreshes
    exchange = google_exchange(state.client_id, state.client_secret, oauth[0].url("/token"))
    access = OAuthAccess(exchange, store, clock)
    login = MailboxLogin(mailbox.user, "xoauth2", access.token, access.forget)
    m = mailer(dovecot, starttls_smtp, login, client_context, clock)
    m.deliver(message(mailbox, customer.user), Mode.DRAFT, "k1")
    m.deliver(message(mailbox, customer.user), Mode.SEND, "k2")
    m.close()
    assert state.refreshes - before == 1
    assert store.load() == refresh  # Google's refresh tokens don't rotate
    assert (tmp_path / "mailbox-tokens.json").stat().st_mode & 0o777 == 0o600


def test_microsofts_rotated_refresh_token_is_saved_at_once_and_the_next_run_uses_it(
    dovecot: Dovecot, mailbox: Mailbox, oauth: Servers, ca: ServerCA,
    client_context: ssl.SSLContext, clock: FakeClock, tmp_path: Path,
) -> None:  # fmt: skip
    state, microsoft = oauth[0].state, oauth[1]
    store = FileRefreshToken(tmp_path / "mailbox-tokens.json", f"microsoft:{mailbox.user}")
    first = str(state.issue(mailbox.user)["refresh_token"])
    store.save(first)
    exchange = microsoft_exchange(state.client_id, microsoft.authority(), ca.ca_file)
    access = OAuthAccess(exchange, store, clock)
    login = MailboxLogin(mailbox.user, "xoauth2", access.token, access.forget)
    mailer(dovecot, None, login, client_context, clock).deliver(
        message(mailbox, "anna@example.test"), Mode.DRAFT, "k1"
    )
    rotated = store.load()
    assert rotated
    assert rotated != first
    assert first not in state.refresh
    clock.sleep(7200)  # the next run: the access token expired, the rotated one refreshes
    later = OAuthAccess(microsoft_exchange(state.client_id, microsoft.authority(), ca.ca_file),
                        store, clock)  # fmt: skip
    assert later.token() in state.access
    assert store.load() not in (first, rotated)


def test_a_revoked_consent_says_to_run_auth_mailbox(
    oauth: Servers, ca: ServerCA, clock: FakeClock, tmp_path: Path
) -> None:
    state, microsoft = oauth[0].state, oauth[1]
    store = FileRefreshToken(tmp_path / "t.json", "microsoft:someone@example.test")
    store.save("rt-revoked-SECRET")
    access = OAuthAccess(
        microsoft_exchange(state.client_id, microsoft.authority(), ca.ca_file), store, clock
    )
    with pytest.raises(MailerAuthError, match="followup auth mailbox") as caught:
        access.token()
    assert "SECRET" not in str(caught.value)


def test_no_consent_yet_says_to_run_auth_mailbox(clock: FakeClock, tmp_path: Path) -> None:
    store = FileRefreshToken(tmp_path / "t.json", "google:someone@example.test")
    access = OAuthAccess(lambda refresh: pytest.fail("no refresh without a token"), store, clock)
    with pytest.raises(MailerAuthError, match=r"no mailbox consent in .*followup auth mailbox"):
        access.token()
