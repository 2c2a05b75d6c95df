"""`followup auth exact` end to end: the console script, the sandbox's consent screen, and an
httpx GET standing in for the browser (it follows Exact's redirect to the command's server)."""

from __future__ import annotations

import json
import os
import socket
import subprocess
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
import pytest

from cli_support import FOLLOWUP, write_config
from followup.sandbox.server import SandboxServer
from followup.sandbox.state import SandboxState


@pytest.fixture
def sandbox() -> Iterator[tuple[SandboxState, SandboxServer]]:
    state = SandboxState()
    state.add_division(101, "Bakkerij Noord B.V.")
    state.add_division(202, "Bakkerij Zuid B.V.")
    with SandboxServer(state) as server:
        yield state, server


def start_auth(
    config: Path, cwd: Path, *extra: str, port: str | None = "0"
) -> tuple[subprocess.Popen[str], str]:
    """Start `followup auth exact --no-browser` and read the consent address it prints; on a
    free port (`--port 0`: the default, 8765, may be taken by a parallel test) unless `port`
    is None (no --port at all)."""
    ports = () if port is None else ("--port", port)
    process = subprocess.Popen(  # noqa: S603 - our own console script
        [FOLLOWUP, "auth", "exact", "--config", str(config), "--no-browser", *ports, *extra],
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "FOLLOWUP_EXACT_CLIENT_SECRET": SandboxState.client_secret},
    )
    assert process.stdout is not None
    assert process.stderr is not None
    for line in process.stdout:
        seen.setdefault(process.pid, []).append(line)
        if line.strip().startswith("http") and "/api/oauth2/auth?" in line:
            return process, line.strip()
    process.kill()
    raise AssertionError(f"no consent address printed: {process.stderr.read()}")


seen: dict[int, list[str]] = {}  # what each command printed before its consent address


def finish(process: subprocess.Popen[str]) -> tuple[int, str, str]:
    out, err = process.communicate(timeout=30)
    return process.returncode, "".join(seen.pop(process.pid, [])) + out, err


def test_auth_exact_signs_in_stores_the_tokens_and_lists_the_divisions(
    tmp_path: Path, sandbox: tuple[SandboxState, SandboxServer]
) -> None:
    state, server = sandbox
    config = write_config(tmp_path, server.base_url, state, 101)
    process, url = start_auth(config, tmp_path)
    query = parse_qs(urlsplit(url).query)
    assert query["client_id"] == [state.client_id]
    assert query["response_type"] == ["code"]
    redirect_uri = query["redirect_uri"][0]
    assert redirect_uri.startswith("http://127.0.0.1:")
    assert redirect_uri.endswith("/callback")
    assert len(query["state"][0]) >= 32

    page = httpx.get(url, follow_redirects=True, timeout=10)  # the "browser"
    assert page.status_code == 200
    assert "close this window" in page.text
    code, out, err = finish(process)
    assert code == 0, err
    assert (
        f"Redirect URI (the app's must be exactly this, see the Exact App Center): {redirect_uri}"
        in out
    )
    assert "Signed in. Tokens stored in" in out
    assert "101  Bakkerij Noord B.V.  (configured)" in out
    assert "202  Bakkerij Zuid B.V." in out
    stored = json.loads((tmp_path / "state" / "exact-tokens.json").read_text())
    assert set(stored) == {"access_token", "access_expires_at", "refresh_token", "refreshed_at"}
    assert state.refresh_count == 0  # the check used the new access token: nothing spent
    token_calls = [c for c in state.calls if c[2].startswith("/api/oauth2/token")]
    assert len(token_calls) == 1  # the code exchange, nothing else
    assert stored["refresh_token"] not in out + err
    assert state.client_secret not in out + err


def test_a_redirect_with_another_state_is_refused_and_nothing_is_stored(
    tmp_path: Path, sandbox: tuple[SandboxState, SandboxServer]
) -> None:
    state, server = sandbox
    config = write_config(tmp_path, server.base_url, state, 101)
    process, url = start_auth(config, tmp_path)
    parts = urlsplit(url)
    query = {k: v[0] for k, v in parse_qs(parts.query).items()}
    forged = parts._replace(query=urlencode({**query, "state": "someone-elses"})).geturl()

    page = httpx.get(forged, follow_redirects=True, timeout=10)
    assert page.status_code == 400
    code, _out, err = finish(process)
    assert code == 1
    assert "another state than the one sent" in err
    assert "nothing was stored" in err
    assert not (tmp_path / "state" / "exact-tokens.json").exists()
    assert not [c for c in state.calls if c[2].startswith("/api/oauth2/token")]


def test_a_configured_division_the_token_cant_see_is_reported(
    tmp_path: Path, sandbox: tuple[SandboxState, SandboxServer]
) -> None:
    state, server = sandbox
    config = write_config(tmp_path, server.base_url, state, 999)
    process, url = start_auth(config, tmp_path, "--timeout", "20")
    httpx.get(url, follow_redirects=True, timeout=10)
    code, out, err = finish(process)
    assert code == 1
    assert "Signed in. Tokens stored in" in out  # the sign-in itself worked
    assert "configured but not visible to this user: 999" in err
    assert "Correct [exact] divisions" in err


def test_auth_exact_takes_the_redirect_on_port_8765_as_the_readme_registers_it(
    tmp_path: Path, sandbox: tuple[SandboxState, SandboxServer]
) -> None:
    readme = (Path(__file__).parents[2] / "README.md").read_text()
    assert "`http://127.0.0.1:8765/callback`" in readme
    with socket.socket() as probe:  # as the command's server binds: TIME_WAIT doesn't count
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", 8765))
        except OSError:
            pytest.skip("port 8765 is in use on this machine")
    state, server = sandbox
    config = write_config(tmp_path, server.base_url, state, 101)
    process, url = start_auth(config, tmp_path, "--timeout", "20", port=None)
    assert parse_qs(urlsplit(url).query)["redirect_uri"] == ["http://127.0.0.1:8765/callback"]
    httpx.get(url, follow_redirects=True, timeout=10)
    code, out, err = finish(process)
    assert code == 0, err
    assert "Redirect URI (the app's must be exactly this, see the Exact App Center): " \
        "http://127.0.0.1:8765/callback" in out  # fmt: skip
