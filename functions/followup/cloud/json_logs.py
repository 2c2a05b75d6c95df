"""Structured logs for Cloud Logging: one JSON object per line on stdout.

Cloud Run turns a stdout line with `severity` and `message` into a structured entry; the other
keys land in `jsonPayload`. Fields come from `extra={"decision": {...}}` (as service.py logs its
decisions) and from `context(...)` (the run id of the request being served). Never log a secret
or a mail body here: the fields are copied as they are.
"""

from __future__ import annotations

import contextvars
import json
import logging
import sys
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any, TextIO

_CONTEXT: contextvars.ContextVar[dict[str, Any] | None] = contextvars.ContextVar(
    "followup_log_context", default=None
)
_SEVERITY = {"WARNING": "WARNING", "CRITICAL": "CRITICAL", "ERROR": "ERROR", "DEBUG": "DEBUG"}


class JsonFormatter(logging.Formatter):
    """A log record as one line of JSON: severity, message, logger, time and fields."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "severity": _SEVERITY.get(record.levelname, "INFO"),
            "message": record.getMessage(),
            "logger": record.name,
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(),
        }
        line.update(_CONTEXT.get() or {})
        decision = getattr(record, "decision", None)
        if isinstance(decision, dict):
            line.update(decision)
        if record.exc_info and record.exc_info[0] is not None:
            line["stack_trace"] = "".join(traceback.format_exception(*record.exc_info))
        return json.dumps(line, default=str, ensure_ascii=False)


class _StdoutHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes to whatever sys.stdout is at the time (a test may have replaced it)."""

    @property
    def stream(self) -> TextIO:
        return sys.stdout

    @stream.setter
    def stream(self, value: TextIO) -> None:
        pass


def install(level: int = logging.INFO) -> None:
    """Send every log record to stdout as JSON; followup's own at `level`, libraries' warnings."""
    root = logging.getLogger()
    for handler in list(root.handlers):
        if isinstance(handler, _StdoutHandler):
            root.removeHandler(handler)
    handler = _StdoutHandler()
    handler.setFormatter(JsonFormatter())
    root.addHandler(handler)
    root.setLevel(logging.WARNING)
    logging.getLogger("followup").setLevel(level)


@contextmanager
def context(**fields: Any) -> Iterator[None]:
    """Add these fields to every line logged inside the block (in this thread or task)."""
    token = _CONTEXT.set({**(_CONTEXT.get() or {}), **fields})
    try:
        yield
    finally:
        _CONTEXT.reset(token)
