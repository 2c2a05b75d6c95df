"""cloudbuild.yaml: the steps in order, substitutions declared, the Terraform checks on every
branch before any plan, and the deploy on main only (its scripts are run here with Cloud
Build's substitutions and a stand-in `terraform`)."""

from __future__ import annotations

import os
import re
import stat
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
ORDER = [
    "install",
    "lint",
    "typecheck",
    "test",
    "infra-checks",
    "package",
    "terraform-checks",
    "terraform-init",
    "terraform-plan",
    "terraform-apply",
]
BUILT_IN = {"PROJECT_ID", "BUILD_ID", "BRANCH_NAME", "COMMIT_SHA", "SHORT_SHA", "TAG_NAME"}
REFERENCE = re.compile(r"\$\{([A-Z_][A-Z0-9_]*)\}|\$([A-Z_][A-Z0-9_]*)")


@pytest.fixture(scope="module")
def build() -> dict[str, Any]:
    data = yaml.safe_load((ROOT / "cloudbuild.yaml").read_text())
    assert isinstance(data, dict)
    return data


def steps(build: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {step["id"]: step for step in build["steps"]}


def script(step: dict[str, Any]) -> str:
    return str(step["args"][-1])


def test_the_steps_run_in_order_one_after_the_other(build: dict[str, Any]) -> None:
    assert [step["id"] for step in build["steps"]] == ORDER
    assert all("waitFor" not in step for step in build["steps"])
    by_id = steps(build)
    assert "make install-dev" in script(by_id["install"])
    assert "ruff check" in script(by_id["lint"])
    assert "mypy" in script(by_id["typecheck"])
    assert "pytest" in script(by_id["test"])
    assert "make checkov" in script(by_id["infra-checks"])
    assert "tools/package_function.py" in script(by_id["package"])


def test_substitutions_are_declared_and_used(build: dict[str, Any]) -> None:
    declared = set(build["substitutions"])
    assert {"_REGION", "_STATE_BUCKET"} <= declared
    assert all(name.startswith("_") for name in declared)
    text = yaml.safe_dump(build["steps"])
    used = {a or b for a, b in REFERENCE.findall(text)}
    assert used - BUILT_IN <= declared
    assert declared <= used
    assert build["substitutions"]["_TERRAFORM_IMAGE"].startswith("hashicorp/terraform:")


def test_only_the_terraform_steps_run_terraform_in_the_terraform_image(
    build: dict[str, Any],
) -> None:
    for name, step in steps(build).items():
        runs_terraform = re.search(r"^\s*terraform ", script(step), re.MULTILINE) is not None
        assert runs_terraform == name.startswith("terraform-"), name
        if runs_terraform and name != "terraform-checks":
            assert step["name"] == "${_TERRAFORM_IMAGE}"
            first = script(step).strip().splitlines()[0]
            assert first.startswith('if [ "$BRANCH_NAME" != "main" ]; then'), name
            assert first.endswith("exit 0; fi"), name
    assert steps(build)["terraform-checks"]["name"] == "${_TERRAFORM_IMAGE}"


def substitute(text: str, values: dict[str, str]) -> str:
    """What Cloud Build does to a step before it runs: $NAME and ${NAME} replaced."""
    return REFERENCE.sub(lambda m: values[m.group(1) or m.group(2)], text)


def run_steps(build: dict[str, Any], names: list[str], tmp_path: Path, branch: str) -> list[str]:
    """Run these steps' scripts in order with a stand-in `terraform`; the calls it got."""
    fake = tmp_path / "bin" / "terraform"
    fake.parent.mkdir()
    calls = tmp_path / "calls"
    fake.write_text(f'#!/bin/sh\necho "$*" >> {calls}\n')
    fake.chmod(fake.stat().st_mode | stat.S_IEXEC)
    values = {
        **{k: str(v) for k, v in build["substitutions"].items()},
        "_STATE_BUCKET": "acme-tf-state",
        "BRANCH_NAME": branch,
        "PROJECT_ID": "acme-followup",
    }
    for name in names:
        step = steps(build)[name]
        env = dict(substitute(e, values).split("=", 1) for e in step.get("env", []))
        result = subprocess.run(  # noqa: S603
            ["/bin/sh", *[substitute(str(a), values) for a in step["args"]]],
            cwd=tmp_path,
            env={**os.environ, **env, "PATH": f"{fake.parent}:{os.environ['PATH']}"},
            capture_output=True,
            text=True,
            check=False,
        )
        assert result.returncode == 0, result.stderr
    return calls.read_text().splitlines() if calls.exists() else []


@pytest.mark.parametrize("branch", ["main", "feature/reminders", ""])
def test_the_terraform_checks_run_on_every_branch_before_any_plan(
    build: dict[str, Any], tmp_path: Path, branch: str
) -> None:
    assert ORDER.index("terraform-checks") < ORDER.index("terraform-plan")
    assert run_steps(build, ["terraform-checks"], tmp_path, branch) == [
        "-chdir=infra fmt -check -diff -recursive",
        "-chdir=infra init -input=false -backend=false",
        "-chdir=infra validate",
    ]
    env = steps(build)["terraform-checks"]["env"]
    assert {"TF_IN_AUTOMATION=1", "CHECKPOINT_DISABLE=1"} <= set(env)


@pytest.mark.parametrize("branch", ["main", "feature/reminders", ""])
def test_deploy_runs_on_main_only(build: dict[str, Any], tmp_path: Path, branch: str) -> None:
    ran = run_steps(build, ORDER[-3:], tmp_path, branch)
    if branch != "main":
        assert ran == []
        return
    assert ran == [
        "-chdir=infra init -input=false -backend-config=bucket=acme-tf-state "
        "-backend-config=prefix=followup",
        "-chdir=infra plan -input=false -out=tfplan",
        "-chdir=infra apply -input=false tfplan",
    ]


def test_main_without_a_state_bucket_stops_before_terraform(build: dict[str, Any]) -> None:
    step = steps(build)["terraform-init"]
    values = {**{k: str(v) for k, v in build["substitutions"].items()}, "BRANCH_NAME": "main"}
    result = subprocess.run(  # noqa: S603
        ["/bin/sh", *[substitute(str(a), values) for a in step["args"]]],
        env={"PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 1
    assert "set _STATE_BUCKET" in result.stderr
