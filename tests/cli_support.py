"""Running the `followup` console script in tests, and what its runs need."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path

from followup.adapters.file_tokens import FileTokenStore
from followup.clock import AMSTERDAM
from followup.model import TokenSet
from followup.sandbox.state import SandboxState

FOLLOWUP = str(Path(sys.executable).with_name("followup"))


def followup(
    *args: str, cwd: Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603 - our own console script
        [FOLLOWUP, *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, **(env or {})},
        check=False,
    )


def write_config(
    tmp_path: Path, base_url: str, state: SandboxState, division: int, **extra: str
) -> Path:
    config = tmp_path / "followup.toml"
    config.write_text(
        f"""
[company]
name = "Test B.V."
from_address = "admin@test.example.nl"

[exact]
base_url = "{base_url}"
client_id = "{state.client_id}"
divisions = [{division}]
{extra.get("exact", "")}
"""
    )
    return config


def consent(tmp_path: Path, state: SandboxState) -> None:
    issued = state.issue_tokens()
    now = datetime.now(AMSTERDAM)
    FileTokenStore(tmp_path / "state" / "exact-tokens.json").save(
        TokenSet(
            access_token=str(issued["access_token"]),
            access_expires_at=now + timedelta(seconds=600),
            refresh_token=str(issued["refresh_token"]),
            refreshed_at=now,
        )
    )
