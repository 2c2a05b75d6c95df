"""Exactly once: claim a mail in the ledger, deliver it, record the outcome; settle leftovers.

A mail is claimed (under its key, with the items it covers) before it is handed to the mailer,
and its outcome is written after. A run that dies between the two leaves a claim without
outcome; the next run of that division asks the mailer where that mail is: found → its outcome
is recorded; provably absent → the claim is released and the mail planned again; unknown →
reported as "uncertain: check Sent" and never sent again.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from functools import partial

from followup import reasons
from followup.deps import Deps
from followup.errors import FollowupError, MailerAuthError, MailerError
from followup.model import (
    Claim,
    Customer,
    MailKind,
    Mode,
    Outcome,
    PlannedMail,
    ReportEntry,
    RunReport,
    Skip,
)
from followup.ports import Trace

log = logging.getLogger("followup.run")

#: Whom the digest is for, in the report and the ledger: the owner, not a customer.
OWNER = Customer(account_id="", code="owner", name="")


def deliver(
    deps: Deps,
    mail: PlannedMail,
    run_id: str,
    dry_run: bool,
    attachments: Sequence[tuple[str, bytes]] = (),
    *,
    run_date: date | None = None,
) -> ReportEntry:
    """Compose, claim, deliver, record: one planned mail."""
    try:
        message = deps.composer.message(mail, deps.clock.now(), attachments)
    except FollowupError as exc:
        return entry_for(mail, Outcome.FAILED, reasons.compose_failed(str(exc)))
    subject = str(message["Subject"])
    if dry_run:
        return entry_for(mail, Outcome.PLANNED, mail.reason, subject)
    claimed = deps.ledger.claim(
        Claim(
            key=mail.key,
            division=mail.division,
            kind=mail.kind,
            item_ids=mail.item_ids,
            recipient=mail.recipient.email,
            subject=subject,
            amount=mail.total,
            currency=mail.currency,
            claimed_at=deps.clock.now(),
            run_id=run_id,
            customer=mail.customer.code,
            run_date=run_date,
        )
    )
    if not claimed:
        return entry_for(mail, Outcome.ALREADY_DONE, reasons.CLAIMED_ELSEWHERE, subject)
    try:
        delivery = deps.mailer.deliver(message, mail.mode, mail.key)
    except MailerAuthError as exc:
        deps.ledger.complete(mail.key, Outcome.FAILED, reason=str(exc))
        raise
    except MailerError as exc:
        outcome = Outcome.REJECTED if exc.permanent else Outcome.FAILED
        deps.ledger.complete(mail.key, outcome, reason=str(exc))
        why = reasons.delivery_failed(str(exc), permanent=exc.permanent)
        return entry_for(mail, outcome, why, subject)
    outcome = Outcome.SENT if delivery.mode is Mode.SEND else Outcome.DRAFTED
    deps.ledger.complete(mail.key, outcome, delivery, mail.reason)
    return entry_for(mail, outcome, mail.reason, subject, delivery.provider_id)


def recover(deps: Deps, division: int) -> list[ReportEntry]:
    """Settle the claims a crashed run left without outcome (see the module docstring)."""
    entries = []
    for claim in deps.ledger.unfinished(division):
        trace = deps.mailer.find(claim)
        if trace is Trace.ABSENT:
            deps.ledger.release(claim.key)
            log.warning("claim %s was never delivered: released, will be planned again", claim.key)
            continue
        if trace is Trace.UNKNOWN:
            reason = reasons.UNCERTAIN
            deps.ledger.complete(claim.key, Outcome.UNCERTAIN, reason=str(reason))
            outcome = Outcome.UNCERTAIN
        else:
            outcome = Outcome.SENT if trace.mode is Mode.SEND else Outcome.DRAFTED
            reason = reasons.RECOVERED
            deps.ledger.complete(claim.key, outcome, trace, str(reason))
        entries.append(
            ReportEntry(
                division=division,
                kind=claim.kind,
                outcome=outcome if outcome is Outcome.UNCERTAIN else Outcome.ALREADY_DONE,
                customer=Customer(account_id="", code=claim.customer, name=""),
                reason=reason,
                key=claim.key,
                recipient=claim.recipient,
                subject=claim.subject,
            )
        )
    return entries


_NEW = (Outcome.SENT, Outcome.DRAFTED, Outcome.FAILED, Outcome.REJECTED, Outcome.UNCERTAIN)


def deliver_digest(
    deps: Deps, report: RunReport, to: str, dry_run: bool, scope: int = 0
) -> ReportEntry:
    """The owner's digest: once per day for a quiet run, once per distinct set of news. `scope`
    is the division whose own digest this is (an office's administration, to the person
    responsible for it), 0 for the digest of the whole run."""
    news = sorted(e.key for e in report.entries() if e.outcome in _NEW)
    failures = sorted(f"{d.division}:{d.error}" for d in report.divisions if d.error)
    unreadable = sorted(
        f"{u.division}:{u.endpoint}:{u.row_id}:{u.reason}"
        for d in report.divisions
        for u in d.unreadable
    )
    content = "\n".join(news + failures + unreadable)
    tag = hashlib.sha256(content.encode()).hexdigest()[:16] if content else "quiet"
    key = f"{scope}/digest/{report.run_date.isoformat()}/{tag}"
    entry = partial(
        ReportEntry, division=scope, kind=MailKind.DIGEST, customer=OWNER, key=key, recipient=to
    )
    try:
        message = deps.composer.digest(report, deps.digest_language, deps.clock.now(), to)
    except FollowupError as exc:
        return entry(outcome=Outcome.FAILED, reason=reasons.digest_compose_failed(str(exc)))
    subject = str(message["Subject"])
    if dry_run:
        return entry(outcome=Outcome.PLANNED, reason="dry run", subject=subject)
    claim = Claim(
        key,
        scope,
        MailKind.DIGEST,
        (key,),
        to,
        subject,
        Decimal(0),
        "",
        deps.clock.now(),
        report.run_id,
        OWNER.code,
    )
    if not deps.ledger.claim(claim):
        return entry(outcome=Outcome.ALREADY_DONE, reason=reasons.DIGEST_WENT_OUT, subject=subject)
    try:
        delivery = deps.mailer.deliver(message, deps.digest.mode, key)
    except MailerError as exc:
        deps.ledger.complete(key, Outcome.FAILED, reason=str(exc))
        log.error("the digest could not be delivered: %s", exc)
        why = reasons.delivery_failed(str(exc), permanent=exc.permanent)
        return entry(outcome=Outcome.FAILED, reason=why, subject=subject)
    outcome = Outcome.SENT if delivery.mode is Mode.SEND else Outcome.DRAFTED
    deps.ledger.complete(key, outcome, delivery, "digest")
    return entry(
        outcome=outcome, reason="digest", subject=subject, provider_id=delivery.provider_id
    )


def entry_for(
    mail: PlannedMail,
    outcome: Outcome,
    reason: str,
    subject: str = "",
    provider_id: str = "",
) -> ReportEntry:
    return ReportEntry(
        division=mail.division,
        kind=mail.kind,
        outcome=outcome,
        customer=mail.customer,
        reason=reason,
        key=mail.key,
        recipient=mail.recipient.email,
        subject=subject,
        invoice_numbers=tuple(line.invoice_number for line in mail.lines),
        provider_id=provider_id,
        amount=mail.total,
        currency=mail.currency,
        call_customer=mail.call_customer,
        notes=mail.notes,
        level=mail.level,
        tone=mail.tone,
        variant=mail.variant,
    )


def skipped_entry(skip: Skip, outcome: Outcome) -> ReportEntry:
    return ReportEntry(
        division=skip.division,
        kind=skip.kind,
        outcome=outcome,
        customer=skip.customer,
        reason=skip.reason,
        invoice_numbers=skip.invoice_numbers,
    )


def log_decision(entry: ReportEntry) -> None:
    """One structured line per decision: no bodies, no secrets."""
    log.info(
        "%s %s %s",
        entry.kind.value,
        entry.outcome.value,
        entry.key or entry.customer.label,
        extra={
            "decision": {
                "division": entry.division,
                "kind": entry.kind.value,
                "outcome": entry.outcome.value,
                "key": entry.key,
                "reason": entry.reason,
            }
        },
    )
