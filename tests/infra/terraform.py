"""The Terraform in infra/, parsed with python-hcl2 (strings unquoted, blocks as lists)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import hcl2
from hcl2.utils import SerializationOptions

INFRA = Path(__file__).resolve().parents[2] / "infra"
OPTIONS = SerializationOptions(
    with_comments=False, explicit_blocks=False, strip_string_quotes=True, preserve_heredocs=False
)


@dataclass(frozen=True)
class Module:
    """Every top-level block of infra/*.tf, by kind."""

    files: dict[str, dict[str, Any]]

    def blocks(self, kind: str) -> list[dict[str, Any]]:
        """Every block of one kind (`resource`, `variable`, ...), across the files."""
        return [block for data in self.files.values() for block in data.get(kind, [])]

    def resources(self, kind: str) -> dict[str, dict[str, Any]]:
        """The resources of one type, by name."""
        found: dict[str, dict[str, Any]] = {}
        for block in self.blocks("resource"):
            found.update(block.get(kind, {}))
        return found

    def resource(self, kind: str, name: str) -> dict[str, Any]:
        """One resource's arguments."""
        return self.resources(kind)[name]

    def named(self, kind: str) -> dict[str, dict[str, Any]]:
        """Variables or outputs, by name."""
        found: dict[str, dict[str, Any]] = {}
        for block in self.blocks(kind):
            found.update(block)
        return found

    def local(self, name: str) -> Any:
        """A local value as written."""
        return self.named("locals")[name]


def load() -> Module:
    """Parse every .tf file (a syntax error fails here)."""
    files = sorted(INFRA.glob("*.tf"))
    return Module({p.name: hcl2.loads(p.read_text(), serialization_options=OPTIONS) for p in files})


def block(value: Any) -> dict[str, Any]:
    """The one nested block of an argument (hcl2 gives blocks as lists)."""
    assert isinstance(value, list), value
    assert len(value) == 1, value
    assert isinstance(value[0], dict)
    return value[0]
