"""The mailbox examples in followup.example.toml (Gmail with an app password or OAuth2,
Microsoft 365, Outlook.com, a hosting provider) are valid settings as they stand."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

from followup import settings
from followup.settings.mailbox import SmtpMail

EXAMPLE = Path(__file__).parents[2] / "followup.example.toml"
_BLOCK = re.compile(r"^# --- (?P<name>.+?) ---\n(?:# --- .*\n)?(?P<body>(?:# [a-z_]+ = .*\n)+)",
                    re.MULTILINE)  # fmt: skip


def examples() -> dict[str, str]:
    return {m["name"]: m["body"] for m in _BLOCK.finditer(EXAMPLE.read_text())}


def test_every_provider_has_an_example() -> None:
    names = " ".join(examples())
    for provider in ("Gmail", "Microsoft 365", "Outlook.com", "hosting provider"):
        assert provider in names


@pytest.mark.parametrize("name", sorted(examples()))
def test_each_mailbox_example_is_valid(name: str) -> None:
    body = "\n".join(line.removeprefix("# ") for line in examples()[name].splitlines())
    data = {"company": {"name": "B", "from_address": "a@bakkerij.nl"},
            "exact": {"client_id": "x"}, "mail": {"transport": tomllib.loads(body)}}  # fmt: skip
    assert isinstance(settings.parse(data).mail.transport, SmtpMail)
