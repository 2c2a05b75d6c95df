"""Policy for reminders: levels, cadence, tiers, suppression, working days, WIK costs."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from fakes import account, division_data, line
from followup import policy
from followup.model import LastReminder, MailKind, Mode, Pause
from followup.policy import History, Rules
from followup.policy.calendar import is_working_day, next_working_day
from followup.policy.wik import collection_costs
from followup.settings.rules import Policy, Suppress, Tiers

RUN = date(2026, 11, 23)  # a Monday
RULES = Rules(policy=Policy(reminders_on_working_days_only=False))


def plan(data, run_date=RUN, rules=RULES, history=None):  # type: ignore[no-untyped-def]
    since = policy.window_start(None, run_date, rules.policy)
    return policy.plan(data, run_date, since, rules, history or History())


def overdue(n: int, acc: str, days: int, amount: str = "300.00", **kw):  # type: ignore[no-untyped-def]
    return line(n, acc, due=date.fromordinal(RUN.toordinal() - days), amount=amount, **kw)


def reminded(*items: str) -> History:
    return History(covered={MailKind.REMINDER: set(items)})


def test_a_reminder_lists_every_overdue_invoice_once_one_reaches_the_first_level() -> None:
    acc = account(1)
    data = division_data(
        [acc],
        open_items=[
            overdue(1, acc.id, 13),
            overdue(2, acc.id, 3, amount="200.00"),  # overdue, not yet at a level: listed
            overdue(3, acc.id, -8, amount="100.00"),  # not yet due
        ],
    )
    [mail] = plan(data).mails
    assert mail.kind is MailKind.REMINDER
    assert [x.invoice_number for x in mail.lines] == ["20260001", "20260002"]
    assert [x.days_overdue for x in mail.lines] == [13, 3]
    assert [x.level for x in mail.lines] == [1, 0]
    assert mail.item_ids == ("entry-1@L1",)
    assert (mail.level, mail.tone, mail.pay_within_days) == (1, "friendly", 7)


def test_no_reminder_before_the_first_level() -> None:
    acc = account(1)
    assert plan(division_data([acc], open_items=[overdue(1, acc.id, 6)])).mails == ()
    assert len(plan(division_data([acc], open_items=[overdue(1, acc.id, 7)])).mails) == 1


def test_an_invoice_climbs_one_level_at_a_time_and_each_level_goes_out_once() -> None:
    acc = account(1)
    data = division_data([acc], open_items=[overdue(1, acc.id, 50)])
    [first] = plan(data).mails
    assert first.level == 1  # never straight to the final notice
    [second] = plan(data, history=reminded("entry-1@L1")).mails
    assert (second.level, second.tone) == (2, "businesslike")
    [third] = plan(data, history=reminded("entry-1@L1", "entry-1@L2")).mails
    assert (third.level, third.tone, third.pay_within_days) == (3, "final", 14)
    assert third.collection_costs == Decimal("45.00")
    done = plan(data, history=reminded("entry-1@L1", "entry-1@L2", "entry-1@L3"))
    assert done.mails == ()
    assert [d.reason for d in done.done] == ["already delivered by an earlier run"]


def test_the_mail_takes_the_tone_of_its_highest_level() -> None:
    acc = account(1)
    data = division_data([acc], open_items=[overdue(1, acc.id, 40), overdue(2, acc.id, 8)])
    [mail] = plan(data, history=reminded("entry-1@L1")).mails
    assert [x.level for x in mail.lines] == [2, 1]
    assert mail.tone == "businesslike"
    assert mail.item_ids == ("entry-1@L2", "entry-2@L1")


def test_a_customer_gets_at_most_one_reminder_per_interval() -> None:
    acc = account(1)
    data = division_data([acc], open_items=[overdue(1, acc.id, 30)])
    last = LastReminder(date(2026, 11, 18), 1, frozenset({"entry-1"}))
    history = History(covered={MailKind.REMINDER: {"entry-1@L1"}}, last_reminders={"1001": last})
    result = plan(data, history=history)
    assert result.mails == ()
    [held] = result.done
    assert held.reason == (
        "reminded on 2026-11-18; the next reminder can go from 2026-11-25 (one per 7 days)"
    )
    earlier = LastReminder(date(2026, 11, 16), 1, frozenset({"entry-1"}))
    later = History(covered=history.covered, last_reminders={"1001": earlier})
    assert len(plan(data, history=later).mails) == 1


def test_amount_tiers_make_the_tone_formal_and_large_amounts_a_phone_call() -> None:
    acc = account(1)
    small = division_data([acc], open_items=[overdue(1, acc.id, 10, amount="999.99")])
    assert plan(small).mails[0].tone == "friendly"
    medium = division_data([acc], open_items=[overdue(1, acc.id, 10, amount="1000.00")])
    assert plan(medium).mails[0].tone == "businesslike"
    large = division_data([acc], open_items=[overdue(1, acc.id, 10, amount="5000.01")])
    modes = RULES.modes.model_copy(update={"reminder": Mode.SEND})
    [mail] = plan(large, rules=Rules(policy=RULES.policy, modes=modes)).mails
    assert mail.call_customer
    assert mail.mode is Mode.DRAFT
    tiers = Policy(reminders_on_working_days_only=False, tiers=Tiers(call_above=Decimal(10000)))
    assert not plan(large, rules=Rules(policy=tiers)).mails[0].call_customer


def test_money_on_its_way_is_not_reminded() -> None:
    acc = account(1)
    collected = overdue(1, acc.id, 20, status=40)  # a processed direct debit
    part = overdue(2, acc.id, 20, amount="100.00", entry="entry-2")
    rest_on_its_way = overdue(3, acc.id, 20, amount="50.00", entry="entry-2", status=30)
    data = division_data([acc], open_items=[collected, part, rest_on_its_way])
    [mail] = plan(data).mails
    [invoice] = mail.lines
    assert (invoice.invoice_number, invoice.amount, invoice.in_transit) == (
        "20260002",
        Decimal("100.00"),
        Decimal("50.00"),
    )


def test_an_unmatched_payment_on_the_account_holds_the_reminder() -> None:
    acc = account(1)
    receipt = line(9, acc.id, amount="-300.00", kind=40)
    data = division_data([acc], open_items=[overdue(1, acc.id, 20), receipt])
    [skip] = plan(data).skips
    assert "unmatched payment or credit note of 300.00" in skip.reason


def test_blocked_suppressed_and_paused_customers_get_no_reminder_but_a_reason() -> None:
    accs = [account(1, blocked=True), account(2), account(3)]
    data = division_data(accs, open_items=[overdue(n, f"acc-{n}", 20) for n in (1, 2, 3)])
    rules = Rules(policy=RULES.policy, suppress=Suppress(customers=["1002"]))
    history = History(pauses=(Pause("1003", date(2026, 12, 1), "disputes the delivery"),))
    reasons = sorted(s.reason for s in plan(data, rules=rules, history=history).skips)
    assert reasons == [
        "account blocked in Exact",
        "on the do-not-chase list in the settings",
        "paused until 2026-12-01: disputes the delivery",
    ]
    expired = History(pauses=(Pause("1003", date(2026, 11, 22), "old"),))
    assert len(plan(data, rules=rules, history=expired).mails) == 1


def test_suppressed_or_paused_invoices_are_left_out_of_the_mail() -> None:
    acc = account(1)
    data = division_data([acc], open_items=[overdue(n, acc.id, 20) for n in (1, 2, 3)])
    rules = Rules(policy=RULES.policy, suppress=Suppress(invoices=["20260001"]))
    history = History(pauses=(Pause("20260002", date(2026, 12, 31), "dispute"),))
    [mail] = plan(data, rules=rules, history=history).mails
    assert [x.invoice_number for x in mail.lines] == ["20260003"]


def test_reminders_wait_for_a_working_day_and_confirmations_do_not() -> None:
    acc = account(1)
    payment = line(5, acc.id, status=50, paid_on=date(2026, 12, 24))
    data = division_data([acc], payments=[payment], open_items=[overdue(1, acc.id, 20)])
    christmas = date(2026, 12, 25)
    result = plan(data, run_date=christmas, rules=Rules())
    assert [m.kind for m in result.mails] == [MailKind.CONFIRMATION]
    assert result.notes == ("not a working day: reminders wait until 2026-12-28",)


def test_payment_links_are_made_from_the_template() -> None:
    acc = account(1)
    data = division_data([acc], open_items=[overdue(1, acc.id, 20, amount="12.50")])
    rules = Rules(
        policy=RULES.policy, payment_link="https://pay.example.nl/{invoice_number}?a={amount}"
    )
    [mail] = plan(data, rules=rules).mails
    assert mail.lines[0].payment_link == "https://pay.example.nl/20260001?a=12.50"


@pytest.mark.parametrize(
    ("principal", "costs"),
    [
        ("100.00", "40.00"),  # the minimum
        ("266.67", "40.00"),
        ("1000.00", "150.00"),
        ("2500.00", "375.00"),
        ("5000.00", "625.00"),
        ("10000.00", "875.00"),
        ("200000.00", "2775.00"),
        ("1000000.00", "6775.00"),  # the maximum
        ("0", "0"),
    ],
)
def test_statutory_collection_costs_follow_the_wik_scale(principal: str, costs: str) -> None:
    assert collection_costs(Decimal(principal)) == Decimal(costs)


@pytest.mark.parametrize(
    ("day", "working"),
    [
        (date(2026, 11, 23), True),  # Monday
        (date(2026, 11, 28), False),  # Saturday
        (date(2026, 12, 25), False),  # Christmas
        (date(2026, 4, 27), False),  # King's Day
        (date(2026, 5, 14), False),  # Ascension Day
        (date(2027, 1, 1), False),  # New Year
    ],
)
def test_working_days_skip_weekends_and_dutch_public_holidays(day: date, working: bool) -> None:
    assert is_working_day(day) is working


def test_the_next_working_day_after_christmas_is_monday() -> None:
    assert next_working_day(date(2026, 12, 25)) == date(2026, 12, 28)


def test_payment_link_values_are_url_encoded() -> None:
    acc = account(1)
    odd = line(1, acc.id, due=date(2026, 11, 1))
    odd = type(odd)(**{**odd.__dict__, "invoice_number": "F 2026/7&x"})
    rules = Rules(policy=RULES.policy, payment_link="https://pay.example.nl/{invoice_number}")
    [mail] = plan(division_data([acc], open_items=[odd]), rules=rules).mails
    assert mail.lines[0].payment_link == "https://pay.example.nl/F%202026%2F7%26x"


def test_the_ledger_is_asked_only_about_reminders_that_could_be_due() -> None:
    acc = account(1)
    data = division_data(
        [acc],
        open_items=[
            overdue(1, acc.id, 40),  # past all three levels (7, 21, 35 days)
            overdue(2, acc.id, 10),  # level 1
            overdue(3, acc.id, 3),  # overdue, no level yet
            overdue(4, acc.id, -5),  # not yet due
        ],
    )
    items = policy.candidate_items(data, RULES, RUN)[MailKind.REMINDER]
    assert items == ["entry-1@L1", "entry-1@L2", "entry-1@L3", "entry-2@L1"]
