"""Benchmark 1 by instruction count: what one ``hub.get`` costs the client, load-independent.

Wall-clock ratios move with the machine's load; the number of instructions the
client process executes per call does not. For each adapter, a child process
is run under ``valgrind --tool=callgrind`` twice (no calls, then ``--calls``
calls, after a warm-up) and the difference is divided by the calls. The same
is done for the baseline of ``fetch_bench.py`` (a bare urllib3 GET of the very
URLs and headers jobadapter sent, plus ``json.loads``). The simulators answer
from their own process (not counted); ``PYTHONHASHSEED=0`` keeps the count
repeatable to within about 1 %.

Needs valgrind; takes about 3 minutes. Not part of ``make bench``.

    python bench/fetch_instructions.py [--calls N] [--adapter NAME ...]
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

from _callgrind import callgrind_instructions
from _common import SandboxProcess, emit
from _replay import ReplayProcess

SIDES = ("jobadapter", "baseline")


def child(info_path: str, adapter: str, side: str, calls: int) -> None:
    """Set up like fetch_bench, warm up, then make ``calls`` calls of one side."""
    import urllib3
    from fetch_bench import RecordingTransport, the_two_calls, with_timeouts
    from jobadapter import Hub
    from jobadapter.config import profile_from_mapping

    info = json.loads(Path(info_path).read_text())
    profiles = [profile_from_mapping(n, t, source="sandbox") for n, t in info["profiles"].items()]
    hub = Hub(config=False, profiles=profiles)
    probe = Hub(config=False, profiles=profiles, transport=RecordingTransport())
    pool = urllib3.PoolManager(maxsize=4)
    _, job_id, profile = next(job for job in info["jobs"] if job[0] == adapter)
    _, sent, ours, bare = the_two_calls(hub, probe, pool, adapter, job_id, profile)
    call = ours if side == "jobadapter" else bare
    if side == "baseline_timeouts":  # not counted by default: see fetch_bench.with_timeouts
        call = with_timeouts(sent, probe.transport.last_timeouts)
    for _ in range(30):
        call()
    for _ in range(calls):
        call()


def instructions(info: str, adapter: str, side: str, calls: int) -> int:
    """Instructions the child executes, in total, making ``calls`` calls."""
    argv = [sys.executable, __file__, "child", info, adapter, side, str(calls)]
    return callgrind_instructions(argv)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=200)
    parser.add_argument("--adapter", action="append", help="only these adapters (repeatable)")
    parser.add_argument(
        "--timeouts", action="store_true", help="also count the baseline with jobadapter's timeouts"
    )
    args = parser.parse_args(argv)
    if shutil.which("valgrind") is None:
        sys.exit("fetch_instructions.py needs valgrind (apt install valgrind)")

    from fetch_bench import SIM_OPTIONS, finished_jobs

    per_adapter: dict[str, Any] = {}
    with (
        SandboxProcess(options=SIM_OPTIONS) as sandbox,
        ReplayProcess(sandbox.url) as replay,
        tempfile.TemporaryDirectory() as tmp,
    ):
        jobs = finished_jobs(sandbox)
        info = str(Path(tmp) / "jobs.json")
        tables = replay.profiles(sandbox.profiles)
        Path(info).write_text(json.dumps({"profiles": tables, "jobs": jobs}))
        for adapter, _, _ in jobs:
            if args.adapter and adapter not in args.adapter:
                continue
            counts = {
                side: (
                    instructions(info, adapter, side, args.calls)
                    - instructions(info, adapter, side, 0)
                )
                // args.calls
                for side in SIDES + (("baseline_timeouts",) if args.timeouts else ())
            }
            per_adapter[adapter] = {
                "instructions_per_call": counts,
                "overhead": counts["jobadapter"] - counts["baseline"],
                # the client's user-space work only: the target's ratio (fetch_bench.py)
                # is over wall time, which also counts the server and the kernel
                "client_ratio": round(counts["jobadapter"] / counts["baseline"], 3),
            }
            if args.timeouts:
                per_adapter[adapter]["client_ratio_vs_timeouts"] = round(
                    counts["jobadapter"] / counts["baseline_timeouts"], 3
                )
    emit({"benchmark": "fetch_instructions", "calls": args.calls, "per_adapter": per_adapter})
    return 0


if __name__ == "__main__":
    if len(sys.argv) == 6 and sys.argv[1] == "child":
        child(sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5]))
    else:
        sys.exit(main())
