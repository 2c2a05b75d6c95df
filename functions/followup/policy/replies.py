"""Pure: which answers to our reminders pause the chase of a customer, and why the others don't.

An answer pauses the customer's reminders (never the thank-yous: only reminders look at pauses)
when a person of the customer wrote it: from the domain of the address our reminder went to (or
a subdomain of it, or it of the sender's), and not an automatic answer (RFC 3834
`Auto-Submitted` other than "no", `X-Autoreply`, `X-Autorespond`, `Precedence` auto_reply, bulk
or junk, or an out-of-office subject). Of a customer's answers the newest counts: the pause runs
`pause_days` from its day.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

from followup import reasons
from followup.clock import business_date
from followup.model import Pause, Reply

_AUTO_PRECEDENCE = {"auto_reply", "bulk", "junk", "list"}
_AUTO_SUBJECT = re.compile(
    r"^\s*(?:\[[^]]*\]\s*)?(?:out of (?:the )?office|automatic reply|auto(?:matic)?[- ]?reply"
    r"|autoreply|afwezig|automatisch antwoord|niet aanwezig|abwesenheit|abwesend"
    r"|absence|undeliverable|onbestelbaar)",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class ReplyDecision:
    """What one answer does: the pause it stores (None: it pauses nothing) and why."""

    reply: Reply
    pause: Pause | None
    reason: reasons.Reason


def automatic(reply: Reply) -> str:
    """What tells that an answer was written by a machine ("" when nothing does)."""
    headers = {name.lower(): value.strip().lower() for name, value in reply.headers}
    submitted = headers.get("auto-submitted", "")
    if submitted and submitted.split(";")[0].strip() != "no":
        return f"Auto-Submitted: {submitted}"
    for name in ("x-autoreply", "x-autorespond"):
        if name in headers:
            return name
    if headers.get("precedence", "") in _AUTO_PRECEDENCE:
        return f"Precedence: {headers['precedence']}"
    if _AUTO_SUBJECT.match(reply.subject):
        return "an out-of-office subject"
    return ""


def same_domain(sender: str, recipient: str) -> bool:
    """The sender writes from the recipient's domain (or a subdomain, either way)."""
    mine = sender.rpartition("@")[2].strip().lower().rstrip(".")
    theirs = recipient.rpartition("@")[2].strip().lower().rstrip(".")
    if not mine or not theirs:
        return False
    return mine == theirs or mine.endswith("." + theirs) or theirs.endswith("." + mine)


def decide(replies: Sequence[Reply], division: int, pause_days: int) -> list[ReplyDecision]:
    """Per answer what it does, oldest first: the newest answer of a person of the customer
    pauses that customer's reminders for `pause_days` from its day; the rest say why not."""
    decisions: list[ReplyDecision] = []
    newest: dict[str, Reply] = {}
    for reply in sorted(replies, key=lambda r: r.at):
        machine = automatic(reply)
        if machine:
            decisions.append(ReplyDecision(reply, None, _ignored("reply_automatic", reply)))
        elif not same_domain(reply.sender, reply.reminder_to):
            decisions.append(ReplyDecision(reply, None, _ignored("reply_other_domain", reply)))
        else:
            newest[reply.customer] = reply
    for customer, reply in sorted(newest.items(), key=lambda item: item[1].at):
        day = business_date(reply.at)
        until = day + timedelta(days=pause_days)
        note = f'{reply.sender}, {day.isoformat()}: "{_one_line(reply.subject)}"'
        pause = Pause(customer, until, note, division)
        said = reasons.replied(customer, reply.sender, day, _one_line(reply.subject), until)
        decisions.append(ReplyDecision(reply, pause, said))
    return decisions


def _ignored(code: str, reply: Reply) -> reasons.Reason:
    return reasons.reason(
        code, sender=reply.sender, recipient=reply.reminder_to, subject=_one_line(reply.subject)
    )


def _one_line(text: str) -> str:
    return " ".join(text.split())
