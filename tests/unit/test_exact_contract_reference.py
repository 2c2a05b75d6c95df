"""contract.json holds Exact's published API contract; it must agree with the reference copy.

The reference (shared/docs/exact-reference, beside the repository) is Exact's own documentation as
Markdown tables: one page per endpoint, `| # | name | type | description | note |`. Rows typed
"(absent)" document that a property does NOT exist. Some pages describe a subset of the properties
but list all their names.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[2]
CONTRACT_PATH = REPO / "functions/followup/exact/contract.json"
REFERENCE_DIR = REPO.parent / "shared/docs/exact-reference"

KINDS = {"standard", "bulk", "sync"}
ABSENT = "(absent)"

ROW = re.compile(
    r"^\| \d+ \| (?P<name>[^|]+?) \| (?P<type>[^|]+?) \| (?P<description>[^|]*?) \|"
    r" (?P<note>[^|]*?) \|$"
)
URI = re.compile(r"^- \*\*uri\*\*: /api/v1/(?:\{division\}/)?(?P<key>\S+)\s*$", re.MULTILINE)
ALL_NAMES = re.compile(r"^- \*\*all property names\*\*: (?P<names>.+)$", re.MULTILINE)
TOTAL_LISTED = re.compile(
    r"^- \*\*total properties\*\*: (?P<count>\d+) \((?P<names>[^)]*)\)", re.MULTILINE
)
TOTAL_IN_FILE = re.compile(r"^- \*\*total properties in file\*\*: (?P<count>\d+)", re.MULTILINE)
END_POINT_VALUES = re.compile(r"only these are supported:(?P<values>.*?)\.\s*\n", re.DOTALL)


@dataclass(frozen=True)
class Row:
    name: str
    type: str
    description: str
    note: str


@dataclass(frozen=True)
class Page:
    file: str
    key: str
    rows: tuple[Row, ...]
    listed_names: tuple[str, ...]
    total: int | None
    complete: bool


def load_contract() -> dict[str, Any]:
    contract: dict[str, Any] = json.loads(CONTRACT_PATH.read_text(encoding="utf-8"))
    return contract


CONTRACT = load_contract()
ENDPOINTS: dict[str, dict[str, Any]] = CONTRACT["endpoints"]
FUNCTIONS: dict[str, dict[str, Any]] = CONTRACT["functions"]


def parse_page(path: Path) -> Page | None:
    text = path.read_text(encoding="utf-8")
    uri = URI.search(text)
    if uri is None:
        return None
    rows = tuple(
        Row(m["name"], m["type"], m["description"], m["note"])
        for m in (ROW.match(line) for line in text.splitlines())
        if m is not None
    )
    names: list[str] = []
    total: int | None = None
    if (listed := ALL_NAMES.search(text)) is not None:
        names += [name.strip() for name in listed["names"].split(",")]
    if (counted := TOTAL_LISTED.search(text)) is not None:
        names += counted["names"].split()
        total = int(counted["count"])
    if (in_file := TOTAL_IN_FILE.search(text)) is not None:
        total = int(in_file["count"])
    complete = "- **subset**" not in text and all(row.type != ABSENT for row in rows)
    return Page(path.name, uri["key"], rows, tuple(names), total, complete)


@pytest.fixture(scope="module")
def reference() -> Path:
    if not REFERENCE_DIR.is_dir():
        pytest.skip(f"Exact's reference copy is not beside the repository: {REFERENCE_DIR}")
    return REFERENCE_DIR


@pytest.fixture(scope="module")
def pages(reference: Path) -> list[Page]:
    """The reference pages that document an endpoint of the contract."""
    parsed = (parse_page(path) for path in sorted(reference.glob("*.md")))
    return [page for page in parsed if page is not None and page.key in ENDPOINTS]


def properties(endpoint: dict[str, Any]) -> set[str]:
    return set(endpoint["fields"]) | set(endpoint.get("navigation", []))


def test_the_reference_pages_for_contract_endpoints_are_found(pages: list[Page]) -> None:
    assert pages, "no reference page maps to an endpoint of contract.json by its **uri** line"
    assert all(page.rows for page in pages), [page.file for page in pages if not page.rows]


def test_every_documented_property_has_the_documented_type(pages: list[Page]) -> None:
    wrong = [
        f"{page.file}: {row.name} is {row.type}, contract says "
        f"{ENDPOINTS[page.key]['fields'].get(row.name, 'nothing')}"
        for page in pages
        for row in page.rows
        if row.type.startswith("Edm.") and ENDPOINTS[page.key]["fields"].get(row.name) != row.type
    ]
    assert not wrong, wrong


def test_documented_collections_are_navigation_properties_not_fields(pages: list[Page]) -> None:
    wrong = [
        f"{page.file}: {row.name} ({row.type})"
        for page in pages
        for row in page.rows
        if not row.type.startswith("Edm.")
        and row.type != ABSENT
        and (
            row.name in ENDPOINTS[page.key]["fields"]
            or row.name not in ENDPOINTS[page.key].get("navigation", [])
        )
    ]
    assert not wrong, wrong


def test_properties_documented_as_absent_are_not_in_the_contract(pages: list[Page]) -> None:
    absent = [(page, row) for page in pages for row in page.rows if row.type == ABSENT]
    assert absent, "the reference documents absent properties; none were read"
    wrong = [
        f"{page.file}: {row.name}"
        for page, row in absent
        if row.name in properties(ENDPOINTS[page.key])
    ]
    assert not wrong, wrong


def test_every_listed_property_name_is_in_the_contract(pages: list[Page]) -> None:
    missing = [
        f"{page.file}: {name}"
        for page in pages
        for name in page.listed_names
        if name not in properties(ENDPOINTS[page.key])
    ]
    assert not missing, missing


def test_the_contract_has_as_many_properties_as_the_reference_counts(pages: list[Page]) -> None:
    wrong = [
        f"{page.file}: reference {page.total}, contract {len(properties(ENDPOINTS[page.key]))}"
        for page in pages
        if page.total is not None and page.total != len(properties(ENDPOINTS[page.key]))
    ]
    assert not wrong, wrong


def test_a_page_that_lists_every_property_matches_the_contract_exactly(
    pages: list[Page],
) -> None:
    complete = [page for page in pages if page.complete]
    assert complete, "no reference page lists every property of its endpoint"
    wrong = [
        f"{page.file}: only in the reference {sorted(documented - contract)}, "
        f"only in the contract {sorted(contract - documented)}"
        for page in complete
        if (documented := {row.name for row in page.rows})
        != (contract := properties(ENDPOINTS[page.key]))
    ]
    assert not wrong, wrong


def test_the_primary_key_is_the_one_the_reference_marks(pages: list[Page]) -> None:
    wrong = [
        f"{page.file}: {row.name} is the primary key, contract says {ENDPOINTS[page.key]['key']}"
        for page in pages
        for row in page.rows
        if row.note == "PK" and ENDPOINTS[page.key]["key"] != row.name
    ]
    assert not wrong, wrong


def test_properties_described_as_obsolete_are_marked_obsolete(pages: list[Page]) -> None:
    unmarked = [
        f"{page.file}: {row.name}"
        for page in pages
        for row in page.rows
        if row.description.startswith("Obsolete")
        and row.name not in ENDPOINTS[page.key]["obsolete"]
    ]
    assert not unmarked, unmarked


def test_sync_timestamp_accepts_exactly_the_endpoints_the_reference_names(
    reference: Path,
) -> None:
    readme = (reference / "README.md").read_text(encoding="utf-8")
    listed = END_POINT_VALUES.search(readme)
    assert listed is not None, "README.md no longer lists the endPoint values of SyncTimestamp"
    without_notes = re.sub(r"\([^)]*\)", "", listed["values"]).replace("*", "")
    expected = [value.strip() for value in without_notes.split(",")]
    parameter = FUNCTIONS["read/sync/Sync/SyncTimestamp"]["parameters"]["endPoint"]
    assert parameter["values"] == expected


def test_payment_terms_cannot_be_started_from_a_date_with_sync_timestamp() -> None:
    values = FUNCTIONS["read/sync/Sync/SyncTimestamp"]["parameters"]["endPoint"]["values"]
    assert "PaymentTerms" not in values
    assert "Cashflow/PaymentTerms" not in values
    assert "TransactionLines" in values


def test_sync_timestamp_returns_timestamp_as_big_int_and_no_sync_timestamp_field() -> None:
    fields = FUNCTIONS["read/sync/Sync/SyncTimestamp"]["fields"]
    assert fields == {
        "Modified": "Edm.DateTime",
        "API": "Edm.String",
        "TimeStampAsBigInt": "Edm.Int64",
    }


@pytest.mark.parametrize("key", sorted(ENDPOINTS))
def test_every_endpoint_has_a_page_a_kind_and_a_key_among_its_fields(key: str) -> None:
    endpoint = ENDPOINTS[key]
    assert endpoint["page"]
    assert endpoint["kind"] in KINDS
    expected_kind = key.split("/", 1)[0] if key.startswith(("sync/", "bulk/")) else "standard"
    assert endpoint["kind"] == expected_kind
    assert endpoint["key"] in endpoint["fields"]
    assert endpoint["methods"]
    assert set(endpoint["methods"]) <= {"GET", "POST", "PUT", "DELETE"}


@pytest.mark.parametrize("key", sorted(ENDPOINTS))
def test_every_field_has_an_edm_type(key: str) -> None:
    endpoint = ENDPOINTS[key]
    not_edm = [name for name, kind in endpoint["fields"].items() if not kind.startswith("Edm.")]
    assert not not_edm
    assert not set(endpoint.get("navigation", [])) & set(endpoint["fields"])


@pytest.mark.parametrize("key", sorted(ENDPOINTS))
def test_obsolete_and_filterable_names_are_properties_of_the_endpoint(key: str) -> None:
    endpoint = ENDPOINTS[key]
    assert set(endpoint["obsolete"]) <= properties(endpoint)
    filterable = endpoint["filterable"]
    if filterable is None:
        assert "filterable_from" not in endpoint
    else:
        assert set(filterable) <= set(endpoint["fields"])
        assert endpoint["filterable_from"]
    if endpoint["kind"] == "sync":
        assert filterable == ["Timestamp"]
        assert endpoint["key"] == "Timestamp"


def test_function_parameters_and_fields_have_edm_types() -> None:
    for function in FUNCTIONS.values():
        assert function["page"]
        assert all(kind.startswith("Edm.") for kind in function["fields"].values())
        assert all(p["type"].startswith("Edm.") for p in function["parameters"].values())


def test_sync_crm_accounts_and_contacts_are_sync_endpoints_keyed_on_timestamp() -> None:
    expected = {
        "sync/CRM/Accounts": "ID Code Name Email Language Blocked MainContact Classification1",
        "sync/CRM/Contacts": (
            "ID Account FirstName LastName Email BusinessEmail Language IsMainContact"
        ),
    }
    for key, names in expected.items():
        endpoint = ENDPOINTS[key]
        assert endpoint["kind"] == "sync"
        assert endpoint["key"] == "Timestamp"
        assert endpoint["fields"]["Timestamp"] == "Edm.Int64"
        missing = set(names.split()) - set(endpoint["fields"])
        assert not missing, f"{key}: {sorted(missing)}"
