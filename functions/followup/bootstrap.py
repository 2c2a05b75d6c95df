"""The only composition root: settings in, wired adapters out."""

from __future__ import annotations

import os
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from followup.adapters.file_tokens import FileTokenStore
from followup.adapters.outbox_folder.mailer import OutboxMailer
from followup.adapters.sqlite.ledger import SqliteLedger
from followup.clock import SystemClock
from followup.deps import Deps
from followup.errors import ConfigError, MailerAuthError
from followup.exact.auth import ExactAuth
from followup.exact.client import ExactClient
from followup.exact.queries import ExactOnlineSource
from followup.mail.compose import Composer, search_path
from followup.mail.languages import check_languages, check_template_folder, owner_language
from followup.policy import Rules
from followup.ports import Clock, Mailer, Replies, TokenStore
from followup.settings import (
    GMAIL_SECRET_ENV,
    FileTokens,
    FirestoreLedger,
    GmailMail,
    Modes,
    SecretManagerTokens,
    Settings,
    SmtpMail,
)

if TYPE_CHECKING:  # the Google libraries load only when the settings ask for them
    from followup.adapters.firestore import ledger as firestore_ledger
    from followup.adapters.mailbox.tokens import FileRefreshToken
    from followup.ports import DivisionQueue, TriggerBook
    from followup.sandbox.state import SandboxState
    from followup.settings import CloudTasks


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


def open_ledger(
    settings: Settings, clock: Clock, resources: ExitStack
) -> SqliteLedger | firestore_ledger.FirestoreLedger:
    """The ledger the settings name (also run log and pause book), closed with `resources`."""
    chosen = settings.ledger
    if isinstance(chosen, FirestoreLedger):
        from followup.adapters.firestore.ledger import FirestoreLedger as Ledger

        client = _firestore(chosen.project, chosen.database, resources)
        return Ledger(
            client,
            clock,
            prefix=chosen.collection_prefix,
            retention_days=chosen.retention_days,
            lease_seconds=chosen.lease_seconds,
            timeout_seconds=chosen.timeout_seconds,
        )
    ledger = SqliteLedger(chosen.path)
    resources.callback(ledger.close)
    return ledger


def open_token_store(settings: Settings, clock: Clock, resources: ExitStack) -> TokenStore:
    """The Exact token store the settings name (file, or Secret Manager with a lease)."""
    chosen = settings.tokens
    if isinstance(chosen, SecretManagerTokens):
        from followup.adapters.secret_manager_tokens import SecretManagerTokenStore

        leases = _firestore(chosen.project, chosen.database, resources)
        return SecretManagerTokenStore(
            secret_manager_client(chosen.api_endpoint),
            chosen.secret_name,
            leases.collection(chosen.lease_collection),
            clock,
            lease_seconds=chosen.lease_seconds,
        )
    return FileTokenStore(chosen.path)


def _mailer(settings: Settings, clock: Clock, resources: ExitStack) -> Mailer:
    chosen = settings.mail.transport
    if isinstance(chosen, GmailMail):
        token_file = gmail_token_file(settings)
        replies = settings.replies.enabled
        return _gmail(chosen, settings.mail.mode, clock, resources, token_file, replies)
    if isinstance(chosen, SmtpMail):  # any provider's mailbox: SMTP submission + IMAP
        from followup import mailbox_wiring

        return mailbox_wiring.smtp_mailer(settings, chosen, clock, resources)
    return resources.enter_context(OutboxMailer(chosen.path))


def open_replies(settings: Settings, mailer: Mailer) -> Replies | None:
    """Where answers to reminders are read (`[replies] enabled`): the Gmail threads, or the
    mailbox's INBOX; the outbox folder gets no answers (None)."""
    if not settings.replies.enabled:
        return None
    from followup.adapters.mailbox.smtp_mailer import SmtpImapMailer

    if isinstance(mailer, SmtpImapMailer):
        from followup.adapters.mailbox.imap_replies import ImapReplies

        return ImapReplies(mailer.mailbox)
    if isinstance(settings.mail.transport, GmailMail):
        from followup.adapters.gmail.mailer import GmailMailer
        from followup.adapters.gmail.replies import GmailReplies

        assert isinstance(mailer, GmailMailer)
        return GmailReplies(mailer.service, mailer)
    return None


def gmail_token_file(settings: Settings) -> Path | None:
    """Where `followup auth gmail` keeps the refresh token with `[tokens] backend = "file"`:
    the mailbox token file beside the Exact tokens (None with Secret Manager tokens)."""
    from followup.adapters.mailbox.tokens import FILE_NAME

    tokens = settings.tokens
    return tokens.path.with_name(FILE_NAME) if isinstance(tokens, FileTokens) else None


def _gmail(
    chosen: GmailMail,
    modes: Modes,
    clock: Clock,
    resources: ExitStack,
    token_file: Path | None = None,
    replies: bool = False,
) -> Mailer:
    from followup.adapters.gmail import credentials as google
    from followup.adapters.gmail.mailer import GmailMailer
    from followup.adapters.gmail.quota import QuotaBucket

    credentials, scopes, hint = gmail_credentials(chosen, modes, token_file, replies)
    service = google.gmail_service(
        credentials, api_endpoint=chosen.api_endpoint, timeout_seconds=chosen.timeout_seconds
    )
    resources.callback(service.close)
    return GmailMailer(
        service,
        clock,
        scopes,
        quota=QuotaBucket(clock, chosen.units_per_second),
        max_attempts=chosen.max_attempts,
        auth_hint=hint,
    )


def gmail_credentials(
    chosen: GmailMail, modes: Modes, token_file: Path | None = None, replies: bool = False
) -> tuple[Any, tuple[str, ...], str]:
    """The Gmail credentials the settings name, the scopes they ask for (`replies`: reading
    answers to reminders), and what to do when Gmail refuses them. Without
    refresh_token_secret the consent is in `token_file`."""
    from followup.adapters.gmail import credentials as google
    from followup.adapters.gmail.mailer import RUN_AUTH

    scopes = google.scopes_for({modes.confirmation, modes.reminder}, chosen.reconcile, replies)
    if chosen.delegation:
        credentials: Any = google.delegated_credentials(
            str(chosen.delegation), str(chosen.user), scopes, chosen.token_uri
        )
        hint = (
            f"Gmail refused the delegated credentials for {chosen.user}: check the domain-wide "
            "delegation entry (the service account's client id and these scopes) in the Admin "
            "console, and that the service account may sign for itself (Token Creator)"
        )
        return credentials, scopes, hint
    if not chosen.refresh_token_secret:  # the local token file ([tokens] backend = "file")
        refresh, secrets = gmail_file_token(chosen, token_file), None
    else:
        secrets = secret_manager_client(chosen.secret_manager_endpoint)
        name = gmail_secret_name(chosen, chosen.refresh_token_secret)
        refresh = google.read_secret(secrets, name)
    credentials = google.user_credentials(
        refresh, chosen.client_id, gmail_client_secret(chosen, secrets), scopes, chosen.token_uri
    )
    return credentials, scopes, RUN_AUTH


def gmail_file_store(chosen: GmailMail, token_file: Path | None) -> FileRefreshToken:
    """The entry of the local token file that holds the Gmail consent."""
    from followup.adapters.mailbox.tokens import FileRefreshToken

    if token_file is None:
        raise ConfigError(
            [
                "mail.transport.refresh_token_secret: missing value (with [tokens] backend = "
                '"secret_manager" the Gmail consent is kept in Secret Manager: name its secret)'
            ]
        )
    return FileRefreshToken(token_file, f"gmail:{chosen.user}")


def gmail_file_token(chosen: GmailMail, token_file: Path | None) -> str:
    """The Gmail refresh token `followup auth gmail` wrote to the local token file."""
    store = gmail_file_store(chosen, token_file)
    refresh = store.load()
    if not refresh:
        raise MailerAuthError(f"no Gmail consent in {store.where}: run `followup auth gmail`")
    return refresh


def gmail_secret_name(chosen: GmailMail, secret: str) -> str:
    """The resource name of one of the Gmail transport's secrets."""
    return f"projects/{chosen.project}/secrets/{secret}"


def gmail_client_secret(chosen: GmailMail, secrets: Any | None) -> str:
    """The OAuth client's secret: the environment wins over the secret named in the settings
    (read with `secrets`, a Secret Manager client made here when None)."""
    from followup.adapters.gmail import credentials as google

    client_secret = os.environ.get(GMAIL_SECRET_ENV, "")
    if client_secret:
        return client_secret
    if not chosen.client_secret_secret:
        raise ConfigError(
            [
                "mail.transport.client_secret_secret: missing value (the secret holding "
                f"the OAuth client secret, or set {GMAIL_SECRET_ENV})"
            ]
        )
    if secrets is None:
        secrets = secret_manager_client(chosen.secret_manager_endpoint)
    return google.read_secret(secrets, gmail_secret_name(chosen, chosen.client_secret_secret))


def open_trigger_book(settings: Settings, clock: Clock, resources: ExitStack) -> TriggerBook:
    """Where scheduler calls are remembered: beside the ledger (same file or database)."""
    chosen, lease = settings.ledger, settings.cloud.trigger_lease_seconds
    if isinstance(chosen, FirestoreLedger):
        from followup.adapters.firestore.trigger_book import FirestoreTriggerBook

        return FirestoreTriggerBook(
            _firestore(chosen.project, chosen.database, resources),
            clock,
            prefix=chosen.collection_prefix,
            lease_seconds=lease,
            retention_days=chosen.retention_days,
            timeout_seconds=chosen.timeout_seconds,
        )
    from followup.adapters.sqlite.trigger_book import SqliteTriggerBook

    book = SqliteTriggerBook(chosen.path, clock, lease_seconds=lease)
    resources.callback(book.close)
    return book


def division_queue(tasks: CloudTasks, resources: ExitStack) -> DivisionQueue:
    """The Cloud Tasks queue the fan-out puts one task per division on."""
    from followup.adapters import cloud_tasks_queue

    client = cloud_tasks_queue.client(tasks.api_endpoint)
    resources.callback(client.transport.close)
    return cloud_tasks_queue.CloudTasksQueue(client, tasks, timeout_seconds=tasks.timeout_seconds)


def visible_divisions(settings: Settings, clock: Clock) -> list[int]:
    """Every division the Exact token can see (a fan-out when the settings list none)."""
    with ExitStack() as resources:
        _, client = open_exact(embedded_exact(settings, clock, resources), clock, resources)
        return sorted(ExactOnlineSource(client).divisions())


def _firestore(project: str, database: str, resources: ExitStack) -> Any:
    from google.cloud import firestore

    client = firestore.Client(project=project, database=database)
    resources.callback(client.close)
    return client


def secret_manager_client(endpoint: str | None) -> Any:
    """A Secret Manager client; a loopback endpoint (a test stand-in) gets no credentials."""
    from google.cloud import secretmanager

    if endpoint and endpoint.startswith(("http://127.0.0.1", "http://localhost")):
        from google.auth.credentials import AnonymousCredentials

        return secretmanager.SecretManagerServiceClient(  # a local stand-in (tests)
            transport="rest",
            client_options={"api_endpoint": endpoint},
            credentials=AnonymousCredentials(),  # type: ignore[no-untyped-call]
        )
    options = {"api_endpoint": endpoint} if endpoint else None
    return secretmanager.SecretManagerServiceClient(client_options=options)


def exact_secret(settings: Settings) -> str:
    """The Exact app's client secret, or a ConfigError saying where to put it."""
    if settings.exact.sandbox is not None:  # the built-in sandbox's fixed, public secret
        from followup.sandbox.state import SandboxState

        return SandboxState.client_secret
    secret = settings.exact.secret()
    if not secret:
        raise ConfigError(
            [
                "exact.client_secret: missing value (set it in the file or, better, in the "
                "environment variable FOLLOWUP_EXACT_CLIENT_SECRET)"
            ]
        )
    return secret


def open_exact(
    settings: Settings, clock: Clock, resources: ExitStack
) -> tuple[ExactAuth, ExactClient]:
    """The Exact auth (on the configured token store) and the REST client, closed with
    `resources`."""
    store = open_token_store(settings, clock, resources)
    auth = ExactAuth(
        settings.exact.base_url, settings.exact.client_id, exact_secret(settings), store, clock
    )
    resources.callback(auth.close)
    client = ExactClient(
        settings.exact.base_url, auth, clock, timeout=settings.exact.timeout_seconds
    )
    resources.callback(client.close)
    return auth, client


def open_composer(settings: Settings) -> Composer:
    """The composer on the owner's and the built-in templates, every template the settings
    need loaded. A missing folder or a language without templates is a ConfigError naming its
    key; a template with a typo fails here too (TemplateError)."""
    check_template_folder(settings)
    composer = Composer(
        settings.company,
        search_path(settings.mail.templates),
        text_only=settings.mail.text_only,
        upsell=settings.confirmations.upsell,
    )
    check_languages(settings, composer.languages)
    languages = settings.languages
    composer.verify(
        ["confirmation", "reminder"],
        sorted({*languages.map.values(), languages.default, languages.other}),
    )
    composer.verify(["digest"], [owner_language(settings)])  # the digest and the run summary
    return composer


def embedded_exact(
    settings: Settings,
    clock: Clock,
    resources: ExitStack,
    run_date: date | None = None,
    sandbox: SandboxState | None = None,
) -> Settings:
    """The settings as they are; when they name a demo (`[exact] sandbox`), pointing at its
    administration as it stood on `run_date` (default: today), or at `sandbox` (the demo's
    own), served in-process on 127.0.0.1 until `resources` close, with fresh tokens in the token
    file. Call it once per `resources`."""
    if settings.exact.sandbox is None:
        return settings
    from followup.embedded_exact import serve  # the sandbox loads only for a demo's settings

    return serve(settings, clock, resources, run_date, sandbox)


def build(
    settings: Settings,
    clock: Clock | None = None,
    run_date: date | None = None,
    sandbox: SandboxState | None = None,
) -> App:
    """Wire the adapters the settings name (a demo's sandbox: see `embedded_exact`)."""
    clock = clock or SystemClock()
    exact_secret(settings)
    composer = open_composer(settings)  # settings mistakes in templates first: nothing opened
    resources = ExitStack()
    try:
        settings = embedded_exact(settings, clock, resources, run_date, sandbox)
        auth, client = open_exact(settings, clock, resources)
        ledger = open_ledger(settings, clock, resources)
        mailer = _mailer(settings, clock, resources)
        replies = open_replies(settings, mailer)
    except BaseException:
        resources.close()
        raise
    deps = Deps(
        tokens=auth.store,
        source=ExactOnlineSource(
            client,
            resolve_classifications=any(r.classifications for r in settings.confirmations.rules),
        ),
        ledger=ledger,
        runlog=ledger,
        mailer=mailer,
        composer=composer,
        clock=clock,
        rules=rules_from(settings),
        pauses=ledger,
        digest=settings.digest,
        digest_language=owner_language(settings),
        attach_invoice_pdf=settings.mail.attach_invoice_pdf,
        divisions=tuple(settings.exact.divisions),
        replies=replies,
        reply_watch=settings.replies,
    )
    return App(settings, deps, resources)
