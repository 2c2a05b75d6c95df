"""Fixtures for the mailbox tests: one throwaway CA, OAuth stand-in and Dovecot per session
(Dovecot starts in well under a second; its start time is in the test summary), SMTP
submission servers per test, and a fresh mailbox user per test."""

from __future__ import annotations

import shutil
import ssl
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from fakes import FakeClock
from mailserver.certs import ServerCA, make_ca
from mailserver.dovecot import DOVECOT, MISSING, Dovecot
from mailserver.oauth_server import MicrosoftLoginServer, OAuthMailServer, OAuthMailState
from mailserver.submission_server import SubmissionServer, SubmissionState

_STARTED = pytest.StashKey[str]()


def pytest_configure(config: pytest.Config) -> None:
    """aiosmtpd counts only STARTTLS as TLS; its 465-style server is TLS from the start."""
    config.addinivalue_line(
        "filterwarnings", "ignore:Requiring AUTH while not requiring TLS:UserWarning"
    )


def pytest_terminal_summary(
    terminalreporter: pytest.TerminalReporter, config: pytest.Config
) -> None:
    """Say how long the session's Dovecot took to start."""
    started = config.stash.get(_STARTED, None)
    if started is not None:
        terminalreporter.write_sep("-", "Dovecot")
        terminalreporter.write_line(started)


@pytest.fixture(scope="session")
def ca(tmp_path_factory: pytest.TempPathFactory) -> ServerCA:
    """The test CA and the servers' certificate."""
    return make_ca(tmp_path_factory.mktemp("ca"))


@pytest.fixture(scope="session")
def oauth(ca: ServerCA) -> Iterator[tuple[OAuthMailServer, MicrosoftLoginServer]]:
    """The OAuth stand-in: the plain door (tokeninfo, Google-like) and the HTTPS one (MSAL)."""
    state = OAuthMailState()
    with (
        OAuthMailServer(state) as plain,
        MicrosoftLoginServer(state, ca.server_context()) as microsoft,
    ):
        yield plain, microsoft


@pytest.fixture(scope="session")
def dovecot(
    ca: ServerCA,
    oauth: tuple[OAuthMailServer, MicrosoftLoginServer],
    request: pytest.FixtureRequest,
) -> Iterator[Dovecot]:
    """A Dovecot for the session."""
    if not shutil.which("dovecot") and not Path(DOVECOT).exists():
        pytest.fail(MISSING)
    server = Dovecot(ca, oauth[0].tokeninfo_url).start()
    request.config.stash[_STARTED] = (
        f"Dovecot started in {server.started_in:.2f} s (IMAP {server.imaps_port}, "
        f"STARTTLS {server.imap_port}, LMTP {server.lmtp_port})"
    )
    try:
        yield server
    finally:
        server.stop()


@dataclass(frozen=True)
class Mailbox:
    """A fresh mailbox user of the session's Dovecot."""

    user: str
    password: str


def new_mailbox(dovecot: Dovecot) -> Mailbox:
    """A user no other test has."""
    return Mailbox(*dovecot.take_user())


@pytest.fixture
def mailbox(dovecot: Dovecot) -> Mailbox:
    """The owner's mailbox for this test."""
    return new_mailbox(dovecot)


@pytest.fixture
def customer(dovecot: Dovecot) -> Mailbox:
    """A customer's mailbox on the same server, to read what arrived."""
    return new_mailbox(dovecot)


@pytest.fixture
def submission_state(
    dovecot: Dovecot,
    oauth: tuple[OAuthMailServer, MicrosoftLoginServer],
    mailbox: Mailbox,
    customer: Mailbox,
) -> SubmissionState:
    """The SMTP stand-in's state: the owner may sign in, both mailboxes receive."""
    return SubmissionState(
        dovecot, oauth[0].state, {mailbox.user: mailbox.password}, {mailbox.user, customer.user}
    )


@pytest.fixture(params=["starttls", "tls"])
def smtp(
    request: pytest.FixtureRequest, submission_state: SubmissionState, ca: ServerCA
) -> Iterator[SubmissionServer]:
    """The submission server, once with STARTTLS (587-style), once with TLS (465-style)."""
    with SubmissionServer(submission_state, ca.server_context(), request.param) as server:
        yield server


@pytest.fixture
def starttls_smtp(submission_state: SubmissionState, ca: ServerCA) -> Iterator[SubmissionServer]:
    """The submission server with STARTTLS only."""
    with SubmissionServer(submission_state, ca.server_context(), "starttls") as server:
        yield server


@pytest.fixture
def client_context(ca: ServerCA) -> ssl.SSLContext:
    """What followup's clients verify the servers with: the test CA."""
    return ca.client_context()


@pytest.fixture
def clock() -> FakeClock:
    """Fake time: backoff sleeps move it."""
    return FakeClock()
