"""An accountancy office's mailboxes in Terraform: `mailbox_secrets`, a typed and validated list,
one Secret Manager secret per mailbox credential, each read by the runtime; only a rotating
(Microsoft XOAUTH2) refresh token may also be rotated by it.

The static checks read the HCL (python-hcl2). With a terraform binary the real expressions are
also evaluated: the variable, the `secrets` local and the roles' for_each, copied as written
into a module without providers (nothing downloaded), applied with local state."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from infra.terraform import INFRA, Module, load

TERRAFORM = shutil.which(os.environ.get("TERRAFORM", "terraform"))
OFFICE = [
    {"division": 101, "secret_id": "followup-mailbox-101"},
    {"division": 202, "secret_id": "followup-mailbox-202", "purpose": "the SMTP password"},
    {"division": 303, "secret_id": "followup-mailbox-303", "rotates": True},
]


@pytest.fixture(scope="module")
def tf() -> Module:
    return load()


def test_mailbox_secrets_is_a_typed_list_of_division_and_secret_id(tf: Module) -> None:
    variable = tf.named("variable")["mailbox_secrets"]
    assert variable["type"] == (
        "${list(object({division = number, secret_id = string, purpose = optional(string), "
        "rotates = optional(bool, false)}))}"
    )
    assert variable["default"] == []
    assert "one Secret Manager secret per mailbox credential" in variable["description"]
    conditions = [v["condition"] for v in variable["validation"]]
    assert len(conditions) == 3
    assert any('regex("^[A-Za-z0-9_-]{1,255}$", mailbox.secret_id)' in c for c in conditions)
    assert any("mailbox.division > 0" in c and "floor(mailbox.division)" in c for c in conditions)
    assert any("length(distinct(" in c and "mailbox.secret_id" in c for c in conditions)


def test_each_mailbox_secret_joins_the_secrets_the_runtime_reads(tf: Module) -> None:
    secrets = tf.local("secrets")
    assert "for mailbox in var.mailbox_secrets" in secrets
    assert '"mailbox_${mailbox.secret_id}" => {id = mailbox.secret_id' in secrets
    assert "rotates = mailbox.rotates" in secrets
    created = tf.resource("google_secret_manager_secret", "followup")
    assert created["for_each"] == "${local.secrets}"
    (precondition,) = created["lifecycle"][0]["precondition"]
    assert (
        "distinct([for secret in values(local.secrets) : secret.id])" in (precondition["condition"])
    )
    reads = tf.resource("google_secret_manager_secret_iam_member", "runtime_reads")
    assert (reads["for_each"], reads["role"]) == (
        "${local.secrets}",
        "roles/secretmanager.secretAccessor",
    )


def test_the_readme_says_how_an_office_stores_its_mailboxes() -> None:
    readme = (INFRA / "README.md").read_text()
    assert "mailbox_secrets = [" in readme
    assert "secretVersionManager" in readme
    assert "rotates = true" in readme


def _block(text: str, header: str) -> str:
    """A top-level block of HCL as written, from its header to its closing brace."""
    start = text.index(header)
    depth = 0
    for at in range(text.index("{", start), len(text)):
        depth += {"{": 1, "}": -1}.get(text[at], 0)
        if depth == 0:
            return text[start : at + 1]
    raise AssertionError(f"unclosed block {header}")


def _for_each(resource: str) -> str:
    found = re.search(r"^\s*for_each\s*=\s*(.+)$", resource, re.MULTILINE)
    assert found, resource
    return found.group(1)


def _output(name: str, value: str) -> str:
    return f'output "{name}" {{\n  value = {value}\n}}'


def _module(folder: Path) -> Path:
    """The variables, the `secrets` local and the roles' for_each of infra/, without providers."""
    variables, secrets = (INFRA / "variables.tf").read_text(), (INFRA / "secrets.tf").read_text()
    reads = _block(secrets, 'resource "google_secret_manager_secret_iam_member" "runtime_reads"')
    rotates = _block(
        secrets, 'resource "google_secret_manager_secret_iam_member" "runtime_rotates"'
    )
    created = _block(secrets, 'resource "google_secret_manager_secret" "followup"')
    unique = re.search(r"condition\s*=\s*(.+)$", created, re.MULTILINE)
    assert unique
    names = ("name", "gmail_auth", "mailbox_secrets")
    parts = [_block(variables, f'variable "{name}"') for name in names]
    parts += [
        _block(secrets, "locals {"),
        _output("read", f"{{ for key, secret in {_for_each(reads)} : key => secret.id }}"),
        _output("rotated", f"keys({_for_each(rotates)})"),
        _output("unique", unique.group(1)),
    ]
    (folder / "main.tf").write_text("\n\n".join(parts) + "\n")
    return folder


def _terraform(folder: Path, *args: str) -> subprocess.CompletedProcess[str]:
    assert TERRAFORM is not None
    return subprocess.run(  # noqa: S603 - the installed terraform, on a module of our own
        [TERRAFORM, f"-chdir={folder}", *args, "-no-color"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env={**os.environ, "CHECKPOINT_DISABLE": "1", "TF_IN_AUTOMATION": "1"},
    )


def _applied(folder: Path, mailboxes: list[dict[str, Any]]) -> dict[str, Any]:
    (folder / "office.tfvars.json").write_text(json.dumps({"mailbox_secrets": mailboxes}))
    applied = _terraform(
        folder, "apply", "-auto-approve", "-input=false", "-var-file=office.tfvars.json"
    )
    assert applied.returncode == 0, applied.stderr
    shown = _terraform(folder, "output", "-json")
    assert shown.returncode == 0, shown.stderr
    return {name: value["value"] for name, value in json.loads(shown.stdout).items()}


needs_terraform = pytest.mark.skipif(
    TERRAFORM is None, reason="no terraform binary on PATH (set TERRAFORM to one)"
)


@pytest.fixture(scope="module")
def module(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = _module(tmp_path_factory.mktemp("mailbox_secrets"))
    initialized = _terraform(folder, "init", "-input=false", "-backend=false")
    assert initialized.returncode == 0, initialized.stderr
    return folder


@needs_terraform
def test_each_entry_yields_a_secret_the_runtime_reads_and_only_rotating_ones_it_rotates(
    module: Path,
) -> None:
    outputs = _applied(module, OFFICE)
    read = outputs["read"]
    for mailbox in OFFICE:
        assert read[f"mailbox_{mailbox['secret_id']}"] == mailbox["secret_id"]
    assert {"config", "exact_client_secret", "exact_tokens"} <= read.keys()
    assert sorted(outputs["rotated"]) == ["exact_tokens", "mailbox_followup-mailbox-303"]
    assert outputs["unique"] is True


@needs_terraform
def test_without_mailbox_secrets_the_secrets_are_followups_own(module: Path) -> None:
    outputs = _applied(module, [])
    assert not any(key.startswith("mailbox_") for key in outputs["read"])
    assert outputs["rotated"] == ["exact_tokens"]


@needs_terraform
def test_a_mailbox_secret_named_as_one_of_followups_own_fails_the_precondition(
    module: Path,
) -> None:
    outputs = _applied(module, [{"division": 101, "secret_id": "followup-exact-tokens"}])
    assert outputs["unique"] is False


@needs_terraform
@pytest.mark.parametrize(
    ("mailboxes", "message"),
    [
        ([{"division": 101, "secret_id": "mailbox 101"}], "Secret Manager secret id"),
        ([{"division": 101, "secret_id": "x" * 256}], "Secret Manager secret id"),
        ([{"division": 0, "secret_id": "m"}], "a positive whole number"),
        ([{"division": 10.5, "secret_id": "m"}], "a positive whole number"),
        (
            [{"division": 101, "secret_id": "m"}, {"division": 202, "secret_id": "m"}],
            "Each secret_id appears once",
        ),
        ([{"secret_id": "m"}], 'attribute "division" is required'),
    ],
)
def test_a_malformed_mailbox_secret_is_refused_by_the_variable(
    module: Path, mailboxes: list[dict[str, Any]], message: str
) -> None:
    (module / "bad.tfvars.json").write_text(json.dumps({"mailbox_secrets": mailboxes}))
    planned = _terraform(module, "plan", "-input=false", "-var-file=bad.tfvars.json")
    assert planned.returncode != 0
    assert message in " ".join(planned.stderr.split()), planned.stderr
