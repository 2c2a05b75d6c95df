"""The run_division door (one division, as a Cloud Tasks task delivers it) and the inline run
both doors share."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from datetime import date

from followup import bootstrap, service
from followup.clock import business_date
from followup.cloud import json_logs
from followup.cloud.answers import Answer, for_report
from followup.cloud.run_request import (
    DivisionRun,
    MailMode,
    check_date,
    check_divisions,
    parse,
)
from followup.model import Mode, Outcome, RunReport
from followup.ports import Clock
from followup.settings import Modes, Settings

log = logging.getLogger("followup.cloud")


def division_run(
    settings: Settings, clock: Clock, headers: Mapping[str, str], body: bytes
) -> Answer:
    """Run the one division a task names, for the task's date."""
    task = parse(DivisionRun, body)
    check_date(task.date, business_date(clock.now()), settings.cloud.max_backdate_days)
    check_divisions([task.division], settings.exact.divisions)
    with json_logs.context(run_id=task.run_id):
        log.info(
            "division %s: run for %s",
            task.division,
            task.date.isoformat(),
            extra={
                "decision": {
                    "event": "division_task",
                    "division": task.division,
                    "task": headers.get("x-cloudtasks-taskname", ""),
                    "attempt": headers.get("x-cloudtasks-taskretrycount", ""),
                    "dry_run": task.dry_run,
                }
            },
        )
        return run_inline(
            settings,
            clock,
            task.date,
            divisions=[task.division],
            dry_run=task.dry_run,
            mode=task.mode,
            run_id=task.run_id,
        )


def run_inline(
    settings: Settings,
    clock: Clock,
    run_date: date,
    *,
    divisions: Sequence[int],
    dry_run: bool,
    mode: MailMode | None,
    run_id: str,
) -> Answer:
    """Run these divisions (none: the configured or visible ones) in this invocation."""
    with bootstrap.build(with_overrides(settings, divisions, mode), clock) as app:
        report = service.run(app.deps, run_date, dry_run=dry_run, run_id=run_id)
    answer = for_report(report)
    _log_outcome(report, answer)
    return answer


def with_overrides(settings: Settings, divisions: Sequence[int], mode: MailMode | None) -> Settings:
    """The settings for a run of some divisions (none: the configured ones), in one mail mode
    for every kind: a copy, made before the adapters are wired to it."""
    mail = settings.mail
    if mode is not None:
        forced = Modes(confirmation=Mode(mode), reminder=Mode(mode))
        mail = mail.model_copy(update={"mode": forced})
    exact = settings.exact.model_copy(
        update={"divisions": list(divisions or settings.exact.divisions)}
    )
    return settings.model_copy(update={"exact": exact, "mail": mail})


def _log_outcome(report: RunReport, answer: Answer) -> None:
    """One line per failed division (what the alert counts), one line for the run."""
    for division in report.divisions:
        if division.error:
            log.error(
                "division %s failed: %s",
                division.division,
                division.error,
                extra={
                    "decision": {
                        "event": "run_failed",
                        "division": division.division,
                        "retryable": division.retryable,
                    }
                },
            )
    failed = sum(1 for e in report.entries() if e.outcome is Outcome.FAILED)
    if failed and all(d.ok for d in report.divisions):
        log.error(
            "%s deliveries failed; a retry will try them again",
            failed,
            extra={"decision": {"event": "run_failed", "failed_deliveries": failed}},
        )
    log.info(
        "run %s finished: HTTP %s",
        report.run_id,
        answer.status,
        extra={
            "decision": {
                "event": "run_finished",
                "run_date": report.run_date.isoformat(),
                "dry_run": report.dry_run,
                "divisions": [d.division for d in report.divisions],
                "status": answer.status,
            }
        },
    )
