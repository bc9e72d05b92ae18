"""Benchmark 2: parse throughput, ``adapter.parse`` of each documented sample vs ``json.loads``.

Each adapter's sample answer is the provider's own, copied verbatim from its
reference page (``provider-docs/pages/``; Zoho's copy stops at the heading,
so its sample is the one on Zoho's page), held once in each plugin's
``samples`` module. In alternating rounds we time, on the same bytes:

- ``baseline``: ``json.loads(sample)``;
- ``jobadapter``: ``adapter.parse(json.loads(sample), job_id=...)``, the
  whole way from answer bytes to a ``Job``;

and also ``adapter.parse`` alone (the mapping, no JSON). Prints one JSON
object: payloads per second of client CPU (``time.thread_time``, so other
processes' turns on the core are not in it) for each, and ``ratio`` (jobadapter time per
payload / json.loads time per payload).

    python bench/parse_bench.py [--seconds S] [--quick]
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable
from typing import Any

import jobadapter_zoho_mass_update.samples as zoho_samples
import jobadapter_zuora_bulk.samples as zuora_bulk_samples
import jobadapter_zuora_custom_objects.samples as custom_object_samples
from _common import emit, quick_parser
from jobadapter import Hub

#: Each sample's text and page are in the plugin's ``samples`` module.
MASS_UPDATER = zuora_bulk_samples.MASS_UPDATER_GET.encode()
BULK_JOB = zuora_bulk_samples.BULK_JOB_SUMMARY.encode()
CUSTOM_OBJECT_JOB = custom_object_samples.GET_JOB.encode()
ZOHO_MASS_UPDATE = zoho_samples.SAMPLE_COMPLETED.encode()

#: adapter -> (sample bytes, the job_id the caller passes: ids the answer leaves out).
SAMPLES: dict[str, tuple[bytes, str | None]] = {
    "zuora.mass_updater": (MASS_UPDATER, "402892f04c97b89a014c97bb30a50003"),
    "zuora.bulk_job": (BULK_JOB, None),
    "zuora.custom_object_job": (CUSTOM_OBJECT_JOB, None),
    "zoho.mass_update": (ZOHO_MASS_UPDATE, "Leads:554023000000506003"),
}


def rate(fn: Callable[[], object], seconds: float) -> float:
    """Calls of ``fn`` per second of this thread's CPU (the client's own time:
    another process's turn on the core is not in it), in batches for ``seconds``."""
    batch = 1000
    calls = 0
    clock = time.thread_time
    start = clock()
    while True:
        for _ in range(batch):
            fn()
        calls += batch
        elapsed = clock() - start
        if elapsed >= seconds:
            return calls / elapsed


def measure(adapter: Any, sample: bytes, job_id: str | None, args: Any) -> dict[str, Any]:
    payload = json.loads(sample)
    job = adapter.parse(payload, job_id=job_id)
    loads = json.loads
    parse = adapter.parse

    def ours() -> object:
        return parse(loads(sample), job_id=job_id)

    def baseline() -> object:
        return loads(sample)

    def parse_only() -> object:
        return parse(payload, job_id=job_id)

    rates: dict[str, list[float]] = {"ours": [], "baseline": [], "parse_only": []}
    fns = {"ours": ours, "baseline": baseline, "parse_only": parse_only}
    for r in range(args.rounds):
        names = list(fns) if r % 2 == 0 else list(reversed(fns))
        for name in names:
            rates[name].append(rate(fns[name], args.seconds / args.rounds))
    best = {name: max(values) for name, values in rates.items()}  # least disturbed round
    return {
        "bytes": len(sample),
        "status": job.status.value,
        "native_status": job.native_status,
        "jobadapter_per_s": round(best["ours"]),
        "json_loads_per_s": round(best["baseline"]),
        "parse_only_per_s": round(best["parse_only"]),
        "jobadapter_us": round(1e6 / best["ours"], 2),
        "json_loads_us": round(1e6 / best["baseline"], 2),
        "ratio": round(best["baseline"] / best["ours"], 2),
    }


def main(argv: list[str] | None = None) -> int:
    parser = quick_parser(__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=1.5, help="per adapter and side")
    parser.add_argument("--rounds", type=int, default=6)
    args = parser.parse_args(argv)
    if args.quick:
        args.seconds, args.rounds = 0.2, 2

    hub = Hub(config=False)
    per_adapter = {}
    for name, (sample, job_id) in SAMPLES.items():
        adapter = hub.adapter(name)
        per_adapter[name] = measure(adapter, sample, job_id, args)
    emit(
        {
            "benchmark": "parse",
            "seconds_per_side": args.seconds,
            "rounds": args.rounds,
            "per_adapter": per_adapter,
            "ratio_worst": max(v["ratio"] for v in per_adapter.values()),
            "target": "none set; reported for tracking regressions",
        }
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
