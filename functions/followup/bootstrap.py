"""The only composition root: settings in, wired adapters out."""

from __future__ import annotations

from contextlib import ExitStack
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from followup.adapters.file_tokens import FileTokenStore
from followup.adapters.outbox_folder.mailer import OutboxMailer
from followup.adapters.sqlite import open_stores as open_sqlite_stores
from followup.clock import SystemClock
from followup.deps import App, Deps
from followup.errors import ConfigError
from followup.exact.auth import ExactAuth
from followup.exact.client import ExactClient
from followup.exact.queries import ExactOnlineSource
from followup.mail.compose import Composer, search_path
from followup.mail.languages import check_languages, check_template_folder, owner_language
from followup.policy import Rules
from followup.ports import Clock, Mailer, Replies, Stores, TokenStore
from followup.settings import FirestoreLedger, GmailMail, SecretManagerTokens, Settings, SmtpMail

if TYPE_CHECKING:  # the Google libraries load only when the settings ask for them
    import httpx

    from followup.ports import DivisionQueue, TriggerBook
    from followup.sandbox.state import SandboxState
    from followup.settings import CloudTasks


def open_stores(settings: Settings, clock: Clock, resources: ExitStack) -> Stores:
    """The ledger the settings name (claims, run log, pauses, status view), closed with
    `resources`."""
    chosen = settings.ledger
    if isinstance(chosen, FirestoreLedger):
        from followup.adapters.firestore import open_stores as open_firestore_stores

        client = _firestore(chosen.project, chosen.database, resources)
        stores = open_firestore_stores(
            client,
            clock,
            prefix=chosen.collection_prefix,
            retention_days=chosen.retention_days,
            lease_seconds=chosen.lease_seconds,
            timeout_seconds=chosen.timeout_seconds,
        )
    else:
        stores = open_sqlite_stores(chosen.path)
    resources.callback(stores.close)
    return stores


def open_token_store(settings: Settings, clock: Clock, resources: ExitStack) -> TokenStore:
    """The Exact token store the settings name (file, or Secret Manager with a lease)."""
    chosen = settings.tokens
    if isinstance(chosen, SecretManagerTokens):
        from followup.adapters import secret_manager_tokens

        leases = _firestore(chosen.project, chosen.database, resources)
        return secret_manager_tokens.open_store(chosen, leases, clock)
    return FileTokenStore(chosen.path)


def open_mail(
    settings: Settings, clock: Clock, resources: ExitStack
) -> tuple[Mailer, Replies | None]:
    """The mailer of the transport the settings name and, with `[replies] enabled`, the reader
    of answers in its mailbox (the outbox gets none). A transport: one wiring, one line here."""
    chosen = settings.mail.transport
    if isinstance(chosen, GmailMail):  # the Google libraries load only for Gmail
        from followup.adapters.gmail import wiring as gmail

        return gmail.open_mail(settings, chosen, clock, resources)
    if isinstance(chosen, SmtpMail):  # any provider's mailbox: SMTP submission + IMAP
        from followup.adapters.mailbox import wiring as mailbox

        return mailbox.open_mail(settings, chosen, clock, resources)
    return resources.enter_context(open_outbox(chosen.path)), None


def open_trigger_book(settings: Settings, clock: Clock, resources: ExitStack) -> TriggerBook:
    """Where scheduler calls are remembered: beside the ledger (same file or database)."""
    chosen, lease = settings.ledger, settings.cloud.trigger_lease_seconds
    if isinstance(chosen, FirestoreLedger):
        from followup.adapters.firestore.connection import FirestoreConnection
        from followup.adapters.firestore.trigger_book import FirestoreTriggerBook

        db = FirestoreConnection(
            _firestore(chosen.project, chosen.database, resources),
            clock,
            prefix=chosen.collection_prefix,
            retention_days=chosen.retention_days,
            timeout_seconds=chosen.timeout_seconds,
        )
        return FirestoreTriggerBook(db, lease_seconds=lease)
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
    store, exact = open_token_store(settings, clock, resources), settings.exact
    auth = ExactAuth(exact.base_url, exact.client_id, exact_secret(settings), store, clock)
    resources.callback(auth.close)
    return auth, exact_client(settings, auth, clock, resources)


def exact_client(
    settings: Settings, auth: httpx.Auth, clock: Clock, resources: ExitStack, attempts: int = 5
) -> ExactClient:
    """The Exact REST client on `auth` (the doctor's: a bearer that never refreshes, fewer
    `attempts`), closed with `resources`."""
    timeout = settings.exact.timeout_seconds
    client = ExactClient(
        settings.exact.base_url, auth, clock, timeout=timeout, max_attempts=attempts
    )
    resources.callback(client.close)
    return client


def open_composer(settings: Settings) -> Composer:
    """The composer on the owner's and the built-in templates, every template the settings
    need loaded. A missing folder or a language without templates is a ConfigError naming its
    key; a template with a typo fails here too (TemplateError)."""
    check_template_folder(settings)
    composer = _composer(settings, settings.confirmations.upsell)
    check_languages(settings, composer.languages)
    languages = settings.languages
    composer.verify(
        ["confirmation", "reminder"],
        sorted({*languages.map.values(), languages.default, languages.other}),
    )
    composer.verify(["digest"], [owner_language(settings)])  # the digest and the run summary
    return composer


def preview_composer(settings: Settings | None) -> Composer:
    """The composer of `followup preview`: the settings' company, templates, text-only choice and
    offer (else the sample's), or the sample company's; only a missing template folder fails."""
    from followup.mail import samples

    if settings is None:
        return Composer(samples.COMPANY, upsell=samples.UPSELL)
    check_template_folder(settings)
    return _composer(settings, settings.confirmations.upsell or samples.UPSELL)


def _composer(settings: Settings, upsell: dict[str, str]) -> Composer:
    return Composer(
        settings.company,
        search_path(settings.mail.templates),
        text_only=settings.mail.text_only,
        upsell=upsell,
    )


def open_outbox(folder: Path) -> OutboxMailer:
    """The outbox folder: each mail an .eml in drafts/ or sent/, and pages to read them."""
    return OutboxMailer(folder)


def embedded_exact(
    settings: Settings,
    clock: Clock,
    resources: ExitStack,
    run_date: date | None = None,
    sandbox: SandboxState | None = None,
) -> Settings:
    """The settings as they are; when they name a demo (`[exact] sandbox`), pointing at its
    administration served in-process, fresh tokens in the token store (`embedded_exact.serve`)."""
    if settings.exact.sandbox is None:
        return settings
    from followup.embedded_exact import serve  # the sandbox loads only for a demo's settings

    store = open_token_store(settings, clock, resources)
    return serve(settings, clock, resources, store, run_date, sandbox)


def shared_exact(
    settings: Settings, clock: Clock, resources: ExitStack, run_date: date | None = None
) -> Settings:
    """The settings as every division of one run reaches Exact: a demo's sandbox served once,
    until `resources` close (each division's `build` then reaches that one)."""
    served = embedded_exact(settings, clock, resources, run_date)
    if settings.exact.sandbox is None:
        return served
    return served.model_copy(update={"exact": served.exact.model_copy(update={"sandbox": None})})


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
        stores = open_stores(settings, clock, resources)
        mailer, replies = open_mail(settings, clock, resources)
    except BaseException:
        resources.close()
        raise
    deps = Deps(
        tokens=auth.store,
        source=ExactOnlineSource(
            client,
            resolve_classifications=any(r.classifications for r in settings.confirmations.rules),
        ),
        ledger=stores.claims,
        runlog=stores.runs,
        mailer=mailer,
        composer=composer,
        clock=clock,
        rules=Rules(
            policy=settings.policy,
            modes=settings.mail.mode,
            languages=settings.languages,
            confirmations=settings.confirmations,
            suppress=settings.suppress,
            payment_link=settings.mail.payment_link,
        ),
        pauses=stores.pauses,
        digest=settings.digest,
        digest_language=owner_language(settings),
        attach_invoice_pdf=settings.mail.attach_invoice_pdf,
        divisions=tuple(settings.exact.divisions),
        replies=replies,
        reply_watch=settings.replies,
    )
    return App(settings, deps, resources)
