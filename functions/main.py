"""Cloud Functions entry points. Thin: parse the request, call the service, answer."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import functions_framework

from followup import bootstrap, report, service, settings
from followup.clock import SystemClock, business_date
from followup.errors import ConfigError, FollowupError


@functions_framework.http
def daily_run(request: Any) -> tuple[str, int, dict[str, str]]:
    """Run the daily job for the settings in FOLLOWUP_CONFIG; answer with the run report."""
    headers = {"Content-Type": "application/json"}
    try:
        config = settings.load(Path(os.environ.get("FOLLOWUP_CONFIG", "followup.toml")))
        clock = SystemClock()
        with bootstrap.build(config, clock) as app:
            result = service.run(app.deps, business_date(clock.now()))
    except ConfigError as exc:
        return json.dumps({"error": "invalid settings", "problems": exc.problems}), 500, headers
    except FollowupError as exc:
        return json.dumps({"error": str(exc)}), 503 if exc.retryable else 500, headers
    return json.dumps(report.report_to_dict(result)), 200 if result.ok else 500, headers
