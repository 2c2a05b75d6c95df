"""The OData subset Exact Online answers: a `$filter` parser and evaluator, and `$select`."""

from __future__ import annotations

import operator
import re
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any

from followup.sandbox.exact_json import wall_clock


class FieldType(Enum):
    """The Edm type of a field, as far as filtering cares."""

    GUID = "Edm.Guid"
    STRING = "Edm.String"
    INT = "Edm.Int32"
    DECIMAL = "Edm.Double"
    BOOL = "Edm.Boolean"
    DATETIME = "Edm.DateTime"
    BINARY = "Edm.Binary"  # no literal compares with it


class ODataError(ValueError):
    """The query can't be answered: Exact says 400 with this message."""


_LITERAL_TYPES = {
    "guid": (FieldType.GUID,),
    "datetime": (FieldType.DATETIME,),
    "string": (FieldType.STRING,),
    "number": (FieldType.INT, FieldType.DECIMAL),
    "bool": (FieldType.BOOL,),
}
_LITERAL_EDM = {
    "guid": "Edm.Guid",
    "datetime": "Edm.DateTime",
    "string": "Edm.String",
    "number": "Edm.Decimal",
    "bool": "Edm.Boolean",
}
_OPERATIONS: dict[str, Callable[[Any, Any], Any]] = {
    "eq": operator.eq,
    "ne": operator.ne,
    "gt": operator.gt,
    "ge": operator.ge,
    "lt": operator.lt,
    "le": operator.le,
}
OPERATORS = frozenset(_OPERATIONS)

_TOKEN = re.compile(
    r"""\s*(?:
      (?P<paren>[()])
    | guid'(?P<guid>[^']*)'
    | datetime'(?P<datetime>[^']*)'
    | '(?P<string>(?:[^']|'')*)'
    | (?P<number>-?\d+(?:\.\d+)?)[mMdDlLfF]?
    | (?P<word>[A-Za-z_][A-Za-z0-9_]*)
    )""",
    re.VERBOSE,
)


@dataclass(frozen=True)
class Literal:
    """A constant in a filter; `kind` is guid, datetime, string, number, bool or null."""

    kind: str
    value: object


@dataclass(frozen=True)
class Comparison:
    """`Field op literal`."""

    field: str
    op: str
    literal: Literal


@dataclass(frozen=True)
class Junction:
    """`left and right` / `left or right`."""

    op: str
    left: Filter
    right: Filter


Filter = Comparison | Junction


def _literal(match: re.Match[str]) -> Literal | None:
    if match.group("guid") is not None:
        try:
            return Literal("guid", str(uuid.UUID(match.group("guid"))))
        except ValueError:
            raise ODataError(f"Invalid guid literal: '{match.group('guid')}'") from None
    if match.group("datetime") is not None:
        try:
            return Literal("datetime", wall_clock(datetime.fromisoformat(match.group("datetime"))))
        except ValueError:
            raise ODataError(f"Invalid datetime literal: '{match.group('datetime')}'") from None
    if match.group("string") is not None:
        return Literal("string", match.group("string").replace("''", "'"))
    if match.group("number") is not None:
        return Literal("number", Decimal(match.group("number")))
    word = match.group("word")
    if word in ("true", "false"):
        return Literal("bool", word == "true")
    if word == "null":
        return Literal("null", None)
    return None


def _tokens(text: str) -> list[str | Literal]:
    tokens: list[str | Literal] = []
    pos = 0
    while pos < len(text):
        if text[pos:].strip() == "":
            break
        match = _TOKEN.match(text, pos)
        if match is None:
            raise ODataError(f"Syntax error in $filter at position {pos}: '{text[pos : pos + 20]}'")
        pos = match.end()
        literal = _literal(match)
        tokens.append(literal if literal is not None else (match.group("paren") or match["word"]))
    return tokens


class _Parser:
    def __init__(self, tokens: list[str | Literal]) -> None:
        self.tokens = tokens
        self.pos = 0

    def peek(self) -> str | Literal | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def take(self) -> str | Literal:
        token = self.peek()
        if token is None:
            raise ODataError("Syntax error in $filter: unexpected end of expression")
        self.pos += 1
        return token

    def expression(self) -> Filter:
        left = self.conjunction()
        while self.peek() == "or":
            self.take()
            left = Junction("or", left, self.conjunction())
        return left

    def conjunction(self) -> Filter:
        left = self.primary()
        while self.peek() == "and":
            self.take()
            left = Junction("and", left, self.primary())
        return left

    def primary(self) -> Filter:
        token = self.take()
        if token == "(":  # noqa: S105 - a parenthesis, not a password
            inner = self.expression()
            if self.take() != ")":
                raise ODataError("Syntax error in $filter: ')' expected")
            return inner
        if not isinstance(token, str) or token in OPERATORS or token in ("and", "or", ")"):
            raise ODataError(f"Syntax error in $filter: a field name expected, got {token!r}")
        op = self.take()
        if not isinstance(op, str) or op not in OPERATORS:
            raise ODataError(f"Syntax error in $filter: an operator expected after '{token}'")
        literal = self.take()
        if not isinstance(literal, Literal):
            raise ODataError(f"Syntax error in $filter: a constant expected after '{op}'")
        return Comparison(token, op, literal)


def parse_filter(text: str) -> Filter:
    """Parse a `$filter` expression of the subset Exact answers."""
    parser = _Parser(_tokens(text))
    expression = parser.expression()
    if parser.peek() is not None:
        raise ODataError(f"Syntax error in $filter: unexpected {parser.peek()!r}")
    return expression


def comparisons(expression: Filter) -> list[Comparison]:
    """Every comparison in an expression, left to right."""
    if isinstance(expression, Comparison):
        return [expression]
    return comparisons(expression.left) + comparisons(expression.right)


def check_filter(
    expression: Filter, fields: Mapping[str, FieldType], filterable: frozenset[str] | None
) -> None:
    """Refuse unknown or non-filterable fields and literals of the wrong type."""
    for comparison in comparisons(expression):
        field_type = fields.get(comparison.field)
        if field_type is None:
            raise ODataError(f"No property '{comparison.field}' exists in this entity.")
        if filterable is not None and comparison.field not in filterable:
            raise ODataError(f"Filtering on field '{comparison.field}' is not supported.")
        kind = comparison.literal.kind
        if kind != "null" and field_type not in _LITERAL_TYPES[kind]:
            raise ODataError(
                f"Operator '{comparison.op}' incompatible with operand types "
                f"'{field_type.value}' and '{_LITERAL_EDM[kind]}'"
            )


def _comparable(value: object) -> object:
    if isinstance(value, date):
        return wall_clock(value)
    if isinstance(value, str):
        return value.casefold()  # Exact's SQL collation compares strings case-insensitively
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return Decimal(str(value))
    return value


def _compare(op: str, left: object, right: object) -> bool:
    if left is None or right is None:
        if op == "eq":
            return left is right
        return op == "ne" and (left is None) != (right is None)
    try:
        return bool(_OPERATIONS[op](_comparable(left), _comparable(right)))
    except TypeError:
        return False


def matches(expression: Filter, row: Mapping[str, object]) -> bool:
    """Whether a row satisfies the filter."""
    if isinstance(expression, Junction):
        if expression.op == "and":
            return matches(expression.left, row) and matches(expression.right, row)
        return matches(expression.left, row) or matches(expression.right, row)
    return _compare(expression.op, row.get(expression.field), expression.literal.value)


def parse_select(text: str, fields: Mapping[str, FieldType]) -> list[str]:
    """The field names of a `$select`; `*` means all of them."""
    names = [name.strip() for name in text.split(",") if name.strip()]
    if not names:
        raise ODataError("$select is empty")
    if names == ["*"]:
        return list(fields)
    for name in names:
        if name not in fields:
            raise ODataError(f"$select: no property '{name}' exists in this entity.")
    return names
