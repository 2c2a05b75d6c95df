"""What the owner's digest template sees: a run report grouped per division, no mail bodies."""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from followup.formatting import Total
from followup.mime import one_line
from followup.model import DivisionReport, Outcome, ReportEntry, RunReport, UnreadableRow

# exact/rows.py's reasons, as a problem the templates word per language, and the field involved.
_PROBLEMS = (
    (re.compile(r"no (\w+)"), "missing"),
    (re.compile(r"(\w+) is not a date"), "not_a_date"),
    (re.compile(r"(\w+) is not a number"), "not_a_number"),
    (re.compile(r"not a GUID"), "not_a_guid"),
)


@dataclass(frozen=True)
class Line:
    """One report entry as the digest shows it: who, which invoices, how much, why."""

    kind: str
    customer: str
    recipient: str
    invoice_numbers: tuple[str, ...]
    amount: Decimal
    currency: str  # "" when unknown, "mixed" for several currencies
    reason: str
    notes: tuple[str, ...]
    draft: bool  # it waits in Drafts for the owner


@dataclass(frozen=True)
class Unreadable:
    """A row Exact sent that couldn't be read: whose, which invoice, where, and what is wrong.

    `problem` is "missing", "not_a_date", "not_a_number", "not_a_guid" or "" (then only
    `reason`, Exact's technical text, says what); `field` is the Exact field involved.
    """

    customer: str  # code and name, "" when the row didn't say
    invoice_number: str
    endpoint: str  # "bulk/Cashflow/Receivables"
    row_id: str
    problem: str
    field: str
    reason: str


@dataclass(frozen=True)
class Group:
    """Report lines that share a reason (skips)."""

    reason: str
    lines: tuple[Line, ...]


@dataclass(frozen=True)
class Division:
    """One division's part of the digest."""

    division: int
    error: str
    notes: tuple[str, ...]
    sent: tuple[Line, ...]
    drafted: tuple[Line, ...]
    planned: tuple[Line, ...]  # a dry run: what would have been delivered
    skipped: tuple[Group, ...]
    failed: tuple[Line, ...]
    uncertain: tuple[Line, ...]
    already_done: int
    call: tuple[Line, ...]
    outstanding: tuple[Total, ...]
    overdue: tuple[Total, ...]
    unreadable: tuple[Unreadable, ...] = ()

    @property
    def skipped_count(self) -> int:
        """How many mails were skipped, over all reasons."""
        return sum(len(group.lines) for group in self.skipped)

    @property
    def quiet(self) -> bool:
        """Nothing happened worth a line."""
        return not (self.sent or self.drafted or self.planned or self.skipped or self.failed) and (
            not (self.uncertain or self.error or self.notes or self.unreadable)
        )


@dataclass(frozen=True)
class Alert:
    """Something the owner must read first: a division's note or error."""

    division: int
    text: str
    error: bool


def _line(entry: ReportEntry) -> Line:
    return Line(
        kind=entry.kind.value,
        customer=one_line(entry.customer),
        recipient=one_line(entry.recipient),
        invoice_numbers=tuple(one_line(n) for n in entry.invoice_numbers),
        amount=entry.amount,
        currency="" if entry.currency == "mixed" else one_line(entry.currency),
        reason=one_line(entry.reason),
        notes=tuple(one_line(n) for n in entry.notes),
        draft=entry.outcome is Outcome.DRAFTED,
    )


def _unreadable(row: UnreadableRow) -> Unreadable:
    reason = one_line(row.reason)
    problem, field = "", ""
    for pattern, name in _PROBLEMS:
        if found := pattern.fullmatch(reason):
            problem, field = name, found.group(1) if pattern.groups else ""
            break
    return Unreadable(
        customer=one_line(f"{row.customer_code} {row.customer_name}".strip()),
        invoice_number=one_line(row.invoice_number),
        endpoint=one_line(row.endpoint),
        row_id=one_line(row.row_id),
        problem=problem,
        field=field,
        reason=reason,
    )


def _totals(sums: dict[str, Decimal]) -> tuple[Total, ...]:
    return tuple(Total(one_line(c), a) for c, a in sorted(sums.items()) if a)


def _division(report: DivisionReport) -> Division:
    by: dict[Outcome, list[Line]] = defaultdict(list)
    reasons: dict[str, list[Line]] = defaultdict(list)
    for entry in report.entries:
        outcome = Outcome.FAILED if entry.outcome is Outcome.REJECTED else entry.outcome
        by[outcome].append(_line(entry))
        if outcome is Outcome.SKIPPED:
            reasons[one_line(entry.reason)].append(_line(entry))
    return Division(
        division=report.division,
        error=one_line(report.error),
        notes=tuple(one_line(n) for n in report.notes),
        sent=tuple(by[Outcome.SENT]),
        drafted=tuple(by[Outcome.DRAFTED]),
        planned=tuple(by[Outcome.PLANNED]),
        skipped=tuple(Group(r, tuple(ls)) for r, ls in sorted(reasons.items())),
        failed=tuple(by[Outcome.FAILED]),
        uncertain=tuple(by[Outcome.UNCERTAIN]),
        already_done=len(by[Outcome.ALREADY_DONE]),
        call=tuple(_line(e) for e in report.entries if e.call_customer),
        outstanding=_totals(report.outstanding),
        overdue=_totals(report.overdue),
        unreadable=tuple(_unreadable(row) for row in report.unreadable),
    )


def digest_context(report: RunReport) -> dict[str, Any]:
    """Everything the digest templates may use (see templates/README.md)."""
    divisions = [_division(d) for d in report.divisions]
    alerts = [Alert(d.division, d.error, True) for d in divisions if d.error] + [
        Alert(d.division, note, False) for d in divisions for note in d.notes
    ]
    outstanding: dict[str, Decimal] = defaultdict(Decimal)
    overdue: dict[str, Decimal] = defaultdict(Decimal)
    for d in report.divisions:
        for currency, amount in d.outstanding.items():
            outstanding[currency] += amount
        for currency, amount in d.overdue.items():
            overdue[currency] += amount
    return {
        "run_id": report.run_id,
        "run_date": report.run_date,
        "dry_run": report.dry_run,
        "ok": report.ok,
        "alerts": alerts,
        "divisions": divisions,
        "call": [line for d in divisions for line in d.call],
        "count": {
            "sent": sum(len(d.sent) for d in divisions),
            "drafted": sum(len(d.drafted) for d in divisions),
            "planned": sum(len(d.planned) for d in divisions),
            "skipped": sum(d.skipped_count for d in divisions),
            "failed": sum(len(d.failed) for d in divisions),
            "uncertain": sum(len(d.uncertain) for d in divisions),
            "already_done": sum(d.already_done for d in divisions),
            "unreadable": sum(len(d.unreadable) for d in divisions),
        },
        "outstanding": _totals(outstanding),
        "overdue": _totals(overdue),
    }
