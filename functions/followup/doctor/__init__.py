"""`followup doctor`: every check a morning run depends on, each with its verdict and its cure.

Settings (and whether reminders say where to pay), the Exact token store, the Exact token (used
only while still valid: a refresh rotates the token pair and counts against the 200 token calls a
day, so it happens only when asked), access to each division, the Gmail credentials against the
configured modes, the ledger (a probe written and deleted), and the templates. A check never
raises: any failure is a Check. An office's settings (profiles) are checked per administration:
doctor/profiles.py.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

from followup import bootstrap
from followup.doctor.checks import Check, Heading, Impatient, guarded, ok, problem
from followup.doctor.company import (
    gmail_check,
    mail_checks,
    outbox_check,
    templates_check,
    where_to_pay_check,
)
from followup.doctor.exact import exact_checks
from followup.doctor.ledger import ledger_check
from followup.doctor.profiles import office_checks
from followup.errors import ConfigError
from followup.ports import Clock
from followup.settings import Settings, load

__all__ = [
    "Check",
    "Heading",
    "gmail_check",
    "ledger_check",
    "outbox_check",
    "run_checks",
    "templates_check",
    "where_to_pay_check",
]


def run_checks(
    path: Path, clock: Clock, *, refresh: bool = False, division: int | None = None
) -> Iterator[Check | Heading]:
    """Every check, in order, as each completes; with profiles, each administration's in a
    block under its Heading. `division`: that division only. A `division` the settings have no
    profile for (or don't list) is a ConfigError (exit 2), raised before any check."""
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
    divisions = _chosen(settings, division, path)
    yield ok("settings", _summary(path, settings))
    if settings.profiles:
        yield from office_checks(settings, clock, refresh, division)
        return
    yield where_to_pay_check(settings)
    patient = Impatient(clock)
    with ExitStack() as resources:  # a demo's settings: its sandbox serves while it is checked
        yield from guarded(
            "Exact",
            lambda: exact_checks(
                bootstrap.embedded_exact(settings, clock, resources),
                patient,
                resources,
                refresh,
                divisions,
            ),
        )
    yield from mail_checks(settings, clock)
    with ExitStack() as resources:
        yield from guarded("ledger", lambda: iter([ledger_check(settings, clock, resources)]))
    yield from guarded("templates", lambda: iter([templates_check(settings)]))


def _chosen(settings: Settings, division: int | None, path: Path) -> list[int] | None:
    """The divisions whose access is checked: `division` alone (None: the configured ones);
    one that has no profile, or isn't in [exact] divisions, is a ConfigError."""
    if division is None:
        return None
    try:
        settings.for_division(division)
    except ConfigError as exc:
        raise ConfigError(exc.problems, str(path)) from None
    listed = settings.exact.divisions
    if division <= 0 or (listed and division not in listed):
        raise ConfigError(
            [
                f"--division {division}: not in exact.divisions "
                f"({', '.join(str(d) for d in listed) or 'none'})"
            ],
            str(path),
        )
    return [division]


def _summary(path: Path, settings: Settings) -> str:
    divisions = ", ".join(str(d) for d in settings.exact.divisions) or "every visible one"
    shared = f"tokens: {settings.tokens.backend}; ledger: {settings.ledger.backend}"
    if settings.profiles:
        return (
            f"{path} is valid; divisions: {divisions}; a profile for each of "
            f"{', '.join(str(n) for n in sorted(settings.profiles))}; {shared}"
        )
    modes = settings.mail.mode
    return (
        f"{path} is valid; divisions: {divisions}; {shared}; mail: "
        f"{settings.mail.transport.backend} (confirmations {modes.confirmation.value}, "
        f"reminders {modes.reminder.value})"
    )
