"""An httplib2-compatible transport on httpx that never resends a request by itself.

httplib2 silently sends a request again when the first answer is a dropped connection
(BadStatusLine, "regardless of the number of RETRIES"): for `messages.send` that can be a
second mail. Here every failure surfaces once, sorted into "never sent" and "maybe sent".
"""

from __future__ import annotations

from typing import Any

import httplib2  # type: ignore[import-untyped]
import httpx


class RequestNotSent(ConnectionError):
    """The connection failed before the request went out: retrying is safe."""


class AnswerLost(ConnectionError):
    """The request may have reached the server, but no answer came back."""


class HttpxTransport:
    """What googleapiclient and google-auth-httplib2 call `http`: `request(...)` → (resp, body)."""

    def __init__(self, timeout_seconds: float = 30.0) -> None:
        self._client = httpx.Client(timeout=timeout_seconds, follow_redirects=False)

    def request(
        self,
        uri: str,
        method: str = "GET",
        body: bytes | str | None = None,
        headers: dict[str, str] | None = None,
        redirections: int = 5,
        connection_type: Any = None,
    ) -> tuple[Any, bytes]:
        """Send once; the answer as an httplib2.Response and its body."""
        wanted = {k: v for k, v in (headers or {}).items() if k.lower() != "content-length"}
        try:
            answer = self._client.request(method, uri, content=body, headers=wanted)
        except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout) as exc:
            raise RequestNotSent(f"{type(exc).__name__} before the request was sent") from None
        except httpx.TransportError as exc:
            raise AnswerLost(f"{type(exc).__name__} after the request was sent") from None
        info = {k.lower(): v for k, v in answer.headers.items()}
        info.pop("content-encoding", None)  # httpx decoded the body already
        info["status"] = str(answer.status_code)
        response = httplib2.Response(info)
        response.reason = answer.reason_phrase
        return response, answer.content

    def close(self) -> None:
        """Close the connection pool."""
        self._client.close()
