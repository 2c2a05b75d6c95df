"""An office's overview after a Cloud Tasks fan-out: the scheduled call adds one named task,
some minutes later, for the office's `[digest]`; run after the division tasks it sends one
overview of every administration from the reports they recorded; one that comes before a
division reported waits (503, retried) and, after a few retries, goes naming that division;
a second overview task sends nothing new."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from typing import Any

import pytest

from cloud.cloud_tasks_server import CloudTasksServer
from cloud.conftest import DIVISIONS, Site, answer, deliver, scheduled, tasks_section
from cloud.office import BAKKER, FIETSEN, OFFICE_DIGEST, Client, mails, profile, text
from followup.clock import AMSTERDAM
from followup.cloud.fan_out import overview_name
from followup.cloud.overview_run import PATIENCE
from followup.errors import ConfigError
from followup.settings import load

OFFICE = (BAKKER, FIETSEN)
NOT_PROFILED = DIVISIONS[2]
DIGEST = f'[digest]\nenabled = true\nto = "{OFFICE_DIGEST}"\n'


def office(site: Site, tasks: CloudTasksServer, after: str = "") -> Path:
    """The office's settings: two profiles, its own [digest], the fan-out over the stand-in."""
    return site.configure(
        (),
        tasks=tasks_section(tasks.endpoint) + after,
        extra=DIGEST + profile(BAKKER) + profile(FIETSEN),
    )


def fan_out(site: Site, minute: int = 0) -> dict[str, Any]:
    """Cloud Scheduler's call at 09:00 (plus `minute`): the answer's body."""
    moment = datetime.combine(site.today, time(9, minute), AMSTERDAM)
    response = site.client("daily_run").post("/", headers=scheduled(moment))
    body = answer(response)
    assert response.status_code == 202, body
    return body


def task_of(tasks: CloudTasksServer, name: str) -> dict[str, Any]:
    """The task a fan-out created, by its id."""
    (task,) = [t for full, t in tasks.state.tasks.items() if full.endswith(f"/tasks/{name}")]
    return task


def run_divisions(
    site: Site, tasks: CloudTasksServer, fanned: dict[str, Any], *only: Client
) -> int:
    """Deliver the division tasks (only those of `only`, if named): how many mails they drafted."""
    drafted = 0
    for created in fanned["fanned_out"]:
        if only and created["division"] not in {c.division for c in only}:
            continue
        response = deliver(site, task_of(tasks, created["task"]))
        body = answer(response)
        assert response.status_code == 200, body
        drafted += sum(body["counts"][kind]["drafted"] for kind in ("confirmation", "reminder"))
    return drafted


def overview_mails(site: Site) -> list[Any]:
    """What the office's own mailbox sent: its overview."""
    return mails(site.root / "outbox", "sent")


def test_an_office_fan_out_creates_its_overview_task_once_some_minutes_later(
    site: Site, tasks: CloudTasksServer
) -> None:
    office(site, tasks, after="overview_after_minutes = 45\n")
    before = datetime.now(UTC)
    body = fan_out(site)
    after = datetime.now(UTC)

    name = overview_name(site.today, mode=None)
    assert body["overview"]["task"] == name
    assert body["overview"]["created"] is True
    assert len(tasks.state.tasks) == 3  # the two divisions', then the overview's
    overview = task_of(tasks, name)
    at = datetime.fromisoformat(tasks.state.schedule_times()[overview["name"]])
    assert before + timedelta(minutes=45) - timedelta(seconds=1) <= at
    assert at <= after + timedelta(minutes=45)
    assert [n for n in tasks.state.schedule_times()] == [overview["name"]]  # divisions: now
    assert tasks.state.payloads()[-1] == {
        "overview": True,
        "date": site.today.isoformat(),
        "run_id": body["run_id"],
        "divisions": [BAKKER.division, FIETSEN.division],
        "without_profile": [NOT_PROFILED],
    }

    again = fan_out(site, minute=1)  # another call the same day: every task there already
    assert (again["created"], again["overview"]["created"]) == (0, False)
    assert len(tasks.state.tasks) == 3
    assert tasks.state.creates.count(overview["name"]) == 2  # asked twice, created once
    assert overview_mails(site) == []  # nothing sent until the task runs


@pytest.mark.parametrize("minutes", [0, 721])
def test_the_overview_waits_between_one_minute_and_twelve_hours(
    site: Site, tasks: CloudTasksServer, minutes: int
) -> None:
    config = office(site, tasks, after=f"overview_after_minutes = {minutes}\n")
    with pytest.raises(ConfigError) as refused:
        load(config)
    assert "cloud.tasks.overview_after_minutes" in "\n".join(refused.value.problems)


def test_no_overview_task_without_an_office_digest_or_in_a_dry_run(
    site: Site, tasks: CloudTasksServer
) -> None:
    site.configure(
        (), tasks=tasks_section(tasks.endpoint), extra=profile(BAKKER) + profile(FIETSEN)
    )
    assert "overview" not in fan_out(site)
    office(site, tasks)
    response = site.client("daily_run").post("/", json={"dry_run": True})
    body = answer(response)
    assert response.status_code == 202, body
    assert "overview" not in body  # its division tasks record nothing to make one of
    assert all("overview" not in p for p in tasks.state.payloads())


def test_the_division_tasks_then_the_overview_send_one_overview_naming_every_division(
    site: Site, tasks: CloudTasksServer
) -> None:
    office(site, tasks)
    fanned = fan_out(site)
    drafted = run_divisions(site, tasks, fanned)
    assert drafted >= 2 * 8
    assert overview_mails(site) == []  # the division tasks never send the office's overview

    response = deliver(site, task_of(tasks, fanned["overview"]["task"]))
    body = answer(response)

    assert response.status_code == 200, body
    assert body["digest"]["outcome"] == "sent"
    assert body["without_report"] == []
    assert [d["division"] for d in body["divisions"]] == [
        NOT_PROFILED,
        *(c.division for c in OFFICE),
    ]
    assert [d["company"] for d in body["divisions"]] == ["", BAKKER.name, FIETSEN.name]
    assert sum(body["counts"][k]["drafted"] for k in ("confirmation", "reminder")) == drafted
    (overview,) = overview_mails(site)
    assert str(overview["To"]) == OFFICE_DIGEST
    said = " ".join(text(overview).split())
    for client in OFFICE:
        assert f"{client.division} ({client.name})" in said
    assert f"administratie {NOT_PROFILED} heeft geen profiel" in said
    assert f"Als concept klaargezet: {drafted}." in said  # every division's mails, counted
    assert "nog geen verslag" not in said
    assert site.drafts() == []  # the office's own mailbox mailed nobody's customers


def test_an_overview_before_a_division_reported_waits_then_goes_naming_it(
    site: Site, tasks: CloudTasksServer
) -> None:
    office(site, tasks)
    fanned = fan_out(site)
    run_divisions(site, tasks, fanned, BAKKER)  # Fietsen's task has not run yet
    overview = task_of(tasks, fanned["overview"]["task"])

    for retry in range(PATIENCE):
        waiting = deliver(site, overview, retry=retry)
        body = answer(waiting)
        assert waiting.status_code == 503, body  # retryable: Cloud Tasks asks again later
        assert body["without_report"] == [FIETSEN.division]
        assert overview_mails(site) == []

    response = deliver(site, overview, retry=PATIENCE)
    body = answer(response)
    assert response.status_code == 200, body
    assert body["without_report"] == [FIETSEN.division]
    fietsen = body["divisions"][-1]
    assert (fietsen["division"], fietsen["company"]) == (FIETSEN.division, FIETSEN.name)
    assert fietsen["note_codes"] == []
    assert fietsen["error"].startswith("no report of its run yet")
    (sent,) = overview_mails(site)
    said = " ".join(text(sent).split())
    assert f"administratie {FIETSEN.division} ({FIETSEN.name}) is niet afgerond" in said
    assert "er is nog geen verslag van de run" in said
    assert f"{BAKKER.division} ({BAKKER.name})" in said


def test_a_second_overview_task_sends_nothing_new(site: Site, tasks: CloudTasksServer) -> None:
    office(site, tasks)
    fanned = fan_out(site)
    run_divisions(site, tasks, fanned)
    overview = task_of(tasks, fanned["overview"]["task"])
    assert deliver(site, overview).status_code == 200
    (sent,) = overview_mails(site)

    again = deliver(site, overview, retry=1)  # Cloud Tasks delivers a task at least once
    body = answer(again)

    assert again.status_code == 200, body
    assert body["digest"]["outcome"] == "already_done"
    assert body["digest"]["reason_code"] == "digest_went_out"
    assert [m.as_bytes() for m in overview_mails(site)] == [sent.as_bytes()]
