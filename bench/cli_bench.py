"""Benchmark 5: CLI start-up, ``jobadapter plugins --json`` vs importing its dependencies.

Both sides are fresh interpreters started the same way, in alternating order:

- ``jobadapter``: the installed console script, ``jobadapter plugins --json``
  (it loads every installed plugin and prints them as JSON);
- ``baseline``: ``python -c "import urllib3, pluggy, attrs, cattrs, click"``,
  the floor any tool built on those libraries pays;
- ``library`` (extra figure): ``import jobadapter; Hub(config=False).adapters()``,
  what an embedding program pays to load every plugin.

All run with an empty ``JOBADAPTER_HOME`` and no config file, so no user
state is read or written, and with bytecode cached (in a temporary
``PYTHONPYCACHEPREFIX``), as an installed package has it. Prints one JSON object; ``ratio`` is median
jobadapter / median baseline (target <= 1.5). ``--importtime`` adds the
slowest imports of one ``plugins --json`` run (``python -X importtime``).

    python bench/cli_bench.py [--runs N] [--quick] [--importtime]
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from _common import emit, median, quick_parser

TARGET = 1.5
BASELINE = "import urllib3, pluggy, attrs, cattrs, click"
#: Library start-up: import jobadapter and load every installed plugin.
LIBRARY = "import jobadapter; jobadapter.Hub(config=False).adapters()"
#: What the ``jobadapter`` console script runs (entry point ``jobadapter.cli:main``).
COMMAND = "import sys; from jobadapter.cli import main; sys.argv[0] = 'jobadapter'; main()"


def run(argv: list[str], env: dict[str, str]) -> tuple[float, bytes]:
    start = time.perf_counter()
    done = subprocess.run(argv, env=env, capture_output=True)
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"{argv} failed ({done.returncode}): {done.stderr.decode()[-2000:]}")
    return elapsed, done.stdout + done.stderr


def slowest_imports(env: dict[str, str], top: int = 15) -> list[dict[str, Any]]:
    """The ``top`` imports with the largest cumulative time in one ``plugins --json`` run."""
    argv = [sys.executable, "-X", "importtime", "-c", COMMAND, "plugins", "--json"]
    done = subprocess.run(argv, env=env, capture_output=True)
    rows: list[dict[str, Any]] = []
    for line in done.stderr.decode().splitlines():
        if not line.startswith("import time:") or "|" not in line:
            continue
        own, cumulative, name = (part.strip() for part in line[len("import time:") :].split("|"))
        if own.isdigit():
            rows.append({"module": name, "cumulative_ms": round(int(cumulative) / 1000, 1)})
    rows.sort(key=lambda row: -float(row["cumulative_ms"]))
    return rows[:top]


def main(argv: list[str] | None = None) -> int:
    parser = quick_parser(__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=30, help="runs per side")
    parser.add_argument("--importtime", action="store_true", help="list the slowest imports")
    args = parser.parse_args(argv)
    if args.quick:
        args.runs = 6

    with tempfile.TemporaryDirectory(prefix="jobadapter-bench-cli-") as home:
        env = {
            **os.environ,
            "JOBADAPTER_HOME": home,
            "JOBADAPTER_CONFIG": os.path.join(home, "config.toml"),
            "NO_COLOR": "1",
            # Bytecode for both sides, as an installed package has it (pip compiles
            # on install); cached in a private directory, never in the source tree.
            "PYTHONPYCACHEPREFIX": os.path.join(home, "pycache"),
        }
        for name in ("PYTHONDONTWRITEBYTECODE", "JOBADAPTER_PLUGINS", "JOBADAPTER_DISABLE_PLUGINS"):
            env.pop(name, None)
        script = Path(sys.executable).with_name("jobadapter")
        ours_argv = ([str(script)] if script.exists() else [sys.executable, "-c", COMMAND]) + [
            "plugins",
            "--json",
        ]
        base_argv = [sys.executable, "-c", BASELINE]
        lib_argv = [sys.executable, "-c", LIBRARY]
        _, output = run(ours_argv, env)  # write the bytecode, warm the file cache, check it
        plugins = json.loads(output)
        run(base_argv, env)
        run(lib_argv, env)
        ours: list[float] = []
        base: list[float] = []
        lib: list[float] = []
        for i in range(args.runs):
            trio = [(ours_argv, ours), (base_argv, base), (lib_argv, lib)]
            for cmd, times in trio if i % 2 == 0 else reversed(trio):
                times.append(run(cmd, env)[0])
        imports = slowest_imports(env) if args.importtime else None

    ratio = median(ours) / median(base)
    figures: dict[str, Any] = {
        "benchmark": "cli_startup",
        "runs_per_side": args.runs,
        "plugins_listed": len(plugins),
        "adapters_listed": sorted(a for p in plugins for a in p.get("adapters", [])),
        "jobadapter_median_ms": round(median(ours) * 1000, 1),
        "jobadapter_min_ms": round(min(ours) * 1000, 1),
        "baseline_median_ms": round(median(base) * 1000, 1),
        "baseline_min_ms": round(min(base) * 1000, 1),
        "ratio": round(ratio, 3),
        "target_ratio": TARGET,
        "met": ratio <= TARGET,
        # What an embedding program pays: every plugin loaded, no CLI, no simulators.
        "library_median_ms": round(median(lib) * 1000, 1),
        "library_ratio": round(median(lib) / median(base), 3),
    }
    if imports is not None:
        figures["slowest_imports"] = imports
    emit(figures)
    return 0


if __name__ == "__main__":
    sys.exit(main())
