"""The daily job: for each division read, decide, compose, claim, deliver, record.

Per division, under its lock: settle what a crashed run left (delivery.recover), read Exact from
the payment watermark, let policy plan, deliver each planned mail exactly once
(delivery.deliver), and advance the watermark only when every confirmation of the run has a
final outcome. Then the owner's digest, and the run is recorded.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import date, timedelta

from followup import policy, reasons, reply_watch
from followup.clock import business_date
from followup.delivery import deliver, deliver_digest, log_decision, recover, skipped_entry
from followup.deps import Deps
from followup.errors import ExactAuthError, FollowupError, MailerAuthError
from followup.exact.lapse import RENEW, consent_health
from followup.model import (
    DivisionData,
    DivisionReport,
    MailKind,
    Outcome,
    Pause,
    Plan,
    PlannedMail,
    RunReport,
    Watermark,
)
from followup.policy import History
from followup.ports import Composer

__all__ = ["Composer", "Deps", "run", "run_division"]

log = logging.getLogger("followup.run")


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
            result, fatal = run_one(deps, division, run_date, dry_run=dry_run, run_id=report.run_id)
        report.divisions.append(result)
        if progress:
            progress(result)
    return close(deps, report, dry_run=dry_run)


def run_one(
    deps: Deps, division: int, run_date: date, *, dry_run: bool, run_id: str
) -> tuple[DivisionReport, str]:
    """One division's run, its failure caught: the report and, when the failure will stop every
    division after it too (the Exact consent, the mailbox's login), what that failure is."""
    fatal = ""
    try:
        result = run_division(deps, division, run_date, dry_run=dry_run, run_id=run_id)
    except ExactAuthError as exc:
        if exc.status == 403:  # this division only: the token no longer reaches it
            result = DivisionReport(division, error=reasons.division_unseen(division, str(exc)))
        else:
            fatal = str(exc)
            result = DivisionReport(division, error=fatal, retryable=exc.retryable)
    except MailerAuthError as exc:
        fatal = str(exc)
        result = DivisionReport(division, error=fatal, retryable=exc.retryable)
    except FollowupError as exc:
        result = DivisionReport(division, error=str(exc), retryable=exc.retryable)
    if result.error:
        log.error("division %s failed: %s", division, result.error)
    return result, fatal


def close(deps: Deps, report: RunReport, *, dry_run: bool, record: bool = True) -> RunReport:
    """The end of a run: the Exact consent's health, the owner's digest, the run recorded."""
    _note_consent(deps, report)
    if deps.digest.enabled and deps.digest.to:
        report.digest = deliver_digest(deps, report, str(deps.digest.to), dry_run)
    report.finished_at = deps.clock.now()
    if record and not dry_run:
        deps.runlog.record_run(report)
    return report


def _note_consent(deps: Deps, report: RunReport) -> None:
    """When the Exact consent was last refreshed and when it lapses unused, into the report
    (the digest shows it, and warns before it lapses); the log says which consent to renew."""
    try:
        tokens = deps.tokens.load() if deps.tokens is not None else None
    except FollowupError as exc:
        log.warning("could not read the Exact tokens to tell when the consent lapses: %s", exc)
        return
    if tokens is None:
        return
    health = consent_health(tokens, deps.clock.now())
    report.consent_refreshed_at, report.consent_lapses_at = health.refreshed_at, health.lapses_at
    report.consent_warn = health.warn
    if health.warn:
        log.warning(
            "the Exact consent was last refreshed on %s and lapses on %s if unused: renew the "
            "Exact consent: %s", f"{health.refreshed_at:%Y-%m-%d}", f"{health.lapses_at:%Y-%m-%d}",
            RENEW,
        )  # fmt: skip


def run_division(
    deps: Deps, division: int, run_date: date, *, dry_run: bool, run_id: str
) -> DivisionReport:
    """One division, under its lock. Raises FollowupError when it can't run at all."""
    result = DivisionReport(division)
    with deps.runlog.division_lock(division):
        if not dry_run:
            result.entries.extend(recover(deps, division))
        today = max(business_date(deps.clock.now()), run_date)
        watermark = deps.runlog.watermark(division)
        answered = reply_watch.watch(deps, division, run_date, watermark, dry_run=dry_run)
        result.notes.extend(answered.notes)  # first: the digest's alerts lead with them
        since = policy.window_start(watermark, run_date, deps.rules.policy)
        data = deps.source.read(
            division,
            watermark.sync_timestamp if watermark else None,
            since,
            dict(watermark.listing_pages) if watermark else None,
        )
        _note_read(result, data)
        result.outstanding, result.overdue = policy.balances(data, run_date)
        history = _history(deps, division, data, run_date, answered.pauses)
        plan = _plan(deps, data, run_date, since, history, today)
        result.notes.extend(plan.notes)
        for note in plan.notes:
            log.warning("division %s: %s", division, note)
        result.entries.extend(skipped_entry(s, Outcome.SKIPPED) for s in plan.skips)
        result.entries.extend(skipped_entry(s, Outcome.ALREADY_DONE) for s in plan.done)
        pdfs = _invoice_pdfs(deps, division, plan.mails, result) if not dry_run else {}
        for mail in plan.mails:
            attachments = [pdfs[line.entry_id] for line in mail.lines if line.entry_id in pdfs]
            entry = deliver(deps, mail, run_id, dry_run, attachments, run_date=run_date)
            log_decision(entry)
            result.entries.append(entry)
        confirmations_final = all(
            e.outcome is not Outcome.FAILED
            for e in result.entries
            if e.kind is MailKind.CONFIRMATION
        )
        if not dry_run and confirmations_final and plan.resume_from is not None:
            mark = _next(watermark, plan.resume_from, data, run_date)
            seen = answered.looked_until or (watermark.replies_seen if watermark else None)
            deps.runlog.advance(division, replace(mark, replies_seen=seen))
    return result


def _note_read(result: DivisionReport, data: DivisionData) -> None:
    """What reading Exact cost and left out, into the division's report (and the log)."""
    result.exact_calls = data.exact_calls
    result.unreadable.extend(data.unreadable)
    for row in data.unreadable:
        log.warning(
            "division %s: row %s of %s could not be read: %s",
            data.division, row.row_id, row.endpoint, row.reason,
            extra={"decision": {
                "event": "unreadable_row", "division": data.division, "endpoint": row.endpoint,
                "row_id": row.row_id, "customer": row.customer_code,
                "invoice": row.invoice_number, "reason": row.reason,
            }},
        )  # fmt: skip
    if not data.caught_up:
        result.notes.append(reasons.PARTIAL_READ)


def _plan(
    deps: Deps,
    data: DivisionData,
    run_date: date,
    since: date,
    history: History,
    today: date,
) -> Plan:
    """Policy's plan; when reminders are planned, Exact's report is asked what of them is on
    its way already (only for those customers), and the plan made again with it."""
    plan = policy.plan(data, run_date, since, deps.rules, history, today)
    reminded = sorted({m.customer.account_id for m in plan.mails if m.kind is MailKind.REMINDER})
    transit = deps.source.amounts_in_transit(data.division, reminded) if reminded else {}
    if transit:
        data = policy.with_transit(data, transit)
        plan = policy.plan(data, run_date, since, deps.rules, history, today)
    return _statements_hold(deps, data.division, plan, run_date)


def _statements_hold(deps: Deps, division: int, plan: Plan, run_date: date) -> Plan:
    """Reminders wait (or are drafted) while the division's bank statements are behind: asked
    of Exact only when reminders are planned. Statements that can't be read hold nothing (the
    owner is told); a refused token stops the run as any other call would."""
    max_age = deps.rules.policy.bank_statements_max_age
    if not max_age or not any(m.kind is MailKind.REMINDER for m in plan.mails):
        return plan
    cutoff = policy.statements_cutoff(run_date, max_age)
    try:
        statements = deps.source.bank_statements(division, cutoff)
    except ExactAuthError:
        raise
    except FollowupError as exc:
        note = reasons.statements_unread(str(exc))
        log.warning("division %s: %s", division, note)
        return replace(plan, notes=(*plan.notes, note))
    return policy.hold_for_statements(plan, statements, deps.rules.policy)


def _next(
    watermark: Watermark | None, resume_from: int, data: DivisionData, run_date: date
) -> Watermark:
    """The watermark to store. While a first run's history read goes on, its date stays (the
    window stays its look-back days); a later run's partial read just continues next time."""
    first_read = watermark is None or not watermark.complete
    if data.caught_up or not first_read:
        # A run for a past date never takes the window back: the next run's starts from the
        # latest run date the watermark has seen.
        latest = max(run_date, watermark.run_date) if watermark and watermark.complete else run_date
        stamp = max(resume_from, watermark.sync_timestamp if watermark else 0)
        return Watermark(stamp, latest, listing_pages=data.listing_pages)
    first = watermark.run_date if watermark is not None else run_date
    return Watermark(resume_from, first, complete=False, listing_pages=data.listing_pages)


def _history(
    deps: Deps, division: int, data: DivisionData, run_date: date, new: Sequence[Pause] = ()
) -> History:
    """What the ledger remembers that policy must respect (and this run's new pauses, which a
    dry run doesn't store)."""
    stored = {(p.target, p.division): p for p in deps.pauses.pauses(division)}
    for pause in new:
        kept = stored.get((pause.target, pause.division))
        if kept is None or kept.until < pause.until:
            stored[(pause.target, pause.division)] = pause
    return History(
        covered={
            kind: deps.ledger.covered(division, kind, items)
            for kind, items in policy.candidate_items(data, deps.rules, run_date).items()
        },
        # A year back: an unanswered final notice holds the chase until it is handled.
        last_reminders=deps.ledger.last_reminders(division, run_date - timedelta(days=365)),
        pauses=tuple(stored.values()),
    )


def _invoice_pdfs(
    deps: Deps, division: int, mails: Sequence[PlannedMail], result: DivisionReport
) -> dict[str, tuple[str, bytes]]:
    """The PDFs of the invoices the reminders list, in as few calls as Exact allows."""
    if not deps.attach_invoice_pdf:
        return {}
    wanted = sorted(
        {line.entry_id for mail in mails if mail.kind is MailKind.REMINDER for line in mail.lines}
    )
    if not wanted:
        return {}
    try:
        return deps.source.invoice_pdfs(division, wanted)
    except FollowupError as exc:
        note = reasons.pdfs_unread(str(exc))
        log.warning("division %s: %s", division, note)
        result.notes.append(note)
        return {}
