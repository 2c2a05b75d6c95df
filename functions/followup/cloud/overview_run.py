"""An office's overview after a Cloud Tasks fan-out: the office's `[digest]` of every
administration, made from the reports the divisions' tasks recorded in the run log.

daily_run adds one named task to an office's fan-out, scheduled `[cloud.tasks]
overview_after_minutes` later (fan_out.py); Cloud Tasks delivers it to run_division. While a
division's task has recorded no report yet (still queued, running, or being retried), the
overview waits: it answers 503 and Cloud Tasks tries it again after the queue's backoff
(infra/scheduling.tf: 1, 2, 4 minutes…), up to `PATIENCE` retries (Cloud Tasks counts them in
the X-CloudTasks-TaskRetryCount header). Then it goes with what there is, each division without
a report named as such. It is the office's overview of a local run (office.py): on the office's
own adapters, `service.close` adds the Exact consent's health and delivers the digest; the run
is not recorded again (each division's task recorded its own). The digest's ledger key
(delivery.deliver_digest) keeps a repeated overview task from sending the same overview twice.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from contextlib import ExitStack
from typing import Any

from followup import bootstrap, office_divisions, reasons, service
from followup.clock import business_date
from followup.cloud import json_logs
from followup.cloud.answers import OK, UNAVAILABLE, UNPROCESSABLE, Answer
from followup.cloud.fan_out import division_run_id
from followup.cloud.run_request import OverviewRun, check_date, check_divisions
from followup.model import DivisionReport, Outcome, RunReport
from followup.overrides import with_overrides
from followup.ports import Clock
from followup.report import report_to_dict
from followup.report_json import report_from_dict
from followup.settings import Settings

log = logging.getLogger("followup.cloud")
RETRY_HEADER = "x-cloudtasks-taskretrycount"
# Retries that wait for a division's report: below the queue's attempts (infra variable
# tasks_max_attempts, 5 by default, the first included), so the overview always goes.
PATIENCE = 3


def overview_run(
    settings: Settings, clock: Clock, headers: Mapping[str, str], task: OverviewRun
) -> Answer:
    """Send the office's overview of a fan-out's divisions, or (a division has no report yet,
    and the task may still be retried) a 503 to be asked again."""
    check_date(task.date, business_date(clock.now()), settings.cloud.max_backdate_days)
    check_divisions(task.divisions, office_divisions.known(settings))
    retry = retry_count(headers)
    with json_logs.context(run_id=task.run_id):
        recorded = _recorded(settings, clock, task)
        missing = [d for d in task.divisions if division_run_id(task.run_id, d) not in recorded]
        waits = bool(missing) and retry < PATIENCE
        log.log(
            logging.WARNING if missing else logging.INFO,
            "overview of run %s: %s of %s divisions reported%s",
            task.run_id,
            len(task.divisions) - len(missing),
            len(task.divisions),
            "; waiting for the others" if waits else "",
            extra={
                "decision": {
                    "event": "overview_task",
                    "run_date": task.date.isoformat(),
                    "divisions": list(task.divisions),
                    "without_report": missing,
                    "attempt": retry,
                    "waits": waits,
                }
            },
        )
        if waits:
            body = {"overview": "waiting", "run_id": task.run_id, "without_report": missing}
            return Answer(UNAVAILABLE, {**body, "retry": retry, "patience": PATIENCE})
        report = _overview(settings, clock, task, recorded)
        with bootstrap.build(with_overrides(settings, task.divisions, None), clock) as office:
            service.close(office.deps, report, dry_run=False, record=False)
        return _answered(report, missing)


def retry_count(headers: Mapping[str, str]) -> int:
    """How often Cloud Tasks retried this task (0: the first attempt, or not a task)."""
    value = headers.get(RETRY_HEADER, "").strip()
    return int(value) if value.isdigit() else 0


def _recorded(settings: Settings, clock: Clock, task: OverviewRun) -> dict[str, dict[str, Any]]:
    """The reports the fan-out's division tasks recorded, by run id."""
    with ExitStack() as resources:
        view = bootstrap.open_stores(settings, clock, resources).status
        return view.runs_of(task.date, [division_run_id(task.run_id, d) for d in task.divisions])


def _overview(
    settings: Settings, clock: Clock, task: OverviewRun, recorded: Mapping[str, dict[str, Any]]
) -> RunReport:
    """The fan-out's run as one report: the divisions left out for want of a profile first (as
    a local run lists them), then each division's recorded part, or that it has none yet."""
    report = RunReport(task.run_id, task.date, False, started_at=clock.now())
    report.divisions += [
        DivisionReport(d, notes=[reasons.division_without_profile(d)]) for d in task.without_profile
    ]
    profiles = settings.profiles
    for division in task.divisions:
        data = recorded.get(division_run_id(task.run_id, division))
        if data is None:
            company = profiles[division].company.name if division in profiles else ""
            report.divisions.append(
                DivisionReport(division, error=reasons.NO_REPORT_YET, company=company)
            )
            continue
        parts = report_from_dict(data).divisions
        report.divisions += [part for part in parts if part.division == division]
    return report


def _answered(report: RunReport, missing: list[int]) -> Answer:
    """200 once the overview went (or went before, or is off); a failed delivery: 503 when
    trying again may help, else 422. The divisions' own failures were their tasks' answers."""
    digest = report.digest
    body = {**report_to_dict(report), "without_report": missing}
    status = OK
    if digest is not None and digest.outcome in (Outcome.FAILED, Outcome.REJECTED):
        again = reasons.as_reason(digest.reason).code == "delivery_failed"
        status = UNAVAILABLE if again else UNPROCESSABLE
    log.log(
        logging.ERROR if status != OK else logging.INFO,
        "overview of run %s: %s",
        report.run_id,
        digest.outcome.value if digest else "no [digest] to send",
        extra={
            "decision": {
                "event": "overview_finished",
                "digest": digest.outcome.value if digest else "",
                "without_report": missing,
                "status": status,
            }
        },
    )
    return Answer(status, body)
