"""The SQLite store's cost per observation by instruction count, load-independent.

``store_bench.py`` times client CPU, which a busy machine moves by 10-30 %; the
instructions a process executes do not move. A child process is run under
``valgrind --tool=callgrind`` twice per side: once seeing every job first
(step 0 of ``store_bench``'s workload), once seeing them first and then every
later step (running with counts, a third unchanged, then succeeded); the
difference divided by the later observations is the figure. Sides: the store
as shipped (group commit), the store with ``group_size=1``, and the bare upsert
baseline. User-space only: the kernel's share of a commit (the WAL write) is
not counted, so group commit shows in CPU time more than here.

Needs valgrind; about 2 minutes. Not part of ``make bench``.

    python bench/store_instructions.py [--jobs N] [--steps K]
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

from _callgrind import callgrind_instructions
from _common import emit

SIDES = ("jobadapter", "commit_each", "baseline")


def child(side: str, jobs: int, steps: int, later: bool) -> None:
    """Observe step 0 of every job, then (``later``) steps 1 to ``steps - 1``."""
    from jobadapter.store import open_store
    from store_bench import bare_writer, workload

    sequence = workload(jobs, steps)
    with tempfile.TemporaryDirectory(prefix="store-instructions-") as tmp:
        path = Path(tmp) / "store.sqlite3"
        if side == "baseline":
            write, close = bare_writer("sqlite", str(path))
        else:
            options = {"group_size": 1} if side == "commit_each" else {}
            store = open_store(f"sqlite://{path}", **options)
            write, close = store.observe, store.close
        for job in sequence[:jobs]:
            write(job)
        if later:
            for job in sequence[jobs:]:
                write(job)
        close()


def instructions(side: str, jobs: int, steps: int, later: bool) -> int:
    argv = [sys.executable, __file__, "child", side, str(jobs), str(steps), str(int(later))]
    return callgrind_instructions(argv)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=300)
    parser.add_argument("--steps", type=int, default=10)
    parser.add_argument("--side", action="append", choices=SIDES, help="only these (repeatable)")
    args = parser.parse_args(argv)
    if shutil.which("valgrind") is None:
        sys.exit("store_instructions.py needs valgrind (apt install valgrind)")
    observations = args.jobs * (args.steps - 1)
    per_side: dict[str, Any] = {}
    for side in args.side or SIDES:
        total = instructions(side, args.jobs, args.steps, True)
        per_side[side] = (total - instructions(side, args.jobs, args.steps, False)) // observations
    if "jobadapter" in per_side and "baseline" in per_side:
        per_side["ratio"] = round(per_side["jobadapter"] / per_side["baseline"], 3)
    emit(
        {
            "benchmark": "store_instructions",
            "jobs": args.jobs,
            "steps": args.steps,
            "instructions_per_observation": per_side,
        }
    )
    return 0


if __name__ == "__main__":
    if len(sys.argv) == 6 and sys.argv[1] == "child":
        child(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5] == "1")
    else:
        sys.exit(main())
