"""Cloud Functions entry points. Thin: read the settings, hand the request to its door, answer.

daily_run     Cloud Scheduler's call at 09:00 (OIDC; a repeated call runs once), or a manual run
              with a JSON body {"date", "dry_run", "divisions", "mode"}; fans out over Cloud Tasks.
run_division  one division's run, as a Cloud Tasks task delivers it (OIDC); or, for an office,
              the overview task that follows a fan-out (cloud/overview_run.py).

Who may call is decided before the request gets here (Cloud Run's invoker IAM); what is asked is
checked here. Answers are JSON; 5xx only when calling again may help. Google clients are made on
first use, never at import.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Callable, Mapping
from pathlib import Path

import flask
import functions_framework

from followup.clock import SystemClock
from followup.cloud import json_logs
from followup.cloud.answers import Answer, for_error
from followup.cloud.daily_run import daily_run as daily_door
from followup.cloud.division_run import division_run as division_door
from followup.errors import FollowupError, RequestError
from followup.ports import Clock
from followup.settings import Settings, load

CONFIG_ENV = "FOLLOWUP_CONFIG"  # the settings file (deployed: a Secret Manager secret mounted)
Door = Callable[[Settings, Clock, Mapping[str, str], bytes], Answer]

json_logs.install()
log = logging.getLogger("followup.cloud")


@functions_framework.http
def daily_run(request: flask.Request) -> flask.Response:
    """The daily run: scheduled (taken once per schedule time) or manual."""
    return _serve(daily_door, request)


@functions_framework.http
def run_division(request: flask.Request) -> flask.Response:
    """One division's run (a Cloud Tasks task's body: date, division, dry_run, mode, run_id), or
    an office's overview after a fan-out (`"overview": true`)."""
    return _serve(division_door, request)


def _serve(door: Door, request: flask.Request) -> flask.Response:
    if request.method != "POST":
        return _respond(Answer(405, {"error": "method not allowed: use POST"}))
    try:
        settings = load(Path(os.environ.get(CONFIG_ENV, "followup.toml")))
        headers = {name.lower(): value for name, value in request.headers.items()}
        answer = door(settings, SystemClock(), headers, request.get_data(cache=False))
    except FollowupError as exc:
        answer = for_error(exc)
        level = logging.WARNING if isinstance(exc, RequestError) else logging.ERROR
        event = "bad_request" if isinstance(exc, RequestError) else "run_failed"
        log.log(level, "%s: %s", event, exc, extra={"decision": {"event": event, **answer.body}})
    except Exception:
        log.exception("run_failed: unexpected error", extra={"decision": {"event": "run_failed"}})
        answer = Answer(500, {"error": "unexpected error; see the logs", "retryable": True})
    return _respond(answer)


def _respond(answer: Answer) -> flask.Response:
    return flask.Response(
        json.dumps(answer.body, ensure_ascii=False),
        status=answer.status,
        mimetype="application/json",
        headers={"Retry-After": "300"} if answer.status == 503 else None,
    )
