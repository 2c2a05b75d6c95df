"""The run report as JSON and as a short human summary."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from followup import reasons
from followup.mail.digest import digest_context, line
from followup.mail.environment import (
    checked_segment,
    default_template_dir,
    environment,
    load,
    render,
)
from followup.model import (
    DivisionReport,
    MailKind,
    Outcome,
    ReportEntry,
    RunReport,
    UnreadableRow,
)


def entry_to_dict(entry: ReportEntry) -> dict[str, Any]:
    """One report line as JSON-ready data: the reason in English, with its code and values."""
    why = reasons.to_json(entry.reason)
    return {
        "division": entry.division,
        "kind": entry.kind.value,
        "outcome": entry.outcome.value,
        "customer": entry.customer.label,
        "reason": str(entry.reason),
        "reason_code": why["code"],
        "reason_params": why["params"],
        "key": entry.key,
        "recipient": entry.recipient,
        "subject": entry.subject,
        "invoices": list(entry.invoice_numbers),
        "provider_id": entry.provider_id,
        "amount": str(entry.amount),
        "currency": entry.currency,
        "call_customer": entry.call_customer,
        "notes": [str(note) for note in entry.notes],
        "note_codes": [reasons.to_json(note)["code"] for note in entry.notes],
        "note_params": [reasons.to_json(note)["params"] for note in entry.notes],
        "level": entry.level,
        # How the mail is written: a confirmation's variant, a reminder's tone ("" for neither).
        "variant": str(entry.variant or entry.tone or ""),
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
                "notes": [str(note) for note in d.notes],
                "note_codes": [reasons.to_json(note)["code"] for note in d.notes],
                "note_params": [reasons.to_json(note)["params"] for note in d.notes],
                "outstanding": {k: str(v) for k, v in d.outstanding.items()},
                "overdue": {k: str(v) for k, v in d.overdue.items()},
                "entries": [entry_to_dict(e) for e in d.entries],
                "unreadable": [unreadable_to_dict(u) for u in d.unreadable],
                "company": d.company,
                "seconds": round(d.seconds, 3),
                "digest": entry_to_dict(d.digest) if d.digest else None,
            }
            for d in report.divisions
        ],
    }


def summary(report: RunReport, language: str = "nl", template_dirs: Sequence[Path] = ()) -> str:
    """What `followup run` prints, in the owner's language: per kind how many, then per division
    each mail that went (or would go) out and each skip, wait and failure, with the customer,
    the invoices and why (templates/digest/summary.txt.j2 and <language>/phrases.j2)."""
    dirs = list(template_dirs) or [default_template_dir()]
    env = environment(dirs, html=False)
    lang = checked_segment(language.strip().lower(), "folder")
    context = {**digest_context(report), "language": lang}
    context["digest"] = line(report.digest) if report.digest is not None else None
    context["phrases"] = load(env, [f"digest/{lang}/phrases.j2"]).name
    return render(env, ["digest/summary.txt.j2"], context).rstrip()


def progress(
    language: str = "nl", template_dirs: Sequence[Path] = ()
) -> Callable[[DivisionReport], str]:
    """The line `followup run` prints as each division finishes, in the owner's language
    (the `progress` macro of templates/digest/<language>/phrases.j2)."""
    env = environment(list(template_dirs) or [default_template_dir()], html=False)
    lang = checked_segment(language.strip().lower(), "folder")
    name = load(env, [f"digest/{lang}/phrases.j2"]).name
    line_of = env.from_string(
        "{% import phrases as say with context %}{{ say.progress(d, count) }}"
    )

    def say(division: DivisionReport) -> str:
        text = line_of.render(phrases=name, d=division, count=len(division.entries))
        return " ".join(text.split())

    return say
