"""The JSON log lines Cloud Logging reads: severity, message, fields, context."""

from __future__ import annotations

import json
import logging

import pytest

from followup.cloud import json_logs


def test_a_decision_becomes_one_json_line_with_its_fields(
    capsys: pytest.CaptureFixture[str],
) -> None:
    json_logs.install()
    log = logging.getLogger("followup.test")
    with json_logs.context(run_id="r1"):
        log.warning("division %s: %s", 7, "busy", extra={"decision": {"division": 7}})
    log.info("outside")
    first, second = (json.loads(line) for line in capsys.readouterr().out.splitlines())
    assert first["severity"] == "WARNING"
    assert first["message"] == "division 7: busy"
    assert (first["run_id"], first["division"], first["logger"]) == ("r1", 7, "followup.test")
    assert second["severity"] == "INFO"
    assert "run_id" not in second


def test_an_exception_carries_its_stack_trace_and_libraries_log_warnings_only(
    capsys: pytest.CaptureFixture[str],
) -> None:
    json_logs.install()
    try:
        raise ValueError("boom")
    except ValueError:
        logging.getLogger("followup.test").exception("failed")
    logging.getLogger("urllib3").info("chatter")
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert len(lines) == 1
    assert lines[0]["severity"] == "ERROR"
    assert "ValueError: boom" in lines[0]["stack_trace"]


def test_installing_twice_writes_each_line_once(capsys: pytest.CaptureFixture[str]) -> None:
    json_logs.install()
    json_logs.install()
    logging.getLogger("followup.test").info("once")
    assert len(capsys.readouterr().out.splitlines()) == 1
