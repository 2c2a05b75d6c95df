"""The run report as JSON and as a short human summary."""

from __future__ import annotations

from collections import Counter, defaultdict
from typing import Any

from followup.model import (
    CUSTOMER_KINDS,
    MailKind,
    Outcome,
    ReportEntry,
    RunReport,
    UnreadableRow,
)

# The columns of the summary, in order; `rejected` counts as failed, `planned` only in dry runs.
COLUMNS = (
    ("drafted", (Outcome.DRAFTED,)),
    ("sent", (Outcome.SENT,)),
    ("skipped", (Outcome.SKIPPED,)),
    ("failed", (Outcome.FAILED, Outcome.REJECTED)),
    ("uncertain", (Outcome.UNCERTAIN,)),
    ("already done", (Outcome.ALREADY_DONE,)),
)


def entry_to_dict(entry: ReportEntry) -> dict[str, Any]:
    """One report line as JSON-ready data."""
    return {
        "division": entry.division,
        "kind": entry.kind.value,
        "outcome": entry.outcome.value,
        "customer": entry.customer,
        "reason": entry.reason,
        "key": entry.key,
        "recipient": entry.recipient,
        "subject": entry.subject,
        "invoices": list(entry.invoice_numbers),
        "provider_id": entry.provider_id,
        "amount": str(entry.amount),
        "currency": entry.currency,
        "call_customer": entry.call_customer,
        "notes": list(entry.notes),
    }


def unreadable_to_dict(row: UnreadableRow) -> dict[str, Any]:
    """A row Exact sent that couldn't be read, as JSON-ready data."""
    return {
        "division": row.division,
        "endpoint": row.endpoint,
        "row_id": row.row_id,
        "customer_code": row.customer_code,
        "customer_name": row.customer_name,
        "invoice_number": row.invoice_number,
        "reason": row.reason,
    }


def counts(report: RunReport) -> dict[str, dict[str, int]]:
    """Per mail kind, how many mails had each outcome."""
    result: dict[str, dict[str, int]] = {}
    for kind in MailKind:
        tally = Counter(e.outcome.value for e in report.entries() if e.kind is kind)
        result[kind.value] = {o.value: tally.get(o.value, 0) for o in Outcome}
    return result


def report_to_dict(report: RunReport) -> dict[str, Any]:
    """The whole report as JSON-ready data."""
    return {
        "run_id": report.run_id,
        "run_date": report.run_date.isoformat(),
        "dry_run": report.dry_run,
        "ok": report.ok,
        "started_at": report.started_at.isoformat(),
        "finished_at": report.finished_at.isoformat() if report.finished_at else None,
        "counts": counts(report),
        "digest": entry_to_dict(report.digest) if report.digest else None,
        "divisions": [
            {
                "division": d.division,
                "ok": d.ok,
                "error": d.error,
                "retryable": d.retryable,
                "exact_calls": d.exact_calls,
                "notes": d.notes,
                "outstanding": {k: str(v) for k, v in d.outstanding.items()},
                "overdue": {k: str(v) for k, v in d.overdue.items()},
                "entries": [entry_to_dict(e) for e in d.entries],
                "unreadable": [unreadable_to_dict(u) for u in d.unreadable],
            }
            for d in report.divisions
        ],
    }


def summary(report: RunReport) -> str:
    """A short text: per kind, drafted / sent / skipped (with reasons) / failed."""
    lines = [
        f"Run {report.run_date.isoformat()}"
        + (" (dry run: nothing delivered)" if report.dry_run else "")
    ]
    entries = report.entries()
    for kind in CUSTOMER_KINDS:
        mine = [e for e in entries if e.kind is kind]
        tally = Counter(e.outcome for e in mine)
        parts = []
        if report.dry_run:
            parts.append(f"{tally[Outcome.PLANNED]} would be delivered")
        for label, outcomes in COLUMNS:
            n = sum(tally[o] for o in outcomes)
            if n or label in ("drafted", "sent", "skipped", "failed"):
                parts.append(f"{n} {label}")
        lines.append(f"  {kind.value + 's':<14} " + ", ".join(parts))
        reasons: dict[str, int] = defaultdict(int)
        for e in mine:
            if e.outcome in (Outcome.SKIPPED, Outcome.FAILED, Outcome.REJECTED, Outcome.UNCERTAIN):
                reasons[f"{e.outcome.value}: {e.reason}"] += 1
        for reason, n in sorted(reasons.items()):
            lines.append(f"      {n} x {reason}")
    for d in report.divisions:
        if d.error:
            lines.append(f"  division {d.division} FAILED: {d.error}")
        lines.extend(f"  division {d.division}: {note}" for note in d.notes)
    unreadable = [u for d in report.divisions for u in d.unreadable]
    if unreadable:
        lines.append(
            f"  Rows from Exact that could not be read ({len(unreadable)}); "
            "check these entries in Exact:"
        )
        lines.extend(f"      {_unreadable_line(u)}" for u in unreadable)
    if report.digest is not None:
        digest = report.digest
        why = (
            f": {digest.reason}" if digest.outcome in (Outcome.FAILED, Outcome.ALREADY_DONE) else ""
        )
        lines.append(f"  digest         {digest.outcome.value} to {digest.recipient}{why}")
    new = sum(1 for e in entries if e.outcome in (Outcome.SENT, Outcome.DRAFTED))
    done = sum(1 for e in entries if e.outcome is Outcome.ALREADY_DONE)
    if not report.dry_run and new == 0 and done:
        lines.append(
            f"  Nothing new: the {done} mail(s) due were already delivered by an earlier run."
        )
    elif not report.dry_run and new == 0:
        lines.append("  Nothing new to deliver.")
    return "\n".join(lines)


def _unreadable_line(row: UnreadableRow) -> str:
    """Whose row, which invoice, what is wrong and where: enough to find it in Exact."""
    who = f"{row.customer_code} {row.customer_name}".strip() or "customer unknown"
    invoice = f", invoice {row.invoice_number}" if row.invoice_number else ""
    where = f"{row.endpoint}, row {row.row_id}"
    return f"division {row.division}: {who}{invoice}: {row.reason} ({where})"
