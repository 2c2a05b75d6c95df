"""A user's consent for the Exact app: the authorize URL, and what the new token can see.

Exact sends the browser back to `redirect_uri` with `code` and `state`; ExactAuth.exchange_code
trades the code for the first token pair. The checks here spend no refresh: they use the access
token that exchange (or the store) holds while it is valid.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from urllib.parse import urlencode

from followup.exact.client import ExactClient

AUTHORIZE_PATH = "/api/oauth2/auth"


@dataclass(frozen=True)
class Account:
    """Who signed in, and the divisions (code → name) the token can see."""

    name: str
    user_name: str
    current_division: int | None
    divisions: dict[int, str]


def authorize_url(
    base_url: str, client_id: str, redirect_uri: str, state: str, *, force_login: bool = False
) -> str:
    """Exact's consent screen for this app, redirecting to `redirect_uri` with `state`."""
    query = urlencode(
        {
            "client_id": client_id,
            "redirect_uri": redirect_uri,
            "response_type": "code",
            "state": state,
            "force_login": "1" if force_login else "0",
        }
    )
    return f"{base_url.rstrip('/')}{AUTHORIZE_PATH}?{query}"


def signed_in_account(client: ExactClient) -> Account:
    """Who signed in (`current/Me`: no division, free of the daily limit) and every division
    the user granted the app (`system/Divisions` of the current division)."""
    account = me(client)
    if account.current_division is None:
        return account
    return replace(account, divisions=visible_divisions(client, account.current_division))


def me(client: ExactClient) -> Account:
    """`current/Me` only: the divisions are left empty."""
    rows = client.get_all("current/Me", {"$select": "CurrentDivision,FullName,UserName"})
    row = rows[0] if rows else {}
    current = row.get("CurrentDivision")
    return Account(
        name=str(row.get("FullName") or ""),
        user_name=str(row.get("UserName") or ""),
        current_division=int(current) if current is not None else None,
        divisions={},
    )


def visible_divisions(client: ExactClient, current: int) -> dict[int, str]:
    """Code → name of every division the token can see, by code."""
    listed = client.get_all(f"{current}/system/Divisions", {"$select": "Code,Description"})
    found = {
        int(r["Code"]): str(r.get("Description") or "").strip()
        for r in listed
        if r.get("Code") is not None
    }
    return dict(sorted(found.items()))


def division_name(client: ExactClient, division: int) -> str:
    """One cheap call in the division's own context: its name, or an ExactError (no access,
    unknown division)."""
    rows = client.get_all(
        f"{division}/system/Divisions",
        {"$select": "Code,Description", "$filter": f"Code eq {division}"},
    )
    return str(rows[0].get("Description") or "").strip() if rows else ""
