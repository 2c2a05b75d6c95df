"""The only composition root: settings in, wired adapters out."""

from __future__ import annotations

from contextlib import ExitStack
from dataclasses import dataclass

from followup.adapters.file_tokens import FileTokenStore
from followup.adapters.outbox_mailer import OutboxMailer
from followup.adapters.sqlite_ledger import SqliteLedger
from followup.clock import SystemClock
from followup.compose import Composer, default_template_dir
from followup.errors import ConfigError
from followup.exact.auth import ExactAuth
from followup.exact.client import ExactClient
from followup.exact.queries import ExactOnlineSource
from followup.policy import Rules
from followup.ports import Clock
from followup.service import Deps
from followup.settings import Settings


@dataclass
class App:
    """A wired application: the service's dependencies and what to close afterwards."""

    settings: Settings
    deps: Deps
    resources: ExitStack

    def close(self) -> None:
        """Close files, connections and the outbox index."""
        self.resources.close()

    def __enter__(self) -> App:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def rules_from(settings: Settings) -> Rules:
    """The settings policy obeys."""
    return Rules(
        policy=settings.policy,
        modes=settings.mail.mode,
        languages=settings.languages,
        confirmations=settings.confirmations,
        suppress=settings.suppress,
        payment_link=settings.mail.payment_link,
    )


def open_ledger(settings: Settings, clock: Clock, resources: ExitStack) -> SqliteLedger:
    """The ledger the settings name (also run log and pause book), closed with `resources`."""
    ledger = SqliteLedger(settings.ledger.path)
    resources.callback(ledger.close)
    return ledger


def build(settings: Settings, clock: Clock | None = None) -> App:
    """Wire the adapters the settings name."""
    clock = clock or SystemClock()
    secret = settings.exact.secret()
    if not secret:
        raise ConfigError(
            [
                "exact.client_secret: missing value (set it in the file or, better, in the "
                "environment variable FOLLOWUP_EXACT_CLIENT_SECRET)"
            ]
        )
    resources = ExitStack()
    try:
        store = FileTokenStore(settings.tokens.path)
        auth = ExactAuth(settings.exact.base_url, settings.exact.client_id, secret, store, clock)
        client = ExactClient(
            settings.exact.base_url, auth, clock, timeout=settings.exact.timeout_seconds
        )
        resources.callback(client.close)
        ledger = open_ledger(settings, clock, resources)
        mailer = resources.enter_context(OutboxMailer(settings.mail.transport.path))
        dirs = [settings.mail.templates] if settings.mail.templates else []
        composer = Composer(
            settings.company, [*dirs, default_template_dir()], text_only=settings.mail.text_only
        )
    except BaseException:
        resources.close()
        raise
    deps = Deps(
        source=ExactOnlineSource(client),
        ledger=ledger,
        runlog=ledger,
        mailer=mailer,
        composer=composer,
        clock=clock,
        rules=rules_from(settings),
        pauses=ledger,
        divisions=tuple(settings.exact.divisions),
    )
    return App(settings, deps, resources)
