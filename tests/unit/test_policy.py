"""Policy: which confirmations and reminders are due, decided from data and a date alone."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from fakes import DIV, account, division_data, line
from followup import policy
from followup.model import Contact, MailKind, Mode, Watermark
from followup.policy import Rules
from followup.settings import Languages, Modes, Policy

RULES = Rules(Policy(), Modes(), Languages())
RUN = date(2026, 11, 23)
YESTERDAY = date(2026, 11, 22)


def plan(data, run_date=RUN, since=None, covered=None):  # type: ignore[no-untyped-def]
    since = since or policy.window_start(None, run_date, RULES.policy)
    return policy.plan(data, run_date, since, RULES, covered or {})


def test_a_first_run_confirms_only_yesterday() -> None:
    assert policy.window_start(None, RUN, Policy()) == YESTERDAY
    assert policy.window_start(None, RUN, Policy(lookback_days=3)) == date(2026, 11, 20)


def test_a_later_run_reaches_back_to_the_last_run_minus_the_late_match_grace() -> None:
    mark = Watermark(sync_timestamp=10, run_date=date(2026, 11, 20))
    assert policy.window_start(mark, RUN, Policy(late_match_days=14)) == date(2026, 11, 6)


@pytest.mark.parametrize(
    ("run_date", "paid_on"),
    [
        (date(2027, 1, 1), date(2026, 12, 31)),  # year end
        (date(2026, 12, 1), date(2026, 11, 30)),  # month end
        (date(2027, 3, 1), date(2027, 2, 28)),  # February, not a leap year
        (date(2028, 3, 1), date(2028, 2, 29)),  # leap day
        (date(2026, 3, 30), date(2026, 3, 29)),  # the day summer time starts
        (date(2026, 10, 26), date(2026, 10, 25)),  # the day summer time ends
    ],
)
def test_yesterdays_payment_is_confirmed_across_month_year_and_dst_boundaries(
    run_date: date, paid_on: date
) -> None:
    acc = account(1)
    data = division_data([acc], payments=[line(1, acc.id, status=50, paid_on=paid_on)])
    result = plan(data, run_date=run_date)
    assert [m.kind for m in result.mails] == [MailKind.CONFIRMATION]
    assert result.mails[0].lines[0].payment_date == paid_on


def test_one_confirmation_per_customer_lists_every_invoice_it_settled() -> None:
    acc = account(1)
    data = division_data(
        [acc],
        payments=[
            line(1, acc.id, status=50, paid_on=YESTERDAY, amount="250.00"),
            line(2, acc.id, status=50, paid_on=YESTERDAY, amount="1000.00"),
        ],
    )
    [mail] = plan(data).mails
    assert [line_.invoice_number for line_ in mail.lines] == ["20260001", "20260002"]
    assert all(line_.settled for line_ in mail.lines)
    assert mail.mode is Mode.DRAFT
    assert mail.variant == "standard"
    assert mail.item_ids == ("line-1", "line-2")


def test_a_partial_payment_is_never_described_as_settling_its_invoice() -> None:
    acc = account(1)
    paid = line(1, acc.id, status=50, paid_on=YESTERDAY, amount="400.00", total="1000.00")
    still_open = line(
        2, acc.id, amount="600.00", total="1000.00", entry=paid.entry_id, due=date(2026, 12, 1)
    )
    data = division_data([acc], payments=[paid], open_items=[still_open])
    [mail] = plan(data).mails
    [invoice] = mail.lines
    assert invoice.amount == Decimal("400.00")
    assert invoice.remaining == Decimal("600.00")
    assert not invoice.settled
    assert mail.variant == "partial"


def test_payments_outside_the_window_or_reversed_are_not_confirmed() -> None:
    acc = account(1)
    data = division_data(
        [acc],
        payments=[
            line(1, acc.id, status=50, paid_on=date(2026, 11, 21)),  # before the window
            line(2, acc.id, status=50, paid_on=RUN, timestamp=7),  # today: tomorrow's run
            line(3, acc.id, status=50, paid_on=YESTERDAY, reversal=True),
            line(4, acc.id, status=50, paid_on=YESTERDAY, amount="-50.00"),  # a credit note
        ],
    )
    assert plan(data).mails == ()


def test_the_watermark_stops_before_a_payment_left_for_tomorrow() -> None:
    acc = account(1)
    data = division_data(
        [acc],
        payments=[
            line(1, acc.id, status=50, paid_on=YESTERDAY, timestamp=5),
            line(2, acc.id, status=50, paid_on=RUN, timestamp=7),
            line(3, acc.id, status=50, paid_on=YESTERDAY, timestamp=9),
        ],
    )
    assert policy.next_watermark(data, RUN) == 6
    assert policy.next_watermark(data, date(2026, 11, 24)) == 9


def test_a_customer_without_any_email_address_is_skipped_with_a_reason() -> None:
    acc = account(1, email="")
    data = division_data([acc], payments=[line(1, acc.id, status=50, paid_on=YESTERDAY)])
    result = plan(data)
    assert result.mails == ()
    [skip] = result.skips
    assert skip.reason == "no e-mail address in Exact (account and contacts)"
    assert skip.invoice_numbers == ("20260001",)


def test_an_invalid_address_is_skipped_and_named_when_nothing_better_exists() -> None:
    acc = account(1, email="jan at klant.nl")
    data = division_data([acc], payments=[line(1, acc.id, status=50, paid_on=YESTERDAY)])
    [skip] = plan(data).skips
    assert "invalid e-mail address" in skip.reason


def test_already_confirmed_payments_are_reported_as_done_not_planned() -> None:
    acc = account(1)
    data = division_data([acc], payments=[line(1, acc.id, status=50, paid_on=YESTERDAY)])
    result = plan(data, covered={MailKind.CONFIRMATION: {"line-1"}})
    assert result.mails == ()
    assert [d.reason for d in result.done] == ["already delivered by an earlier run"]


def test_the_receivable_contact_comes_first_then_the_account_then_the_main_contact() -> None:
    contact = Contact("c-1", "acc-1", "Anna", "de Vries", "anna@klant1.example.nl", "EN")
    main = Contact("c-2", "acc-1", "Piet", "Jansen", "piet@klant1.example.nl", "", is_main=True)
    data = division_data(
        [account(1, main_contact="c-2"), account(2, email="", main_contact="c-2")],
        contacts=[contact, main],
    )
    langs = Languages()
    first, _ = policy.find_recipient(data, "acc-1", ["c-1"], langs)
    assert first is not None
    assert (first.email, first.first_name, first.language) == (
        "anna@klant1.example.nl",
        "Anna",
        "en",
    )
    second, _ = policy.find_recipient(data, "acc-1", [], langs)
    assert second is not None
    assert (second.email, second.first_name, second.language) == (
        "info@klant1.example.nl",
        "",
        "nl",
    )
    third, _ = policy.find_recipient(data, "acc-2", [], langs)
    assert third is not None
    assert (third.email, third.first_name) == ("piet@klant1.example.nl", "Piet")


def test_a_reminder_lists_every_overdue_invoice_once_one_reaches_the_threshold() -> None:
    acc = account(1)
    data = division_data(
        [acc],
        open_items=[
            line(1, acc.id, due=date(2026, 11, 10), amount="300.00"),  # 13 days overdue
            line(2, acc.id, due=date(2026, 11, 20), amount="200.00"),  # 3 days: listed, not due
            line(3, acc.id, due=date(2026, 12, 1), amount="100.00"),  # not yet due
        ],
    )
    [mail] = plan(data).mails
    assert mail.kind is MailKind.REMINDER
    assert [x.invoice_number for x in mail.lines] == ["20260001", "20260002"]
    assert [x.days_overdue for x in mail.lines] == [13, 3]
    assert mail.item_ids == ("entry-1@L1",)


def test_no_reminder_before_the_threshold() -> None:
    acc = account(1)
    data = division_data([acc], open_items=[line(1, acc.id, due=date(2026, 11, 17))])  # 6 days
    assert plan(data).mails == ()
    data = division_data([acc], open_items=[line(1, acc.id, due=date(2026, 11, 16))])  # 7 days
    assert len(plan(data).mails) == 1


def test_a_partly_paid_overdue_invoice_is_reminded_for_what_is_still_open() -> None:
    acc = account(1)
    data = division_data(
        [acc],
        open_items=[
            line(1, acc.id, due=date(2026, 11, 1), amount="150.00", total="500.00", entry="e"),
            line(2, acc.id, due=date(2026, 11, 1), amount="50.00", total="500.00", entry="e"),
        ],
    )
    [mail] = plan(data).mails
    [invoice] = mail.lines
    assert invoice.amount == Decimal("200.00")


def test_blocked_accounts_get_no_reminder_but_a_recorded_skip() -> None:
    acc = account(1, blocked=True)
    data = division_data([acc], open_items=[line(1, acc.id, due=date(2026, 10, 1))])
    result = plan(data)
    assert result.mails == ()
    assert [s.reason for s in result.skips] == ["account blocked in Exact"]


def test_keys_are_stable_and_differ_by_items_kind_and_level() -> None:
    k1 = policy.mail_key(DIV, MailKind.REMINDER, "1001", 1, ["b", "a"])
    assert k1 == policy.mail_key(DIV, MailKind.REMINDER, "1001", 1, ["a", "b"])
    assert k1 != policy.mail_key(DIV, MailKind.REMINDER, "1001", 2, ["a", "b"])
    assert k1 != policy.mail_key(DIV, MailKind.CONFIRMATION, "1001", 1, ["a", "b"])
    assert k1 != policy.mail_key(DIV, MailKind.REMINDER, "1001", 1, ["a"])


def test_an_invoice_paid_in_part_yesterday_is_not_also_reminded_today() -> None:
    acc = account(1)
    paid = line(1, acc.id, status=50, paid_on=YESTERDAY, amount="400.00", total="1000.00")
    still_open = line(
        2, acc.id, amount="600.00", total="1000.00", entry=paid.entry_id, due=date(2026, 10, 1)
    )
    data = division_data([acc], payments=[paid], open_items=[still_open])
    assert [m.kind for m in plan(data).mails] == [MailKind.CONFIRMATION]
