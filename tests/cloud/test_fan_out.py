"""The fan-out: named Cloud Tasks tasks created by the real google-cloud-tasks client (REST)
against a local stand-in, then delivered to run_division as Cloud Tasks would."""

from __future__ import annotations

import json
import re
from datetime import datetime, time, timedelta

import pytest

from cloud.cloud_tasks_server import CloudTasksServer
from cloud.conftest import (
    DIVISION_URL,
    DIVISIONS,
    QUEUE_PATH,
    RUNNER,
    Site,
    answer,
    deliver,
    scheduled,
    tasks_section,
)
from followup.clock import AMSTERDAM
from followup.cloud.fan_out import task_name


def nine(site: Site) -> datetime:
    return datetime.combine(site.today, time(9), AMSTERDAM)


def test_a_scheduled_call_creates_one_named_task_per_division(
    site: Site, tasks: CloudTasksServer
) -> None:
    site.configure(DIVISIONS, tasks=tasks_section(tasks.endpoint))
    response = site.client("daily_run").post("/", headers=scheduled(nine(site)))
    body = answer(response)
    assert response.status_code == 202, body
    assert body["created"] == 3
    assert body["existing"] == 0
    created = tasks.state.tasks
    assert sorted(p["division"] for p in tasks.state.payloads()) == list(DIVISIONS)
    day = site.today.strftime("%Y%m%d")
    for name, task in created.items():
        assert re.fullmatch(rf"{QUEUE_PATH}/tasks/[0-9a-f]{{8}}-{day}-d\d+", name)
        request = task["httpRequest"]
        assert request["url"] == DIVISION_URL
        assert request["httpMethod"] in ("POST", 1)
        assert request["oidcToken"] == {"serviceAccountEmail": RUNNER, "audience": DIVISION_URL}
        assert task["dispatchDeadline"] == "1800s"
    for payload in tasks.state.payloads():
        assert payload["date"] == site.today.isoformat()
        assert payload["dry_run"] is False
        assert payload["run_id"].endswith(f"-d{payload['division']}")
    assert site.drafts() == []  # nothing ran here
    assert site.sandbox.calls == []  # the settings list the divisions: Exact not asked


def test_a_repeated_scheduler_call_creates_no_second_task(
    site: Site, tasks: CloudTasksServer
) -> None:
    site.configure(DIVISIONS, tasks=tasks_section(tasks.endpoint))
    client = site.client("daily_run")
    assert client.post("/", headers=scheduled(nine(site))).status_code == 202
    again = client.post("/", headers=scheduled(nine(site)))
    assert again.status_code == 200
    assert answer(again)["duplicate"] is True
    assert len(tasks.state.creates) == 3
    assert len(tasks.state.tasks) == 3


def test_after_a_cloud_tasks_outage_the_retry_creates_only_the_missing_tasks(
    site: Site, tasks: CloudTasksServer
) -> None:
    site.configure(DIVISIONS, tasks=tasks_section(tasks.endpoint, timeout=0.5))
    client = site.client("daily_run")
    tasks.state.down_after = 1
    failed = client.post("/", headers=scheduled(nine(site)))
    body = answer(failed)
    assert failed.status_code == 503, body
    assert body["retryable"] is True
    assert "Cloud Tasks" in body["error"]
    assert len(tasks.state.tasks) == 1

    tasks.state.down_after = None
    retried = client.post("/", headers=scheduled(nine(site)))
    body = answer(retried)
    assert retried.status_code == 202, body
    assert (body["created"], body["existing"]) == (2, 1)
    assert len(tasks.state.tasks) == 3
    first = next(iter(tasks.state.tasks))
    assert tasks.state.creates.count(first) == 2  # asked again, refused as ALREADY_EXISTS


def test_a_task_delivered_twice_delivers_each_mail_once(
    site: Site, tasks: CloudTasksServer
) -> None:
    site.configure(DIVISIONS, tasks=tasks_section(tasks.endpoint))
    assert site.client("daily_run").post("/", headers=scheduled(nine(site))).status_code == 202
    drafted = 0
    for task in tasks.state.tasks.values():
        response = deliver(site, task)
        body = answer(response)
        assert response.status_code == 200, body
        assert len(body["divisions"]) == 1
        drafted += body["counts"]["confirmation"]["drafted"] + body["counts"]["reminder"]["drafted"]
    assert drafted >= 3 * 8
    drafts = site.drafts()
    assert len(drafts) == drafted

    duplicate = deliver(site, next(iter(tasks.state.tasks.values())), retry=1)
    body = answer(duplicate)
    assert duplicate.status_code == 200, body
    assert body["counts"]["confirmation"]["drafted"] == 0
    assert body["counts"]["reminder"]["drafted"] == 0
    assert site.drafts() == drafts


def test_a_manual_or_dry_fan_out_never_blocks_the_scheduled_one(
    site: Site, tasks: CloudTasksServer
) -> None:
    site.configure(DIVISIONS, tasks=tasks_section(tasks.endpoint))
    client = site.client("daily_run")
    dry = client.post("/", json={"dry_run": True, "divisions": [DIVISIONS[0], DIVISIONS[1]]})
    assert dry.status_code == 202
    assert all("-dry-" in t["task"] for t in answer(dry)["fanned_out"])
    scheduled_run = client.post("/", headers=scheduled(nine(site)))
    assert answer(scheduled_run)["created"] == 3
    manual = client.post("/", json={"mode": "draft"})
    names = [t["task"] for t in answer(manual)["fanned_out"]]
    assert answer(manual)["created"] == 3
    assert all("-draft-" in name for name in names)
    assert len(tasks.state.tasks) == 2 + 3 + 3


def test_with_no_divisions_in_the_settings_every_visible_division_fans_out(
    site: Site, tasks: CloudTasksServer
) -> None:
    site.configure((), tasks=tasks_section(tasks.endpoint))
    response = site.client("daily_run").post("/", headers=scheduled(nine(site)))
    assert response.status_code == 202, answer(response)
    assert sorted(p["division"] for p in tasks.state.payloads()) == list(DIVISIONS)


def test_a_missing_queue_is_a_422_and_creates_nothing(site: Site, tasks: CloudTasksServer) -> None:
    tasks.state.queues.clear()
    site.configure(DIVISIONS, tasks=tasks_section(tasks.endpoint))
    response = site.client("daily_run").post("/", headers=scheduled(nine(site)))
    body = answer(response)
    assert response.status_code == 422, body
    assert body["retryable"] is False
    assert "NotFound" in body["error"]
    assert tasks.state.tasks == {}


def test_task_names_are_stable_valid_and_distinct_per_variant() -> None:
    day = datetime(2026, 11, 23).date()
    name = task_name(day, 123456, dry_run=False, mode=None)
    assert name == task_name(day, 123456, dry_run=False, mode=None)
    assert re.fullmatch(r"[0-9a-f]{8}-20261123-d123456", name)
    variants = {
        name,
        task_name(day, 123457, dry_run=False, mode=None),
        task_name(day + timedelta(days=1), 123456, dry_run=False, mode=None),
        task_name(day, 123456, dry_run=True, mode=None),
        task_name(day, 123456, dry_run=False, mode="send"),
        task_name(day, 123456, dry_run=False, mode=None, manual_run="abc123"),
    }
    assert len(variants) == 6
    assert all(re.fullmatch(r"[A-Za-z0-9_-]{1,500}", v) for v in variants)


@pytest.mark.parametrize("status", [404, 503])
def test_the_stand_in_answers_in_googles_error_shape(tasks: CloudTasksServer, status: int) -> None:
    import urllib.error
    import urllib.request

    if status == 503:
        tasks.state.down_after = 0
    path = QUEUE_PATH if status == 503 else QUEUE_PATH.replace("followup", "other")
    request = urllib.request.Request(  # noqa: S310 - loopback
        f"{tasks.endpoint}/v2/{path}/tasks",
        data=json.dumps({"task": {"name": f"{path}/tasks/x"}}).encode(),
        method="POST",
    )
    with pytest.raises(urllib.error.HTTPError) as caught:
        urllib.request.urlopen(request, timeout=5)  # noqa: S310
    error = json.loads(caught.value.read())["error"]
    assert error["code"] == status
