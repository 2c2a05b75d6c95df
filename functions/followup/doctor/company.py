"""The doctor's checks of what one company mails with: that reminders say where to pay, its
mailbox (Gmail, the outbox folder, or SMTP/IMAP: doctor/mailbox.py) and its templates. The
settings are the file's, or one administration's profile (`Settings.for_division`)."""

from __future__ import annotations

from collections.abc import Iterator

from followup import bootstrap, iban
from followup.doctor.checks import Check, guarded, ok, problem, warning
from followup.doctor.mailbox import mailbox_checks
from followup.doctor.paths import folder_trouble
from followup.errors import ConfigError, FollowupError
from followup.ports import Clock
from followup.settings import GmailMail, OutboxMail, Settings


def mail_checks(settings: Settings, clock: Clock) -> Iterator[Check]:
    """The mailbox the settings name: Gmail's credentials, the outbox folder, or the SMTP/IMAP
    mailbox's login, folders and sending."""
    yield from guarded("Gmail", lambda: iter([gmail_check(settings)]))
    yield from guarded("outbox", lambda: iter(outbox_check(settings)))
    yield from guarded("mailbox", lambda: mailbox_checks(settings, clock))


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
