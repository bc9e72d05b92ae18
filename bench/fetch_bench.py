"""Benchmark 1: status fetch overhead, ``hub.get`` vs a bare urllib3 GET + ``json.loads``.

For each adapter one job is submitted to its simulator (served by a child
process on 127.0.0.1) and walked to its end, so every answer is the same.
Then, alternating call by call (ours, baseline, baseline, ours, ...), we time:

- ``jobadapter``: ``hub.get(adapter, job_id, profile=...)``: profile and
  connection lookup, headers and credentials, the transport (retry policy,
  size cap, gzip), the provider's error check, JSON, ``adapter.parse``;
- ``baseline``: ``urllib3.PoolManager.request("GET", url, headers=...)`` with
  the very URL and headers jobadapter sent (recorded once), then
  ``json.loads`` of the body; where one ``hub.get`` sends more than one
  request (a finished custom object job also reads its ``/errors``), the
  baseline sends them all.

The simulators close every connection (``Connection: close``, werkzeug's dev
server), so both sides open a new TCP connection for each request. Prints one
JSON object; ``ratio`` is median jobadapter / median baseline per adapter, and
``ratio_worst`` the largest of them (target <= 1.10).

Why one call per round: a request to the simulator takes anywhere from about
580 to 900 us (p5 to p95 on the reference machine), and where in that spread
a stretch of calls falls follows the machine's state, not the code. In blocks
of 20 calls the two medians came from different stretches, and one adapter's
ratio moved by up to 0.04 between runs of the same code; one call of each
side next to the other sees the same machine.

    python bench/fetch_bench.py [--rounds R] [--calls N] [--quick] [--profile]
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from typing import Any

import urllib3
from _common import (
    SandboxProcess,
    cpu_per_call,
    emit,
    interleaved,
    median,
    pin_to_cpu,
    quick_parser,
    summary_us,
)
from jobadapter.transport import Transport

TARGET = 1.10
#: Simulator options: no rate limit (thousands of GETs are the point here).
SIM_OPTIONS: dict[str, dict[str, Any]] = {
    "zoho_mass_update": {"requests_per_window": None},
    "zuora_bulk": {"rate_limit": 10**9},
    "zuora_custom_objects": {"rate_limit": 10**9},
}


class RecordingTransport(Transport):
    """A transport that remembers the requests it was asked to send."""

    def __init__(self) -> None:
        super().__init__()
        self.sent: list[tuple[str, str, dict[str, str]]] = []

    def request(self, method: str, url: str, **kwargs: Any) -> Any:
        self.sent.append((method, url, dict(kwargs.get("headers") or {})))
        return super().request(method, url, **kwargs)


def fallback_jobs(
    hub: Any, covered: set[str], profiles: dict[str, Any]
) -> list[tuple[str, str, str]]:
    """Jobs for adapters whose simulator offers no demo job (a small CSV each)."""
    csv = b"Id,AccountingCode\n" + b"".join(b"A%05d,4000\n" % i for i in range(20))
    made = []
    if "zuora.mass_updater" not in covered and "zuora_bulk" in profiles:
        from jobadapter_zuora_bulk import MassUpdateRequest

        request = MassUpdateRequest(
            file=csv, action_type="UpdateAccountingCode", filename="bench.csv"
        )
        job = hub.submit("zuora.mass_updater", request, profile="zuora_bulk")
        made.append((job.adapter, job.id, "zuora_bulk"))
    if "zuora.bulk_job" not in covered and "zuora_bulk" in profiles:
        from jobadapter_zuora_bulk import BulkJobRequest

        bulk = BulkJobRequest(file=csv, name="bench", object_type="Account")
        job = hub.submit("zuora.bulk_job", bulk, profile="zuora_bulk")
        made.append((job.adapter, job.id, "zuora_bulk"))
    return made


def one_per_adapter(jobs: list[tuple[str, str, str]]) -> list[tuple[str, str, str]]:
    seen: dict[str, tuple[str, str, str]] = {}
    for job in jobs:
        seen.setdefault(job[0], job)
    return [seen[name] for name in sorted(seen)]


def finished_jobs(sandbox: SandboxProcess) -> list[tuple[str, str, str]]:
    """One job per adapter, (adapter, job id, profile), walked to its end in ``sandbox``
    so that every answer is the same."""
    submitter = sandbox.hub()
    jobs = sandbox.demo()
    jobs += fallback_jobs(submitter, {a for a, _, _ in jobs}, sandbox.profiles)
    submitter.close()
    sandbox.advance(10**6)
    return one_per_adapter(jobs)


def the_two_calls(
    hub: Any, probe: Any, pool: urllib3.PoolManager, adapter: str, job_id: str, profile: str
) -> tuple[Any, list[tuple[str, dict[str, str]]], Callable[[], Any], Callable[[], Any]]:
    """The job, the requests one ``hub.get`` of it sends, and the two calls compared:
    ``hub.get``, and a bare urllib3 GET of each of those requests plus ``json.loads``.

    ``probe`` is a hub with a RecordingTransport; its first get fetches the token and
    opens the connection, the second records what a steady-state get sends.
    """
    probe.get(adapter, job_id, profile=profile)
    probe.transport.sent.clear()
    job = probe.get(adapter, job_id, profile=profile)
    # Every request one hub.get sends (custom object jobs also read /errors once
    # finished, to count failed rows), as jobadapter sends them.
    sent = [
        (url, {**headers, "Accept-Encoding": "gzip"}) for _, url, headers in probe.transport.sent
    ]

    def ours() -> Any:
        return hub.get(adapter, job_id, profile=profile)

    def bare() -> Any:
        answers = []
        for url, headers in sent:
            response = pool.request("GET", url, headers=headers)
            if response.status != 200:
                raise RuntimeError(f"baseline GET {url} answered {response.status}")
            answers.append(json.loads(response.data))
        return answers[0]

    return job, sent, ours, bare


def profile_calls(fn: Any, calls: int) -> None:
    """cProfile ``calls`` calls of ``fn``; the top of the profile goes to stderr."""
    import cProfile
    import pstats

    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(calls):
        fn()
    profiler.disable()
    pstats.Stats(profiler, stream=sys.stderr).sort_stats("tottime").print_stats(25)


def main(argv: list[str] | None = None) -> int:
    parser = quick_parser(__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=2000)
    parser.add_argument("--calls", type=int, default=1, help="calls per side per round")
    parser.add_argument("--profile", action="store_true", help="cProfile hub.get to stderr")
    parser.add_argument("--no-pin", action="store_true", help="do not pin client and server")
    args = parser.parse_args(argv)
    if args.quick:
        args.rounds, args.calls = 200, 1

    per_adapter: dict[str, Any] = {}
    pinned = None if args.no_pin else pin_to_cpu(0)
    with SandboxProcess(options=SIM_OPTIONS, pin=pinned is not None) as sandbox:
        jobs = finished_jobs(sandbox)
        hub = sandbox.hub()
        probe = sandbox.hub(transport=RecordingTransport())
        pool = urllib3.PoolManager(maxsize=4)
        for adapter, job_id, profile in jobs:
            job, sent, ours, bare = the_two_calls(hub, probe, pool, adapter, job_id, profile)
            same = bare() == ours().raw == job.raw
            if args.profile:
                print(f"== cProfile of hub.get({adapter!r})", file=sys.stderr)
                profile_calls(ours, 500)
            a, b = interleaved(ours, bare, rounds=args.rounds, calls=args.calls)
            cpu_calls = min(300, args.rounds * args.calls // 4)
            cpu_a = min(cpu_per_call(ours, cpu_calls) for _ in range(2))
            cpu_b = min(cpu_per_call(bare, cpu_calls) for _ in range(2))
            per_adapter[adapter] = {
                "status": job.status.value,
                "requests_per_get": len(sent),
                "answer_bytes": len(json.dumps(job.raw)),
                "same_answer": same,
                "jobadapter": summary_us(a),
                "baseline": summary_us(b),
                "overhead_us": round((median(a) - median(b)) * 1e6, 1),
                # this process's CPU per call: the client's own work, whatever the server does
                "client_cpu_us": {
                    "jobadapter": round(cpu_a * 1e6, 1),
                    "baseline": round(cpu_b * 1e6, 1),
                },
                "ratio": round(median(a) / median(b), 3),
            }
        probe.close()
        hub.close()
        pool.clear()

    worst = max(v["ratio"] for v in per_adapter.values())
    emit(
        {
            "benchmark": "fetch",
            "rounds": args.rounds,
            "calls_per_round": args.calls,
            "calls_per_side": args.rounds * args.calls,
            "pinned_cpu": pinned,
            "per_adapter": per_adapter,
            "ratio_worst": worst,
            "ratio_median": round(median([v["ratio"] for v in per_adapter.values()]), 3),
            "target_ratio": TARGET,
            "met": worst <= TARGET,
        }
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
