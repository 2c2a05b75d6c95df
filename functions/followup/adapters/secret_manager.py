"""The Secret Manager client the Exact token store, the Gmail consent and the mailbox secrets
share (made on first use: the Google library loads only when the settings name a secret)."""

from __future__ import annotations

from typing import Any

LOOPBACK = ("http://127.0.0.1", "http://localhost")


def secret_manager_client(endpoint: str | None) -> Any:
    """A Secret Manager client; a loopback endpoint (a test stand-in) gets no credentials."""
    from google.cloud import secretmanager

    if endpoint and endpoint.startswith(LOOPBACK):
        from google.auth.credentials import AnonymousCredentials

        return secretmanager.SecretManagerServiceClient(  # a local stand-in (tests)
            transport="rest",
            client_options={"api_endpoint": endpoint},
            credentials=AnonymousCredentials(),  # type: ignore[no-untyped-call]
        )
    options = {"api_endpoint": endpoint} if endpoint else None
    return secretmanager.SecretManagerServiceClient(client_options=options)
