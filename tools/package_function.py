"""Build the deployable source archive of the Cloud Functions: build/function-source.zip.

Inside, at the root (the layout Cloud Functions expects): main.py, requirements.txt, the
`followup` package (Python files only) and `templates/` (compose.default_template_dir() finds it
beside the package). Only those are taken, so no tests, virtualenvs, node_modules, settings,
secrets or state can slip in; a final check refuses the archive if anything like them did.
The archive is byte-for-byte reproducible (sorted entries, fixed times), so Terraform deploys a
new version only when its content changes.
"""

from __future__ import annotations

import argparse
import hashlib
import re
import zipfile
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FUNCTIONS = ROOT / "functions"
DEFAULT_OUT = ROOT / "build" / "function-source.zip"
STAMP = (1980, 1, 1, 0, 0, 0)
# Data files the package reads at run time, named one by one (a .json is otherwise refused: it
# could be a service account key).
PACKAGE_DATA = ("followup/exact/contract.json",)
FORBIDDEN = re.compile(
    r"(^|/)(tests?|\.venv|venv|node_modules|state|outbox|\.demo|__pycache__|[^/]*\.egg-info)(/|$)"
    r"|\.(sqlite3?|db|pem|key|p12|pyc|env|toml|json|eml)$|(^|/)\.env",
)


def entries(root: Path = ROOT) -> Iterator[tuple[str, Path]]:
    """(name in the archive, file on disk), sorted by name."""
    functions, templates = root / "functions", root / "templates"
    found = [
        ("main.py", functions / "main.py"),
        ("requirements.txt", functions / "requirements.txt"),
    ]
    package = functions / "followup"
    found += [
        (str(path.relative_to(functions)), path)
        for path in package.rglob("*.py")
        if "__pycache__" not in path.parts
    ]
    found += [(name, functions / name) for name in PACKAGE_DATA]
    found += [
        (str(path.relative_to(root)), path)
        for path in templates.rglob("*")
        if path.is_file() and not any(part.startswith(".") for part in path.parts)
    ]
    yield from sorted(found)


def build(out: Path = DEFAULT_OUT, root: Path = ROOT) -> tuple[int, str]:
    """Write the archive; returns (number of files, sha256 of the archive)."""
    chosen = list(entries(root))
    refused = [
        name for name, _ in chosen if FORBIDDEN.search(name) and name not in PACKAGE_DATA
    ]
    if refused:
        raise SystemExit(f"refusing to package: {', '.join(refused)}")
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_suffix(".zip.partial")
    with zipfile.ZipFile(partial, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for name, path in chosen:
            info = zipfile.ZipInfo(name, STAMP)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, path.read_bytes())
    partial.replace(out)
    return len(chosen), hashlib.sha256(out.read_bytes()).hexdigest()


def main(argv: list[str] | None = None) -> int:
    """Build the archive and say what it holds."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="the zip to write")
    args = parser.parse_args(argv)
    count, digest = build(args.out)
    size = args.out.stat().st_size
    print(f"wrote {args.out} ({count} files, {size / 1024:.0f} KiB, sha256 {digest[:16]})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
