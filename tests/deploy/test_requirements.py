"""functions/requirements.txt: pinned, and consistent with pyproject.toml and constraints.txt."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[2]


def pinned(path: Path) -> dict[str, str]:
    result = {}
    for line in path.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            name, sep, version = line.partition("==")
            assert sep, f"{path.name}: not pinned with ==: {line!r}"
            result[canonicalize_name(name)] = version
    return result


def test_every_runtime_dependency_is_pinned_within_its_range() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    requirements = pinned(ROOT / "functions" / "requirements.txt")
    for spec in project["dependencies"] + project["optional-dependencies"]["cloud"]:
        wanted = Requirement(spec)
        name = canonicalize_name(wanted.name)
        assert name in requirements, f"{name} is missing from functions/requirements.txt"
        assert requirements[name] in wanted.specifier, f"{name}=={requirements[name]} vs {spec}"


def test_every_pin_is_the_constraints_pin_and_no_dev_tool_is_deployed() -> None:
    requirements = pinned(ROOT / "functions" / "requirements.txt")
    constraints = pinned(ROOT / "constraints.txt")
    for name, version in requirements.items():
        assert constraints.get(name) == version, f"{name}: {version} vs {constraints.get(name)}"
    assert not {"pytest", "mypy", "ruff", "python-hcl2", "pyyaml"} & requirements.keys()


def test_the_file_is_what_make_requirements_writes() -> None:
    result = subprocess.run(  # noqa: S603 - our own script
        [sys.executable, str(ROOT / "tools" / "pin_requirements.py"), "--check"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
