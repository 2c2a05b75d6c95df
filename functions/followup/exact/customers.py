"""The accounts and contacts a division's lines involve, in the fewest calls Exact's contract
allows (plus, when asked for, one call naming the account classifications)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import replace

from followup.exact.batches import id_filters
from followup.exact.client import Row
from followup.exact.contract import contract
from followup.exact.reading import Reader
from followup.exact.rows import account, contact
from followup.model import Account, Contact

ACCOUNT_FIELDS = (
    "ID", "Code", "Name", "Email", "Language", "Blocked", "MainContact", "Classification1",
)  # fmt: skip
CONTACT_FIELDS = (
    "ID", "Account", "FirstName", "LastName", "Email", "BusinessEmail", "Language",
    "IsMainContact", "AccountName",
)  # fmt: skip
CLASSIFICATION_FIELDS = ("ID", "Code")

# What the reads learnt of the sync listings' lengths: `CRM/Accounts` or `CRM/Contacts` → pages
# (kept with the watermark; see `_by_ids`).
ListingPages = Mapping[str, int]


def accounts(
    reader: Reader, division: int, ids: set[str], known: dict[str, int], resolve: bool
) -> dict[str, Account]:
    """The accounts with these IDs; with `resolve`, each classification is its code (one
    crm/AccountClassifications call when any account has one), else Exact's guid."""
    endpoint = f"{division}/crm/Accounts"
    rows = _by_ids(reader, division, "CRM/Accounts", ACCOUNT_FIELDS, ids, known)
    wanted = _lowered(ids)
    found = {a.id: a for a in reader.mapped(division, endpoint, rows, account)
             if a.id.lower() in wanted}  # fmt: skip
    if resolve and any(a.classification for a in found.values()):
        codes = _classification_codes(reader, division)
        found = {key: _named(a, codes) for key, a in found.items()}
    return found


def contacts(
    reader: Reader, division: int, ids: set[str], known: dict[str, int]
) -> dict[str, Contact]:
    """The contacts with these IDs."""
    endpoint = f"{division}/crm/Contacts"
    rows = _by_ids(reader, division, "CRM/Contacts", CONTACT_FIELDS, ids, known)
    wanted = _lowered(ids)
    return {c.id: c for c in reader.mapped(division, endpoint, rows, contact)
            if c.id.lower() in wanted}  # fmt: skip


def _classification_codes(reader: Reader, division: int) -> dict[str, str]:
    """Classification guid (lower case) -> its code (crm/AccountClassifications)."""
    rows = reader.client.get_all(
        f"{division}/crm/AccountClassifications", {"$select": ",".join(CLASSIFICATION_FIELDS)}
    )
    return {
        str(row["ID"]).lower(): str(row["Code"]).strip()
        for row in rows
        if row.get("ID") and row.get("Code")
    }


def _by_ids(
    reader: Reader,
    division: int,
    name: str,
    fields: tuple[str, ...],
    ids: set[str],
    known: dict[str, int],
) -> list[Row]:
    """The rows of `crm/<name>` with these IDs, in the fewest calls Exact's contract allows:
    `ID eq` filters on the standard endpoint (one page, 60 rows, a call: exact/batches.py)
    or the whole listing of `sync/<name>` (1,000 rows a page).

    Which is fewer depends on the listing's length. What a read learns of it is kept with
    the watermark (`known`: the page count of a listing read to its end, or at least one
    more than the pages read before stopping), and the next read takes the cheaper way
    outright. Knowing nothing yet, the listing is read only as long as it costs fewer calls
    than the filters would, and the IDs it didn't reach by then are filtered: at worst about
    twice the cheaper way, once per division.
    """
    resource = f"crm/{name.split('/', 1)[1]}"  # CRM/Accounts -> crm/Accounts
    standard = f"{division}/{resource}"
    literals = reader.guid_literals(division, standard, ids)
    most = contract().endpoint(resource).page_size
    filters = list(id_filters("ID", literals, most=most))
    pages = known.get(name)
    if len(filters) <= 1 or (pages is not None and pages >= len(filters)):
        return _filtered(reader, standard, fields, filters)
    wanted, rows = _lowered(ids), []
    listing = reader.client.pages(
        f"{division}/sync/{name}", {"$select": ",".join(fields), "$filter": "Timestamp gt 1"}
    )
    for count, (page, more) in enumerate(listing, start=1):
        rows += [row for row in page if str(row.get("ID") or "").lower() in wanted]
        if not more:
            known[name] = count
            return rows
        if name not in known and count >= len(filters) - 1:
            known[name] = count + 1  # at least: the next read knows filters are cheaper
            break
    seen = {str(row.get("ID") or "").lower() for row in rows}
    rest = [x for x in literals if x[5:-1].lower() not in seen]
    return rows + _filtered(reader, standard, fields, list(id_filters("ID", rest, most=most)))


def _filtered(
    reader: Reader, endpoint: str, fields: tuple[str, ...], filters: list[str]
) -> list[Row]:
    rows: list[Row] = []
    for either in filters:
        rows += reader.client.get_all(endpoint, {"$select": ",".join(fields), "$filter": either})
    return rows


def _named(account: Account, codes: dict[str, str]) -> Account:
    """The account with its classification's code instead of its guid, when known."""
    guid = account.classification or ""
    return replace(account, classification=codes.get(guid.lower(), account.classification))


def _lowered(ids: Iterable[str]) -> set[str]:
    return {guid.lower() for guid in ids}
