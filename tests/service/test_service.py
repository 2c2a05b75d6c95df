"""The service with hand-written fakes: exactly once, recovery, failures, dry runs."""

from __future__ import annotations

from datetime import date

import pytest

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
from followup.errors import ExactServerError, ExactTokenRevoked, MailerAuthError, MailerError
from followup.model import MailKind, Mode, Outcome, UnreadableRow, Watermark
from followup.policy import Rules
from followup.ports import Trace
from followup.settings import Languages, Modes
from followup.settings.rules import Policy

WEEKDAYS = Policy(reminders_on_working_days_only=False)
RUN = date(2026, 11, 23)
YESTERDAY = date(2026, 11, 22)


def make(data=None, mailer=None, ledger=None, modes=None):  # type: ignore[no-untyped-def]
    acc1, acc2, acc3 = account(1), account(2), account(3, email="")
    data = data or {
        DIV: division_data(
            [acc1, acc2, acc3],
            payments=[
                line(1, acc1.id, status=50, paid_on=YESTERDAY, timestamp=11),
                line(2, acc1.id, status=50, paid_on=YESTERDAY, timestamp=12),
                line(3, acc3.id, status=50, paid_on=YESTERDAY, timestamp=13),
            ],
            open_items=[line(4, acc2.id, due=date(2026, 11, 1))],
        )
    }
    deps = service.Deps(
        source=FakeSource(data),
        ledger=ledger or FakeLedger(),
        runlog=None,  # type: ignore[arg-type]  # set below: the fake ledger is both
        mailer=mailer or FakeMailer(),
        composer=FakeComposer(),
        clock=FakeClock(),
        rules=Rules(WEEKDAYS, modes or Modes(), Languages()),
        pauses=None,  # type: ignore[arg-type]
    )
    return service.Deps(**{**deps.__dict__, "runlog": deps.ledger, "pauses": deps.ledger})


def outcomes(report, kind=None):  # type: ignore[no-untyped-def]
    return sorted(e.outcome.value for e in report.entries() if kind is None or e.kind is kind)


def test_a_run_drafts_one_mail_per_customer_and_skips_the_one_without_email() -> None:
    deps = make()
    report = service.run(deps, RUN)
    assert report.ok
    assert outcomes(report, MailKind.CONFIRMATION) == ["drafted", "skipped"]
    assert outcomes(report, MailKind.REMINDER) == ["drafted"]
    assert len(deps.mailer.delivered) == 2
    assert {mode for _, mode in deps.mailer.delivered.values()} == {Mode.DRAFT}
    assert deps.ledger.watermarks[DIV] == Watermark(13, RUN)
    assert deps.ledger.runs == [report]


def test_second_run_sends_nothing() -> None:
    deps = make()
    service.run(deps, RUN)
    again = service.run(deps, RUN)
    assert len(deps.mailer.delivered) == 2
    assert "drafted" not in outcomes(again)
    [reminder] = [e for e in again.entries() if e.kind is MailKind.REMINDER]
    assert reminder.outcome is Outcome.ALREADY_DONE
    assert reminder.reason.startswith("reminded on 2026-11-23; the next reminder can go from")


def test_the_mode_per_kind_comes_from_the_settings() -> None:
    deps = make(modes=Modes(confirmation=Mode.SEND))
    report = service.run(deps, RUN)
    assert outcomes(report, MailKind.CONFIRMATION) == ["sent", "skipped"]


def test_a_dry_run_delivers_nothing_and_records_nothing() -> None:
    deps = make()
    report = service.run(deps, RUN, dry_run=True)
    assert outcomes(report) == ["planned", "planned", "skipped"]
    assert deps.mailer.delivered == {}
    assert deps.ledger.rows == {}
    assert deps.ledger.watermarks == {}
    assert deps.ledger.runs == []


def test_a_crash_after_the_mailer_accepted_is_recovered_without_a_second_delivery() -> None:
    mailer = FakeMailer()
    deps = make(mailer=mailer)
    mailer.crash_after_accept = True
    with pytest.raises(SystemExit):
        service.run(deps, RUN)
    assert len(deps.ledger.unfinished(DIV)) == 1
    mailer.crash_after_accept = False
    report = service.run(deps, RUN)
    assert len(mailer.delivered) == 2  # the crashed one is found, not delivered again
    assert deps.ledger.unfinished(DIV) == []
    recovered = [e for e in report.entries() if "died before recording" in e.reason]
    assert len(recovered) == 1


def test_a_crash_before_the_mailer_accepted_is_delivered_by_the_next_run() -> None:
    mailer = FakeMailer()
    deps = make(mailer=mailer)
    mailer.fail_next = [SystemExit("crash before the provider saw it")]  # type: ignore[list-item]
    with pytest.raises(SystemExit):
        service.run(deps, RUN)
    assert mailer.delivered == {}
    service.run(deps, RUN)
    assert len(mailer.delivered) == 2


def test_an_unverifiable_claim_is_reported_uncertain_and_never_resent() -> None:
    mailer = FakeMailer(trace_when_missing=Trace.UNKNOWN)
    deps = make(mailer=mailer)
    mailer.fail_next = [SystemExit("crash")]  # type: ignore[list-item]
    with pytest.raises(SystemExit):
        service.run(deps, RUN)
    report = service.run(deps, RUN)
    assert "uncertain" in outcomes(report)
    third = service.run(deps, RUN)
    assert len(mailer.delivered) == 1  # only the other customer's mail
    assert "uncertain" not in outcomes(third)


def test_a_failed_delivery_is_retried_next_run_and_holds_the_watermark() -> None:
    mailer = FakeMailer()
    deps = make(mailer=mailer)
    mailer.fail_next = [MailerError("quota")]
    report = service.run(deps, RUN)
    assert "failed" in outcomes(report, MailKind.CONFIRMATION)
    assert DIV not in deps.ledger.watermarks
    service.run(deps, RUN)
    assert len(mailer.delivered) == 2
    assert deps.ledger.watermarks[DIV].sync_timestamp == 13


def test_a_permanent_rejection_is_not_retried() -> None:
    mailer = FakeMailer()
    deps = make(mailer=mailer)
    mailer.fail_next = [MailerError("bad recipient", permanent=True)]
    report = service.run(deps, RUN)
    assert "rejected" in outcomes(report)
    service.run(deps, RUN)
    assert len(mailer.delivered) == 1


def test_an_auth_failure_of_the_mailer_stops_the_run_with_a_clear_message() -> None:
    mailer = FakeMailer()
    deps = make(mailer=mailer)
    mailer.fail_next = [MailerAuthError("Gmail refused the token: run followup auth gmail")]
    report = service.run(deps, RUN)
    assert not report.ok
    assert "followup auth gmail" in report.divisions[0].error


def test_one_failing_division_does_not_stop_the_others() -> None:
    acc = account(1)
    data = {
        DIV: division_data([acc], payments=[line(1, acc.id, status=50, paid_on=YESTERDAY)]),
        200: division_data(
            [acc], payments=[line(1, acc.id, status=50, paid_on=YESTERDAY)], division=200
        ),
    }
    deps = make(data=data)
    deps.source.failing[DIV] = ExactServerError("Exact is down", status=503)
    report = service.run(deps, RUN)
    assert not report.ok
    assert [d.ok for d in report.divisions] == [False, True]
    assert "Exact is down" in report.divisions[0].error


def test_a_revoked_exact_token_stops_every_division_with_the_reason() -> None:
    acc = account(1)
    data = {d: division_data([acc], division=d) for d in (DIV, 200)}
    deps = make(data=data)
    deps.source.failing[DIV] = ExactTokenRevoked("run followup auth exact")
    report = service.run(deps, RUN)
    assert [d.error for d in report.divisions] == [
        "run followup auth exact",
        "not run: run followup auth exact",
    ]
    assert len(deps.source.reads) == 1


def test_a_missed_day_is_caught_up_from_the_watermark() -> None:
    acc = account(1)
    data = {
        DIV: division_data(
            [acc],
            payments=[
                line(1, acc.id, status=50, paid_on=date(2026, 11, 20), timestamp=5),
                line(2, acc.id, status=50, paid_on=date(2026, 11, 21), timestamp=6),
                line(3, acc.id, status=50, paid_on=YESTERDAY, timestamp=7),
            ],
        )
    }
    deps = make(data=data)
    deps.ledger.watermarks[DIV] = Watermark(5, date(2026, 11, 21))  # the run of the 22nd failed
    report = service.run(deps, RUN)
    [entry] = [e for e in report.entries() if e.outcome is Outcome.DRAFTED]
    assert entry.invoice_numbers == ("20260002", "20260003")
    assert deps.source.reads == [(DIV, 5, date(2026, 11, 7))]


def with_digest(deps, to="eigenaar@example.nl", mode=Mode.SEND):  # type: ignore[no-untyped-def]
    from dataclasses import replace

    from followup.settings.rules import Digest

    return replace(deps, digest=Digest(enabled=True, to=to, mode=mode))


def test_the_owner_gets_one_digest_per_run_with_news_and_none_for_a_quiet_rerun() -> None:
    deps = with_digest(make())
    first = service.run(deps, RUN)
    assert first.digest is not None
    assert first.digest.outcome is Outcome.SENT
    assert first.digest.recipient == "eigenaar@example.nl"
    digests = [
        m for m, _ in deps.mailer.delivered.values() if str(m["To"]) == "eigenaar@example.nl"
    ]
    assert len(digests) == 1
    quiet = service.run(deps, RUN)
    assert quiet.digest is not None
    assert quiet.digest.outcome is Outcome.SENT  # the first quiet digest of the day
    again = service.run(deps, RUN)
    assert again.digest is not None
    assert again.digest.outcome is Outcome.ALREADY_DONE


def test_a_dry_run_plans_the_digest_and_delivers_nothing() -> None:
    deps = with_digest(make())
    report = service.run(deps, RUN, dry_run=True)
    assert report.digest is not None
    assert report.digest.outcome is Outcome.PLANNED
    assert deps.mailer.delivered == {}


def test_a_failing_digest_is_reported_and_the_run_is_still_recorded() -> None:
    mailer = FakeMailer()
    deps = with_digest(make(mailer=mailer))
    report = service.run(deps, RUN)
    mailer.fail_next = [MailerError("quota")]  # the quiet rerun's only mail is its digest
    second = service.run(deps, RUN)
    assert report.digest is not None
    assert second.digest is not None
    assert second.digest.outcome is Outcome.FAILED
    assert deps.ledger.runs[-1] is second


UNREADABLE = UnreadableRow(
    division=DIV,
    endpoint="bulk/Cashflow/Receivables",
    row_id="5e1ab1c4-0000-4000-8000-000000000009",
    reason="DueDate is not a date",
    customer_code="2009",
    customer_name="Bakkerij Bol",
    invoice_number="20260009",
)


def with_unreadable(deps, *rows):  # type: ignore[no-untyped-def]
    from dataclasses import replace

    deps.source.data[DIV] = replace(deps.source.data[DIV], unreadable=rows)
    return deps


def test_a_row_exact_sent_that_could_not_be_read_reaches_the_division_report_and_the_log(
    caplog: pytest.LogCaptureFixture,
) -> None:
    deps = with_unreadable(make(), UNREADABLE)
    with caplog.at_level("WARNING", logger="followup.run"):
        report = service.run(deps, RUN)
    assert report.divisions[0].unreadable == [UNREADABLE]
    assert outcomes(report, MailKind.REMINDER) == ["drafted"]  # the rest of the run goes on
    [logged] = [
        getattr(r, "decision", None) for r in caplog.records if "could not be read" in r.msg
    ]
    assert logged == {
        "event": "unreadable_row",
        "division": DIV,
        "endpoint": "bulk/Cashflow/Receivables",
        "row_id": UNREADABLE.row_id,
        "customer": "2009",
        "invoice": "20260009",
        "reason": "DueDate is not a date",
    }


def test_rows_that_could_not_be_read_are_news_for_the_digest_of_a_quiet_rerun() -> None:
    deps = with_digest(make())
    service.run(deps, RUN)
    service.run(deps, RUN)  # the first quiet digest of the day
    with_unreadable(deps, UNREADABLE)
    news = service.run(deps, RUN)
    again = service.run(deps, RUN)
    assert news.digest is not None
    assert news.digest.outcome is Outcome.SENT
    assert again.digest is not None
    assert again.digest.outcome is Outcome.ALREADY_DONE


def test_reminders_carry_the_invoice_pdfs_fetched_once_per_division() -> None:
    from dataclasses import replace

    deps = replace(make(), attach_invoice_pdf=True)
    deps.source.pdfs["entry-4"] = ("Factuur 20260004.pdf", b"%PDF-1.4 ...")
    report = service.run(deps, RUN)
    [reminder] = [e for e in report.entries() if e.kind is MailKind.REMINDER]
    assert deps.composer.attachments[reminder.key] == ["Factuur 20260004.pdf"]
    assert deps.source.pdf_requests == [(DIV, ("entry-4",))]
    confirmations = [e for e in report.entries() if e.kind is MailKind.CONFIRMATION and e.key]
    assert all(deps.composer.attachments[e.key] == [] for e in confirmations)


def test_when_exact_cannot_give_the_pdfs_the_reminders_go_without_and_say_so() -> None:
    from dataclasses import replace

    from followup.errors import ExactServerError

    deps = replace(make(), attach_invoice_pdf=True)
    deps.source.pdfs_fail = ExactServerError("documents down", status=503)
    report = service.run(deps, RUN)
    assert "drafted" in outcomes(report, MailKind.REMINDER)
    assert "invoice PDFs could not be read from Exact" in report.divisions[0].notes[0]


def test_a_lost_answer_from_the_provider_leaves_the_claim_for_the_next_run() -> None:
    from followup.errors import DeliveryUncertain

    mailer = FakeMailer()
    deps = make(mailer=mailer)
    mailer.fail_next = [DeliveryUncertain("the answer was lost")]  # type: ignore[list-item]
    report = service.run(deps, RUN)
    assert "the answer was lost" in report.divisions[0].error
    assert len(deps.ledger.unfinished(DIV)) == 1  # not "failed": that would be sent again
    service.run(deps, RUN)
    assert deps.ledger.unfinished(DIV) == []
    assert len(mailer.delivered) == 2  # the fake proves it absent: delivered once, now


def test_a_first_run_that_reads_only_part_of_the_history_keeps_its_window_next_time() -> None:
    from dataclasses import replace

    acc = account(1)
    data = division_data(
        [acc], payments=[line(1, acc.id, status=50, paid_on=YESTERDAY, timestamp=9)]
    )
    deps = make(data={DIV: replace(data, next_watermark=9, caught_up=False)})

    report = service.run(deps, RUN)

    assert deps.ledger.watermarks[DIV] == Watermark(9, RUN, complete=False)
    assert any("read in part" in note for note in report.divisions[0].notes)
    # Two days later the history is read to its end: the window is still the first run's.
    deps.source.data[DIV] = replace(data, next_watermark=20)
    later = date(2026, 11, 25)
    service.run(deps, later)
    assert deps.source.reads[-1] == (DIV, 9, YESTERDAY)
    assert deps.ledger.watermarks[DIV] == Watermark(20, later)


def test_a_later_run_that_reads_in_part_just_continues_next_time() -> None:
    from dataclasses import replace

    acc = account(1)
    data = division_data([acc], payments=[])
    deps = make(data={DIV: replace(data, next_watermark=30, caught_up=False)})
    deps.ledger.watermarks[DIV] = Watermark(5, YESTERDAY)

    service.run(deps, RUN)

    assert deps.ledger.watermarks[DIV] == Watermark(30, RUN)


def test_money_in_transit_on_exacts_report_holds_the_reminder_it_covers() -> None:
    from decimal import Decimal

    deps = make()
    account_id = deps.source.data[DIV].open_items[0].account_id
    deps.source.transit = {(account_id.lower(), "20260004"): Decimal("100.00")}

    report = service.run(deps, RUN)

    assert outcomes(report, MailKind.REMINDER) == []
    assert deps.source.transit_requests == [(DIV, (account_id,))]


def test_a_part_in_transit_leaves_the_rest_to_remind_and_says_so() -> None:
    from decimal import Decimal

    deps = make()
    account_id = deps.source.data[DIV].open_items[0].account_id
    deps.source.transit = {(account_id.lower(), "20260004"): Decimal("40.00")}

    report = service.run(deps, RUN)

    assert outcomes(report, MailKind.REMINDER) == ["drafted"]
    [mail] = [m for m in deps.composer.mails.values() if m.kind is MailKind.REMINDER]
    [line] = mail.lines
    assert (line.amount, line.in_transit) == (Decimal("60.00"), Decimal("40.00"))


def test_no_reminder_planned_means_no_question_about_money_in_transit() -> None:
    deps = make()
    deps.source.data[DIV] = deps.source.data[DIV].__class__(
        **{**deps.source.data[DIV].__dict__, "open_items": ()}
    )

    service.run(deps, RUN)

    assert deps.source.transit_requests == []


def test_a_past_dated_run_confirms_that_day_and_leaves_later_payments_to_the_next_run() -> None:
    acc = account(1)
    data = division_data(
        [acc],
        payments=[
            line(1, acc.id, status=50, paid_on=date(2026, 11, 20), timestamp=5),
            line(2, acc.id, status=50, paid_on=YESTERDAY, timestamp=7),
        ],
    )
    deps = make(data={DIV: data})  # the clock says 23 November

    past = service.run(deps, date(2026, 11, 21))

    assert [e.invoice_numbers for e in past.entries() if e.outcome is Outcome.DRAFTED] == [
        ("20260001",)
    ]
    assert outcomes(past, MailKind.CONFIRMATION) == ["drafted"]  # 22 November: not skipped
    assert deps.ledger.watermarks[DIV] == Watermark(6, date(2026, 11, 21))
    today = service.run(deps, RUN)
    assert [e.invoice_numbers for e in today.entries() if e.outcome is Outcome.DRAFTED] == [
        ("20260002",)
    ]
    assert deps.ledger.watermarks[DIV] == Watermark(7, RUN)


def test_a_run_for_a_past_date_never_takes_the_window_back() -> None:
    deps = make()
    deps.ledger.watermarks[DIV] = Watermark(13, RUN)

    service.run(deps, date(2026, 11, 20))

    assert deps.ledger.watermarks[DIV] == Watermark(13, RUN)


def test_one_reminder_per_interval_counts_run_dates_not_the_clock() -> None:
    deps = make()  # an invoice due 1 November; the clock says 23 November
    first = service.run(deps, date(2026, 11, 16))  # 15 days late: the first reminder
    assert outcomes(first, MailKind.REMINDER) == ["drafted"]
    later = service.run(deps, RUN)  # 22 days late, a week after the 16th: the second may go
    assert outcomes(later, MailKind.REMINDER) == ["drafted"]
    assert not [e for e in later.entries() if "reminded on" in e.reason]


def test_what_a_read_learnt_of_the_listings_is_kept_with_the_watermark() -> None:
    from dataclasses import replace

    deps = make()
    pages = (("CRM/Accounts", 20),)
    deps.source.data[DIV] = replace(deps.source.data[DIV], listing_pages=pages)

    service.run(deps, RUN)

    assert deps.ledger.watermarks[DIV].listing_pages == pages
