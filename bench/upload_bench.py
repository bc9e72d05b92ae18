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

Both sides send to a keep-alive replay server in its own process
(``_replay.py``): it reads each upload in full and answers as the simulator
did the first time, so the server (whose multipart parsing, checksum and CSV
reading were ~90 % of an upload's wall time) is not the bottleneck.

The headline is the **client's own CPU** per upload (``time.thread_time``
around each call, one upload per side per round, alternating):
``client_cpu_ratio`` = median jobadapter / median baseline (target <= 1.3).
``baseline_md5_each`` is a second baseline that also computes the checksum
of each upload, as a hand-written client of changing files must; the strict
baseline (checksum computed once, up front) is the headline.

    python bench/upload_bench.py [--uploads N] [--megabytes MB] [--quick]
"""

from __future__ import annotations

import hashlib
import json
import sys
import uuid

import urllib3
from _common import (
    SandboxProcess,
    both_sides,
    emit,
    interleaved_cpu,
    median,
    pin_to_cpu,
    quick_parser,
)
from _replay import ReplayProcess

TARGET = 1.3
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
        args.uploads = 4

    from jobadapter_zuora_bulk import MassUpdateRequest

    csv = make_csv(int(args.megabytes * 1_000_000))
    checksum = hashlib.md5(csv, usedforsecurity=False).hexdigest()
    params = json.dumps({"actionType": ACTION, "checksum": checksum})
    pinned = None if args.no_pin else pin_to_cpu(0)
    options = {"zuora_bulk": {"rate_limit": 10**9}}
    with (
        SandboxProcess(options=options, only=["zuora_bulk"]) as sandbox,
        ReplayProcess(sandbox.url, pin=pinned is not None) as replay,
    ):
        hub = sandbox.hub(replay.profiles(sandbox.profiles))
        conn = hub.connection("zuora.mass_updater", "zuora_bulk")
        url = conn.url("/v1/bulk")
        pool = urllib3.PoolManager(maxsize=2)

        def ours() -> str:
            request = MassUpdateRequest(file=csv, action_type=ACTION, filename="bench.csv")
            job = hub.submit("zuora.mass_updater", request, profile="zuora_bulk")
            return str(job.id)

        def bare(params: str = params) -> str:
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

        def bare_md5_each() -> str:
            digest = hashlib.md5(csv, usedforsecurity=False).hexdigest()
            return bare(json.dumps({"actionType": ACTION, "checksum": digest}))

        times = interleaved_cpu(ours, bare, rounds=args.uploads, warmup=2)
        md5_each = interleaved_cpu(ours, bare_md5_each, rounds=args.uploads, warmup=1)
        served = replay.stats()
        hub.close()
        pool.clear()

    mb = len(csv) / 1e6
    figures = both_sides(times)
    ratio = figures["client_cpu_ratio"]
    emit(
        {
            "benchmark": "upload",
            "csv_bytes": len(csv),
            "uploads_per_side": args.uploads,
            "pinned_cpu": pinned,
            "server": {"keep_alive_replay": True, **served},
            **figures,
            "mb_per_s": {side: round(mb / median(t["wall"]), 1) for side, t in times.items()},
            "baseline_md5_each": both_sides(md5_each),
            "target_client_cpu_ratio": TARGET,
            "met": ratio <= TARGET,
        }
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
