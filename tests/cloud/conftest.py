"""Fixtures for the HTTP entry points: main.py under the functions-framework test client, the
Exact sandbox with three demo divisions, the embedded adapters (SQLite ledger, outbox, token
file) configured by a settings file in tmp_path, and a local Cloud Tasks stand-in."""

from __future__ import annotations

import base64
import json
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

import functions_framework
import pytest
from flask.testing import FlaskClient

from cli_support import consent
from cloud.cloud_tasks_server import CloudTasksServer, TasksState
from followup.clock import AMSTERDAM, business_date
from followup.sandbox.demo_data import seed_demo
from followup.sandbox.server import SandboxServer
from followup.sandbox.state import SandboxState

ROOT = Path(__file__).resolve().parents[2]
MAIN = ROOT / "functions" / "main.py"
DIVISIONS = (111111, 222222, 333333)
PROJECT, LOCATION, QUEUE = "followup-test", "europe-west1", "followup-divisions"
QUEUE_PATH = f"projects/{PROJECT}/locations/{LOCATION}/queues/{QUEUE}"
RUNNER = "followup-runtime@followup-test.iam.gserviceaccount.com"
DIVISION_URL = "https://run-division-abc123-ew.a.run.app"
SCHEDULE = {
    "X-CloudScheduler": "true",
    "X-CloudScheduler-JobName": "followup-daily",
}


@dataclass
class Site:
    """One installation: its settings file, its sandbox and its outbox."""

    root: Path
    sandbox: SandboxState
    base_url: str
    today: date

    def configure(self, divisions: tuple[int, ...], *, tasks: str = "", extra: str = "") -> Path:
        """Write the settings file FOLLOWUP_CONFIG points at."""
        listed = ", ".join(str(d) for d in divisions)
        config = self.root / "followup.toml"
        config.write_text(
            f"""
[company]
name = "Test B.V."
from_address = "admin@test.example.nl"

[exact]
base_url = "{self.base_url}"
client_id = "{self.sandbox.client_id}"
divisions = [{listed}]

[cloud]
max_backdate_days = 7
{extra}
{tasks}
"""
        )
        return config

    def client(self, target: str) -> FlaskClient:
        """main.py's function `target`, as functions-framework serves it."""
        return functions_framework.create_app(target=target, source=str(MAIN)).test_client()

    def drafts(self) -> list[Path]:
        """The drafts in the outbox, by name."""
        return sorted((self.root / "outbox" / "drafts").glob("*.eml"))


def tasks_section(endpoint: str, timeout: float = 5.0) -> str:
    """The [cloud.tasks] settings for the stand-in."""
    return f"""
[cloud.tasks]
project = "{PROJECT}"
location = "{LOCATION}"
queue = "{QUEUE}"
url = "{DIVISION_URL}"
service_account = "{RUNNER}"
api_endpoint = "{endpoint}"
timeout_seconds = {timeout}
"""


def scheduled(moment: datetime) -> dict[str, str]:
    """The headers of Cloud Scheduler's call for a schedule time."""
    stamp = moment.astimezone(AMSTERDAM).isoformat()
    return {**SCHEDULE, "X-CloudScheduler-ScheduleTime": stamp}


def deliver(site: Site, task: dict[str, Any], retry: int = 0) -> Any:
    """POST a task's body to run_division, with the headers Cloud Tasks adds."""
    request = task["httpRequest"]
    return site.client("run_division").post(
        "/",
        data=base64.b64decode(request["body"]),
        headers={
            **request.get("headers", {}),
            "X-CloudTasks-TaskName": task["name"].rsplit("/", 1)[1],
            "X-CloudTasks-TaskRetryCount": str(retry),
        },
    )


def answer(response: Any) -> dict[str, Any]:
    """The JSON body of a test client response."""
    assert response.mimetype == "application/json"
    return dict(json.loads(response.get_data(as_text=True)))


@pytest.fixture(autouse=True)
def restore_logging() -> Iterator[None]:
    """main.py installs the JSON log handler on import: take it away after each test."""
    root, ours = logging.getLogger(), logging.getLogger("followup")
    saved = (list(root.handlers), root.level, ours.level)
    yield
    root.handlers[:] = saved[0]
    root.setLevel(saved[1])
    ours.setLevel(saved[2])


@pytest.fixture
def today() -> date:
    """Today in Amsterdam (the entry points use the real clock)."""
    return business_date(datetime.now(AMSTERDAM))


@contextmanager
def open_site(tmp_path: Path, today: date, monkeypatch: pytest.MonkeyPatch) -> Iterator[Site]:
    """The sandbox with three demo divisions on 127.0.0.1, and consent given for them."""
    state = SandboxState()
    for division in DIVISIONS:
        seed_demo(state, today, division)
    with SandboxServer(state) as server:
        consent(tmp_path, state)
        monkeypatch.setenv("FOLLOWUP_CONFIG", str(tmp_path / "followup.toml"))
        monkeypatch.setenv("FOLLOWUP_EXACT_CLIENT_SECRET", state.client_secret)
        monkeypatch.delenv("FOLLOWUP_TEMPLATES", raising=False)
        yield Site(tmp_path, state, server.base_url, today)


@pytest.fixture
def site(tmp_path: Path, today: date, monkeypatch: pytest.MonkeyPatch) -> Iterator[Site]:
    """One installation on the sandbox (see open_site)."""
    with open_site(tmp_path, today, monkeypatch) as opened:
        yield opened


@pytest.fixture
def tasks() -> Iterator[CloudTasksServer]:
    """The Cloud Tasks stand-in with the queue created (as Terraform would)."""
    state = TasksState(queues={QUEUE_PATH})
    with CloudTasksServer(state) as server:
        yield server
