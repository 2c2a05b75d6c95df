"""The daily_run door: Cloud Scheduler's call at 09:00, or a manual run with a JSON body.

A scheduler call is taken in the trigger book first (job + schedule time, created atomically),
so a repeated delivery of the same call does nothing once an attempt succeeded; an attempt that
failed (any non-2xx answer) leaves the call open for the scheduler's retry. Then one division
runs here; more fan out as one named Cloud Tasks task each (fan_out.py); without [cloud.tasks]
they all run here. With profiles and no `[exact] divisions`, the divisions are the visible ones
that have a profile (office_divisions.py); the answer names the ones left out. An office's
fan-out with a `[digest]` adds one task for the office's overview, some minutes later.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Mapping
from contextlib import ExitStack
from datetime import date, timedelta
from typing import Any

from followup import bootstrap, office_divisions
from followup.clock import business_date
from followup.cloud import json_logs
from followup.cloud.answers import ACCEPTED, MULTIPLE_CHOICES, OK, UNAVAILABLE, Answer
from followup.cloud.division_run import run_inline
from followup.cloud.fan_out import fan_out, fan_out_overview
from followup.cloud.run_request import (
    RunRequest,
    SchedulerCall,
    check_date,
    check_divisions,
    parse,
    scheduler_call,
)
from followup.errors import RequestError
from followup.ports import Begun, Clock
from followup.settings import Settings

log = logging.getLogger("followup.cloud")


def daily_run(settings: Settings, clock: Clock, headers: Mapping[str, str], body: bytes) -> Answer:
    """Validate the call, take it once, then run inline or fan out."""
    call = scheduler_call(headers)
    request = parse(RunRequest, body)
    if call and request.date is not None:
        raise RequestError(["date: not allowed in a scheduled call (the schedule time sets it)"])
    run_date = call.run_date if call else (request.date or business_date(clock.now()))
    check_date(run_date, business_date(clock.now()), settings.cloud.max_backdate_days)
    if request.divisions:
        check_divisions(request.divisions, office_divisions.known(settings))
    if call is None:
        run_id = uuid.uuid4().hex[:12]
        with json_logs.context(run_id=run_id):
            _decided("manual run", "manual_run", run_date, request)
            return _dispatch(settings, clock, request, run_date, run_id, manual=True)
    with json_logs.context(run_id=call.run_id, trigger=call.trigger):
        return _scheduled(settings, clock, call, request, run_date)


def _scheduled(
    settings: Settings, clock: Clock, call: SchedulerCall, request: RunRequest, run_date: date
) -> Answer:
    with ExitStack() as resources:
        book = bootstrap.open_trigger_book(settings, clock, resources)
        begun = book.begin(call.trigger, run_date)
        if begun is not Begun.NEW:
            return _repeated(call, begun)
        _decided("scheduled call taken", "scheduled_run", run_date, request)
        try:
            answer = _dispatch(settings, clock, request, run_date, call.run_id, manual=False)
        except BaseException:
            book.finish(call.trigger, retry=True)  # a failed attempt may be taken again
            raise
        book.finish(call.trigger, retry=answer.status >= MULTIPLE_CHOICES)
        return answer


def _repeated(call: SchedulerCall, begun: Begun) -> Answer:
    """A scheduler call seen before: done (200), or still running elsewhere (503: ask again)."""
    done = begun is Begun.DONE
    message = (
        "repeated scheduler call: already processed, nothing done"
        if done
        else "repeated scheduler call: another invocation is processing it; ask again later"
    )
    log.info(message, extra={"decision": {"event": "duplicate_call", "state": begun.value}})
    body = {"duplicate": True, "state": begun.value, "trigger": call.trigger, "message": message}
    return Answer(OK if done else UNAVAILABLE, body)


def _dispatch(
    settings: Settings,
    clock: Clock,
    request: RunRequest,
    run_date: date,
    run_id: str,
    *,
    manual: bool,
) -> Answer:
    divisions = list(request.divisions or settings.exact.divisions)
    tasks = settings.cloud.tasks
    left_out: list[office_divisions.LeftOut] = []
    visible: list[int] | None = None
    if settings.profiles:  # an office: every profile's division must be visible
        visible = bootstrap.visible_divisions(settings, clock)
        if divisions:
            office_divisions.check_seen(settings, visible)
        else:
            divisions, left_out = office_divisions.choose(settings, visible)
    elif tasks is not None and not divisions:
        divisions = bootstrap.visible_divisions(settings, clock)
    if tasks is None or len(divisions) <= 1:
        answer = run_inline(  # an office's run chooses again, and names the ones left out
            settings,
            clock,
            run_date,
            divisions=list(request.divisions or ()) if settings.profiles else divisions,
            dry_run=request.dry_run,
            mode=request.mode,
            run_id=run_id,
            visible=visible,  # asked once: the office's run doesn't ask Exact again
        )
        return _with_left_out(settings, answer.status, answer.body, left_out)
    with ExitStack() as resources:
        queue = bootstrap.division_queue(tasks, resources)
        body = fan_out(
            queue,
            divisions,
            run_date,
            dry_run=request.dry_run,
            mode=request.mode,
            run_id=run_id,
            manual=manual,
        )
        if _overview_wanted(settings, request):
            body["overview"] = fan_out_overview(
                queue,
                divisions,
                [left.division for left in left_out],
                run_date,
                mode=request.mode,
                run_id=run_id,
                manual=manual,
                at=clock.now() + timedelta(minutes=tasks.overview_after_minutes),
            )
    return _with_left_out(settings, ACCEPTED, body, left_out)


def _overview_wanted(settings: Settings, request: RunRequest) -> bool:
    """An office's fan-out sends the office's `[digest]` (its overview) from a task of its own.
    Not for a dry run: its division tasks record no report, and its digest would go nowhere."""
    digest = settings.digest
    return bool(settings.profiles and digest.enabled and digest.to and not request.dry_run)


def _with_left_out(
    settings: Settings,
    status: int,
    body: dict[str, Any],
    left_out: list[office_divisions.LeftOut],
) -> Answer:
    """With profiles, the answer names the visible divisions left out for want of one."""
    if not settings.profiles:
        return Answer(status, body)
    return Answer(status, {**body, "without_profile": [left.to_dict() for left in left_out]})


def _decided(what: str, event: str, run_date: date, request: RunRequest) -> None:
    log.info(
        "%s for %s",
        what,
        run_date.isoformat(),
        extra={
            "decision": {
                "event": event,
                "run_date": run_date.isoformat(),
                "dry_run": request.dry_run,
                "mode": request.mode or "settings",
                "divisions": list(request.divisions or ()),
            }
        },
    )
