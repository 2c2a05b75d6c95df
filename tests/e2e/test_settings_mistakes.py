"""Settings mistakes a non-programmer makes, through the console script: each gets what to do,
names its key, exits 2 and never shows a stack trace; nothing is opened before the settings are
right."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from cli_support import followup

GOOD = '[company]\nname = "Houtwerk Jansen"\nfrom_address = "info@houtwerkjansen.nl"\n'
EXACT = '[exact]\nclient_id = "c"\ndivisions = [101]\n'
ENV = {"FOLLOWUP_EXACT_CLIENT_SECRET": "s"}


def run(tmp_path: Path, config: Path) -> tuple[int, str]:
    result = followup("run", "--config", str(config), cwd=tmp_path, env=ENV)
    assert "Traceback" not in result.stderr
    return result.returncode, " ".join(result.stderr.split())


def written(tmp_path: Path, data: bytes) -> Path:
    config = tmp_path / "followup.toml"
    config.write_bytes(data)
    return config


@pytest.mark.parametrize(
    ("data", "said"),
    [
        (
            b"\xef\xbb\xbf" + (GOOD + EXACT).encode(),
            "the file is not plain UTF-8 (it starts with a byte-order mark: UTF-8 with BOM): "
            "save the file as UTF-8",
        ),
        ((GOOD + EXACT).encode("utf-16"), "it is in UTF-16): save the file as UTF-8"),
        (
            (GOOD + EXACT).replace("Houtwerk", "Café").encode("cp1252"),
            "line 2: the file is not in UTF-8 (a letter such as é saved in another encoding): "
            "save the file as UTF-8",
        ),
    ],
)
def test_a_file_not_in_utf8_or_with_a_byte_order_mark_is_to_be_saved_as_utf8(
    tmp_path: Path, data: bytes, said: str
) -> None:
    code, err = run(tmp_path, written(tmp_path, data))
    assert code == 2
    assert said in err


def test_an_unquoted_text_value_is_named_by_its_key_with_the_quotes_it_needs(
    tmp_path: Path,
) -> None:
    text = GOOD.replace('"Houtwerk Jansen"', "Houtwerk Jansen") + EXACT
    code, err = run(tmp_path, written(tmp_path, text.encode()))
    assert code == 2
    assert 'company.name: put text between quotes: name = "Houtwerk Jansen" (line 2)' in err


def test_yes_for_a_switch_is_named_with_true_or_false_as_the_fix(tmp_path: Path) -> None:
    code, err = run(
        tmp_path, written(tmp_path, (GOOD + EXACT + "[digest]\nenabled = ja\n").encode())
    )
    assert code == 2
    assert "digest.enabled: write true or false, without quotes (line 8: enabled = ja)" in err


def test_a_file_larger_than_1_mb_is_refused_at_once(tmp_path: Path) -> None:
    padding = b"# " + b"x" * 1024 * 1024 + b"\n"
    code, err = run(tmp_path, written(tmp_path, (GOOD + EXACT).encode() + padding))
    assert code == 2
    assert "more than 1 MB: a settings file is a few kB; is this the right file?" in err


def test_a_folder_or_a_pipe_is_refused_at_once_and_not_read(tmp_path: Path) -> None:
    folder = tmp_path / "settings"
    folder.mkdir()
    code, err = run(tmp_path, folder)
    assert code == 2
    assert "this is a folder: give the settings file itself" in err
    pipe = tmp_path / "pipe.toml"
    os.mkfifo(pipe)  # reading it would wait for a writer for ever
    code, err = run(tmp_path, pipe)
    assert code == 2
    assert "this is not a regular file" in err


@pytest.mark.parametrize(
    ("extra", "said"),
    [
        ('[mail]\ntemplates = "mine"\n', "mail.templates: "),
        ('[languages]\ndefault = "de"\n', "languages.default: there are no templates in 'de'"),
        ('[languages]\nother = "Engels"\n', "languages.other: 'engels' is not a language code"),
        ('[languages]\nmap = { FR = "fr" }\n', "languages.map.FR: there are no templates in 'fr'"),
        ('[digest]\nlanguage = "de"\n', "digest.language: there are no templates in 'de'"),
    ],
)  # fmt: skip
def test_a_templates_folder_or_a_language_without_templates_exits_2_naming_the_key(
    tmp_path: Path, extra: str, said: str
) -> None:
    code, err = run(tmp_path, written(tmp_path, (GOOD + EXACT + extra).encode()))
    assert code == 2
    assert said in err
    assert not (tmp_path / "state").exists()  # nothing was opened: no ledger, no token file
    assert not (tmp_path / "outbox").exists()


def test_a_missing_templates_folder_says_where_it_was_looked_for(tmp_path: Path) -> None:
    code, err = run(
        tmp_path, written(tmp_path, (GOOD + EXACT + '[mail]\ntemplates = "mine"\n').encode())
    )
    assert code == 2
    assert f"mail.templates: {tmp_path / 'mine'} does not exist" in err


def test_preview_with_a_missing_templates_folder_exits_2_naming_the_key(tmp_path: Path) -> None:
    config = written(tmp_path, (GOOD + EXACT + '[mail]\ntemplates = "mine"\n').encode())
    result = followup("preview", "--config", str(config), cwd=tmp_path)
    assert result.returncode == 2
    assert "mail.templates: " in result.stderr
    assert "Traceback" not in result.stderr
