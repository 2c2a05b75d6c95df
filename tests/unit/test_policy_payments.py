"""Policy for confirmations: which money came in, whom to thank, in which variant."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from fakes import DIV, account, division_data, line
from followup import policy
from followup.model import Account, Contact, MailKind, Mode, Watermark
from followup.policy import History, Rules
from followup.settings import Languages
from followup.settings.rules import Confirmations, Policy, VariantRule

ANY_DAY = Policy(reminders_on_working_days_only=False)
RULES = Rules(policy=ANY_DAY)
RUN = date(2026, 11, 23)
YESTERDAY = date(2026, 11, 22)


def plan(data, run_date=RUN, rules=RULES, history=None, since=None):  # type: ignore[no-untyped-def]
    since = since or policy.window_start(None, run_date, rules.policy)
    return policy.plan(data, run_date, since, rules, history or History())


def paid(n: int, acc: str, day: date = YESTERDAY, amount: str = "100.00", **kw):  # type: ignore[no-untyped-def]
    """An invoice line matched by a payment on `day`."""
    return line(n, acc, status=50, paid_on=day, amount=amount, **kw)


def cash(n: int, acc: str, day: date = YESTERDAY, amount: str = "-100.00", **kw):  # type: ignore[no-untyped-def]
    """A bank line: negative = money received, positive = paid back."""
    return line(n, acc, status=50, paid_on=day, amount=amount, kind=40, invoice_date=day, **kw)


def test_a_first_run_confirms_only_yesterday() -> None:
    assert policy.window_start(None, RUN, Policy()) == YESTERDAY
    assert policy.window_start(None, RUN, Policy(lookback_days=3)) == date(2026, 11, 20)


def test_a_later_run_reaches_back_to_the_last_run_minus_the_late_match_grace() -> None:
    mark = Watermark(sync_timestamp=10, run_date=date(2026, 11, 20))
    assert policy.window_start(mark, RUN, Policy(late_match_days=14)) == date(2026, 11, 6)


@pytest.mark.parametrize(
    ("run_date", "paid_day"),
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
    run_date: date, paid_day: date
) -> None:
    acc = account(1)
    data = division_data([acc], payments=[paid(1, acc.id, paid_day), cash(2, acc.id, paid_day)])
    result = plan(data, run_date=run_date)
    assert [m.kind for m in result.mails] == [MailKind.CONFIRMATION]
    assert result.mails[0].lines[0].payment_date == paid_day


def test_one_payment_of_one_invoice() -> None:
    acc = account(1)
    data = division_data([acc], payments=[paid(1, acc.id), cash(2, acc.id)])
    [mail] = plan(data).mails
    assert [x.invoice_number for x in mail.lines] == ["20260001"]
    assert mail.item_ids == ("line-1",)  # the bank line isn't an item: invoices are
    assert mail.mode is Mode.DRAFT


def test_one_payment_settling_several_invoices_is_one_mail() -> None:
    acc = account(1)
    data = division_data(
        [acc],
        payments=[
            paid(1, acc.id, amount="250.00"),
            paid(2, acc.id, amount="1000.00"),
            cash(3, acc.id, amount="-1250.00"),
        ],
    )
    [mail] = plan(data).mails
    assert [x.invoice_number for x in mail.lines] == ["20260001", "20260002"]
    assert all(x.settled for x in mail.lines)
    assert mail.variant == "standard"


def test_a_partial_payment_is_never_described_as_settling_its_invoice() -> None:
    acc = account(1)
    part = paid(1, acc.id, amount="400.00", total="1000.00")
    rest = line(
        2, acc.id, amount="600.00", total="1000.00", entry=part.entry_id, due=date(2026, 12, 1)
    )
    data = division_data(
        [acc], payments=[part, cash(3, acc.id, amount="-400.00")], open_items=[rest]
    )
    [mail] = plan(data).mails
    [invoice] = mail.lines
    assert invoice.amount == Decimal("400.00")
    assert invoice.remaining == Decimal("600.00")
    assert not invoice.settled


def test_the_last_part_of_a_partly_paid_invoice_confirms_it_settled() -> None:
    acc = account(1)
    last = paid(5, acc.id, amount="600.00", total="1000.00", entry="entry-1")
    data = division_data([acc], payments=[last, cash(6, acc.id, amount="-600.00")])
    [mail] = plan(data).mails
    assert mail.lines[0].settled
    assert mail.lines[0].invoice_total == Decimal("1000.00")


def test_a_late_match_is_confirmed_with_the_day_the_money_arrived() -> None:
    acc = account(1)
    three_days_ago = date(2026, 11, 20)
    data = division_data(
        [acc], payments=[paid(1, acc.id, three_days_ago), cash(2, acc.id, three_days_ago)]
    )
    mark = Watermark(sync_timestamp=0, run_date=date(2026, 11, 22))
    since = policy.window_start(mark, RUN, ANY_DAY)
    [mail] = plan(data, since=since).mails
    assert mail.lines[0].payment_date == three_days_ago


def test_an_invoice_settled_by_a_credit_note_gets_no_thank_you() -> None:
    acc = account(1)
    credit = line(2, acc.id, status=50, paid_on=YESTERDAY, amount="-100.00", kind=21)
    data = division_data([acc], payments=[paid(1, acc.id), credit])
    result = plan(data)
    assert result.mails == ()
    assert [s.reason for s in result.skips] == [
        "settled by a credit note, not by a payment: no thank-you"
    ]


def test_a_refunded_credit_note_is_confirmed_as_a_refund() -> None:
    acc = account(1)
    credit = line(1, acc.id, status=50, paid_on=YESTERDAY, amount="-80.00", kind=21)
    data = division_data([acc], payments=[credit, cash(2, acc.id, amount="80.00")])
    [mail] = plan(data).mails
    assert mail.variant == "refund"
    assert mail.lines[0].amount == Decimal("80.00")


def test_reversed_credit_notes_and_payments_outside_the_window_are_not_confirmed() -> None:
    acc = account(1)
    data = division_data(
        [acc],
        payments=[
            paid(1, acc.id, date(2026, 11, 21)),  # before the window
            paid(2, acc.id, RUN, timestamp=7),  # today: tomorrow's run
            paid(3, acc.id, reversal=True),
            line(4, acc.id, status=20, paid_on=YESTERDAY),  # reopened by a reversal
            cash(5, acc.id, amount="-100.00"),
            cash(6, acc.id, amount="100.00", reversal=True),
        ],
    )
    assert plan(data).mails == ()


def test_the_watermark_stops_before_a_payment_left_for_tomorrow() -> None:
    acc = account(1)
    data = division_data(
        [acc],
        payments=[
            paid(1, acc.id, timestamp=5),
            paid(2, acc.id, RUN, timestamp=7),
            paid(3, acc.id, timestamp=9),
        ],
    )
    assert plan(data).resume_from == 6
    assert plan(data, run_date=date(2026, 11, 24)).resume_from == 9


def test_a_customer_without_any_email_address_is_skipped_with_a_reason() -> None:
    acc = account(1, email="")
    data = division_data([acc], payments=[paid(1, acc.id)])
    result = plan(data)
    assert result.mails == ()
    [skip] = result.skips
    assert skip.reason == "no e-mail address in Exact (account and contacts)"
    assert skip.invoice_numbers == ("20260001",)


def test_an_invalid_address_is_skipped_and_named_when_nothing_better_exists() -> None:
    acc = account(1, email="jan at klant.nl")
    [skip] = plan(division_data([acc], payments=[paid(1, acc.id)])).skips
    assert "invalid e-mail address" in skip.reason


def test_already_confirmed_payments_are_reported_as_done_not_planned() -> None:
    acc = account(1)
    data = division_data([acc], payments=[paid(1, acc.id)])
    result = plan(data, history=History(covered={MailKind.CONFIRMATION: {"line-1"}}))
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


def test_a_large_payment_gets_the_personal_variant_and_is_always_drafted() -> None:
    acc = account(1)
    data = division_data(
        [acc], payments=[paid(1, acc.id, amount="6000.00"), cash(2, acc.id, amount="-6000.00")]
    )
    rules = Rules(policy=ANY_DAY, modes=RULES.modes.model_copy(update={"confirmation": Mode.SEND}))
    [mail] = plan(data, rules=rules).mails
    assert mail.variant == "personal"
    assert mail.mode is Mode.DRAFT


def test_the_variant_follows_the_first_matching_rule() -> None:
    accs = [
        account(1),
        Account("acc-2", "1002", "Studio B", "b@example.nl", "NL", classification="CREATIEF"),
    ]
    data = division_data(accs, payments=[paid(1, "acc-1"), paid(2, "acc-2")])
    confirmations = Confirmations(
        default_variant="upsell",
        upsell={"nl": "Vraag naar ons nieuwe abonnement."},
        rules=[VariantRule(variant="informal", classifications=["CREATIEF"])],
    )
    mails = plan(data, rules=Rules(policy=ANY_DAY, confirmations=confirmations)).mails
    assert [m.variant for m in mails] == ["upsell", "informal"]


def test_a_new_customer_is_welcomed_and_a_returning_one_told_since_when() -> None:
    # The paid invoices are dated 1 October 2026; first_invoice: the oldest sales invoice.
    new = Account("acc-1", "1001", "Nieuw", "n@example.nl", "NL", first_invoice=date(2026, 10, 1))
    old = Account("acc-2", "1002", "Oud", "o@example.nl", "NL", first_invoice=date(2019, 3, 1))
    second_invoice = Account(
        "acc-3", "1003", "Tweede", "t@example.nl", "NL", first_invoice=date(2026, 9, 15)
    )
    unknown = Account("acc-4", "1004", "Onbekend", "u@example.nl", "NL")
    payments = [paid(1, "acc-1"), paid(2, "acc-2"), paid(3, "acc-3"), paid(4, "acc-4")]
    data = division_data([new, old, second_invoice, unknown], payments=payments)
    first, second, third, fourth = plan(data).mails
    assert (first.first_time, first.customer_since) == (True, None)
    assert (second.first_time, second.customer_since) == (False, date(2019, 3, 1))
    # Recent, but not this customer's first invoice: no welcome, "customer since" instead.
    assert (third.first_time, third.customer_since) == (False, date(2026, 9, 15))
    assert (fourth.first_time, fourth.customer_since) == (False, None)


def test_confirmations_can_wait_for_a_working_day_and_keep_the_watermark() -> None:
    acc = account(1)
    data = division_data([acc], payments=[paid(1, acc.id, date(2026, 11, 28), timestamp=3)])
    sunday = date(2026, 11, 29)
    rules = Rules(policy=Policy(confirmations_on_working_days_only=True))
    result = plan(data, run_date=sunday, rules=rules)
    assert result.mails == ()
    assert result.resume_from is None
    assert "not a working day" in result.notes[0]


def test_more_sends_than_the_cap_are_all_drafted_and_said_loudly() -> None:
    accs = [account(n) for n in range(1, 5)]
    data = division_data(accs, payments=[paid(n, f"acc-{n}") for n in range(1, 5)])
    modes = RULES.modes.model_copy(update={"confirmation": Mode.SEND})
    rules = Rules(policy=Policy(max_sends_per_run=3), modes=modes)
    result = plan(data, rules=rules)
    assert {m.mode for m in result.mails} == {Mode.DRAFT}
    assert result.notes[0].startswith("SAFETY CAP: 4 mails would have been sent")
    assert all(m.mode is Mode.SEND for m in plan(data, rules=Rules(modes=modes)).mails)


def test_keys_are_stable_and_differ_by_items_kind_and_level() -> None:
    k1 = policy.mail_key(DIV, MailKind.REMINDER, "1001", 1, ["b", "a"])
    assert k1 == policy.mail_key(DIV, MailKind.REMINDER, "1001", 1, ["a", "b"])
    assert k1 != policy.mail_key(DIV, MailKind.REMINDER, "1001", 2, ["a", "b"])
    assert k1 != policy.mail_key(DIV, MailKind.CONFIRMATION, "1001", 1, ["a", "b"])
    assert k1 != policy.mail_key(DIV, MailKind.REMINDER, "1001", 1, ["a"])


def test_a_reversed_receipt_does_not_count_as_money_received_that_day() -> None:
    acc = account(1)
    data = division_data(
        [acc],
        payments=[
            paid(1, acc.id, amount="100.00"),
            cash(2, acc.id, amount="-100.00"),
            cash(3, acc.id, amount="-6000.00"),  # booked, then reversed the same day
            cash(4, acc.id, amount="6000.00", reversal=True),
        ],
    )
    [mail] = plan(data).mails
    assert mail.variant == "standard"  # not "personal": the 6,000 never stayed


def test_rows_that_contradict_every_reading_skip_the_customer_with_a_reason() -> None:
    acc, other = account(1), account(2)
    both = paid(1, acc.id)  # matched in the sync, yet still among the open items
    over = [paid(2, other.id, total="100.00"), paid(3, other.id, total="100.00", entry="entry-2")]
    data = division_data(
        [acc, other], payments=[both, *over], open_items=[line(1, acc.id)]
    )

    result = plan(data)

    assert result.mails == ()
    reasons = {(s.kind, s.customer.code): (s.reason, s.invoice_numbers) for s in result.skips}
    matched_open = "Exact shows this invoice both matched and open: check it in Exact"
    assert reasons[(MailKind.CONFIRMATION, acc.code)] == (matched_open, ("20260001",))
    assert reasons[(MailKind.REMINDER, acc.code)] == (matched_open, ("20260001",))
    assert reasons[(MailKind.CONFIRMATION, other.code)] == (
        "Exact shows more paid on this invoice than its total: check the matching",
        ("20260002", "20260003"),
    )
