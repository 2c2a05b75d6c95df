"""Exact Online's published API contract for what followup may call: contract.json, as values.

contract.json is transcribed from Exact's own reference (../shared/docs/exact-reference/ and the
metadata behind `HlpRestAPIResourcesDetails.aspx?name=<page>`): per endpoint its page name, kind,
key and every documented field with its Edm type; per function its parameters and the values
they accept. Names and types only. The client asks only for what it lists
(tests/unit/test_exact_contract_queries.py) and the sandbox refuses what it doesn't
(sandbox/endpoints.py). Where the reference is silent (which fields a filter may use, page
sizes), the entry says where the rule comes from instead (`filterable_from`).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

STANDARD_PAGE = 60  # records a page on standard endpoints (Exact's KB: REST API restrictions)
BULK_PAGE = 1000  # on bulk/ and sync/ endpoints


@dataclass(frozen=True)
class Endpoint:
    """One documented resource: `path` as after `/api/v1/{division}/` (or `current/Me`)."""

    path: str
    page: str  # the reference's page name (HlpRestAPIResourcesDetails.aspx?name=...)
    kind: str  # standard | bulk | sync
    key: str
    fields: Mapping[str, str]  # name -> Edm type, in the reference's order
    obsolete: frozenset[str]
    filterable: frozenset[str] | None  # None: the reference restricts nothing

    @property
    def page_size(self) -> int:
        """The most records one page holds."""
        return STANDARD_PAGE if self.kind == "standard" else BULK_PAGE

    def may_filter(self, name: str) -> bool:
        """Whether `$filter` may name this field."""
        return name in self.fields and (self.filterable is None or name in self.filterable)


@dataclass(frozen=True)
class Parameter:
    """One parameter of a function: its Edm type, whether required, the values it accepts."""

    type: str
    required: bool
    values: tuple[str, ...] | None = None  # None: any value of the type


@dataclass(frozen=True)
class Function:
    """One documented function (e.g. read/sync/Sync/SyncTimestamp)."""

    path: str
    page: str
    parameters: Mapping[str, Parameter]
    fields: Mapping[str, str]


@dataclass(frozen=True)
class Contract:
    """Every endpoint and function followup may call."""

    endpoints: Mapping[str, Endpoint]
    functions: Mapping[str, Function]

    def endpoint(self, path: str) -> Endpoint:
        """The endpoint at `path`; KeyError names it when it isn't in the contract."""
        try:
            return self.endpoints[path]
        except KeyError:
            raise KeyError(f"{path} is not in Exact's published contract") from None


def _endpoint(path: str, raw: Mapping[str, Any]) -> Endpoint:
    filterable = raw.get("filterable")
    return Endpoint(
        path=path,
        page=raw["page"],
        kind=raw["kind"],
        key=raw["key"],
        fields=dict(raw["fields"]),
        obsolete=frozenset(raw.get("obsolete", ())),
        filterable=None if filterable is None else frozenset(filterable),
    )


def _function(path: str, raw: Mapping[str, Any]) -> Function:
    parameters = {
        name: Parameter(
            type=spec["type"],
            required=bool(spec.get("required")),
            values=tuple(spec["values"]) if "values" in spec else None,
        )
        for name, spec in raw["parameters"].items()
    }
    return Function(path=path, page=raw["page"], parameters=parameters, fields=dict(raw["fields"]))


@cache
def contract() -> Contract:
    """The contract, read once from contract.json beside this module."""
    text = resources.files("followup.exact").joinpath("contract.json").read_text("utf-8")
    raw = json.loads(text)
    return Contract(
        endpoints={path: _endpoint(path, spec) for path, spec in raw["endpoints"].items()},
        functions={path: _function(path, spec) for path, spec in raw["functions"].items()},
    )
