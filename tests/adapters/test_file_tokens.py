"""FileTokenStore: atomic 0600 JSON, an flock across processes, clear errors without secrets."""

from __future__ import annotations

import json
import stat
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from followup.adapters.file_tokens import FileTokenStore
from followup.clock import AMSTERDAM
from followup.errors import TokenStoreError
from followup.model import TokenSet

ISSUED = datetime(2026, 3, 2, 9, 0, tzinfo=AMSTERDAM)
TOKENS = TokenSet(
    access_token="access-SECRET-1",
    access_expires_at=ISSUED + timedelta(seconds=600),
    refresh_token="refresh-SECRET-1",
    refreshed_at=ISSUED,
)

TRY_LOCK = """
import fcntl, os, sys
fd = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT, 0o600)
try:
    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
except BlockingIOError:
    sys.exit(1)
sys.exit(0)
"""

HOLD_LOCK_AND_DIE = """
import os, sys
sys.path.insert(0, sys.argv[2])
from followup.adapters.file_tokens import FileTokenStore
with FileTokenStore(sys.argv[1]).lock():
    os._exit(3)
"""


def other_process_can_lock(store: FileTokenStore) -> bool:
    done = subprocess.run(  # noqa: S603
        [sys.executable, "-c", TRY_LOCK, str(store.lock_path)], check=False, timeout=30
    )
    return done.returncode == 0


def test_a_missing_file_loads_as_none(tmp_path: Path) -> None:
    assert FileTokenStore(tmp_path / "tokens.json").load() is None


def test_saved_tokens_load_back_equal(tmp_path: Path) -> None:
    store = FileTokenStore(tmp_path / "tokens.json")
    store.save(TOKENS)
    assert store.load() == TOKENS


def test_the_file_is_private_and_holds_iso_dates(tmp_path: Path) -> None:
    store = FileTokenStore(tmp_path / "state" / "tokens.json")
    store.save(TOKENS)
    assert stat.S_IMODE(store.path.stat().st_mode) == 0o600
    data = json.loads(store.path.read_text())
    assert data["refreshed_at"] == "2026-03-02T09:00:00+01:00"
    assert data["refresh_token"] == "refresh-SECRET-1"


def test_saving_replaces_the_file_and_leaves_no_temp_files(tmp_path: Path) -> None:
    store = FileTokenStore(tmp_path / "tokens.json")
    store.save(TOKENS)
    before = store.path.stat().st_ino
    newer = TokenSet("access-2", ISSUED + timedelta(minutes=20), "refresh-2", ISSUED)
    store.save(newer)
    assert store.load() == newer
    assert store.path.stat().st_ino != before  # a rename, not an in-place rewrite
    assert sorted(p.name for p in tmp_path.iterdir()) == ["tokens.json"]


def test_a_write_failure_is_a_token_store_error(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("")
    store = FileTokenStore(blocker / "tokens.json")
    with pytest.raises(TokenStoreError, match="can't be written"):
        store.save(TOKENS)


def test_malformed_json_names_the_file_but_never_its_contents(tmp_path: Path) -> None:
    path = tmp_path / "tokens.json"
    path.write_text('{"refresh_token": "refresh-SECRET-9", oops')
    with pytest.raises(TokenStoreError) as caught:
        FileTokenStore(path).load()
    assert str(path) in str(caught.value)
    assert "not valid JSON" in str(caught.value)
    assert "SECRET" not in str(caught.value)


def test_a_missing_field_is_named(tmp_path: Path) -> None:
    path = tmp_path / "tokens.json"
    path.write_text(json.dumps({"access_token": "a-SECRET", "refresh_token": "r-SECRET"}))
    with pytest.raises(TokenStoreError, match="misses access_expires_at, refreshed_at") as caught:
        FileTokenStore(path).load()
    assert "SECRET" not in str(caught.value)


def test_a_date_without_time_zone_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "tokens.json"
    data = {
        "access_token": "a",
        "refresh_token": "r",
        "access_expires_at": "2026-03-02T09:10:00",
        "refreshed_at": "2026-03-02T09:00:00+01:00",
    }
    path.write_text(json.dumps(data))
    with pytest.raises(TokenStoreError, match="access_expires_at is not an ISO-8601"):
        FileTokenStore(path).load()


def test_a_non_object_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "tokens.json"
    path.write_text("[1, 2]")
    with pytest.raises(TokenStoreError, match="does not hold a JSON object"):
        FileTokenStore(path).load()


def test_the_repr_shows_the_path_only(tmp_path: Path) -> None:
    store = FileTokenStore(tmp_path / "tokens.json")
    store.save(TOKENS)
    assert "SECRET" not in repr(store)


def test_the_lock_excludes_another_process_and_is_released_after(tmp_path: Path) -> None:
    store = FileTokenStore(tmp_path / "tokens.json")
    with store.lock():
        assert not other_process_can_lock(store)
    assert other_process_can_lock(store)


def test_the_lock_is_released_when_its_holder_dies(tmp_path: Path) -> None:
    store = FileTokenStore(tmp_path / "tokens.json")
    functions = str(Path(__file__).resolve().parents[2] / "functions")
    died = subprocess.run(  # noqa: S603
        [sys.executable, "-c", HOLD_LOCK_AND_DIE, str(store.path), functions],
        check=False,
        timeout=30,
    )
    assert died.returncode == 3
    with store.lock():
        pass
