"""How Exact Online answers on the wire: `/Date(ms)/` in Dutch wall-clock time, floats, errors."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

from followup.clock import AMSTERDAM


@dataclass
class Response:
    """What the sandbox answers: a status, a JSON body (or None) and headers; or, with
    `content`, those bytes as they are (their Content-Type among the headers)."""

    status: int
    body: object = None
    headers: dict[str, str] = field(default_factory=dict)
    content: bytes | None = None


_EPOCH = datetime(1970, 1, 1)  # naive on purpose: the wall-clock epoch


def wall_clock(value: date | datetime) -> datetime:
    """The naive Amsterdam wall-clock time of a date (midnight) or a datetime (aware or naive)."""
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            return value.astimezone(AMSTERDAM).replace(tzinfo=None)
        return value
    return datetime(value.year, value.month, value.day)


def encode_date(value: date | datetime) -> str:
    """`/Date(ms)/` where ms reads the Amsterdam wall-clock time as if it were UTC."""
    ms = (wall_clock(value) - _EPOCH) // timedelta(milliseconds=1)
    return f"/Date({ms})/"


def encode_value(value: object) -> object:
    """One field value as Exact sends it in JSON."""
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, date):  # datetime is a date too
        return encode_date(value)
    return value


def encode_row(row: dict[str, object], fields: list[str]) -> dict[str, object]:
    """The selected fields of a row, encoded."""
    return {name: encode_value(row.get(name)) for name in fields}


def error_body(message: str) -> dict[str, object]:
    """Exact's error envelope."""
    return {"error": {"code": "", "message": {"lang": "", "value": message}}}


def dumps(body: object) -> bytes:
    """Compact UTF-8 JSON."""
    return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
