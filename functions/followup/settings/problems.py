"""What is wrong with a settings file, in words: one line per problem, naming the dotted key."""

from __future__ import annotations

from typing import Any


def describe(error: dict[str, Any]) -> str:
    """One line for one of pydantic's validation errors: the dotted key, then what is wrong."""
    loc = ".".join(str(p) for p in error["loc"] if not str(p).startswith("function-"))
    kind = error["type"]
    if kind == "extra_forbidden":
        return f"{loc}: unknown key"
    if kind == "missing":
        return f"{loc}: missing value"
    if kind == "union_tag_invalid":
        expected = error.get("ctx", {}).get("expected_tags", "")
        given = error["input"].get("backend")
        return f"{loc}.backend: unknown backend {given!r} (expected {expected})"
    if kind == "union_tag_not_found":
        return f"{loc}.backend: missing value"
    if kind == "value_error" and "email" in error["msg"].lower():
        return f"{loc}: invalid e-mail address ({error['input']!r})"
    message = str(error["msg"]).removeprefix("Value error, ")
    if kind.endswith("_type") or kind.endswith("_parsing"):
        return f"{loc}: wrong type: {message.lower()} (got {error['input']!r})"
    return f"{loc}: {message}" if loc else message
