"""Cold import of the Cloud Functions entry point: functions/main.py as deployed (Google clients
made lazily, on first use) against the same import with the Google client libraries loaded
eagerly at import time.

Each variant runs in a fresh interpreter, N times, interleaved; reported are the medians of the
wall time of the whole process and of the import time Python itself measures (-X importtime,
the cumulative time of the top-level imports). The functions-framework row is the floor: the
runtime imports it before main.py.

    .venv/bin/python bench/cold_import.py [--repeats 15]
"""

from __future__ import annotations

import argparse
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

FUNCTIONS = Path(__file__).resolve().parents[1] / "functions"
EAGER = (
    "from google.cloud import firestore, secretmanager, tasks_v2; import googleapiclient.discovery"
)
VARIANTS = {
    "python -c pass": "pass",
    "import functions_framework": "import functions_framework",
    "import main (lazy Google clients)": "import main",
    "import main + Google libraries eagerly": f"import main; {EAGER}",
}
_LINE = re.compile(r"^import time:\s+(\d+) \|\s+(\d+) \| (\s*)(\S+)$")


def run_once(code: str) -> tuple[float, float]:
    """(wall seconds, seconds of top-level imports) of one fresh interpreter."""
    started = time.perf_counter()
    result = subprocess.run(  # noqa: S603 - our own interpreter and code
        [sys.executable, "-X", "importtime", "-c", code],
        cwd=FUNCTIONS,
        capture_output=True,
        text=True,
        check=True,
    )
    wall = time.perf_counter() - started
    imports = 0
    for line in result.stderr.splitlines():
        match = _LINE.match(line)
        if match and not match.group(3):  # a top-level import: no indentation
            imports += int(match.group(2))
    return wall, imports / 1e6


def main(argv: list[str] | None = None) -> int:
    """Measure every variant and print a table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=15)
    args = parser.parse_args(argv)
    samples: dict[str, list[tuple[float, float]]] = {name: [] for name in VARIANTS}
    for _ in range(args.repeats):
        for name, code in VARIANTS.items():
            samples[name].append(run_once(code))
    modules = subprocess.run(
        [sys.executable, "-c", "import sys, main; print(len(sys.modules))"],
        cwd=FUNCTIONS,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    print(f"python {sys.version.split()[0]}, {args.repeats} runs each, medians\n")
    print(f"{'variant':<40} {'wall ms':>8} {'imports ms':>11}")
    print(f"{'-' * 40} {'-' * 8} {'-' * 11}")
    for name, values in samples.items():
        wall = statistics.median(v[0] for v in values) * 1000
        imports = statistics.median(v[1] for v in values) * 1000
        print(f"{name:<40} {wall:>8.0f} {imports:>11.0f}")
    print(f"\nmodules loaded by `import main`: {modules}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
