"""The deployable source archive: what is inside, what never is, and that it works unpacked."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LAZY = ("google.cloud.firestore", "google.cloud.secretmanager", "google.cloud.tasks_v2")


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("package") / "function-source.zip"
    result = subprocess.run(  # noqa: S603 - our own script
        [sys.executable, str(ROOT / "tools" / "package_function.py"), "--out", str(out)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return out


def names(archive: Path) -> list[str]:
    with zipfile.ZipFile(archive) as opened:
        return opened.namelist()


def test_the_archive_holds_main_the_requirements_the_package_and_the_templates(
    archive: Path,
) -> None:
    inside = set(names(archive))
    assert {"main.py", "requirements.txt", "followup/__init__.py"} <= inside
    assert {"followup/cloud/daily_run.py", "followup/adapters/cloud_tasks_queue.py"} <= inside
    templates = {n for n in inside if n.startswith("templates/")}
    on_disk = {str(p.relative_to(ROOT)) for p in (ROOT / "templates").rglob("*") if p.is_file()}
    assert templates == on_disk
    assert {n.split("/")[0] for n in inside} == {
        "main.py",
        "requirements.txt",
        "followup",
        "templates",
    }


def test_nothing_else_gets_in(archive: Path) -> None:
    for name in names(archive):
        parts = name.split("/")
        assert not {"tests", ".venv", "node_modules", "state", "outbox", "__pycache__"} & set(
            parts
        ), name
        if name == "followup/exact/contract.json":  # the one data file, named in the tool
            continue
        assert not name.endswith((".pyc", ".sqlite3", ".toml", ".json", ".eml", ".pem")), name
        assert ".egg-info" not in name
        assert not parts[-1].startswith(".")


def test_two_builds_are_byte_for_byte_the_same(archive: Path, tmp_path: Path) -> None:
    again = tmp_path / "again.zip"
    subprocess.run(  # noqa: S603
        [sys.executable, str(ROOT / "tools" / "package_function.py"), "--out", str(again)],
        check=True,
        capture_output=True,
    )
    digest = [hashlib.sha256(p.read_bytes()).hexdigest() for p in (archive, again)]
    assert digest[0] == digest[1]


def test_unpacked_it_imports_main_finds_its_templates_and_loads_no_google_client(
    archive: Path, tmp_path: Path
) -> None:
    with zipfile.ZipFile(archive) as opened:
        opened.extractall(tmp_path)
    probe = (
        "import json, sys; import main; import followup; "
        "from followup.mail.environment import default_template_dir; "
        "from followup.exact.contract import contract; assert contract().endpoints; "
        "print(json.dumps({'package': followup.__file__, 'templates': str(default_template_dir()),"
        f" 'google': [m for m in {LAZY!r} if m in sys.modules] + "
        "[m for m in sys.modules if m.startswith('googleapiclient')],"
        " 'functions': [n for n in ('daily_run', 'run_division') if callable(getattr(main, n))]}))"
    )
    env = {k: v for k, v in os.environ.items() if k not in ("FOLLOWUP_TEMPLATES", "PYTHONPATH")}
    result = subprocess.run(  # noqa: S603
        [sys.executable, "-c", probe],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    seen = json.loads(result.stdout.strip().splitlines()[-1])
    assert Path(seen["package"]).is_relative_to(tmp_path)
    assert Path(seen["templates"]) == tmp_path / "templates"
    assert seen["google"] == []
    assert seen["functions"] == ["daily_run", "run_division"]
