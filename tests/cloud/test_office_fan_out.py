"""An office of 300 administrations in the cloud: the scheduled call creates 300 named Cloud
Tasks tasks (the real google-cloud-tasks client over REST, against the local stand-in), one per
division with a profile, and a repeated fan-out creates none of them twice."""

from __future__ import annotations

import re
from collections import Counter
from contextlib import ExitStack
from datetime import datetime, time

from cloud.cloud_tasks_server import CloudTasksServer
from cloud.conftest import DIVISIONS, QUEUE_PATH, Site, answer, scheduled, tasks_section
from cloud.office import Client, profile
from followup import bootstrap
from followup.clock import AMSTERDAM
from followup.cloud.fan_out import fan_out, task_name
from followup.cloud.run_request import scheduler_call
from followup.settings import load

CLIENTS = [Client(500000 + n, f"Klant {n} B.V.", f"administratie@klant{n}.nl") for n in range(300)]


def test_an_office_of_300_divisions_fans_out_300_named_tasks_once(
    site: Site, tasks: CloudTasksServer
) -> None:
    for client in CLIENTS:
        site.sandbox.add_division(client.division, client.name)
    config = site.configure(
        (), tasks=tasks_section(tasks.endpoint), extra="".join(profile(c) for c in CLIENTS)
    )
    headers = scheduled(datetime.combine(site.today, time(9), AMSTERDAM))

    response = site.client("daily_run").post("/", headers=headers)
    body = answer(response)
    assert response.status_code == 202, body
    assert (body["created"], body["existing"]) == (300, 0)
    assert [d["division"] for d in body["without_profile"]] == list(DIVISIONS)
    names = {name.rsplit("/", 1)[1]: task for name, task in tasks.state.tasks.items()}
    assert len(names) == 300
    payloads = tasks.state.payloads()
    assert sorted(p["division"] for p in payloads) == [c.division for c in CLIENTS]
    for name, payload in zip(names, payloads, strict=True):  # both in creation order
        assert name == task_name(site.today, payload["division"], dry_run=False, mode=None)
        assert re.fullmatch(rf"[0-9a-f]{{8}}-\d{{8}}-d{payload['division']}", name)
        assert payload["run_id"].endswith(f"-d{payload['division']}")
    assert all(name.startswith(f"{QUEUE_PATH}/tasks/") for name in tasks.state.tasks)

    repeated = site.client("daily_run").post("/", headers=headers)
    assert answer(repeated)["duplicate"] is True  # the trigger book: not even asked again

    call = scheduler_call({k.lower(): v for k, v in headers.items()})
    assert call is not None
    chosen = load(config).cloud.tasks
    assert chosen is not None
    with ExitStack() as resources:  # the fan-out again, as a retried attempt would run it
        queue = bootstrap.division_queue(chosen, resources)
        again = fan_out(
            queue,
            [c.division for c in CLIENTS],
            site.today,
            dry_run=False,
            mode=None,
            run_id=call.run_id,
            manual=False,
        )
    assert (again["created"], again["existing"]) == (0, 300)
    assert [t["task"] for t in again["fanned_out"]] == list(names)  # stable names
    assert len(tasks.state.tasks) == 300
    assert set(Counter(tasks.state.creates).values()) == {2}  # asked twice, created once
