"""Which answers to reminders pause a customer, and why the others don't."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from followup.clock import AMSTERDAM
from followup.model import Pause, Reply
from followup.policy.replies import automatic, decide, same_domain


def reply(
    sender: str = "jan@klant.example.nl",
    subject: str = "Re: Betalingsherinnering F0042",
    day: int = 3,
    customer: str = "1001",
    headers: tuple[tuple[str, str], ...] = (),
) -> Reply:
    return Reply(
        customer=customer,
        reminder_to="info@klant.example.nl",
        sender=sender,
        at=datetime(2026, 12, day, 10, 30, tzinfo=AMSTERDAM),
        subject=subject,
        headers=headers,
    )


def test_a_person_of_the_customer_pauses_their_reminders_from_the_day_of_the_answer() -> None:
    [decision] = decide([reply()], 100, 14)
    assert decision.pause == Pause(
        "1001",
        date(2026, 12, 17),
        'jan@klant.example.nl, 2026-12-03: "Re: Betalingsherinnering F0042"',
        100,
    )
    assert decision.reason.code == "replied"
    assert decision.reason.params["subject"] == "Re: Betalingsherinnering F0042"


def test_only_the_newest_answer_of_a_customer_counts() -> None:
    decisions = decide([reply(day=5, subject="Re: later"), reply(day=3)], 100, 14)
    [pause] = [d.pause for d in decisions if d.pause]
    assert pause.until == date(2026, 12, 19)
    assert "Re: later" in pause.reason


def test_each_customer_gets_their_own_pause() -> None:
    decisions = decide([reply(), reply(customer="1002")], 100, 7)
    assert sorted(d.pause.target for d in decisions if d.pause) == ["1001", "1002"]


def test_an_answer_from_another_domain_pauses_nothing_and_says_why() -> None:
    [decision] = decide([reply(sender="piet@elders.example.com")], 100, 14)
    assert decision.pause is None
    assert decision.reason.code == "reply_other_domain"
    assert "not from the customer's domain" in decision.reason


def test_a_subdomain_of_the_customer_counts_as_theirs() -> None:
    assert same_domain("jan@mail.klant.example.nl", "info@klant.example.nl")
    assert same_domain("JAN@Klant.Example.NL", "info@klant.example.nl")
    assert not same_domain("jan@notklant.example.nl", "info@klant.example.nl")
    assert not same_domain("", "info@klant.example.nl")


@pytest.mark.parametrize(
    "headers",
    [
        (("Auto-Submitted", "auto-replied"),),
        (("auto-submitted", "auto-generated; owner-email=x@y"),),
        (("X-Autoreply", "yes"),),
        (("X-Autorespond", "Out of office"),),
        (("Precedence", "auto_reply"),),
        (("Precedence", "bulk"),),
        (("Precedence", "junk"),),
    ],
)
def test_a_machine_answer_is_told_by_its_headers(headers: tuple[tuple[str, str], ...]) -> None:
    assert automatic(reply(headers=headers))
    [decision] = decide([reply(headers=headers)], 100, 14)
    assert decision.pause is None
    assert decision.reason.code == "reply_automatic"


@pytest.mark.parametrize(
    "subject",
    [
        "Out of office: Re: Betalingsherinnering",
        "Out of the Office",
        "Afwezig: Re: Betalingsherinnering",
        "Automatisch antwoord: Betalingsherinnering",
        "Automatic reply: Payment reminder",
        "[EXTERNAL] Autoreply",
    ],
)
def test_an_out_of_office_subject_is_a_machine_answer(subject: str) -> None:
    assert automatic(reply(subject=subject))


def test_a_person_who_says_auto_submitted_no_is_a_person() -> None:
    assert automatic(reply(headers=(("Auto-Submitted", "no"),))) == ""
    assert automatic(reply(subject="Re: ik ben afwezig geweest, sorry")) == ""


def test_a_machine_answer_does_not_hide_a_person_of_the_same_customer() -> None:
    out_of_office = reply(day=5, subject="Afwezig")
    decisions = decide([reply(day=3), out_of_office], 100, 14)
    [pause] = [d.pause for d in decisions if d.pause]
    assert pause.until == date(2026, 12, 17)
