"""checkov on infra/: no failed check, and every skip says why (inline, next to the resource).

checkov runs from its own virtualenv (`make install-dev` builds .venv/checkov from
tests/infra/checkov-requirements.txt): its dependencies clash with the project's pins.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

import pytest

from infra.terraform import INFRA

ARGS = ("--skip-download", "--output", "json")  # nothing fetched from the checkov platform
CHECKOV = Path(os.environ.get("CHECKOV", INFRA.parent / ".venv" / "checkov" / "bin" / "checkov"))


@pytest.fixture(scope="module")
def report() -> dict[str, Any]:
    if not CHECKOV.exists():
        pytest.fail(f"checkov is not installed at {CHECKOV}: run `make install-dev`")
    result = subprocess.run(  # noqa: S603 - our pinned checkov on our own directory
        [str(CHECKOV), "--directory", str(INFRA), "--framework", "terraform", *ARGS],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.stdout, result.stderr
    data = json.loads(result.stdout)
    assert isinstance(data, dict), "checkov found nothing to scan"
    return data


def test_checkov_finds_no_failed_check(report: dict[str, Any]) -> None:
    failed = [
        f"{c['check_id']} {c['resource']}: {c['check_name']}"
        for c in report["results"]["failed_checks"]
    ]
    assert failed == []
    assert report["summary"]["parsing_errors"] == 0
    assert report["summary"]["passed"] >= 10
    assert report["summary"]["resource_count"] >= 30


def test_every_skip_is_justified_inline(report: dict[str, Any]) -> None:
    for check in report["results"]["skipped_checks"]:
        reason = check["check_result"].get("suppress_comment", "")
        assert len(reason) > 40, f"{check['check_id']} on {check['resource']}: say why"
