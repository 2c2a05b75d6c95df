"""The daily job: for each division read, decide, compose, claim, deliver, record.

Exactly-once rule: a mail is claimed in the ledger (under its key, with the items it covers)
before it is handed to the mailer, and its outcome is written after. A run that dies between
the two leaves a claim without outcome; the next run of that division asks the mailer where
that mail is: found → its outcome is recorded; provably absent → the claim is released and the
mail planned again; unknown → reported as "uncertain: check Sent" and never sent again.
The payment watermark only advances when every confirmation of the run has a final outcome.
"""

from __future__ import annotations

import hashlib
import logging
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from email.message import EmailMessage
from functools import partial
from typing import Protocol

from followup import policy
from followup.errors import ExactAuthError, FollowupError, MailerAuthError, MailerError
from followup.model import (
    Claim,
    DivisionData,
    DivisionReport,
    MailKind,
    Mode,
    Outcome,
    PlannedMail,
    ReportEntry,
    RunReport,
    Skip,
    Watermark,
)
from followup.policy import History, Rules
from followup.ports import Clock, ExactSource, Ledger, Mailer, PauseBook, RunLog, Trace
from followup.rules_settings import Digest

log = logging.getLogger("followup.run")


class Composer(Protocol):
    """Turns a planned mail (or a run's digest) into a MIME message."""

    def message(
        self, mail: PlannedMail, now: datetime, attachments: Sequence[tuple[str, bytes]] = ()
    ) -> EmailMessage:
        """The complete message, headers included."""
        ...

    def digest(self, report: RunReport, lang: str, now: datetime, to: str) -> EmailMessage:
        """The owner's digest of a run."""
        ...


@dataclass(frozen=True)
class Deps:
    """Everything a run needs; built by bootstrap (or by a test from fakes)."""

    source: ExactSource
    ledger: Ledger
    runlog: RunLog
    mailer: Mailer
    composer: Composer
    clock: Clock
    rules: Rules
    pauses: PauseBook
    divisions: tuple[int, ...] = ()  # empty: every division the token can see
    digest: Digest = field(default_factory=Digest)
    digest_language: str = "nl"
    attach_invoice_pdf: bool = False  # reminders carry the invoice PDFs from Exact


def run(
    deps: Deps,
    run_date: date,
    *,
    dry_run: bool = False,
    run_id: str | None = None,
    progress: Callable[[DivisionReport], None] | None = None,
) -> RunReport:
    """Run every division; one failing division doesn't stop the others."""
    report = RunReport(
        run_id=run_id or uuid.uuid4().hex[:12],
        run_date=run_date,
        dry_run=dry_run,
        started_at=deps.clock.now(),
    )
    divisions = list(deps.divisions) or deps.source.divisions()
    fatal = ""
    for division in divisions:
        if fatal:
            result = DivisionReport(division, error=f"not run: {fatal}")
        else:
            try:
                result = run_division(
                    deps, division, run_date, dry_run=dry_run, run_id=report.run_id
                )
            except (ExactAuthError, MailerAuthError) as exc:
                fatal = str(exc)
                result = DivisionReport(division, error=fatal, retryable=exc.retryable)
            except FollowupError as exc:
                result = DivisionReport(division, error=str(exc), retryable=exc.retryable)
        if result.error:
            log.error("division %s failed: %s", division, result.error)
        report.divisions.append(result)
        if progress:
            progress(result)
    if deps.digest.enabled and deps.digest.to:
        report.digest = _digest(deps, report, str(deps.digest.to), dry_run)
    report.finished_at = deps.clock.now()
    if not dry_run:
        deps.runlog.record_run(report)
    return report


_NEW = (Outcome.SENT, Outcome.DRAFTED, Outcome.FAILED, Outcome.REJECTED, Outcome.UNCERTAIN)


def _digest(deps: Deps, report: RunReport, to: str, dry_run: bool) -> ReportEntry:
    """The owner's digest: once per day for a quiet run, once per distinct set of news."""
    news = sorted(e.key for e in report.entries() if e.outcome in _NEW)
    failures = sorted(f"{d.division}:{d.error}" for d in report.divisions if d.error)
    content = "\n".join(news + failures)
    tag = hashlib.sha256(content.encode()).hexdigest()[:16] if content else "quiet"
    key = f"0/digest/{report.run_date.isoformat()}/{tag}"
    entry = partial(
        ReportEntry, division=0, kind=MailKind.DIGEST, customer="owner", key=key, recipient=to
    )
    try:
        message = deps.composer.digest(report, deps.digest_language, deps.clock.now(), to)
    except FollowupError as exc:
        return entry(outcome=Outcome.FAILED, reason=f"could not compose the digest: {exc}")
    subject = str(message["Subject"])
    if dry_run:
        return entry(outcome=Outcome.PLANNED, reason="dry run", subject=subject)
    claim = Claim(
        key,
        0,
        MailKind.DIGEST,
        (key,),
        to,
        subject,
        Decimal(0),
        "",
        deps.clock.now(),
        report.run_id,
        "owner",
    )
    if not deps.ledger.claim(claim):
        return entry(
            outcome=Outcome.ALREADY_DONE, reason="this digest went out already", subject=subject
        )
    try:
        delivery = deps.mailer.deliver(message, deps.digest.mode, key)
    except MailerError as exc:
        deps.ledger.complete(key, Outcome.FAILED, reason=str(exc))
        log.error("the digest could not be delivered: %s", exc)
        return entry(outcome=Outcome.FAILED, reason=str(exc), subject=subject)
    outcome = Outcome.SENT if delivery.mode is Mode.SEND else Outcome.DRAFTED
    deps.ledger.complete(key, outcome, delivery, "digest")
    return entry(
        outcome=outcome, reason="digest", subject=subject, provider_id=delivery.provider_id
    )


def run_division(
    deps: Deps, division: int, run_date: date, *, dry_run: bool, run_id: str
) -> DivisionReport:
    """One division, under its lock. Raises FollowupError when it can't run at all."""
    result = DivisionReport(division)
    with deps.runlog.division_lock(division):
        if not dry_run:
            result.entries.extend(_recover(deps, division))
        watermark = deps.runlog.watermark(division)
        since = policy.window_start(watermark, run_date, deps.rules.policy)
        data = deps.source.read(division, watermark.sync_timestamp if watermark else None, since)
        result.exact_calls = data.exact_calls
        result.outstanding, result.overdue = _balances(data, run_date)
        history = _history(deps, division, data, run_date)
        plan = policy.plan(data, run_date, since, deps.rules, history)
        result.notes.extend(plan.notes)
        for note in plan.notes:
            log.warning("division %s: %s", division, note)
        result.entries.extend(_skipped(s, Outcome.SKIPPED) for s in plan.skips)
        result.entries.extend(_skipped(s, Outcome.ALREADY_DONE) for s in plan.done)
        pdfs = _invoice_pdfs(deps, division, plan.mails, result) if not dry_run else {}
        for mail in plan.mails:
            attachments = [pdfs[line.item_id] for line in mail.lines if line.item_id in pdfs]
            entry = _deliver(deps, mail, run_id, dry_run, attachments)
            _log(entry)
            result.entries.append(entry)
        confirmations_final = all(
            e.outcome is not Outcome.FAILED
            for e in result.entries
            if e.kind is MailKind.CONFIRMATION
        )
        if not dry_run and confirmations_final and plan.resume_from is not None:
            deps.runlog.advance(division, Watermark(plan.resume_from, run_date))
    return result


def _history(deps: Deps, division: int, data: DivisionData, run_date: date) -> History:
    """What the ledger remembers that policy must respect."""
    interval = deps.rules.policy.reminder_interval_days
    return History(
        covered={
            kind: deps.ledger.covered(division, kind, items)
            for kind, items in policy.candidate_items(data, deps.rules).items()
        },
        last_reminder=deps.ledger.last_mailed(
            division, MailKind.REMINDER, run_date - timedelta(days=interval)
        ),
        pauses=tuple(deps.pauses.pauses(division)),
    )


def _invoice_pdfs(
    deps: Deps, division: int, mails: Sequence[PlannedMail], result: DivisionReport
) -> dict[str, tuple[str, bytes]]:
    """The PDFs of the invoices the reminders list, in as few calls as Exact allows."""
    if not deps.attach_invoice_pdf:
        return {}
    wanted = sorted(
        {line.item_id for mail in mails if mail.kind is MailKind.REMINDER for line in mail.lines}
    )
    if not wanted:
        return {}
    try:
        return deps.source.invoice_pdfs(division, wanted)
    except FollowupError as exc:
        note = f"invoice PDFs could not be read from Exact ({exc}): reminders go without them"
        log.warning("division %s: %s", division, note)
        result.notes.append(note)
        return {}


def _deliver(
    deps: Deps,
    mail: PlannedMail,
    run_id: str,
    dry_run: bool,
    attachments: Sequence[tuple[str, bytes]] = (),
) -> ReportEntry:
    """Compose, claim, deliver, record: one planned mail."""
    try:
        message = deps.composer.message(mail, deps.clock.now(), attachments)
    except FollowupError as exc:
        return _entry(mail, Outcome.FAILED, f"could not compose: {exc}")
    subject = str(message["Subject"])
    if dry_run:
        return _entry(mail, Outcome.PLANNED, mail.reason, subject)
    claimed = deps.ledger.claim(
        Claim(
            key=mail.key,
            division=mail.division,
            kind=mail.kind,
            item_ids=mail.item_ids,
            recipient=mail.recipient.email,
            subject=subject,
            amount=sum((line.amount for line in mail.lines), Decimal(0)),
            currency=_currency(mail),
            claimed_at=deps.clock.now(),
            run_id=run_id,
            customer=mail.customer.code,
        )
    )
    if not claimed:
        return _entry(mail, Outcome.ALREADY_DONE, "claimed by another run", subject)
    try:
        delivery = deps.mailer.deliver(message, mail.mode, mail.key)
    except MailerAuthError as exc:
        deps.ledger.complete(mail.key, Outcome.FAILED, reason=str(exc))
        raise
    except MailerError as exc:
        outcome = Outcome.REJECTED if exc.permanent else Outcome.FAILED
        deps.ledger.complete(mail.key, outcome, reason=str(exc))
        return _entry(mail, outcome, str(exc), subject)
    outcome = Outcome.SENT if delivery.mode is Mode.SEND else Outcome.DRAFTED
    deps.ledger.complete(mail.key, outcome, delivery, mail.reason)
    return _entry(mail, outcome, mail.reason, subject, delivery.provider_id)


def _recover(deps: Deps, division: int) -> list[ReportEntry]:
    """Settle the claims a crashed run left without outcome (see the module docstring)."""
    entries = []
    for claim in deps.ledger.unfinished(division):
        trace = deps.mailer.find(claim)
        if trace is Trace.ABSENT:
            deps.ledger.release(claim.key)
            log.warning("claim %s was never delivered: released, will be planned again", claim.key)
            continue
        if trace is Trace.UNKNOWN:
            reason = "uncertain: an earlier run died while delivering; check Sent before resending"
            deps.ledger.complete(claim.key, Outcome.UNCERTAIN, reason=reason)
            outcome = Outcome.UNCERTAIN
        else:
            outcome = Outcome.SENT if trace.mode is Mode.SEND else Outcome.DRAFTED
            reason = "delivered by an earlier run that died before recording it"
            deps.ledger.complete(claim.key, outcome, trace, reason)
        entries.append(
            ReportEntry(
                division=division,
                kind=claim.kind,
                outcome=outcome if outcome is Outcome.UNCERTAIN else Outcome.ALREADY_DONE,
                customer=claim.customer,
                reason=reason,
                key=claim.key,
                recipient=claim.recipient,
                subject=claim.subject,
            )
        )
    return entries


def _entry(
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
        customer=f"{mail.customer.code} {mail.customer.name}",
        reason=reason,
        key=mail.key,
        recipient=mail.recipient.email,
        subject=subject,
        invoice_numbers=tuple(line.invoice_number for line in mail.lines),
        provider_id=provider_id,
        amount=sum((line.amount for line in mail.lines), Decimal(0)),
        currency=_currency(mail),
        call_customer=mail.call_customer,
        notes=mail.notes,
    )


def _skipped(skip: Skip, outcome: Outcome) -> ReportEntry:
    return ReportEntry(
        division=skip.division,
        kind=skip.kind,
        outcome=outcome,
        customer=f"{skip.customer.code} {skip.customer.name}",
        reason=skip.reason,
        invoice_numbers=skip.invoice_numbers,
    )


def _balances(data: DivisionData, run_date: date) -> tuple[dict[str, Decimal], dict[str, Decimal]]:
    """Per currency: everything still open on invoices, and the part past its due date."""
    outstanding: dict[str, Decimal] = {}
    overdue: dict[str, Decimal] = {}
    for line in data.open_items:
        if line.is_open and line.transaction_type == 20 and line.amount > 0:
            outstanding[line.currency] = outstanding.get(line.currency, Decimal(0)) + line.amount
            if line.due_date < run_date:
                overdue[line.currency] = overdue.get(line.currency, Decimal(0)) + line.amount
    return outstanding, overdue


def _currency(mail: PlannedMail) -> str:
    currencies = {line.currency for line in mail.lines}
    return currencies.pop() if len(currencies) == 1 else "mixed"


def _log(entry: ReportEntry) -> None:
    """One structured line per decision: no bodies, no secrets."""
    log.info(
        "%s %s %s",
        entry.kind.value,
        entry.outcome.value,
        entry.key or entry.customer,
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
