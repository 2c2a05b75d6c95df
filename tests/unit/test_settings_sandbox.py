"""`[exact] sandbox`: settings that name a demo's state folder instead of Exact Online."""

from __future__ import annotations

from contextlib import ExitStack
from datetime import date
from pathlib import Path

import pytest

from followup import bootstrap, settings
from followup.clock import SystemClock
from followup.errors import ConfigError

BASE = """
[company]
name = "Demo B.V."
from_address = "admin@demo.example.nl"

[exact]
client_id = "followup-sandbox"
sandbox = ".demo"
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "followup.toml"
    path.write_text(text)
    return path


def test_a_relative_sandbox_folder_is_taken_from_the_settings_file(tmp_path: Path) -> None:
    loaded = settings.load(write(tmp_path, BASE))
    assert loaded.exact.sandbox == tmp_path / ".demo"


def test_the_sandbox_needs_the_token_file(tmp_path: Path) -> None:
    text = BASE + '[tokens]\nbackend = "secret_manager"\nproject = "p"\n'
    with pytest.raises(ConfigError) as caught:
        settings.load(write(tmp_path, text))
    assert any(p.startswith("exact.sandbox: needs the token file") for p in caught.value.problems)


def test_the_sandbox_brings_its_own_client_secret_whatever_the_environment_says(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(settings.SECRET_ENV, "the real app's secret")
    loaded = settings.load(write(tmp_path, BASE))
    assert bootstrap.exact_secret(loaded) == "sandbox-secret"


def test_a_folder_without_a_demo_is_refused_with_what_makes_one(tmp_path: Path) -> None:
    loaded = settings.load(write(tmp_path, BASE))
    with ExitStack() as resources, pytest.raises(ConfigError) as caught:
        bootstrap.embedded_exact(loaded, SystemClock(), resources)
    assert caught.value.problems == [
        f"exact.sandbox: {tmp_path / '.demo'} holds no demo "
        "(`followup demo --dir DIR` makes DIR/.demo)"
    ]


def test_a_run_before_the_demo_began_is_refused(tmp_path: Path) -> None:
    (tmp_path / ".demo").mkdir()
    (tmp_path / ".demo" / "demo-start").write_text("2026-03-02")
    loaded = settings.load(write(tmp_path, BASE))
    with ExitStack() as resources, pytest.raises(ConfigError, match="begins on 2026-03-02"):
        bootstrap.embedded_exact(loaded, SystemClock(), resources, date(2026, 3, 1))


def test_settings_without_a_sandbox_are_left_as_they_are(tmp_path: Path) -> None:
    loaded = settings.load(write(tmp_path, BASE.replace('sandbox = ".demo"\n', "")))
    with ExitStack() as resources:
        assert bootstrap.embedded_exact(loaded, SystemClock(), resources) is loaded
