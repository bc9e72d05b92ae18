"""Benchmark 5: CLI start-up, ``jobadapter plugins --json`` and ``report --format json``
vs importing their dependencies.

All sides are fresh interpreters started the same way, in alternating order:

- ``jobadapter``: the installed console script, ``jobadapter plugins --json``
  (it loads every installed plugin and prints them as JSON);
- ``report``: ``jobadapter report --format json`` on an empty store (created
  by an untimed first run);
- ``baseline``: ``python -c "import urllib3, pluggy, attrs, cattrs, click"``,
  the floor any tool built on those libraries pays;
- ``library`` (extra figure): ``import jobadapter; Hub(config=False).adapters()``,
  what an embedding program pays to load every plugin.

All run with an empty ``JOBADAPTER_HOME`` and no config file, so no user
state is read or written, and with bytecode cached (in a temporary
``PYTHONPYCACHEPREFIX``), as an installed package has it. Each run is timed in
wall time and in the child's CPU (user + system, from ``getrusage``). Prints
one JSON object; ``ratio`` is median ``plugins --json`` / median baseline and
``report_ratio`` the same for ``report`` (target <= 1.3 both). ``--importtime`` adds the
slowest imports of one ``plugins --json`` run (``python -X importtime``);
``--instructions`` adds each side's instruction count (one run under callgrind:
the figure a busy machine does not move) and their ratios.

    python bench/cli_bench.py [--runs N] [--quick] [--importtime] [--instructions]
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from _callgrind import callgrind_instructions
from _common import emit, median, quick_parser

TARGET = 1.3
BASELINE = "import urllib3, pluggy, attrs, cattrs, click"
#: Library start-up: import jobadapter and load every installed plugin.
LIBRARY = "import jobadapter; jobadapter.Hub(config=False).adapters()"
#: The sides counted with ``--instructions``.
INSTRUCTION_SIDES = ("jobadapter", "report", "baseline")
#: What the ``jobadapter`` console script runs (entry point ``jobadapter.cli:main``).
COMMAND = "import sys; from jobadapter.cli import main; sys.argv[0] = 'jobadapter'; main()"


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run(argv: list[str], env: dict[str, str]) -> tuple[float, float, bytes]:
    """Wall seconds, the child's CPU seconds and its output."""
    cpu = children_cpu()
    start = time.perf_counter()
    done = subprocess.run(argv, env=env, capture_output=True)
    elapsed = time.perf_counter() - start
    cpu = children_cpu() - cpu
    if done.returncode != 0:
        raise SystemExit(f"{argv} failed ({done.returncode}): {done.stderr.decode()[-2000:]}")
    return elapsed, cpu, done.stdout + done.stderr


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
    parser.add_argument(
        "--instructions", action="store_true", help="count instructions too (needs valgrind)"
    )
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
        cli = [str(script)] if script.exists() else [sys.executable, "-c", COMMAND]
        commands = {
            "jobadapter": [*cli, "plugins", "--json"],
            "report": [*cli, "report", "--format", "json"],
            "baseline": [sys.executable, "-c", BASELINE],
            "library": [sys.executable, "-c", LIBRARY],
        }
        # Untimed first runs: bytecode written, file cache warm, the empty store made.
        plugins = json.loads(run(commands["jobadapter"], env)[2])
        for name in ("report", "baseline", "library"):
            run(commands[name], env)
        wall: dict[str, list[float]] = {name: [] for name in commands}
        cpu: dict[str, list[float]] = {name: [] for name in commands}
        for i in range(args.runs):
            order = list(commands.items())
            for name, cmd in order if i % 2 == 0 else reversed(order):
                elapsed, used, _ = run(cmd, env)
                wall[name].append(elapsed)
                cpu[name].append(used)
        imports = slowest_imports(env) if args.importtime else None
        counts = (
            {name: callgrind_instructions(commands[name], env) for name in INSTRUCTION_SIDES}
            if args.instructions
            else None
        )

    def ms(values: list[float]) -> float:
        return round(median(values) * 1000, 1)

    base = median(wall["baseline"])
    figures: dict[str, Any] = {
        "benchmark": "cli_startup",
        "runs_per_side": args.runs,
        "plugins_listed": len(plugins),
        "adapters_listed": sorted(a for p in plugins for a in p.get("adapters", [])),
        **{
            name: {"wall_median_ms": ms(wall[name]), "client_cpu_median_ms": ms(cpu[name])}
            for name in commands
        },
        "ratio": round(median(wall["jobadapter"]) / base, 3),
        "report_ratio": round(median(wall["report"]) / base, 3),
        "cpu_ratio": round(median(cpu["jobadapter"]) / median(cpu["baseline"]), 3),
        "report_cpu_ratio": round(median(cpu["report"]) / median(cpu["baseline"]), 3),
        # What an embedding program pays: every plugin loaded, no CLI, no simulators.
        "library_ratio": round(median(wall["library"]) / base, 3),
        "target_ratio": TARGET,
    }
    figures["met"] = figures["ratio"] <= TARGET and figures["report_ratio"] <= TARGET
    if imports is not None:
        figures["slowest_imports"] = imports
    if counts is not None:
        figures["instructions"] = counts
        figures["instructions_ratio"] = round(counts["jobadapter"] / counts["baseline"], 3)
        figures["report_instructions_ratio"] = round(counts["report"] / counts["baseline"], 3)
    emit(figures)
    return 0


if __name__ == "__main__":
    sys.exit(main())
