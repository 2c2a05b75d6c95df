"""Can these Gmail credentials do what the configured modes need? One token request tells.

A user's refresh token is refreshed with exactly the scopes a run asks for (Google's refresh
tokens don't rotate: a refresh costs nothing); Google answers with the scopes it granted, or
refuses (`invalid_grant`: expired or revoked; `invalid_scope`: the consent lacks one). A
delegated service account gets a token for the sender only when the Admin console lists its
client id with these scopes (`unauthorized_client` otherwise). Nothing is sent or read.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from google.auth import exceptions as auth_exceptions
from google.auth.transport.requests import Request

from followup.adapters.gmail.credentials import COMPOSE, READONLY, SEND
from followup.errors import FollowupError

PURPOSE = {
    COMPOSE: "gmail.compose (drafts, and sending)",
    SEND: "gmail.send (sending only)",
    READONLY: "gmail.readonly (finding a crashed run's mails in Sent)",
}
_ADC = (
    "sign in with `gcloud auth application-default login` (as someone allowed to read the "
    "secrets and, with delegation, to sign for the service account), or run it in the cloud"
)
TESTING_EXPIRY = (
    "while the OAuth app's publishing status is Testing, Google expires its refresh tokens "
    "after 7 days: publish it (Google Auth Platform › Audience › Publish app), or use "
    "domain-wide delegation"
)


@dataclass(frozen=True)
class Access:
    """The verdict on a set of Gmail credentials."""

    ok: bool
    detail: str
    fix: str = ""


def short(scope: str) -> str:
    """`gmail.send` for the scope's URL."""
    return scope.rsplit("/", 1)[-1]


def describe(scopes: Iterable[str]) -> str:
    """The scopes with what each is for."""
    return "; ".join(PURPOSE.get(s, short(s)) for s in scopes)


def check_access(
    credentials: Any, scopes: Iterable[str], *, user: str, delegation: str | None = None
) -> Access:
    """Ask Google for a token with `scopes`; explain a refusal and how to cure it."""
    needed = tuple(scopes)
    try:
        credentials.refresh(Request())
    except auth_exceptions.RefreshError as exc:
        return _refused(exc, needed, user, delegation)
    except auth_exceptions.TransportError as exc:
        if "signBlob" in str(exc):
            return Access(
                False, f"IAM refused to sign for {delegation}", _token_creator(delegation)
            )
        return Access(False, f"Google's token endpoint can't be reached ({exc})", "try again later")
    except auth_exceptions.GoogleAuthError as exc:  # no application default credentials
        return Access(False, f"no Google credentials to act with ({type(exc).__name__})", _ADC)
    granted = getattr(credentials, "granted_scopes", None)
    missing = [s for s in needed if granted is not None and s not in granted]
    if missing:
        return Access(
            False,
            f"the consent for {user} lacks {', '.join(short(s) for s in missing)}",
            "run `followup auth gmail` and allow every permission on Google's consent screen",
        )
    how = f"the service account {delegation} acting as {user}" if delegation else user
    return Access(True, f"Google grants {how}: {describe(needed)}")


def check_configured(
    make: Callable[[], tuple[Any, tuple[str, ...], str]], *, user: str, delegation: str | None
) -> Access:
    """Build the credentials as a run does (`make`: gmail/wiring.credentials), then check
    them; a secret that can't be read, or no Google sign-in on this computer, is a verdict too."""
    try:
        credentials, scopes, _ = make()
    except auth_exceptions.GoogleAuthError as exc:
        return Access(False, f"no Google credentials to act with ({type(exc).__name__})", _ADC)
    except FollowupError as exc:
        return Access(False, str(exc), "run `followup auth gmail` once the secret is readable")
    return check_access(credentials, scopes, user=user, delegation=delegation)


def _refused(
    exc: auth_exceptions.RefreshError, needed: tuple[str, ...], user: str, delegation: str | None
) -> Access:
    data = exc.args[1] if len(exc.args) > 1 and isinstance(exc.args[1], Mapping) else {}
    error = str(data.get("error") or str(exc).split(":", 1)[0]).strip()
    said = str(exc.args[0]) if exc.args else error
    if delegation:
        return Access(
            False,
            f"Google refused to let {delegation} act as {user} ({said})",
            admin_console_steps(delegation, needed),
        )
    if error == "invalid_scope":
        return Access(
            False,
            f"the stored consent does not cover all of {', '.join(map(short, needed))} ({said})",
            "run `followup auth gmail` (the modes in the settings changed since the last consent)",
        )
    if error == "invalid_grant":
        return Access(
            False,
            f"Google no longer accepts the stored refresh token ({said})",
            f"run `followup auth gmail`; {TESTING_EXPIRY}",
        )
    if error in ("invalid_client", "unauthorized_client"):
        return Access(
            False,
            f"Google refused the OAuth client ({said})",
            "check mail.transport.client_id and the client secret (Google Auth Platform › "
            "Clients), then run `followup auth gmail`",
        )
    return Access(False, f"Google refused the token request ({said})", "run `followup auth gmail`")


def admin_console_steps(delegation: str, scopes: Iterable[str]) -> str:
    """How a Workspace admin authorizes the service account for these scopes."""
    return (
        "in the Google Admin console (admin.google.com, as a super admin): Security › Access "
        "and data control › API controls › Manage Domain Wide Delegation › Add new; Client ID: "
        f"the service account's numeric unique id (`gcloud iam service-accounts describe "
        f"{delegation} --format='value(uniqueId)'`); OAuth scopes: {','.join(scopes)}. "
        "It can take a few minutes to apply. " + _token_creator(delegation)
    )


def _token_creator(delegation: str | None) -> str:
    return (
        "The service account signs its own token requests: it (and whoever runs followup "
        "locally) needs Service Account Token Creator on it (`gcloud iam service-accounts "
        f"add-iam-policy-binding {delegation} "
        f"--member=serviceAccount:{delegation} --role=roles/iam.serviceAccountTokenCreator`)"
    )
