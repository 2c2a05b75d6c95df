"""What the owner's digest template sees: a run report grouped per division, no mail bodies."""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from followup.mail.formatting import Total
from followup.mail.mime import one_line
from followup.model import (
    CUSTOMER_KINDS,
    DivisionReport,
    Outcome,
    ReportEntry,
    RunReport,
    UnreadableRow,
)
from followup.reasons import DELIVERED, Reason, as_reason

# exact/rows.py's reasons, as a problem the templates word per language, and the field involved.
_PROBLEMS = (
    (re.compile(r"no (\w+)"), "missing"),
    (re.compile(r"(\w+) is not a date"), "not_a_date"),
    (re.compile(r"(\w+) is not a number"), "not_a_number"),
    (re.compile(r"not a GUID"), "not_a_guid"),
)


@dataclass(frozen=True)
class Line:
    """One report entry as the digest shows it: who, which invoices, how much, why.

    `reason` and each note is a reasons.Reason: its English text, with `code` and `params`
    that the phrases' `reason` macro words in the digest's language ("" code: the text as is).
    """

    kind: str
    customer: str
    recipient: str
    invoice_numbers: tuple[str, ...]
    amount: Decimal
    currency: str  # "" when unknown, "mixed" for several currencies
    reason: Reason
    notes: tuple[Reason, ...]
    draft: bool  # it waits in Drafts for the owner
    outcome: str = ""  # the report's outcome ("sent", "skipped", …)
    level: int = 0  # reminders: the mail's level (1 friendly .. 3 final)
    tone: str = ""  # reminders: "friendly", "businesslike", "final"
    variant: str = ""  # confirmations: "standard", "informal", "upsell", "personal", "refund"


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

    reason: Reason
    lines: tuple[Line, ...]


@dataclass(frozen=True)
class Division:
    """One division's part of the digest."""

    division: int
    error: str
    notes: tuple[Reason, ...]
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
    held: tuple[Line, ...] = ()  # due, but waiting (one per interval, a final notice's term)
    company: str = ""  # an office's administration: its company (its profile)
    digest: Line | None = None  # an office's administration: its own digest mail

    @property
    def skipped_count(self) -> int:
        """How many mails were skipped, over all reasons."""
        return sum(len(group.lines) for group in self.skipped)

    @property
    def skipped_lines(self) -> tuple[Line, ...]:
        """Every skipped line, in the report's order."""
        return tuple(line for group in self.skipped for line in group.lines)

    @property
    def quiet(self) -> bool:
        """Nothing happened worth a line."""
        return not (self.sent or self.drafted or self.planned or self.skipped or self.failed) and (
            not (self.uncertain or self.error or self.notes or self.unreadable or self.held)
        )


@dataclass(frozen=True)
class Alert:
    """Something the owner must read first: a division's note or error."""

    division: int
    text: Reason  # an error: its text as is (no code)
    error: bool
    company: str = ""  # an office's administration: its company


def said(text: str) -> Reason:
    """A reason (or a plain text) on one line, its values too: names from Exact and the
    owner's own notes may carry control characters."""
    found = as_reason(text)
    values = {k: one_line(v) if isinstance(v, str) else v for k, v in found.params.items()}
    return Reason(one_line(found), found.code, values)


def line(entry: ReportEntry) -> Line:
    """A report entry as the digest and the run summary show it."""
    return Line(
        kind=entry.kind.value,
        customer=one_line(entry.customer.label),
        recipient=one_line(entry.recipient),
        invoice_numbers=tuple(one_line(n) for n in entry.invoice_numbers),
        amount=entry.amount,
        currency="" if entry.currency == "mixed" else one_line(entry.currency),
        reason=said(entry.reason),
        notes=tuple(said(n) for n in entry.notes),
        draft=entry.outcome is Outcome.DRAFTED,
        outcome=entry.outcome.value,
        level=entry.level,
        tone=one_line(entry.tone or ""),
        variant=one_line(entry.variant or ""),
    )


def _held(entry: ReportEntry) -> bool:
    """Due, but waiting: "already done" for a reason other than an earlier delivery."""
    code = as_reason(entry.reason).code
    return entry.outcome is Outcome.ALREADY_DONE and bool(code) and code not in DELIVERED


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
    groups: dict[str, list[Line]] = defaultdict(list)
    held: list[Line] = []
    for entry in report.entries:
        outcome = Outcome.FAILED if entry.outcome is Outcome.REJECTED else entry.outcome
        shown = line(entry)
        if _held(entry):
            held.append(shown)
            continue
        by[outcome].append(shown)
        if outcome is Outcome.SKIPPED:
            groups[shown.reason].append(shown)
    return Division(
        division=report.division,
        error=said(report.error),
        notes=tuple(said(n) for n in report.notes),
        sent=tuple(by[Outcome.SENT]),
        drafted=tuple(by[Outcome.DRAFTED]),
        planned=tuple(by[Outcome.PLANNED]),
        skipped=tuple(Group(ls[0].reason, tuple(ls)) for _, ls in sorted(groups.items())),
        failed=tuple(by[Outcome.FAILED]),
        uncertain=tuple(by[Outcome.UNCERTAIN]),
        already_done=len(by[Outcome.ALREADY_DONE]),
        call=tuple(line(e) for e in report.entries if e.call_customer),
        outstanding=_totals(report.outstanding),
        overdue=_totals(report.overdue),
        unreadable=tuple(_unreadable(row) for row in report.unreadable),
        held=tuple(held),
        company=one_line(report.company),
        digest=line(report.digest) if report.digest else None,
    )


def digest_context(report: RunReport) -> dict[str, Any]:
    """Everything the digest templates may use (see templates/README.md)."""
    divisions = [_division(d) for d in report.divisions]
    alerts = [Alert(d.division, said(d.error), True, d.company) for d in divisions if d.error] + [
        Alert(d.division, note, False, d.company) for d in divisions for note in d.notes
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
        "consent": _consent(report),
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
            "held": sum(len(d.held) for d in divisions),
        },
        "kinds": _per_kind(report),
        "outstanding": _totals(outstanding),
        "overdue": _totals(overdue),
    }


def _consent(report: RunReport) -> dict[str, Any] | None:
    """The Exact consent: last refreshed, lapses unused on, whether to warn (None: unknown)."""
    if report.consent_refreshed_at is None or report.consent_lapses_at is None:
        return None
    return {
        "refreshed": report.consent_refreshed_at.date(),
        "lapses": report.consent_lapses_at.date(),
        "warn": report.consent_warn,
    }


def _per_kind(report: RunReport) -> list[dict[str, Any]]:
    """Per customer mail kind, how many mails had each outcome (rejected ones as failed, holds
    apart from those an earlier run delivered)."""
    result = []
    for kind in CUSTOMER_KINDS:
        count = dict.fromkeys((*(o.value for o in Outcome), "held"), 0)
        for entry in report.entries():
            if entry.kind is kind:
                outcome = Outcome.FAILED if entry.outcome is Outcome.REJECTED else entry.outcome
                count["held" if _held(entry) else outcome.value] += 1
        result.append({"kind": kind.value, **count})
    return result
