"""The escalation rules of one customer's reminders (policy/escalation.py), one by one."""

from __future__ import annotations

from datetime import date

import pytest

from followup.model import LastReminder
from followup.policy.escalation import Standing, next_step
from followup.settings.rules import Level, Policy

RUN = date(2027, 2, 8)
POLICY = Policy()  # 7 / 21 / 35 days; the last is the final notice, 14 days


def inv(entry: str, sent: int, reached: int) -> Standing:
    return Standing(entry, f"F-{entry}", sent, reached)


def last(days_ago: int, level: int, *entries: str) -> LastReminder:
    return LastReminder(date.fromordinal(RUN.toordinal() - days_ago), level, frozenset(entries))


def test_an_invoice_climbs_one_level_at_a_time_and_the_first_contact_is_never_final() -> None:
    step = next_step([inv("a", 0, 3)], None, {"a"}, RUN, POLICY)
    assert [(s.entry_id, level) for s, level in step.listed] == [("a", 1)]
    assert step.level == 1


def test_a_final_notice_lists_only_the_invoices_at_that_level() -> None:
    step = next_step([inv("a", 2, 3), inv("b", 0, 1)], last(14, 2, "a"), {"a", "b"}, RUN, POLICY)
    assert [(s.entry_id, level) for s, level in step.listed] == [("a", 3)]
    assert (step.level, step.also, step.waiting) == (3, (), ("F-b",))


def test_the_final_notices_term_holds_every_further_reminder() -> None:
    step = next_step([inv("b", 0, 1)], last(13, 3, "a"), {"a", "b"}, RUN, POLICY)
    assert step.listed == ()
    assert step.hold == "final notice of 2027-01-26: its term of 14 days runs until 2027-02-09"
    assert not step.act


def test_an_unanswered_final_notice_ends_the_chase_and_asks_the_owner_to_act() -> None:
    step = next_step([inv("a", 3, 3), inv("b", 0, 1)], last(20, 3, "a"), {"a", "b"}, RUN, POLICY)
    assert step.listed == ()
    assert step.act
    assert step.hold.startswith("the final notice of 2027-01-19 is unanswered")
    assert step.waiting == ("F-a", "F-b")


def test_after_a_paid_final_notice_a_new_invoice_starts_friendly() -> None:
    step = next_step([inv("b", 0, 1)], last(20, 3, "a"), {"b"}, RUN, POLICY)
    assert [(s.entry_id, level) for s, level in step.listed] == [("b", 1)]
    assert step.level == 1


def test_the_tone_never_softens_while_the_last_reminders_invoices_are_open() -> None:
    step = next_step([inv("a", 2, 2), inv("b", 0, 1)], last(8, 2, "a"), {"a", "b"}, RUN, POLICY)
    assert [(s.entry_id, level) for s, level in step.listed] == [("b", 1)]
    assert step.level == 2  # businesslike, not friendly: "a" of the last mail is still open
    assert [s.entry_id for s in step.also] == ["a"]  # listed beside it, not escalated


def test_once_the_last_reminders_invoices_are_paid_the_tone_is_the_invoices_own() -> None:
    step = next_step([inv("b", 0, 1)], last(8, 2, "a"), {"b"}, RUN, POLICY)
    assert step.level == 1


def test_one_reminder_per_interval() -> None:
    step = next_step([inv("a", 1, 2)], last(6, 1, "a"), {"a"}, RUN, POLICY)
    assert step.hold.startswith("reminded on 2027-02-02; the next reminder can go from 2027-02-09")


def test_nothing_due_means_nothing_to_say() -> None:
    assert next_step([inv("a", 2, 2)], last(30, 2, "a"), {"a"}, RUN, POLICY).listed == ()


def test_without_a_final_notice_level_the_last_level_is_just_the_last() -> None:
    two = Policy(levels=(Level(days=7, tone="friendly"), Level(days=21, tone="businesslike")))
    step = next_step([inv("a", 2, 2), inv("b", 0, 1)], last(30, 2, "a"), {"a", "b"}, RUN, two)
    assert not step.hold
    assert [(s.entry_id, level) for s, level in step.listed] == [("b", 1)]
    assert step.level == 2


@pytest.mark.parametrize(
    ("levels", "message"),
    [
        ([{"days": 7, "tone": "final", "pay_within_days": 14}], "can't be the final notice"),
        (
            [{"days": 7, "tone": "friendly"}, {"days": 21, "tone": "final", "pay_within_days": 7}],
            "at least 14 days",
        ),
        (
            [{"days": 7, "tone": "friendly", "collection_costs": True},
             {"days": 21, "tone": "final", "pay_within_days": 14}],
            "only the final notice",
        ),
        (
            [{"days": 7, "tone": "final", "pay_within_days": 14},
             {"days": 21, "tone": "businesslike"}],
            "only the last level",
        ),
    ],
)  # fmt: skip
def test_settings_for_an_unlawful_final_notice_are_refused(
    levels: list[dict[str, object]], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        Policy.model_validate({"levels": levels})
