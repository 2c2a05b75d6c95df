"""A one-shot HTTP server on 127.0.0.1 that receives an OAuth consent redirect.

The browser is sent to the provider's consent screen with `redirect_uri` pointing here; the
provider redirects back with `code` and `state` (or `error`). The first request to the callback
path ends the wait: its `state` must be the one we sent, else the answer is refused (a redirect
we did not ask for, or one from an older attempt) and nothing is exchanged.
"""

from __future__ import annotations

import html
import secrets
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, HTTPServer
from types import TracebackType
from urllib.parse import parse_qsl, urlsplit

from followup.errors import FollowupError

CALLBACK_PATH = "/callback"


class ConsentError(FollowupError):
    """The consent did not come back usable: refused, timed out, or with the wrong state."""


@dataclass(frozen=True)
class Redirect:
    """What the provider's redirect carried."""

    code: str
    state: str


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    timeout = 5  # a browser's idle pre-connection must not hold up the one real request

    def do_GET(self) -> None:
        url = urlsplit(self.path)
        if url.path != self.server.path:  # /favicon.ico and the like
            self._page(404, "Not found", "This address only takes the sign-in redirect.")
            return
        params = dict(parse_qsl(url.query, keep_blank_values=True))
        self.server.answer = params
        if params.get("state") != self.server.state:
            self._page(400, "Sign-in refused", "This answer does not belong to this sign-in.")
        elif params.get("error") or not params.get("code"):
            self._page(400, "Sign-in not completed", params.get("error", "no code received"))
        else:
            self._page(200, "Signed in", "followup has the answer: you can close this window.")

    def _page(self, status: int, title: str, text: str) -> None:
        body = (
            f"<!doctype html><meta charset=utf-8><title>{html.escape(title)}</title>"
            f"<h1>{html.escape(title)}</h1><p>{html.escape(text)}</p>"
        ).encode()
        self.send_response(status)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        """Quiet: the query carries the code."""


class _Server(HTTPServer):
    def __init__(self, port: int, path: str, state: str) -> None:
        super().__init__(("127.0.0.1", port), _Handler)
        self.path = path
        self.state = state
        self.answer: dict[str, str] | None = None


class RedirectReceiver:
    """Listens on 127.0.0.1 (a free port, or `port`) for one consent redirect."""

    def __init__(self, port: int = 0, path: str = CALLBACK_PATH) -> None:
        self.state = secrets.token_urlsafe(32)
        try:
            self._server = _Server(port, path, self.state)
        except OSError as exc:
            raise ConsentError(
                f"can't listen on 127.0.0.1:{port} ({exc.strerror}): stop what uses the port, "
                "or choose another with --port and register that redirect URI"
            ) from None
        self.redirect_uri = f"http://127.0.0.1:{self._server.server_port}{path}"

    def wait(self, timeout_seconds: float) -> Redirect:
        """The redirect's code, once it arrived with our state; ConsentError otherwise."""
        deadline = time.monotonic() + timeout_seconds
        while self._server.answer is None:
            left = deadline - time.monotonic()
            if left <= 0:
                raise ConsentError(
                    f"no sign-in arrived within {timeout_seconds:.0f} s; nothing was stored. "
                    "If the browser showed an error about the redirect URI, register "
                    f"{self.redirect_uri} exactly so (or pass the --port of the one registered)"
                )
            self._server.timeout = min(left, 1.0)
            self._server.handle_request()
        answer = self._server.answer
        if answer.get("state") != self.state:
            raise ConsentError(
                "the sign-in answer carried another state than the one sent (a stale or forged "
                "redirect); nothing was stored: run the command again"
            )
        if answer.get("error") or not answer.get("code"):
            said = answer.get("error_description") or answer.get("error") or "no code"
            raise ConsentError(f"the sign-in was not completed ({said}); nothing was stored")
        return Redirect(answer["code"], answer["state"])

    def close(self) -> None:
        """Stop listening."""
        self._server.server_close()

    def __enter__(self) -> RedirectReceiver:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()
