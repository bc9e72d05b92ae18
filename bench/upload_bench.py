"""Benchmark 4: upload, a 4 MB CSV to the Mass Updater simulator vs a bare urllib3 multipart POST.

The Zuora simulator (``zuora_bulk``) runs in a child process on 127.0.0.1.
In alternating order we time, on the same CSV bytes:

- ``jobadapter``: ``hub.submit("zuora.mass_updater", MassUpdateRequest(file=csv,
  ...))``: file checks, the MD5 checksum Zuora verifies, the multipart body,
  a fresh idempotency key, the transport, Zuora's error check, the Job;
- ``baseline``: ``urllib3.PoolManager.request("POST", .../v1/bulk, fields=...)``
  with the same parts (``file`` and ``params``, the checksum computed once,
  up front), the same bearer token and its own idempotency key, then
  ``json.loads`` of the answer.

Both sides make the simulator do the same work (parse the multipart body,
verify the checksum, read the CSV). Throughput is CSV bytes per second of
wall time; ``ratio`` is jobadapter throughput / baseline throughput
(target >= 0.9). ``server_ms`` (the simulator's own time per upload, from its
request log) shows how much of each upload is the client's.

    python bench/upload_bench.py [--uploads N] [--megabytes MB] [--quick]
"""

from __future__ import annotations

import hashlib
import json
import sys
import time
import uuid
from typing import Any

import urllib3
from _common import SandboxProcess, emit, median, pin_to_cpu, quick_parser

TARGET = 0.9
ACTION = "UpdateAccountingCode"


def make_csv(size: int) -> bytes:
    """A Mass Updater CSV of about ``size`` bytes (header + rows, a few rows marked to fail)."""
    header = b"Id,AccountingCode,Name,Description\n"
    rows = [header]
    total = len(header)
    i = 0
    while total < size:
        marker = b"FAIL" if i % 997 == 0 else b"ok"
        row = b"8a80%028x,4000-%05d,Account %07d,Revenue recognition row %s\n" % (
            i,
            i % 100_000,
            i,
            marker,
        )
        rows.append(row)
        total += len(row)
        i += 1
    return b"".join(rows)[:size].rsplit(b"\n", 1)[0] + b"\n"


def main(argv: list[str] | None = None) -> int:
    parser = quick_parser(__doc__.splitlines()[0])
    parser.add_argument("--uploads", type=int, default=16, help="uploads per side")
    parser.add_argument(
        "--megabytes", type=float, default=4.0, help="CSV size in MB (10^6 bytes; <= 4 MiB)"
    )
    parser.add_argument("--no-pin", action="store_true", help="do not pin client and server")
    args = parser.parse_args(argv)
    if args.quick:
        args.uploads = 2

    from jobadapter_zuora_bulk import MassUpdateRequest

    csv = make_csv(int(args.megabytes * 1_000_000))
    checksum = hashlib.md5(csv, usedforsecurity=False).hexdigest()
    params = json.dumps({"actionType": ACTION, "checksum": checksum})
    pinned = None if args.no_pin else pin_to_cpu(0)
    options = {"zuora_bulk": {"rate_limit": 10**9}}
    with SandboxProcess(options=options, only=["zuora_bulk"], pin=pinned is not None) as sandbox:
        hub = sandbox.hub()
        conn = hub.connection("zuora.mass_updater", "zuora_bulk")
        url = conn.url("/v1/bulk")
        pool = urllib3.PoolManager(maxsize=2)

        def ours() -> str:
            request = MassUpdateRequest(file=csv, action_type=ACTION, filename="bench.csv")
            job = hub.submit("zuora.mass_updater", request, profile="zuora_bulk")
            return str(job.id)

        def bare() -> str:
            headers = {
                **conn.credentials.auth_headers(hub.transport),  # the hub's token, cached
                "Accept": "application/json",
                "Idempotency-Key": uuid.uuid4().hex,
            }
            response = pool.request(
                "POST",
                url,
                fields={"file": ("bench.csv", csv, "text/csv"), "params": params},
                headers=headers,
            )
            answer = json.loads(response.data)
            if response.status != 200 or not answer.get("success"):
                raise RuntimeError(f"baseline upload failed: {response.status} {answer}")
            return str(answer["bulkKey"])

        ours()  # token, connection, first-call costs out of the way
        bare()
        times: dict[str, list[float]] = {"ours": [], "bare": []}
        server: dict[str, list[float]] = {"ours": [], "bare": []}
        for i in range(args.uploads):
            order = [("ours", ours), ("bare", bare)]
            for name, fn in order if i % 2 == 0 else reversed(order):
                start = time.perf_counter()
                fn()
                times[name].append(time.perf_counter() - start)
                (entry,) = sandbox.log("zuora_bulk", 1)
                if entry["method"] != "POST" or entry["status"] != 200:
                    raise RuntimeError(f"unexpected last request {entry}")
                server[name].append(entry["duration"])
        hub.close()
        pool.clear()

    mb = len(csv) / 1e6

    def side(name: str) -> dict[str, Any]:
        t = median(times[name])
        s = median(server[name])
        return {
            "median_s": round(t, 4),
            "runs_s": [round(x, 4) for x in times[name]],
            "mb_per_s": round(mb / t, 1),
            "server_ms": round(s * 1000, 1),
            "client_ms": round((t - s) * 1000, 1),
        }

    ratio = median(times["bare"]) / median(times["ours"])
    emit(
        {
            "benchmark": "upload",
            "csv_bytes": len(csv),
            "uploads_per_side": args.uploads,
            "pinned_cpu": pinned,
            "jobadapter": side("ours"),
            "baseline": side("bare"),
            "ratio": round(ratio, 3),
            "target_ratio_min": TARGET,
            "met": ratio >= TARGET,
        }
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
