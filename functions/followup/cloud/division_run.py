"""The run_division door (one division, as a Cloud Tasks task delivers it) and the inline run
both doors share.

With profiles (`[division.N]`, an accountancy office's administrations) each division runs on
the adapters of its own profile: its company, mailbox, templates, policy and digest
(profile_run.py). A task for a division without a profile runs nothing: its report names the
division and says so (HTTP 422, not worth a retry), and the failure is logged. The last task
of an office's fan-out is the office's overview (`"overview": true`, overview_run.py).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from datetime import date

from followup import bootstrap, office, service
from followup.clock import business_date
from followup.cloud import json_logs, overview_run, profile_run
from followup.cloud.answers import Answer, for_report
from followup.cloud.run_request import (
    MailMode,
    OverviewRun,
    check_date,
    check_divisions,
    parse_task,
)
from followup.model import Outcome, RunReport
from followup.overrides import with_overrides
from followup.ports import Clock
from followup.settings import Settings

log = logging.getLogger("followup.cloud")


def division_run(
    settings: Settings, clock: Clock, headers: Mapping[str, str], body: bytes
) -> Answer:
    """Run the one division a task names, for the task's date (or the office's overview)."""
    task = parse_task(body)
    if isinstance(task, OverviewRun):
        return overview_run.overview_run(settings, clock, headers, task)
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
        if settings.profiles:  # an office: the division on its own profile's adapters
            report = profile_run.run_task(
                settings,
                clock,
                task.date,
                task.division,
                dry_run=task.dry_run,
                mode=task.mode,
                run_id=task.run_id,
            )
            return answered(report)
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
    visible: Sequence[int] | None = None,
) -> Answer:
    """Run these divisions (none: the configured or visible ones) in this invocation: in one
    run, or an office's (profiles) each on its own profile, then the office's overview."""
    if settings.profiles:  # each division on its own profile, then the office's overview
        report = office.run(
            settings, clock, run_date, dry_run=dry_run, only=divisions, mode=mode, run_id=run_id,
            visible=visible,
        )  # fmt: skip
    else:
        with bootstrap.build(with_overrides(settings, divisions, mode), clock) as app:
            report = service.run(app.deps, run_date, dry_run=dry_run, run_id=run_id)
    return answered(report)


def answered(report: RunReport) -> Answer:
    """The answer to a finished run, logged (one line per failed division, one for the run)."""
    answer = for_report(report)
    _log_outcome(report, answer)
    return answer


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
