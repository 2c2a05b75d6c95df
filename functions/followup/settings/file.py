"""Reading the settings file, with what a non-programmer can do about each mistake: a file that
isn't one, is too large, isn't UTF-8 (or starts with a byte-order mark), or isn't TOML; an
unquoted text is named by its key with the quotes it needs."""

from __future__ import annotations

import re
import stat
import tomllib
from pathlib import Path
from typing import Any

from followup.errors import ConfigError

MAX_BYTES = 1024 * 1024  # a settings file is a few kB; more is the wrong file
SAVE_AS_UTF8 = (
    'save the file as UTF-8 (in Notepad: File > Save as, Encoding "UTF-8"; in TextEdit: '
    'Format > Make Plain Text, then save as "Unicode (UTF-8)")'
)
_BOMS = (
    (b"\xef\xbb\xbf", "it starts with a byte-order mark: UTF-8 with BOM"),
    (b"\xff\xfe", "it is in UTF-16"),
    (b"\xfe\xff", "it is in UTF-16"),
)
_WHERE = re.compile(r"\(at line (\d+), column (\d+)\)")
_TABLE = re.compile(r"^\s*\[\[?\s*([^\]]+?)\s*\]\]?\s*(?:#.*)?$")
_PAIR = re.compile(r"^\s*([A-Za-z0-9_\-.\"' ]+?)\s*=\s*(.*?)\s*$")
_YES_NO = {"yes", "no", "ja", "nee", "on", "off", "True", "False", "TRUE", "FALSE"}


def read(path: Path) -> dict[str, Any]:
    """The settings file as TOML data; any problem is a ConfigError naming the file."""
    return _parse(_text(path), str(path))


def _text(path: Path) -> str:
    try:
        info = path.stat()
    except OSError as exc:
        raise ConfigError([f"cannot read the file: {exc.strerror}"], str(path)) from None
    if not stat.S_ISREG(info.st_mode):
        kind = "a folder" if stat.S_ISDIR(info.st_mode) else "not a regular file"
        raise ConfigError(
            [f"this is {kind}: give the settings file itself, such as followup.toml"], str(path)
        )
    if info.st_size > MAX_BYTES:
        raise ConfigError([_too_large(info.st_size)], str(path))
    try:
        with path.open("rb") as handle:
            raw = handle.read(MAX_BYTES + 1)
    except OSError as exc:
        raise ConfigError([f"cannot read the file: {exc.strerror}"], str(path)) from None
    if len(raw) > MAX_BYTES:
        raise ConfigError([_too_large(len(raw))], str(path))
    for mark, what in _BOMS:
        if raw.startswith(mark):
            raise ConfigError([f"the file is not plain UTF-8 ({what}): {SAVE_AS_UTF8}"], str(path))
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise ConfigError(
            [f"line {line}: the file is not in UTF-8 (a letter such as é saved in another "
             f"encoding): {SAVE_AS_UTF8}"],
            str(path),
        ) from None  # fmt: skip


def _too_large(size: int) -> str:
    return (
        f"the file is {size:,} bytes, more than 1 MB: a settings file is a few kB; is this the "
        "right file?"
    )


def _parse(text: str, source: str) -> dict[str, Any]:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError([_explain(str(exc), text)], source) from None


def _explain(message: str, text: str) -> str:
    """A TOML error as one line: the key and what to do when the line says which, else where."""
    where = _WHERE.search(message)
    if where is None:
        return f"not valid TOML: {message}"
    number = int(where.group(1))
    lines = text.splitlines()
    line = lines[number - 1] if 0 < number <= len(lines) else ""
    pair = _PAIR.match(line)
    if pair is None:
        return f"not valid TOML: {message}"
    key = _dotted(lines[: number - 1], pair.group(1))
    value = re.sub(r"\s+#.*$", "", pair.group(2))
    if value in _YES_NO:
        return f"{key}: write true or false, without quotes (line {number}: {line.strip()})"
    if value and value[0] not in "\"'[{" and not _is_value(value):
        quoted = value.replace("\\", "\\\\").replace('"', '\\"')
        return (
            f'{key}: put text between quotes: {pair.group(1).strip()} = "{quoted}" (line {number})'
        )
    return f"{key}: not valid TOML at line {number}: {_WHERE.sub('', message).strip()}"


def _dotted(before: list[str], key: str) -> str:
    """The key with the table it is in: `name` under [company] is company.name."""
    for line in reversed(before):
        table = _TABLE.match(line)
        if table:
            return f"{_plain(table.group(1))}.{_plain(key)}"
    return _plain(key)


def _plain(key: str) -> str:
    return ".".join(part.strip().strip("\"'") for part in key.split("."))


def _is_value(value: str) -> bool:
    """Whether the text is a TOML value by itself (a number, a date, true …)."""
    try:
        tomllib.loads(f"x = {value}")
    except tomllib.TOMLDecodeError:
        return False
    return True
