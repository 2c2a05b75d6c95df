"""The doctor's fix for a path the settings name: right for what is in the way."""

from __future__ import annotations

import os
from pathlib import Path

from followup.doctor.paths import file_trouble, folder_trouble


def nobody_writes(path: Path, mode: int) -> bool:
    """os.access as for a user who may write nothing (the tests run as root)."""
    return not mode & os.W_OK


def test_a_file_in_a_folder_that_exists_or_can_be_made_is_fine(tmp_path: Path) -> None:
    assert file_trouble(tmp_path / "ledger.sqlite3", "[ledger] path") is None
    assert file_trouble(tmp_path / "state" / "deeper" / "ledger.sqlite3", "[ledger] path") is None
    assert folder_trouble(tmp_path / "outbox", "[mail.transport] path") is None


def test_a_folder_where_the_file_belongs_is_named_with_a_file_in_it_as_the_fix(
    tmp_path: Path,
) -> None:
    what, fix = file_trouble(tmp_path, "[ledger] path") or ("", "")
    assert what == f"{tmp_path} is a folder, not a file"
    assert fix.startswith("set [ledger] path to a file in it")


def test_a_file_in_the_way_of_a_folder_is_named_not_its_write_access(tmp_path: Path) -> None:
    (tmp_path / "state").write_text("")
    what, fix = file_trouble(tmp_path / "state" / "tokens.json", "[tokens] path") or ("", "")
    assert what == f"{tmp_path / 'state'} can't be made: {tmp_path / 'state'} is a file"
    assert "move" in fix
    assert "chmod" not in fix
    outbox = tmp_path / "outbox"
    outbox.write_text("")
    what, _ = folder_trouble(outbox, "[mail.transport] path") or ("", "")
    assert what == f"{outbox} is a file, not a folder"


def test_a_folder_that_cant_be_written_gets_write_access_as_the_fix(tmp_path: Path) -> None:
    what, fix = file_trouble(tmp_path / "ledger.sqlite3", "[ledger] path", nobody_writes) or (
        "",
        "",
    )
    assert what == f"the folder {tmp_path} can't be written by this user"
    assert f"chmod u+w {tmp_path}" in fix


def test_a_folder_that_doesnt_exist_and_cant_be_made_gets_mkdir_as_the_fix(tmp_path: Path) -> None:
    missing = tmp_path / "state" / "followup"
    what, fix = file_trouble(missing / "ledger.sqlite3", "[ledger] path", nobody_writes) or (
        "",
        "",
    )
    assert what == (
        f"the folder {missing} doesn't exist and this user can't make it ({tmp_path} can't be "
        "written)"
    )
    assert f"mkdir -p {missing}" in fix
    assert "chmod" not in fix


def test_a_file_that_cant_be_written_is_named_itself(tmp_path: Path) -> None:
    ledger = tmp_path / "ledger.sqlite3"
    ledger.write_text("")
    what, fix = file_trouble(ledger, "[ledger] path", nobody_writes) or ("", "")
    assert what == f"{ledger} can't be written by this user"
    assert f"chmod u+w {ledger}" in fix
