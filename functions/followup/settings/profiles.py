"""Profiles: one per administration (Exact division) of an accountancy office or a holding.

`[division.101.company]`, `[division.101.mail.transport]`, … name what division 101 does its
own way; the rest of the file is the shared default. A profile may hold the sections below
(`PROFILE_SECTIONS`); what every division shares (Exact, the token store, the ledger, the
cloud) is set once, at the top.

How a profile is laid over the shared settings:
- `company` is the administration's own, whole: a client's reminder must never carry the
  office's IBAN or phone number by accident, so a profile without `[division.N.company]` is
  refused, and nothing of the office's `[company]` is taken over.
- `mail.transport` (the mailbox) is taken whole when the profile names one; the office's
  otherwise (a holding's companies may share one mailbox).
- `digest` is not inherited: the office's `[digest]` is its overview of every administration;
  a division's own digest (to the person responsible for it) only where its profile sets one.
- Every other table is merged key by key (a profile's `[division.N.policy]` with only
  `interval_days` keeps the office's levels); a list or a value replaces the shared one.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from followup.settings import Settings

PROFILE_SECTIONS = (
    "company",
    "mail",
    "policy",
    "confirmations",
    "suppress",
    "digest",
    "replies",
    "languages",
)
SHARED_SECTIONS = ("exact", "tokens", "ledger", "cloud")
_WHOLE = {("mail", "transport")}  # taken whole from the profile, never merged key by key
_NOT_INHERITED = ("digest", "company")


def tables(raw: Any, problems: list[str]) -> dict[int, dict[str, Any]]:
    """The `[division.N]` tables by division number; what is wrong with them in `problems`."""
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        problems.append(
            "division: not a table (write a profile as [division.123456.company], with the "
            "administration's number from Exact)"
        )
        return {}
    found: dict[int, dict[str, Any]] = {}
    for key, table in raw.items():
        number = _division_number(str(key))
        if number is None:
            problems.append(
                f"division.{key}: not a division number (Exact's administration number, e.g. "
                "[division.123456])"
            )
            continue
        if not isinstance(table, dict):
            problems.append(f"division.{key}: not a table")
            continue
        for section in table:
            if section in SHARED_SECTIONS:
                problems.append(
                    f"division.{key}.{section}: shared by every division: set it once, as "
                    f"[{section}] at the top of the file"
                )
            elif section not in PROFILE_SECTIONS:
                problems.append(
                    f"division.{key}.{section}: unknown key (a profile may set "
                    f"{', '.join(PROFILE_SECTIONS)})"
                )
        if "company" not in table:
            problems.append(
                f"division.{key}.company: missing value (each administration mails as its own "
                "company: its name, from_address, IBAN, …)"
            )
        if "company" in table:  # else said above: validating it would only say it again
            found[number] = {k: v for k, v in table.items() if k in PROFILE_SECTIONS}
    return found


def merged(shared: dict[str, Any], profile: dict[str, Any]) -> dict[str, Any]:
    """The settings data of one division: its profile laid over the shared data."""
    base = {k: v for k, v in shared.items() if k not in _NOT_INHERITED}
    return _merge(base, profile, ())


def listed_problems(listed: list[int], profiled: set[int]) -> list[str]:
    """With profiles, `exact.divisions` and the profiles must name the same divisions."""
    if not listed or not profiled:
        return []
    problems = [
        f"exact.divisions: {n} has no profile ([division.{n}.company] …): every administration "
        "mails as its own company; add its profile or take it out of the list"
        for n in listed
        if n not in profiled
    ]
    problems += [
        f"division.{n}: not in exact.divisions; add {n} to the list, or remove the profile"
        for n in sorted(profiled - set(listed))
    ]
    return problems


def _merge(base: dict[str, Any], top: dict[str, Any], path: tuple[str, ...]) -> dict[str, Any]:
    out = dict(base)
    for key, value in top.items():
        here = (*path, key)
        below = out.get(key)
        if isinstance(value, dict) and isinstance(below, dict) and here not in _WHOLE:
            out[key] = _merge(below, value, here)
        else:
            out[key] = value
    return out


def _division_number(key: str) -> int | None:
    return int(key) if key.isdigit() and int(key) > 0 else None


def credential_clashes(office: Settings, profiles: dict[int, Settings]) -> list[str]:
    """No two mailboxes may keep their consent or password in one place (a secret, an
    environment variable): one client's would be used for another's mailbox, its mail sent
    from the wrong company's mailbox. (The local token file keys its entries per mailbox.)"""
    owners: dict[str, dict[str, list[str]]] = {}
    parts = [("the office", office)] + [(f"division {n}", p) for n, p in sorted(profiles.items())]
    for who, part in parts:
        for place, mailbox in credential_places(part):
            owners.setdefault(place, {}).setdefault(mailbox, []).append(who)
    return [
        f"mail.transport: {place} would serve "
        + " and ".join(f"{box} ({', '.join(who)})" for box, who in boxes.items())
        + ": give each mailbox its own in [division.N.mail.transport] (password_env, "
        "password_secret, refresh_token_secret or oauth.refresh_token_secret)"
        for place, boxes in sorted(owners.items())
        if len(boxes) > 1
    ]


def credential_places(settings: Settings) -> list[tuple[str, str]]:
    """(where a credential of the settings' mailbox is kept, the mailbox)."""
    from followup.settings import GmailMail, OutboxMail, SecretManagerTokens

    chosen, tokens = settings.mail.transport, settings.tokens
    cloud = tokens.project if isinstance(tokens, SecretManagerTokens) else ""
    if isinstance(chosen, OutboxMail):
        return []
    if isinstance(chosen, GmailMail):
        if not chosen.refresh_token_secret or chosen.delegation:
            return []
        return [(_secret(chosen.project, chosen.refresh_token_secret), str(chosen.user))]
    if chosen.auth == "xoauth2" and chosen.oauth is not None:
        secret = chosen.oauth.refresh_token_secret
        return [(_secret(cloud, secret), chosen.username)] if cloud else []
    places = [(f"the environment variable {chosen.password_env}", chosen.username)]
    if cloud:
        places.append((_secret(cloud, chosen.password_secret), chosen.username))
    return places


def _secret(project: str, secret: str) -> str:
    return f"the secret projects/{project}/secrets/{secret}"
