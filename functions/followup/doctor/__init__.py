"""`followup doctor`: every check a morning run depends on, each with its verdict and its cure.

Settings (and whether reminders say where to pay), the Exact token store, the Exact token (used
only while still valid: a refresh rotates the token pair and counts against the 200 token calls a
day, so it happens only when asked), access to each division, the Gmail credentials against the
configured modes, the ledger (a probe written and deleted), and the templates. A check never
raises: any failure is a Check.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import ExitStack
from pathlib import Path

from followup import bootstrap, iban
from followup.clock import business_date
from followup.doctor.checks import Check, Impatient, ok, problem, warning
from followup.doctor.exact import exact_checks
from followup.doctor.mailbox import mailbox_checks
from followup.doctor.paths import file_trouble, folder_trouble
from followup.errors import ConfigError, FollowupError
from followup.model import Pause
from followup.ports import Clock
from followup.settings import GmailMail, OutboxMail, Settings, SqliteLedger, load

PROBE = "~followup-doctor-probe~"  # no customer code or invoice number looks like this


def run_checks(path: Path, clock: Clock, *, refresh: bool = False) -> Iterator[Check]:
    """Every check, in order, as each completes."""
    try:
        settings = load(path)
        bootstrap.exact_secret(settings)
    except ConfigError as exc:
        yield problem(
            "settings",
            f"{exc.source}: " + "; ".join(exc.problems),
            f"correct {path} (followup.example.toml shows every key)",
        )
        return
    yield ok("settings", _summary(path, settings))
    yield where_to_pay_check(settings)
    patient = Impatient(clock)
    with ExitStack() as resources:  # a demo's settings: its sandbox serves while it is checked
        yield from _guarded(
            "Exact",
            lambda: exact_checks(
                bootstrap.embedded_exact(settings, clock, resources), patient, resources, refresh
            ),
        )
    yield from _guarded("Gmail", lambda: iter([gmail_check(settings)]))
    yield from _guarded("outbox", lambda: iter(outbox_check(settings)))
    yield from _guarded("mailbox", lambda: mailbox_checks(settings, clock))
    with ExitStack() as resources:
        yield from _guarded("ledger", lambda: iter([ledger_check(settings, clock, resources)]))
    yield from _guarded("templates", lambda: iter([templates_check(settings)]))


def _guarded(name: str, checks: Callable[[], Iterator[Check]]) -> Iterator[Check]:
    """The checks; an unexpected failure becomes a PROBLEM instead of a traceback."""
    try:
        yield from checks()
    except Exception as exc:  # doctor reports, it doesn't crash
        fix = "run `followup -v doctor` for details"
        if type(exc).__name__ == "DefaultCredentialsError":  # google.auth, not imported here
            fix = (
                "this computer has no Google sign-in: `gcloud auth application-default login` "
                "(or run where the service account is)"
            )
        yield problem(name, f"the check itself failed ({type(exc).__name__}: {exc})", fix)


def _summary(path: Path, settings: Settings) -> str:
    divisions = ", ".join(str(d) for d in settings.exact.divisions) or "every visible one"
    modes = settings.mail.mode
    return (
        f"{path} is valid; divisions: {divisions}; tokens: {settings.tokens.backend}; ledger: "
        f"{settings.ledger.backend}; mail: {settings.mail.transport.backend} (confirmations "
        f"{modes.confirmation.value}, reminders {modes.reminder.value})"
    )


def where_to_pay_check(settings: Settings) -> Check:
    """Reminders say where to pay: the company's IBAN, a payment link, or both."""
    company, ways = settings.company, []
    if company.iban:
        bic = f" (BIC {company.bic})" if company.bic else ""
        holder = company.account_holder or company.name
        ways.append(f"IBAN {iban.grouped(company.iban)}{bic} in the name of {holder}")
    if settings.mail.payment_link:
        ways.append("a payment link per invoice")
    if ways:
        return ok("where to pay", "reminders give " + " and ".join(ways))
    return warning(
        "where to pay",
        "reminders don't say where to pay: set company.iban",
        'in [company]: iban = "NL.. .... .... .... .." (and account_holder when the account '
        "is not in the company's name); a [mail] payment_link can come beside it",
    )


def gmail_check(settings: Settings) -> Check:
    """The Gmail credentials can get a token with the scopes the configured modes need."""
    chosen = settings.mail.transport
    if not isinstance(chosen, GmailMail):
        where = chosen.path if isinstance(chosen, OutboxMail) else f"the mailbox {chosen.username}"
        return ok("Gmail", f"not used: mails go to {where}")
    from followup.adapters.gmail import wiring as gmail
    from followup.adapters.gmail.check import check_configured

    access = check_configured(
        lambda: gmail.credentials(settings, chosen),
        user=str(chosen.user),
        delegation=chosen.delegation,
    )
    if access.ok:
        return ok("Gmail", access.detail)
    return problem("Gmail", access.detail, access.fix)


def outbox_check(settings: Settings) -> list[Check]:
    """With the outbox transport, its folder can be written (or made)."""
    chosen = settings.mail.transport
    if not isinstance(chosen, OutboxMail):
        return []
    if trouble := folder_trouble(chosen.path, "[mail.transport] path"):
        return [problem("outbox", *trouble)]
    return [ok("outbox", f"mails are written to {chosen.path}")]


def ledger_check(settings: Settings, clock: Clock, resources: ExitStack) -> Check:
    """The ledger opens, and takes a write and a delete (a pause nobody matches)."""
    chosen = settings.ledger
    if isinstance(chosen, SqliteLedger):
        where, fix = str(chosen.path), f"make {chosen.path.parent} writable for this user"
        if trouble := file_trouble(chosen.path, "[ledger] path", example="ledger.sqlite3"):
            return problem("ledger", *trouble)
    else:
        where = f"Firestore {chosen.project}/{chosen.database} ({chosen.collection_prefix}*)"
        fix = (
            "create the database (`terraform apply`, infra/) and give this account "
            "roles/datastore.user on the project"
        )
    try:
        ledger = bootstrap.open_stores(settings, clock, resources).pauses
        probe = Pause(
            PROBE, business_date(clock.now()), "followup doctor: a probe, deleted at once"
        )
        ledger.pause(probe)
        if not ledger.resume(PROBE, None):
            return problem("ledger", f"{where}: a probe written could not be found again", fix)
    except FollowupError as exc:
        return problem("ledger", str(exc), fix)
    return ok("ledger", f"{where}: a probe record written and deleted")


def templates_check(settings: Settings) -> Check:
    """Every template the configured languages need loads."""
    languages = settings.languages
    wanted = ", ".join(sorted({*languages.map.values(), languages.default, languages.other}))
    try:
        bootstrap.open_composer(settings)
    except ConfigError as exc:  # a folder or a language that isn't there: a setting to correct
        return problem(
            "templates",
            "; ".join(exc.problems),
            "correct that setting (followup.example.toml explains each key)",
        )
    except FollowupError as exc:
        where = settings.mail.templates or "the built-in templates"
        return problem(
            "templates",
            str(exc),
            f"correct the template in {where}; `followup preview` renders every one",
        )
    return ok("templates", f"confirmations and reminders load in {wanted}")
