"""The service with fakes: a customer's answer to a reminder pauses their next reminders."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime

from fakes import (
    DIV,
    FakeClock,
    FakeComposer,
    FakeLedger,
    FakeMailer,
    FakeReplies,
    FakeSource,
    account,
    division_data,
    line,
)
from followup import service
from followup.clock import AMSTERDAM
from followup.errors import MailerError
from followup.mail.digest import digest_context
from followup.model import MailKind, Outcome, Reply
from followup.policy import Rules
from followup.settings import Languages, Modes
from followup.settings.rules import Policy, ReplyWatch

LEVEL_1 = date(2026, 11, 10)  # 9 days past due: the friendly reminder
LEVEL_2 = date(2026, 11, 23)  # 22 days past due: the businesslike one
CUSTOMER = account(2)  # code 1002, info@klant2.example.nl


def make(replies: FakeReplies, *, paid: bool = False) -> service.Deps:
    payer = account(1)
    payments = [line(1, payer.id, status=50, paid_on=date(2026, 11, 20), timestamp=11)]
    data = division_data(
        [payer, CUSTOMER],
        payments=payments if paid else [],
        open_items=[line(4, CUSTOMER.id, due=date(2026, 11, 1))],
    )
    ledger = FakeLedger()
    return service.Deps(
        source=FakeSource({DIV: data}),
        ledger=ledger,
        runlog=ledger,
        mailer=FakeMailer(),
        composer=FakeComposer(),
        clock=FakeClock(),
        rules=Rules(Policy(reminders_on_working_days_only=False), Modes(), Languages()),
        pauses=ledger,
        replies=replies,
        reply_watch=ReplyWatch(enabled=True, pause_days=14),
    )


def on(deps: service.Deps, day: date) -> service.RunReport:  # type: ignore[name-defined]
    deps.clock.current = datetime.combine(day, datetime.min.time(), AMSTERDAM).replace(hour=9)  # type: ignore[attr-defined]
    return service.run(deps, day)


def answer(sender: str, subject: str, **headers: str) -> Reply:
    return Reply(
        customer=CUSTOMER.code,
        reminder_to=CUSTOMER.email,
        sender=sender,
        at=datetime(2026, 11, 12, 14, 5, tzinfo=AMSTERDAM),
        subject=subject,
        headers=tuple((k.replace("_", "-"), v) for k, v in headers.items()),
    )


def reminders(report) -> list:  # type: ignore[no-untyped-def, type-arg]
    return [e for e in report.entries() if e.kind is MailKind.REMINDER]


def test_a_reply_to_a_level_1_reminder_pauses_level_2_and_leads_the_digest() -> None:
    replies = FakeReplies([answer("jan@klant2.example.nl", "Re: Betalingsherinnering F0004")])
    deps = make(replies)
    first = on(deps, LEVEL_1)
    assert [(e.outcome, e.level) for e in reminders(first)] == [(Outcome.DRAFTED, 1)]

    second = on(deps, LEVEL_2)

    [held] = reminders(second)
    assert held.outcome is Outcome.SKIPPED
    assert held.reason.startswith("paused until 2026-11-26: jan@klant2.example.nl, 2026-11-12")
    [pause] = deps.pauses.pauses(DIV)
    assert (pause.target, pause.until, pause.division) == ("1002", date(2026, 11, 26), DIV)
    assert '"Re: Betalingsherinnering F0004"' in pause.reason
    [alert] = digest_context(second)["alerts"]
    assert alert.text.code == "replied"
    assert alert.text.params["day"] == date(2026, 11, 12)
    [(_, asked, since)] = replies.asked  # the first run had no reminder to look after
    assert [r.customer for r in asked] == ["1002"]
    assert since == LEVEL_1


def test_an_out_of_office_answer_does_not_pause_the_next_reminder() -> None:
    deps = make(FakeReplies([answer("jan@klant2.example.nl", "Afwezig: Re: Herinnering")]))
    on(deps, LEVEL_1)
    second = on(deps, LEVEL_2)
    assert [(e.outcome, e.level) for e in reminders(second)] == [(Outcome.DRAFTED, 2)]
    assert deps.pauses.pauses(DIV) == []
    assert second.divisions[0].notes == []


def test_an_answer_marked_auto_submitted_does_not_pause() -> None:
    auto = answer("jan@klant2.example.nl", "Re: Herinnering", Auto_Submitted="auto-replied")
    deps = make(FakeReplies([auto]))
    on(deps, LEVEL_1)
    assert [e.level for e in reminders(on(deps, LEVEL_2))] == [2]


def test_an_answer_from_another_domain_does_not_pause() -> None:
    deps = make(FakeReplies([answer("someone@elders.example.com", "Re: Herinnering")]))
    on(deps, LEVEL_1)
    assert [e.outcome for e in reminders(on(deps, LEVEL_2))] == [Outcome.DRAFTED]


def test_thank_yous_go_on_while_the_customer_is_paused() -> None:
    replies = FakeReplies([answer("jan@klant2.example.nl", "Re: Betalingsherinnering")])
    deps = make(replies)
    on(deps, LEVEL_1)
    deps = replace(deps, source=make(replies, paid=True).source)
    second = on(deps, LEVEL_2)
    confirmations = [e.outcome for e in second.entries() if e.kind is MailKind.CONFIRMATION]
    assert confirmations == [Outcome.DRAFTED]
    assert [e.outcome for e in reminders(second)] == [Outcome.SKIPPED]


def test_an_answer_seen_by_an_earlier_run_is_not_told_again() -> None:
    deps = make(FakeReplies([answer("jan@klant2.example.nl", "Re: Betalingsherinnering")]))
    on(deps, LEVEL_1)
    on(deps, date(2026, 11, 12))
    again = on(deps, date(2026, 11, 13))
    assert again.divisions[0].notes == []
    assert len(deps.pauses.pauses(DIV)) == 1


def test_a_dry_run_holds_the_reminder_but_stores_no_pause() -> None:
    deps = make(FakeReplies([answer("jan@klant2.example.nl", "Re: Betalingsherinnering")]))
    on(deps, LEVEL_1)
    deps.clock.current = datetime(2026, 11, 23, 9, 0, tzinfo=AMSTERDAM)  # type: ignore[attr-defined]
    report = service.run(deps, LEVEL_2, dry_run=True)
    assert [e.outcome for e in reminders(report)] == [Outcome.SKIPPED]
    assert deps.pauses.pauses(DIV) == []


def test_a_mailbox_that_cannot_be_read_is_a_note_and_the_run_goes_on() -> None:
    replies = FakeReplies()
    deps = make(replies)
    on(deps, LEVEL_1)
    replies.fail = MailerError("IMAP SEARCH failed")
    second = on(deps, LEVEL_2)
    assert [n.code for n in second.divisions[0].notes] == ["replies_unread"]  # type: ignore[attr-defined]
    assert [e.level for e in reminders(second)] == [2]


def test_without_the_setting_the_mailbox_is_not_asked() -> None:
    replies = FakeReplies([answer("jan@klant2.example.nl", "Re: Betalingsherinnering")])
    deps = replace(make(replies), reply_watch=ReplyWatch())
    on(deps, LEVEL_1)
    on(deps, LEVEL_2)
    assert replies.asked == []


def test_an_answer_seen_before_a_resume_does_not_pause_the_customer_again() -> None:
    early = replace(
        answer("jan@klant2.example.nl", "Re: Betalingsherinnering F0004"),
        at=datetime(2026, 11, 13, 8, 0, tzinfo=AMSTERDAM),  # before the run of the 13th
    )
    deps = make(FakeReplies([early]), paid=True)  # a payment too: the watermark moves every run
    on(deps, LEVEL_1)
    on(deps, date(2026, 11, 13))  # the morning's answer: paused
    assert deps.pauses.pauses(DIV)
    assert deps.ledger.watermarks[DIV].replies_seen is not None
    assert deps.pauses.resume(CUSTOMER.code, DIV)  # the owner read it and lifts the pause

    # The next run looks from the 13th (its date) but knows it read up to 09:00 that day.
    later = on(deps, LEVEL_2)

    assert deps.pauses.pauses(DIV) == []  # the same answer doesn't pause again
    assert [e.outcome for e in reminders(later)] == [Outcome.DRAFTED]
