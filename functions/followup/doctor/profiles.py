"""The doctor of an accountancy office (settings with `[division.N]` profiles): what every
administration shares is checked once (the Exact token store and token, the ledger), then the
office's own part (the mailbox and templates of its overview digest) and each profile in turn,
in a block headed by the division's number and company name, so a broken mailbox names its
client. (Two mailboxes keeping a credential in one place are refused with the settings.)"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack

from followup import bootstrap
from followup.doctor.checks import Check, Heading, Impatient, guarded, ok, skipped
from followup.doctor.company import mail_checks, templates_check, where_to_pay_check
from followup.doctor.exact import ExactAccess, division_checks, token_checks
from followup.doctor.ledger import ledger_check
from followup.ports import Clock
from followup.settings import GmailMail, Settings, SmtpMail


def office_checks(
    settings: Settings,
    clock: Clock,
    refresh: bool,
    division: int | None,
) -> Iterator[Check | Heading]:
    """The shared checks, then the office's block and every profile's (`division`: that
    profile's block alone)."""
    chosen = [division] if division is not None else sorted(settings.profiles)
    with ExitStack() as resources:  # a demo's sandbox serves while every block is checked
        found: list[ExactAccess | None] = [None]

        def tokens() -> Iterator[Check]:
            exact = bootstrap.embedded_exact(settings, clock, resources)
            found[0] = yield from token_checks(exact, Impatient(clock), resources, refresh)

        yield from guarded("Exact", tokens)
        yield from guarded("ledger", lambda: iter([ledger_check(settings, clock, resources)]))
        if division is None:
            yield Heading("the office", settings.company.name)
            yield ok("office", _office_words(settings))
            yield from mail_checks(settings, clock)
            yield from guarded("templates", lambda: iter([templates_check(settings)]))
        for number in chosen:
            yield from _profile_block(number, settings.for_division(number), found[0], clock)


def _profile_block(
    number: int, profile: Settings, access: ExactAccess | None, clock: Clock
) -> Iterator[Check | Heading]:
    yield Heading(f"division {number}", profile.company.name)
    yield ok("profile", profile_words(profile))
    yield where_to_pay_check(profile)
    if access is None:
        yield skipped(f"division {number}", "no valid Exact token to check it with (above)")
    else:
        yield from guarded(f"division {number}", lambda: division_checks(access, [number]))
    yield from mail_checks(profile, clock)
    yield from guarded("templates", lambda: iter([templates_check(profile)]))


def mailbox_words(settings: Settings) -> str:
    """The mailbox the settings name, in words."""
    chosen = settings.mail.transport
    if isinstance(chosen, GmailMail):
        return f"Gmail {chosen.user}"
    if isinstance(chosen, SmtpMail):
        return f"SMTP/IMAP {chosen.username} at {chosen.host}"
    return f"the outbox folder {chosen.path}"


def profile_words(profile: Settings) -> str:
    """What one profile mails with, in a line: the mailbox, the modes, its own digest."""
    modes, digest = profile.mail.mode, profile.digest
    own = f"its digest to {digest.to}" if digest.enabled else "no digest of its own"
    return (
        f"from {profile.company.from_address} by {mailbox_words(profile)} (confirmations "
        f"{modes.confirmation.value}, reminders {modes.reminder.value}); {own}"
    )


def _office_words(settings: Settings) -> str:
    digest = settings.digest
    overview = f"the overview digest to {digest.to}" if digest.enabled else "no overview digest"
    return f"{overview}, from {settings.company.from_address} by {mailbox_words(settings)}"
