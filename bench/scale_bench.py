"""Benchmark 8: 100,000 jobs tracked over real HTTP in one process: lag behind schedule.

One Zuora bulk job is submitted to the simulator (a child process) and left
running; the replay server (``_replay.py``, its own process, keep-alive)
answers a status request for any other job id of the same length with that
job's answer, the id swapped in. A :class:`~jobadapter.tracker.Tracker` with
``--workers`` threads then watches ``--jobs`` such jobs, each polled every
``--interval`` seconds (the profile's ``poll_min`` = ``poll_max``), paced by
the profile's ``rate_per_second`` (the offered load, under the capacity that
``tracker_http_bench.py`` measures), until ``--rounds`` rounds are done.

A poll's **lag** is how late it starts after it was due: the previous poll's
answer arrived at ``end``, so it was due at ``end + interval``. The first
poll of each job (all due at once, paced by the rate) is not counted. Prints
p50/p95/max lag, polls per second achieved and offered, the client CPU per
poll and polls per CPU second (capacity per client core).

    python bench/scale_bench.py [--jobs N] [--interval S] [--rate R] [--quick]
"""

from __future__ import annotations

import statistics
import sys
import threading
import time
from typing import Any
from urllib.parse import urlsplit

from _common import SandboxProcess, emit, percentile, pin_to_cpu, quick_parser
from _replay import ReplayProcess
from fetch_bench import SIM_OPTIONS, RecordingTransport
from jobadapter.tracker import Tracker
from jobadapter.transport import Transport

ADAPTER, PROFILE = "zuora.bulk_job", "zuora_bulk"
TARGET_P95_LAG_S = 1.0


class TimingTransport(Transport):
    """Remembers when each request to each URL started and ended (monotonic)."""

    def __init__(self) -> None:
        super().__init__()
        self.polls: dict[str, list[tuple[float, float]]] = {}

    def request(self, method: str, url: str, **kwargs: Any) -> Any:
        start = time.monotonic()
        try:
            return super().request(method, url, **kwargs)
        finally:
            self.polls.setdefault(url, []).append((start, time.monotonic()))


def sibling_ids(sample: str, n: int) -> list[str]:
    """``n`` ids as long as ``sample`` (the replay swaps them into its answer)."""
    width = min(len(sample), 8)
    return [sample[:-width] + f"{i:0{width}x}"[-width:] for i in range(1, n + 1)]


def main(argv: list[str] | None = None) -> int:
    parser = quick_parser(__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=100_000)
    parser.add_argument("--interval", type=float, default=120.0, help="seconds between polls")
    parser.add_argument("--rate", type=float, default=1000.0, help="offered polls per second")
    parser.add_argument("--rounds", type=int, default=1, help="polls per job after the first")
    parser.add_argument("--workers", type=int, default=16)
    parser.add_argument("--no-pin", action="store_true", help="do not pin client and server")
    args = parser.parse_args(argv)
    if args.quick:
        args.jobs, args.interval, args.rate = 3_000, 8.0, 500.0

    from jobadapter_zuora_bulk import BulkJobRequest

    pinned = None if args.no_pin else pin_to_cpu(0)
    with SandboxProcess(options=SIM_OPTIONS, only=["zuora_bulk"]) as sandbox:
        submitter = sandbox.hub()
        csv = b"Id,AccountingCode\n" + b"A00001,4000\n"
        request = BulkJobRequest(file=csv, name="bench", object_type="Account")
        sample = submitter.submit(ADAPTER, request, profile=PROFILE).id
        submitter.close()
        with ReplayProcess(sandbox.url, pin=pinned is not None) as probe_replay:
            tables = probe_replay.profiles(sandbox.profiles)
            probe = sandbox.hub(tables, transport=RecordingTransport())
            probe.get(ADAPTER, sample, profile=PROFILE)
            url = probe.transport.sent[-1][1]
            probe.close()
        target = urlsplit(url).path
        if urlsplit(url).query or sample not in target:
            raise RuntimeError(f"cannot template {url!r}: the job id is not in its path")
        prefix, suffix = target.split(sample, 1)
        template = (prefix, sample, suffix)
        with ReplayProcess(sandbox.url, pin=pinned is not None, template=template) as replay:
            tables = replay.profiles(sandbox.profiles)
            tables[PROFILE] = {
                **tables[PROFILE],
                "poll_min": args.interval,
                "poll_max": args.interval,
                "rate_per_second": args.rate,
                "max_in_flight": args.workers,
            }
            transport = TimingTransport()
            hub = sandbox.hub(tables, transport=transport)
            hub.get(ADAPTER, sample, profile=PROFILE)  # token, connection, the recording
            transport.polls.clear()
            ids = sibling_ids(sample, args.jobs)
            tracker = Tracker(hub, workers=args.workers)
            tracker.extend((ADAPTER, job_id, PROFILE) for job_id in ids)
            first_round = args.jobs / args.rate
            duration = first_round + args.rounds * args.interval + 5.0
            stopper = threading.Timer(duration, tracker.stop)
            started, cpu = time.perf_counter(), time.process_time()
            stopper.start()
            result = tracker.run()
            stopper.cancel()
            cpu, wall = time.process_time() - cpu, time.perf_counter() - started
            served = replay.stats()
            hub.close()

    lags = [
        polls[k][0] - (polls[k - 1][1] + args.interval)
        for polls in transport.polls.values()
        for k in range(1, len(polls))
    ]
    lags.sort()
    polls = result.polls
    emit(
        {
            "benchmark": "scale",
            "jobs": args.jobs,
            "workers": args.workers,
            "interval_s": args.interval,
            "pinned_cpu": pinned,
            "server": {"keep_alive_replay": True, **served},
            "offered_polls_per_s": args.rate,
            "achieved_polls_per_s": round(polls / wall, 1),
            "polls": polls,
            "polls_counted_for_lag": len(lags),
            "lag_p50_s": round(percentile(lags, 50), 3),
            "lag_p95_s": round(percentile(lags, 95), 3),
            "lag_max_s": round(lags[-1], 3) if lags else None,
            "lag_mean_s": round(statistics.fmean(lags), 3) if lags else None,
            "client_cpu_per_poll_us": round(cpu / polls * 1e6, 1),
            "polls_per_cpu_second": round(polls / cpu),
            "wall_seconds": round(wall, 1),
            "target_p95_lag_s": TARGET_P95_LAG_S,
            "met": bool(lags) and percentile(lags, 95) <= TARGET_P95_LAG_S,
        }
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
