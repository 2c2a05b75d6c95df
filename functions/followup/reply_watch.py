"""The start of a division's run: answers to our reminders since the last run pause the chase.

The ledger lists the reminders of the last `lookback_days` with the mailer's ids; the mailbox
(the `Replies` port) gives the answers that arrived since the last run; policy/replies.py says
which pause whom. A pause is stored in the pause book (reminders then skip with its reason; the
thank-yous go on) and its reason leads the division's notes: the digest's alerts, at the top.
An answer seen by an earlier run (its pause still there, with the same note) is not told again;
a longer pause of the same target is never shortened. A mailbox that can't be read is a
note, and the run goes on.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from followup import reasons
from followup.deps import Deps
from followup.errors import FollowupError
from followup.model import Pause, Watermark
from followup.policy.replies import decide

log = logging.getLogger("followup.replies")


@dataclass
class Watched:
    """What the look at the answers found: the new pauses and what the owner should read."""

    pauses: list[Pause] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    looked_until: datetime | None = None  # the mailbox was read up to now (kept with the watermark)


def watch(
    deps: Deps, division: int, run_date: date, watermark: Watermark | None, *, dry_run: bool
) -> Watched:
    """Look for answers to the division's recent reminders; store the pauses they make (not in
    a dry run: then they only hold this run's plan)."""
    found = Watched()
    settings = deps.reply_watch
    if deps.replies is None or not settings.enabled:
        return found
    reminders = deps.ledger.sent_reminders(division, run_date - timedelta(settings.lookback_days))
    if not reminders:
        return found
    since = watermark.run_date if watermark else min(r.run_date for r in reminders)
    seen = watermark.replies_seen if watermark else None
    now = deps.clock.now()
    try:
        replies = deps.replies.replies(division, reminders, since)
        replies = [r for r in replies if seen is None or r.at > seen]  # new since the last look
        found.looked_until = now
    except FollowupError as exc:
        note = reasons.replies_unread(str(exc))
        log.warning("division %s: %s", division, note)
        found.notes.append(note)
        return found
    stored = {(p.target, p.division): p for p in deps.pauses.pauses(division)}
    for decision in decide(replies, division, settings.pause_days):
        pause = decision.pause
        if pause is None:
            log.info("division %s: %s", division, decision.reason)
            continue
        kept = stored.get((pause.target, pause.division))
        if kept is not None and kept.reason == pause.reason:
            continue  # an earlier run saw this answer and told the owner
        log.warning(
            "division %s: %s", division, decision.reason,
            extra={"decision": {"event": "reply_pause", "division": division,
                                "customer": pause.target, "until": pause.until.isoformat()}},
        )  # fmt: skip
        if not dry_run and (kept is None or kept.until < pause.until):  # never shortened
            deps.pauses.pause(pause)
        found.pauses.append(pause)
        found.notes.append(decision.reason)
    return found
