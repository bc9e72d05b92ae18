"""Benchmark 7: the tracker's client CPU per poll over real HTTP vs bare urllib3 in a thread pool.

Many finished Zuora bulk jobs are submitted to the simulator (in a child
process); both sides then fetch every one of them once, over keep-alive
connections to the replay server (``_replay.py``, its own process):

- ``jobadapter``: a :class:`~jobadapter.tracker.Tracker` with ``--workers``
  threads watching all the jobs (each is polled once and found finished):
  scheduling, lanes and budgets, the transport, the adapter's parse,
  observe, the policy and the events;
- ``baseline``: a ``ThreadPoolExecutor`` of the same size doing a bare
  ``urllib3.PoolManager.request`` of the very URL and headers jobadapter sent
  for each job, plus ``json.loads``.

The two run in alternating rounds (ours, baseline, baseline, ours, ...); each
round is timed in wall time and in this process's CPU (``time.process_time``,
every thread). ``client_cpu_ratio`` = median CPU per poll, jobadapter /
baseline (target <= 1.3). ``polls_per_cpu_second`` is the tracker's capacity
per client core on this path.

    python bench/tracker_http_bench.py [--jobs N] [--workers W] [--rounds R] [--quick]
"""

from __future__ import annotations

import json
import statistics
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import urllib3
from _common import SandboxProcess, emit, pin_to_cpu, quick_parser
from _replay import ReplayProcess
from fetch_bench import SIM_OPTIONS, RecordingTransport
from jobadapter.tracker import Tracker

TARGET = 1.3
ADAPTER, PROFILE = "zuora.bulk_job", "zuora_bulk"


def submit_jobs(sandbox: SandboxProcess, n: int) -> list[str]:
    """``n`` small bulk jobs, walked to their end."""
    from jobadapter_zuora_bulk import BulkJobRequest

    csv = b"Id,AccountingCode\n" + b"".join(b"A%05d,4000\n" % i for i in range(5))
    hub = sandbox.hub()
    ids = [
        hub.submit(
            ADAPTER, BulkJobRequest(file=csv, name="bench", object_type="Account"), profile=PROFILE
        ).id
        for _ in range(n)
    ]
    hub.close()
    sandbox.advance(10**6)
    return ids


def main(argv: list[str] | None = None) -> int:
    parser = quick_parser(__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=2000)
    parser.add_argument("--workers", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=6, help="rounds per side")
    parser.add_argument("--no-pin", action="store_true", help="do not pin client and server")
    args = parser.parse_args(argv)
    if args.quick:
        args.jobs, args.rounds = 200, 2

    pinned = None if args.no_pin else pin_to_cpu(0)
    with (
        SandboxProcess(options=SIM_OPTIONS, only=["zuora_bulk"]) as sandbox,
        ReplayProcess(sandbox.url, pin=pinned is not None) as replay,
    ):
        ids = submit_jobs(sandbox, args.jobs)
        tables = replay.profiles(sandbox.profiles)
        # What jobadapter sends for each job (this also records every answer once).
        probe = sandbox.hub(tables, transport=RecordingTransport())
        for job_id in ids:
            probe.get(ADAPTER, job_id, profile=PROFILE)
        sent = [
            (url, {**headers, "Accept-Encoding": "gzip"})
            for _, url, headers in probe.transport.sent
        ]
        sent = sent[-len(ids) :]  # the token request came first
        probe.close()
        hub = sandbox.hub(tables)
        pool = urllib3.PoolManager(maxsize=args.workers)

        def ours() -> int:
            tracker = Tracker(hub, workers=args.workers)
            tracker.extend((ADAPTER, job_id, PROFILE) for job_id in ids)
            result = tracker.run()
            if len(result.finished) != len(ids):
                raise RuntimeError(f"tracker finished {len(result.finished)} of {len(ids)}")
            return result.polls

        def fetch(request: tuple[str, dict[str, str]]) -> Any:
            response = pool.request("GET", request[0], headers=request[1])
            if response.status != 200:
                raise RuntimeError(f"baseline GET answered {response.status}")
            return json.loads(response.data)

        def bare() -> int:
            with ThreadPoolExecutor(args.workers) as executor:
                return len(list(executor.map(fetch, sent)))

        ours()  # warm: token, connections, routes
        bare()
        times: dict[str, dict[str, list[float]]] = {
            side: {"wall": [], "cpu": []} for side in ("jobadapter", "baseline")
        }
        pair = (("jobadapter", ours), ("baseline", bare))
        for r in range(args.rounds):
            for side, fn in pair if r % 2 == 0 else pair[::-1]:
                t0, c0 = time.perf_counter(), time.process_time()
                polls = fn()
                c1, t1 = time.process_time(), time.perf_counter()
                times[side]["wall"].append((t1 - t0) / polls)
                times[side]["cpu"].append((c1 - c0) / polls)
        served = replay.stats()
        hub.close()
        pool.clear()

    def side(name: str) -> dict[str, Any]:
        cpu = statistics.median(times[name]["cpu"])
        return {
            "client_cpu_per_poll_us": round(cpu * 1e6, 1),
            "wall_per_poll_us": round(statistics.median(times[name]["wall"]) * 1e6, 1),
            "polls_per_cpu_second": round(1 / cpu),
        }

    ours_side, base_side = side("jobadapter"), side("baseline")
    ratio = ours_side["client_cpu_per_poll_us"] / base_side["client_cpu_per_poll_us"]
    emit(
        {
            "benchmark": "tracker_http",
            "jobs": args.jobs,
            "workers": args.workers,
            "rounds_per_side": args.rounds,
            "pinned_cpu": pinned,
            "server": {"keep_alive_replay": True, **served},
            "jobadapter": ours_side,
            "baseline": base_side,
            "client_cpu_ratio": round(ratio, 3),
            "wall_ratio": round(ours_side["wall_per_poll_us"] / base_side["wall_per_poll_us"], 3),
            "target_ratio": TARGET,
            "met": ratio <= TARGET,
        }
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
