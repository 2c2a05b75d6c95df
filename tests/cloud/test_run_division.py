"""run_division: one division against the Exact sandbox with the embedded adapters."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from cloud.conftest import DIVISIONS, Site, answer


def task(site: Site, **changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "date": site.today.isoformat(),
        "division": DIVISIONS[1],
        "dry_run": False,
        "mode": None,
        "run_id": "abc123def456-d222222",
    }
    return {**body, **changes}


def test_run_division_runs_exactly_the_one_division(site: Site) -> None:
    site.configure(DIVISIONS)
    response = site.client("run_division").post("/", json=task(site))
    body = answer(response)
    assert response.status_code == 200, body
    assert body["run_id"] == "abc123def456-d222222"
    assert [d["division"] for d in body["divisions"]] == [DIVISIONS[1]]
    entries = body["divisions"][0]["entries"]
    assert {e["division"] for e in entries} == {DIVISIONS[1]}
    drafted = [e for e in entries if e["outcome"] == "drafted"]
    assert len(site.drafts()) == len(drafted) >= 8
    assert {division for division, _, _ in site.sandbox.calls} <= {None, DIVISIONS[1]}


def test_a_forced_draft_mode_and_a_dry_run_are_obeyed(site: Site) -> None:
    site.configure(DIVISIONS, extra='[mail.mode]\nconfirmation = "send"')
    dry = answer(site.client("run_division").post("/", json=task(site, dry_run=True)))
    assert dry["dry_run"] is True
    assert dry["counts"]["confirmation"]["planned"] >= 5
    assert site.drafts() == []
    forced = answer(site.client("run_division").post("/", json=task(site, mode="draft")))
    assert forced["counts"]["confirmation"]["sent"] == 0
    assert forced["counts"]["confirmation"]["drafted"] >= 5


@pytest.mark.parametrize(
    ("body", "problems"),
    [
        ({}, ["date: missing", "division: missing", "run_id: missing"]),
        ({"division": 0}, ["division: input should be greater than 0 (got 0)"]),
        ({"division": 444444}, ["divisions: 444444 not in the settings"]),
        ({"run_id": "../x"}, ["run_id: string should match pattern"]),
        ({"extra": 1}, ["extra: unknown field"]),
    ],
)
def test_a_bad_task_body_is_a_400(site: Site, body: dict[str, Any], problems: list[str]) -> None:
    site.configure(DIVISIONS)
    sent = body if body == {} else task(site, **body)
    response = site.client("run_division").post("/", json=sent)
    got = answer(response)["problems"]
    assert response.status_code == 400
    assert len(got) == len(problems)
    assert all(g.startswith(p) for g, p in zip(got, problems, strict=True)), got
    assert site.drafts() == []


def test_a_task_for_a_future_or_too_old_date_is_refused(site: Site) -> None:
    site.configure(DIVISIONS)
    client = site.client("run_division")
    future = client.post("/", json=task(site, date=(site.today + timedelta(days=1)).isoformat()))
    old = client.post("/", json=task(site, date=(site.today - timedelta(days=30)).isoformat()))
    assert (future.status_code, old.status_code) == (400, 400)
    assert site.sandbox.calls == []
