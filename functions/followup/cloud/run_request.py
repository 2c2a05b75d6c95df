"""What the HTTP doors accept: a manual run's body, a division task's body, an office overview
task's body, scheduler headers.

Bodies are JSON objects validated strictly (unknown keys, wrong types and loose dates refused);
every problem becomes one line of a RequestError (HTTP 400) naming the field.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from followup.clock import business_date
from followup.errors import RequestError

JOB_HEADER = "x-cloudscheduler-jobname"
SCHEDULE_HEADER = "x-cloudscheduler-scheduletime"

MailMode = Literal["draft", "send"]


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class RunRequest(_Body):
    """A manual run (all optional): the date, a dry run, some divisions, draft or send."""

    date: dt.date | None = None  # default: today (Amsterdam); a scheduled call uses its own
    dry_run: bool = False
    divisions: tuple[int, ...] | None = None  # default: the configured (or every visible) ones
    mode: MailMode | None = None  # default: the settings' mode per mail kind

    @field_validator("divisions")
    @classmethod
    def _divisions(cls, value: tuple[int, ...] | None) -> tuple[int, ...] | None:
        if value is None:
            return None
        if not value:
            raise ValueError("must list at least one division (or leave the field out)")
        if any(d <= 0 for d in value):
            raise ValueError("division numbers are positive integers")
        return tuple(sorted(set(value)))


class DivisionRun(_Body):
    """One division's run: the payload of a Cloud Tasks task for run_division."""

    date: dt.date
    division: int = Field(gt=0)
    dry_run: bool = False
    mode: MailMode | None = None
    run_id: str = Field(pattern=r"^[A-Za-z0-9_-]{1,80}$")


class OverviewRun(_Body):
    """An office's overview after a fan-out: the payload of the one task daily_run adds to the
    divisions' tasks, for run_division too; `without_profile`: the visible divisions the run
    left out (the overview names them, as a local run's does)."""

    overview: Literal[True]
    date: dt.date
    run_id: str = Field(pattern=r"^[A-Za-z0-9_-]{1,80}$")  # the fan-out's: its tasks' ids
    divisions: tuple[int, ...] = Field(min_length=1)
    without_profile: tuple[int, ...] = ()


def parse_task(body: bytes) -> DivisionRun | OverviewRun:
    """A run_division task's body: an office's overview when it says `"overview": true`, else
    one division's run."""
    try:
        data = json.loads(body.strip() or b"{}")
    except ValueError:
        data = None
    if isinstance(data, dict) and data.get("overview") is True:
        return parse(OverviewRun, body)
    return parse(DivisionRun, body)


@dataclass(frozen=True)
class SchedulerCall:
    """A call from Cloud Scheduler: the same job and schedule time on every retry."""

    job: str
    schedule_time: dt.datetime

    @property
    def trigger(self) -> str:
        """The key a repeated call shares."""
        return f"{self.job}@{self.schedule_time.astimezone(dt.UTC).isoformat()}"

    @property
    def run_date(self) -> dt.date:
        """The business date the call was scheduled for (a late retry keeps it)."""
        return business_date(self.schedule_time)

    @property
    def run_id(self) -> str:
        """A run id every retry of this call shares."""
        return hashlib.sha256(self.trigger.encode()).hexdigest()[:12]


Body = TypeVar("Body", bound=_Body)


def parse(model: type[Body], body: bytes) -> Body:
    """Validate a JSON body; an empty body means `{}`."""
    try:
        return model.model_validate_json(body.strip() or b"{}")
    except ValidationError as exc:
        raise RequestError([_describe(dict(e)) for e in exc.errors()]) from None


def scheduler_call(headers: Mapping[str, str]) -> SchedulerCall | None:
    """The scheduler headers (keys lower case), or None for a manual call."""
    job, when = headers.get(JOB_HEADER, "").strip(), headers.get(SCHEDULE_HEADER, "").strip()
    if not job and not when:
        return None
    if not job or not when:
        missing = "X-CloudScheduler-JobName" if not job else "X-CloudScheduler-ScheduleTime"
        raise RequestError([f"{missing}: missing header (Cloud Scheduler sends both)"])
    try:
        moment = dt.datetime.fromisoformat(when)
    except ValueError:
        moment = None
    if moment is None or moment.tzinfo is None:
        raise RequestError(
            [f"X-CloudScheduler-ScheduleTime: not an RFC 3339 time with a zone: {when[:40]!r}"]
        )
    return SchedulerCall(job[:500], moment)


def check_date(day: dt.date, today: dt.date, max_backdate_days: int) -> None:
    """Refuse a future date, or one further back than the configured limit."""
    if day > today:
        raise RequestError([f"date: {day.isoformat()} is in the future (today is {today})"])
    if (today - day).days > max_backdate_days:
        oldest = today - dt.timedelta(days=max_backdate_days)
        raise RequestError(
            [
                f"date: {day.isoformat()} is more than {max_backdate_days} days back; the "
                f"oldest allowed is {oldest.isoformat()} ([cloud] max_backdate_days)"
            ]
        )


def check_divisions(asked: Sequence[int], configured: Sequence[int]) -> None:
    """Refuse divisions the settings don't list (when they list any)."""
    unknown = sorted(set(asked) - set(configured)) if configured else []
    if unknown:
        listed = ", ".join(str(d) for d in configured)
        names = ", ".join(str(d) for d in unknown)
        raise RequestError([f"divisions: {names} not in the settings (configured: {listed})"])


def _describe(error: dict[str, Any]) -> str:
    """One line per problem: the field, then what is wrong."""
    where = ".".join(str(p) for p in error["loc"]) or "body"
    kind = str(error["type"])
    if kind == "json_invalid":
        return f"body: not valid JSON ({error['msg'].removeprefix('Invalid JSON: ')})"
    if kind == "model_type":
        return "body: must be a JSON object"
    if kind == "extra_forbidden":
        return f"{where}: unknown field"
    if kind == "missing":
        return f"{where}: missing"
    if kind.startswith("date_"):
        return f"{where}: not a date in the form YYYY-MM-DD (got {_shown(error.get('input'))})"
    message = str(error["msg"]).removeprefix("Value error, ")
    return f"{where}: {message[:1].lower()}{message[1:]} (got {_shown(error.get('input'))})"


def _shown(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."
