"""`terraform fmt -check` on infra/ whenever a terraform binary is on PATH (or $TERRAFORM).
Cloud Build runs it on every branch too, with `init -backend=false` and `validate`; those need
the provider, downloaded from the Terraform registry, so they run there and not here."""

from __future__ import annotations

import os
import shutil
import subprocess

import pytest

from infra.terraform import INFRA

TERRAFORM = shutil.which(os.environ.get("TERRAFORM", "terraform"))


@pytest.mark.skipif(
    TERRAFORM is None,
    reason="no terraform binary on PATH (set TERRAFORM to one): `terraform fmt -check` is "
    "left to Cloud Build's terraform-checks step",
)
def test_terraform_fmt_finds_nothing_to_change() -> None:
    assert TERRAFORM is not None
    result = subprocess.run(  # noqa: S603 - the installed terraform, on our own directory
        [TERRAFORM, f"-chdir={INFRA}", "fmt", "-check", "-diff", "-recursive", "-no-color"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env={**os.environ, "CHECKPOINT_DISABLE": "1", "TF_IN_AUTOMATION": "1"},
    )
    assert result.returncode == 0, f"run `terraform fmt -recursive infra`:\n{result.stdout}"
