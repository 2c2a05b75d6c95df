"""An accountancy office in the cloud: each administration (division) runs on its own profile's
company and mailbox, as a run_division task or inline; divisions without a profile are left out
and said so, a profile the Exact consent can't reach is refused before anything runs."""

from __future__ import annotations

import json
from datetime import datetime, time

import pytest

from cloud.cloud_tasks_server import CloudTasksServer
from cloud.conftest import DIVISIONS, Site, answer, scheduled, tasks_section
from cloud.office import BAKKER, FIETSEN, OFFICE_DIGEST, mails, profile, task, text
from followup.clock import AMSTERDAM

OFFICE = (BAKKER, FIETSEN)
NOT_PROFILED = DIVISIONS[2]
OWN_DIGEST = "eigenaar@bakkerijjansen.nl"


def profiles(*, bakker_extra: str = "", fietsen_extra: str = "") -> str:
    return profile(BAKKER, bakker_extra) + profile(FIETSEN, fietsen_extra)


def test_each_division_task_mails_as_its_own_company_from_its_own_mailbox(site: Site) -> None:
    site.configure((BAKKER.division, FIETSEN.division), extra=profiles())
    client = site.client("run_division")
    for office_client in OFFICE:
        response = client.post("/", json=task(site, office_client.division))
        body = answer(response)
        assert response.status_code == 200, body
        (division,) = body["divisions"]
        assert (division["division"], division["company"]) == (
            office_client.division,
            office_client.name,
        )
        drafted = [e for e in division["entries"] if e["outcome"] == "drafted"]
        assert len(mails(office_client.outbox(site))) == len(drafted) >= 8

    for office_client, other in (OFFICE, OFFICE[::-1]):
        for message in mails(office_client.outbox(site)):
            assert office_client.address in str(message["From"])
            assert office_client.name in text(message)
            assert other.name not in text(message)
            assert other.address not in message.as_string()
    assert site.drafts() == []  # the office's own mailbox mailed nobody's customers


def test_a_division_task_sends_its_own_profiles_digest_and_never_the_offices(site: Site) -> None:
    own_digest = f'[division.{BAKKER.division}.digest]\nenabled = true\nto = "{OWN_DIGEST}"\n'
    site.configure(
        (BAKKER.division, FIETSEN.division),
        extra=f'[digest]\nenabled = true\nto = "{OFFICE_DIGEST}"\n'
        + profiles(bakker_extra=own_digest),
    )
    client = site.client("run_division")
    for office_client in OFFICE:
        assert client.post("/", json=task(site, office_client.division)).status_code == 200

    (digest,) = mails(BAKKER.outbox(site), "sent")
    assert str(digest["To"]) == OWN_DIGEST
    assert BAKKER.address in str(digest["From"])
    assert mails(FIETSEN.outbox(site), "sent") == []  # its profile sets no digest of its own
    assert not (site.root / "outbox" / "sent").exists()  # the overview is not a task's job


def test_a_task_for_a_division_without_a_profile_is_a_422_naming_it_and_logged(
    site: Site, capsys: pytest.CaptureFixture[str]
) -> None:
    site.configure((), extra=profiles())  # every division the consent reaches
    response = site.client("run_division").post("/", json=task(site, NOT_PROFILED))
    body = answer(response)
    assert response.status_code == 422, body
    (division,) = body["divisions"]
    assert division["division"] == NOT_PROFILED
    assert division["retryable"] is False
    assert division["error"].startswith(f"division.{NOT_PROFILED}: no profile")
    assert site.sandbox.calls == []  # nothing asked from Exact
    assert site.drafts() == []
    assert all(not c.outbox(site).exists() for c in OFFICE)
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.strip()]
    failed = [line for line in lines if line.get("event") == "run_failed"]
    assert [line["division"] for line in failed] == [NOT_PROFILED]


def test_with_profiles_and_no_divisions_listed_only_visible_profiled_divisions_fan_out(
    site: Site, tasks: CloudTasksServer, capsys: pytest.CaptureFixture[str]
) -> None:
    site.configure((), tasks=tasks_section(tasks.endpoint), extra=profiles())
    nine = datetime.combine(site.today, time(9), AMSTERDAM)
    response = site.client("daily_run").post("/", headers=scheduled(nine))
    body = answer(response)
    assert response.status_code == 202, body
    assert sorted(p["division"] for p in tasks.state.payloads()) == [
        BAKKER.division,
        FIETSEN.division,
    ]
    (left_out,) = body["without_profile"]
    assert left_out["division"] == NOT_PROFILED
    assert "has no profile and was not run" in left_out["reason"]
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.strip()]
    assert [line["division"] for line in lines if line.get("event") == "division_left_out"] == [
        NOT_PROFILED
    ]


@pytest.mark.parametrize("listed", [(), (BAKKER.division, 444444)])
def test_a_profile_for_a_division_the_consent_cant_reach_is_refused_before_any_task(
    site: Site, tasks: CloudTasksServer, listed: tuple[int, ...]
) -> None:
    unseen = profile(BAKKER) + profile(FIETSEN).replace(str(FIETSEN.division), "444444")
    site.configure(listed, tasks=tasks_section(tasks.endpoint), extra=unseen)
    response = site.client("daily_run").post("/", json={})
    body = answer(response)
    assert response.status_code == 422, body
    assert body["error"] == "invalid settings"
    assert body["problems"][0].startswith(
        "division.444444: the Exact consent doesn't reach this administration"
    )
    assert tasks.state.creates == []
    assert all(not c.outbox(site).exists() for c in OFFICE)


def test_inline_each_division_runs_on_its_own_profile_then_the_office_overview(
    site: Site,
) -> None:
    site.configure((), extra=f'[digest]\nenabled = true\nto = "{OFFICE_DIGEST}"\n' + profiles())
    response = site.client("daily_run").post("/", json={})
    body = answer(response)
    assert response.status_code == 200, body
    assert [d["division"] for d in body["divisions"]] == [
        NOT_PROFILED,
        BAKKER.division,
        FIETSEN.division,
    ]
    assert body["divisions"][0]["note_codes"] == ["division_without_profile"]
    assert [d["division"] for d in body["without_profile"]] == [NOT_PROFILED]
    for office_client in OFFICE:
        drafts = mails(office_client.outbox(site))
        assert len(drafts) >= 8
        assert all(office_client.address in str(m["From"]) for m in drafts)
    assert site.drafts() == []
    (overview,) = mails(site.root / "outbox", "sent")  # the office's [digest], its own mailbox
    assert str(overview["To"]) == OFFICE_DIGEST
    assert body["digest"]["outcome"] == "sent"


def test_a_manual_runs_mail_mode_is_laid_on_every_profile(site: Site) -> None:
    sends = f'[division.{FIETSEN.division}.mail.mode]\nconfirmation = "send"\n'
    site.configure((), extra=profiles(fietsen_extra=sends))
    response = site.client("daily_run").post("/", json={"mode": "draft"})
    body = answer(response)
    assert response.status_code == 200, body
    assert body["counts"]["confirmation"]["sent"] == 0
    assert body["counts"]["confirmation"]["drafted"] >= 5
    assert mails(FIETSEN.outbox(site), "sent") == []


def test_a_manual_run_may_not_ask_for_a_division_without_a_profile(site: Site) -> None:
    site.configure((), extra=profiles())
    response = site.client("daily_run").post("/", json={"divisions": [NOT_PROFILED]})
    assert response.status_code == 400
    assert answer(response)["problems"][0].startswith(f"divisions: {NOT_PROFILED} not in")
