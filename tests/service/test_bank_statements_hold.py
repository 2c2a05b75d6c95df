"""Reminders wait while a division's bank statements are behind; thank-yous go (the service
with fakes)."""

from __future__ import annotations

from datetime import date

from fakes import (
    DIV,
    FakeClock,
    FakeComposer,
    FakeLedger,
    FakeMailer,
    FakeSource,
    account,
    division_data,
    line,
)
from followup import service
from followup.errors import ExactRequestError
from followup.model import MailKind, Mode, Outcome, RunReport
from followup.policy import Rules
from followup.reasons import as_reason
from followup.settings import Languages, Modes
from followup.settings.rules import Policy

RUN = date(2026, 11, 23)  # a Monday
FIVE_WORKING_DAYS_AGO = date(2026, 11, 16)


def make(policy: Policy | None = None) -> service.Deps:
    paid, late = account(1), account(2)
    data = division_data(
        [paid, late],
        payments=[line(1, paid.id, status=50, paid_on=date(2026, 11, 22), timestamp=11)],
        open_items=[line(2, late.id, due=date(2026, 11, 1))],
    )
    ledger = FakeLedger()
    return service.Deps(
        source=FakeSource({DIV: data}),
        ledger=ledger,
        runlog=ledger,
        mailer=FakeMailer(),
        composer=FakeComposer(),
        clock=FakeClock(),
        rules=Rules(policy or Policy(), Modes(), Languages()),
        pauses=ledger,
    )


def _entry(report: RunReport, kind: MailKind):  # type: ignore[no-untyped-def]
    [entry] = [e for e in report.entries() if e.kind is kind]
    return entry


def test_statements_five_working_days_old_hold_the_reminders_while_thank_yous_go() -> None:
    deps = make()
    deps.source.statements[DIV] = FIVE_WORKING_DAYS_AGO  # type: ignore[attr-defined]

    report = service.run(deps, RUN)

    assert _entry(report, MailKind.CONFIRMATION).outcome is Outcome.DRAFTED
    reminder = _entry(report, MailKind.REMINDER)
    assert reminder.outcome is Outcome.ALREADY_DONE  # waiting: nothing claimed
    assert as_reason(reminder.reason).code == "statements_behind"
    assert as_reason(reminder.reason).params == {"day": FIVE_WORKING_DAYS_AGO}
    [note] = report.divisions[0].notes
    assert as_reason(note).code == "statements_held"
    assert as_reason(note).params == {"day": FIVE_WORKING_DAYS_AGO, "days": 3}
    assert deps.source.statement_requests == [(DIV, date(2026, 11, 18))]  # type: ignore[attr-defined]
    assert len(deps.mailer.delivered) == 1  # type: ignore[attr-defined]


def test_statements_imported_again_release_the_held_reminders() -> None:
    deps = make()
    deps.source.statements[DIV] = FIVE_WORKING_DAYS_AGO  # type: ignore[attr-defined]
    service.run(deps, RUN)

    deps.source.statements[DIV] = date(2026, 11, 20)  # type: ignore[attr-defined]
    again = service.run(deps, RUN)

    assert _entry(again, MailKind.REMINDER).outcome is Outcome.DRAFTED
    assert again.divisions[0].notes == []


def test_a_hold_that_drafts_writes_the_reminders_as_drafts_with_the_reason() -> None:
    deps = make(Policy(bank_statements_hold="draft"))
    deps = service.Deps(**{**deps.__dict__, "rules": Rules(
        deps.rules.policy, Modes(reminder=Mode.SEND), Languages())})  # fmt: skip
    deps.source.statements[DIV] = FIVE_WORKING_DAYS_AGO  # type: ignore[attr-defined]

    report = service.run(deps, RUN)

    reminder = _entry(report, MailKind.REMINDER)
    assert reminder.outcome is Outcome.DRAFTED  # not sent, as the settings would have it
    assert [as_reason(n).code for n in reminder.notes] == ["statements_behind_drafted"]
    assert [as_reason(n).code for n in report.divisions[0].notes] == ["statements_held_drafted"]


def test_a_division_without_bank_statements_is_reported_not_held() -> None:
    deps = make()
    deps.source.statements[DIV] = None  # type: ignore[attr-defined]

    report = service.run(deps, RUN)

    assert _entry(report, MailKind.REMINDER).outcome is Outcome.DRAFTED
    assert [as_reason(n).code for n in report.divisions[0].notes] == ["no_bank_statements"]


def test_statements_that_cannot_be_read_hold_nothing_and_say_so() -> None:
    deps = make()

    def refuse(division: int, cutoff: date) -> object:
        raise ExactRequestError("no access to financial accounting", status=400)

    deps.source.bank_statements = refuse  # type: ignore[method-assign,assignment]

    report = service.run(deps, RUN)

    assert _entry(report, MailKind.REMINDER).outcome is Outcome.DRAFTED
    assert [as_reason(n).code for n in report.divisions[0].notes] == ["statements_unread"]


def test_without_reminders_due_the_statements_are_not_asked_for() -> None:
    deps = make()
    service.run(deps, date(2026, 11, 5))  # nothing overdue enough yet
    assert deps.source.statement_requests == []  # type: ignore[attr-defined]


def test_a_max_age_of_zero_turns_the_check_off() -> None:
    deps = make(Policy(bank_statements_max_age=0))
    deps.source.statements[DIV] = FIVE_WORKING_DAYS_AGO  # type: ignore[attr-defined]

    report = service.run(deps, RUN)

    assert _entry(report, MailKind.REMINDER).outcome is Outcome.DRAFTED
    assert deps.source.statement_requests == []  # type: ignore[attr-defined]
