"""The fan-out: one named Cloud Tasks task per (run date, division) to run_division.

A task's name is its dedupe key: Cloud Tasks refuses a second task of the same name
(ALREADY_EXISTS, for about an hour after the first ran), so a repeated scheduler call creates no
second task for a division. A dry run or a forced mode gets names of its own, so it never
blocks the real run; a manual run adds its run id, so calling again always runs again (the
ledger still keeps every mail to once). Names start with a short hash: Cloud Tasks serves
spread-out names faster than sequential ones.

An office (profiles) with a `[digest]` gets one more named task, `<date>-overview`, scheduled
some minutes later ([cloud.tasks] overview_after_minutes): the office's overview of every
administration, made from the reports the division tasks recorded (overview_run.py).
"""

from __future__ import annotations

import hashlib
import logging
from datetime import date, datetime
from typing import Any

from followup.cloud.run_request import DivisionRun, MailMode, OverviewRun
from followup.ports import DivisionQueue

log = logging.getLogger("followup.cloud")


def task_name(
    run_date: date, division: int, *, dry_run: bool, mode: MailMode | None, manual_run: str = ""
) -> str:
    """The task id for one division's run (letters, digits, '-' only)."""
    parts = [run_date.strftime("%Y%m%d"), f"d{division}"]
    parts += ["dry"] if dry_run else []
    parts += [mode] if mode else []
    parts += [manual_run] if manual_run else []
    return _hashed(parts)


def overview_name(run_date: date, *, mode: MailMode | None, manual_run: str = "") -> str:
    """The task id of an office's overview after a fan-out (named as the divisions' are)."""
    parts = [run_date.strftime("%Y%m%d"), "overview"]
    parts += [mode] if mode else []
    parts += [manual_run] if manual_run else []
    return _hashed(parts)


def division_run_id(run_id: str, division: int) -> str:
    """The run id a division's task records its report under."""
    return f"{run_id}-d{division}"


def _hashed(parts: list[str]) -> str:
    tail = "-".join(parts)
    return f"{hashlib.sha256(tail.encode()).hexdigest()[:8]}-{tail}"


def fan_out(
    queue: DivisionQueue,
    divisions: list[int],
    run_date: date,
    *,
    dry_run: bool,
    mode: MailMode | None,
    run_id: str,
    manual: bool,
) -> dict[str, Any]:
    """Enqueue every division's task; a task that already existed is not created again."""
    tasks = []
    for division in divisions:
        name = task_name(
            run_date, division, dry_run=dry_run, mode=mode, manual_run=run_id if manual else ""
        )
        payload = DivisionRun(
            date=run_date,
            division=division,
            dry_run=dry_run,
            mode=mode,
            run_id=division_run_id(run_id, division),  # each division's report under its own id
        ).model_dump(mode="json")
        created = queue.enqueue(name, payload)
        log.info(
            "division %s: task %s %s",
            division,
            name,
            "created" if created else "existed already: not created again",
            extra={
                "decision": {
                    "event": "task_created" if created else "task_exists",
                    "division": division,
                    "task": name,
                }
            },
        )
        tasks.append({"division": division, "task": name, "created": created})
    return {
        "run_id": run_id,
        "run_date": run_date.isoformat(),
        "dry_run": dry_run,
        "fanned_out": tasks,
        "created": sum(1 for t in tasks if t["created"]),
        "existing": sum(1 for t in tasks if not t["created"]),
    }


def fan_out_overview(
    queue: DivisionQueue,
    divisions: list[int],
    without_profile: list[int],
    run_date: date,
    *,
    mode: MailMode | None,
    run_id: str,
    manual: bool,
    at: datetime,
) -> dict[str, Any]:
    """Enqueue the office's overview of these divisions' runs, to run at `at`; a task that
    already existed is not created again."""
    name = overview_name(run_date, mode=mode, manual_run=run_id if manual else "")
    payload = OverviewRun(
        overview=True,
        date=run_date,
        run_id=run_id,
        divisions=tuple(divisions),
        without_profile=tuple(without_profile),
    ).model_dump(mode="json")
    created = queue.enqueue(name, payload, schedule_time=at)
    log.info(
        "overview: task %s %s, to run at %s",
        name,
        "created" if created else "existed already: not created again",
        at.isoformat(),
        extra={
            "decision": {
                "event": "task_created" if created else "task_exists",
                "task": name,
                "overview": True,
                "schedule_time": at.isoformat(),
            }
        },
    )
    return {"task": name, "created": created, "schedule_time": at.isoformat()}
