"""daily_run through the functions-framework test client: scheduler calls, manual bodies, dates."""

from __future__ import annotations

import email
import email.policy
import json
import sqlite3
from datetime import datetime, time, timedelta

import pytest

from cloud.conftest import DIVISIONS, Site, answer, scheduled
from followup.adapters.file_tokens import FileTokenStore
from followup.adapters.sqlite import open_stores
from followup.clock import AMSTERDAM
from followup.model import TokenSet


def nine(site: Site, days_back: int = 0) -> datetime:
    return datetime.combine(site.today - timedelta(days=days_back), time(9), AMSTERDAM)


def test_a_scheduled_call_runs_the_one_division_inline_and_answers_the_report(site: Site) -> None:
    site.configure(DIVISIONS[:1])
    response = site.client("daily_run").post("/", headers=scheduled(nine(site)))
    body = answer(response)
    assert response.status_code == 200, body
    assert body["ok"] is True
    assert body["run_date"] == site.today.isoformat()
    assert [d["division"] for d in body["divisions"]] == [DIVISIONS[0]]
    assert body["counts"]["confirmation"]["drafted"] >= 5
    assert (
        len(site.drafts())
        == body["counts"]["confirmation"]["drafted"] + body["counts"]["reminder"]["drafted"]
    )


def test_a_repeated_scheduler_call_is_processed_once(site: Site) -> None:
    site.configure(DIVISIONS[:1])
    client = site.client("daily_run")
    headers = scheduled(nine(site))
    first = client.post("/", headers=headers)
    assert first.status_code == 200
    drafts = site.drafts()
    calls = len(site.sandbox.calls)

    again = client.post("/", headers=headers)
    body = answer(again)
    assert again.status_code == 200
    assert body["duplicate"] is True
    assert body["state"] == "done"
    assert site.drafts() == drafts
    assert len(site.sandbox.calls) == calls  # not even Exact was asked again

    with sqlite3.connect(site.root / "state" / "ledger.sqlite3") as db:
        rows = db.execute("SELECT state, attempt FROM triggers").fetchall()
    assert rows == [("done", 1)]


def test_a_later_schedule_time_is_a_new_call(site: Site) -> None:
    site.configure(DIVISIONS[:1])
    client = site.client("daily_run")
    assert client.post("/", headers=scheduled(nine(site, 1))).status_code == 200
    second = client.post("/", headers=scheduled(nine(site)))
    body = answer(second)
    assert second.status_code == 200
    assert "duplicate" not in body
    assert body["run_date"] == site.today.isoformat()


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        (b"{not json", "body: not valid JSON"),
        (b"[1, 2]", "body: must be a JSON object"),
        (b'{"dryrun": true}', "dryrun: unknown field"),
        (b'{"dry_run": "yes"}', "dry_run: input should be a valid boolean"),
        (b'{"date": "23-11-2026"}', "date: not a date in the form YYYY-MM-DD"),
        (b'{"date": "2026-11-23T09:00:00"}', "date: not a date in the form YYYY-MM-DD"),
        (b'{"date": 20261123}', "date: not a date in the form YYYY-MM-DD"),
        (b'{"divisions": []}', "divisions: must list at least one division"),
        (b'{"divisions": ["111111"]}', "divisions.0: input should be a valid integer"),
        (b'{"divisions": [-1]}', "divisions: division numbers are positive integers"),
        (b'{"divisions": [444444]}', "divisions: 444444 not in the settings"),
        (b'{"mode": "shout"}', "mode: input should be 'draft' or 'send'"),
    ],
)
def test_a_bad_body_gets_a_400_that_names_the_field(site: Site, body: bytes, problem: str) -> None:
    site.configure(DIVISIONS[:1])
    response = site.client("daily_run").post(
        "/", data=body, headers={"Content-Type": "application/json"}
    )
    payload = answer(response)
    assert response.status_code == 400
    assert payload["error"] == "bad request"
    assert any(p.startswith(problem) for p in payload["problems"]), payload["problems"]
    assert site.drafts() == []
    assert site.sandbox.calls == []


def test_future_dates_and_dates_beyond_the_backdate_limit_are_refused(site: Site) -> None:
    site.configure(DIVISIONS[:1])
    client = site.client("daily_run")
    tomorrow = (site.today + timedelta(days=1)).isoformat()
    too_old = (site.today - timedelta(days=8)).isoformat()
    future = answer(client.post("/", json={"date": tomorrow}))
    assert future["problems"] == [f"date: {tomorrow} is in the future (today is {site.today})"]
    old = client.post("/", json={"date": too_old})
    assert old.status_code == 400
    assert "more than 7 days back" in answer(old)["problems"][0]
    assert "[cloud] max_backdate_days" in answer(old)["problems"][0]
    assert site.sandbox.calls == []


def test_a_manual_dry_run_for_an_earlier_date_plans_and_writes_nothing(site: Site) -> None:
    site.configure(DIVISIONS[:1])
    day = (site.today - timedelta(days=7)).isoformat()
    response = site.client("daily_run").post("/", json={"date": day, "dry_run": True})
    body = answer(response)
    assert response.status_code == 200, body
    assert body["dry_run"] is True
    assert body["run_date"] == day
    assert body["counts"]["reminder"]["planned"] >= 1
    assert site.drafts() == []


@pytest.mark.parametrize(
    ("headers", "problem"),
    [
        ({"X-CloudScheduler-JobName": "followup-daily"}, "X-CloudScheduler-ScheduleTime: missing"),
        ({"X-CloudScheduler-ScheduleTime": "2026-11-23T08:00:00Z"}, "X-CloudScheduler-JobName"),
        (
            {"X-CloudScheduler-JobName": "j", "X-CloudScheduler-ScheduleTime": "yesterday"},
            "X-CloudScheduler-ScheduleTime: not an RFC 3339 time",
        ),
        (
            {"X-CloudScheduler-JobName": "j", "X-CloudScheduler-ScheduleTime": "2026-11-23T08:00"},
            "X-CloudScheduler-ScheduleTime: not an RFC 3339 time with a zone",
        ),
    ],
)
def test_incomplete_or_malformed_scheduler_headers_get_a_400(
    site: Site, headers: dict[str, str], problem: str
) -> None:
    site.configure(DIVISIONS[:1])
    response = site.client("daily_run").post("/", headers=headers)
    assert response.status_code == 400
    assert answer(response)["problems"][0].startswith(problem)


def test_a_scheduled_call_may_not_choose_its_date(site: Site) -> None:
    site.configure(DIVISIONS[:1])
    response = site.client("daily_run").post(
        "/", headers=scheduled(nine(site)), json={"date": site.today.isoformat()}
    )
    assert response.status_code == 400
    assert answer(response)["problems"] == [
        "date: not allowed in a scheduled call (the schedule time sets it)"
    ]


def test_a_scheduled_call_from_too_long_ago_is_refused(site: Site) -> None:
    site.configure(DIVISIONS[:1])
    response = site.client("daily_run").post("/", headers=scheduled(nine(site, 9)))
    assert response.status_code == 400
    assert "more than 7 days back" in answer(response)["problems"][0]


def test_only_post_is_served(site: Site) -> None:
    site.configure(DIVISIONS[:1])
    response = site.client("daily_run").get("/")
    assert response.status_code == 405


def test_invalid_settings_are_a_422_naming_the_key_not_a_retry(site: Site) -> None:
    site.configure(DIVISIONS[:1], extra="colour = 'blue'")
    response = site.client("daily_run").post("/", json={})
    body = answer(response)
    assert response.status_code == 422
    assert body["error"] == "invalid settings"
    assert body["problems"] == ["cloud.colour: unknown key"]


def test_a_busy_division_is_a_503_and_the_scheduler_retry_runs_it(site: Site) -> None:
    site.configure(DIVISIONS[:1])
    client = site.client("daily_run")
    headers = scheduled(nine(site))
    other_run = open_stores(site.root / "state" / "ledger.sqlite3")
    with other_run.runs.division_lock(DIVISIONS[0]):
        failed = client.post("/", headers=headers)
    other_run.close()
    body = answer(failed)
    assert failed.status_code == 503, body
    assert failed.headers["Retry-After"]
    assert body["divisions"][0]["retryable"] is True
    assert "being run by another process" in body["divisions"][0]["error"]

    retried = client.post("/", headers=headers)
    assert retried.status_code == 200, answer(retried)
    assert answer(retried)["counts"]["confirmation"]["drafted"] >= 5
    with sqlite3.connect(site.root / "state" / "ledger.sqlite3") as db:
        assert db.execute("SELECT state, attempt FROM triggers").fetchall() == [("done", 2)]


def test_refused_exact_credentials_are_a_422_not_a_retry(site: Site) -> None:
    site.configure(DIVISIONS[:1])
    long_ago = datetime.now(AMSTERDAM) - timedelta(hours=2)
    FileTokenStore(site.root / "state" / "exact-tokens.json").save(
        TokenSet("stale", long_ago, "a-refresh-token-exact-never-issued", long_ago)
    )
    response = site.client("daily_run").post("/", headers=scheduled(nine(site)))
    body = answer(response)
    assert response.status_code == 422, body
    assert body["ok"] is False
    assert body["divisions"][0]["retryable"] is False
    assert body["divisions"][0]["error"]
    assert site.drafts() == []


def test_every_log_line_is_json_with_severity_and_no_secret(
    site: Site, capsys: pytest.CaptureFixture[str]
) -> None:
    site.configure(DIVISIONS[:1])
    response = site.client("daily_run").post("/", headers=scheduled(nine(site)))
    assert response.status_code == 200
    out = capsys.readouterr().out
    lines = [json.loads(line) for line in out.splitlines() if line.strip()]
    assert lines, "no log lines on stdout"
    assert all({"severity", "message"} <= line.keys() for line in lines)
    events = [line.get("event") for line in lines]
    assert "scheduled_run" in events
    assert "run_finished" in events
    decisions = [line for line in lines if line.get("outcome") == "drafted"]
    assert decisions
    assert all(line["run_id"] and line["division"] == DIVISIONS[0] for line in decisions)
    assert site.sandbox.client_secret not in out
    for draft in site.drafts():  # no mail text: not even its longest line
        message = email.message_from_bytes(draft.read_bytes(), policy=email.policy.default)
        text = message.get_body(("plain",))
        assert text is not None
        longest = max(str(text.get_content()).splitlines(), key=len)
        assert longest.strip() not in out
