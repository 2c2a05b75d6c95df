"""A run report read back from its JSON (report.py's `report_to_dict`, as the run log keeps it).

An office's overview after a Cloud Tasks fan-out is made from the reports its divisions' tasks
recorded. Reasons come back as reasons.Reason with their code and values, so the overview
words them in the owner's language as a local run's overview does. Where the JSON kept only a
reason's code (notes), its values are read back from its English text; a reason whose values
can't be had comes back as its text, which the templates show as it is.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal
from string import Formatter
from typing import Any

from followup import reasons
from followup.model import (
    Customer,
    DivisionReport,
    MailKind,
    Outcome,
    ReportEntry,
    RunReport,
    Tone,
    UnreadableRow,
    Variant,
)
from followup.reasons import Param, Reason

# The values reasons.py names, by their kind (the rest are text), and how each is written.
_DATES = frozenset({"day", "until", "sent", "last", "next"})
_AMOUNTS = frozenset({"amount", "limit"})
_NUMBERS = frozenset({"days", "level", "sends", "cap", "division"})
_WRITTEN = {_DATES: r"\d{4}-\d{2}-\d{2}", _AMOUNTS: r"-?\d+(?:\.\d+)?", _NUMBERS: r"-?\d+"}


def report_from_dict(data: Mapping[str, Any]) -> RunReport:
    """The run report `report_to_dict` wrote (the consent's health is not in it)."""
    return RunReport(
        run_id=str(data["run_id"]),
        run_date=date.fromisoformat(str(data["run_date"])),
        dry_run=bool(data.get("dry_run")),
        started_at=datetime.fromisoformat(str(data["started_at"])),
        divisions=[division_from_dict(d) for d in data.get("divisions") or []],
        finished_at=_moment(data.get("finished_at")),
        digest=entry_from_dict(data["digest"]) if data.get("digest") else None,
    )


def division_from_dict(data: Mapping[str, Any]) -> DivisionReport:
    """One division's part of a report."""
    return DivisionReport(
        division=int(data["division"]),
        entries=[entry_from_dict(e) for e in data.get("entries") or []],
        error=str(data.get("error") or ""),
        retryable=bool(data.get("retryable")),
        exact_calls=int(data.get("exact_calls") or 0),
        notes=list(_reasons(data.get("notes"), data.get("note_codes"), data.get("note_params"))),
        outstanding=_sums(data.get("outstanding")),
        overdue=_sums(data.get("overdue")),
        unreadable=[_unreadable(u) for u in data.get("unreadable") or []],
        digest=entry_from_dict(data["digest"]) if data.get("digest") else None,
        company=str(data.get("company") or ""),
        seconds=float(data.get("seconds") or 0.0),
    )


def entry_from_dict(data: Mapping[str, Any]) -> ReportEntry:
    """One report line; the customer comes back as the label the report showed."""
    kind = MailKind(data["kind"])
    written = str(data.get("variant") or "")  # a reminder's tone, a confirmation's variant
    return ReportEntry(
        division=int(data["division"]),
        kind=kind,
        outcome=Outcome(data["outcome"]),
        customer=Customer("", "", str(data.get("customer") or "")),
        reason=reason_from_json(
            str(data.get("reason") or ""),
            str(data.get("reason_code") or ""),
            data.get("reason_params"),
        ),
        key=str(data.get("key") or ""),
        recipient=str(data.get("recipient") or ""),
        subject=str(data.get("subject") or ""),
        invoice_numbers=tuple(str(n) for n in data.get("invoices") or []),
        provider_id=str(data.get("provider_id") or ""),
        amount=Decimal(str(data.get("amount") or "0")),
        currency=str(data.get("currency") or ""),
        call_customer=bool(data.get("call_customer")),
        notes=_reasons(data.get("notes"), data.get("note_codes"), data.get("note_params")),
        level=int(data.get("level") or 0),
        tone=Tone(written) if written and kind is MailKind.REMINDER else None,
        variant=Variant(written) if written and kind is MailKind.CONFIRMATION else None,
    )


def reason_from_json(text: str, code: str, params: Mapping[str, Any] | None = None) -> str:
    """A reason as reasons.py made it: its English text with its code and typed values (read
    back from the text when `params` lacks them); without a known code, or when the values
    don't give the text again, the text as it is."""
    english = reasons.ENGLISH.get(code)
    if english is None:
        return text
    named = {name for _, name, _, _ in Formatter().parse(english) if name}
    given = dict(params or {})
    if not named <= given.keys():
        given = _read_back(english, text) or {}
        if named & _AMOUNTS:  # a note's amount is in the home currency (reasons.py)
            given.setdefault("currency", reasons.HOME_CURRENCY)
    try:
        values = {name: _typed(name, value) for name, value in given.items()}
        same = english.format(**values) == text
    except (KeyError, ValueError, ArithmeticError):
        return text
    return Reason(text, code, values) if same else text


def _read_back(english: str, text: str) -> dict[str, Any] | None:
    """The values that filled `english` to give `text`, as text (None: it doesn't fit)."""
    pattern, seen = [], set()
    for literal, name, spec, conversion in Formatter().parse(english):
        pattern.append(re.escape(literal))
        if name is None:
            continue
        if spec or conversion:  # a value written as repr: not read back
            return None
        written = next((w for kind, w in _WRITTEN.items() if name in kind), ".*?")
        pattern.append(f"(?P={name})" if name in seen else f"(?P<{name}>{written})")
        seen.add(name)
    found = re.fullmatch("".join(pattern), text, re.DOTALL)
    return dict(found.groupdict()) if found else None


def _typed(name: str, value: Any) -> Param:
    """A value as reasons.py gives it: dates, amounts and counts by their name."""
    if name in _DATES:
        return value if isinstance(value, date) else date.fromisoformat(str(value))
    if name in _AMOUNTS:
        return Decimal(str(value))
    if name in _NUMBERS:
        return int(value)
    return str(value)


def _reasons(
    texts: Sequence[str] | None,
    codes: Sequence[str] | None,
    params: Sequence[Mapping[str, Any]] | None = None,
) -> tuple[str, ...]:
    """Notes with their codes and values (an older report without values: read back from the
    text; without codes: the texts as they are)."""
    listed, known, values = list(texts or []), list(codes or []), list(params or [])
    known += [""] * (len(listed) - len(known))
    values += [{}] * (len(listed) - len(values))
    return tuple(
        reason_from_json(str(t), str(c), v) for t, c, v in zip(listed, known, values, strict=False)
    )


def _sums(data: Mapping[str, Any] | None) -> dict[str, Decimal]:
    return {str(currency): Decimal(str(amount)) for currency, amount in (data or {}).items()}


def _unreadable(data: Mapping[str, Any]) -> UnreadableRow:
    return UnreadableRow(
        division=int(data["division"]),
        endpoint=str(data.get("endpoint") or ""),
        row_id=str(data.get("row_id") or ""),
        reason=str(data.get("reason") or ""),
        customer_code=str(data.get("customer_code") or ""),
        customer_name=str(data.get("customer_name") or ""),
        invoice_number=str(data.get("invoice_number") or ""),
    )


def _moment(value: Any) -> datetime | None:
    return datetime.fromisoformat(str(value)) if value else None
