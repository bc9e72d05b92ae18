"""Benchmark: one page of the dashboard's job list on a 10,000-job store, SQL paging vs decoding every job.

``jobadapter``: ``web.data.job_list(store, {})``, the data of ``/jobs`` and
``/api/jobs`` (page 1, 50 jobs): ``store.job_page`` filters, counts, orders and
cuts in SQL and decodes only the page's snapshots. ``before``: the same page the
way the list was made until now (and the way a caller of the store interface
alone would): every stored job decoded (``store.jobs()``), the report's rule
applied in Python, anomalies counted from ``store.anomalies()``, sorted, cut.
Both sides are checked to list the same jobs, then run interleaved; client CPU
and wall per page.

    python bench/list_bench.py [--quick] [--transitions N]
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path
from typing import Any

from _common import both_sides, emit, interleaved_cpu, quick_parser
from jobadapter.reports import make_query
from jobadapter.reports.series import job_time, selects
from jobadapter.store import SqliteStore
from jobadapter.store.records import StoredJob
from jobadapter.web.data import PER_PAGE, job_list
from report_bench import build_store


def decode_everything(store: SqliteStore) -> list[tuple[StoredJob, int]]:
    """Page 1, newest first, from every stored job decoded in Python."""
    query = make_query()
    counts: dict[tuple[str, str], int] = {}
    for found in store.anomalies():
        key = (found.anomaly.adapter, found.anomaly.job_id)
        counts[key] = counts.get(key, 0) + 1
    chosen = [s for s in store.jobs(status=query.statuses) if selects(query, s)]
    chosen.sort(key=lambda s: (job_time(s), s.key), reverse=True)
    return [(s, counts.get(s.key, 0)) for s in chosen[:PER_PAGE]]


def main(argv: list[str] | None = None) -> int:
    parser = quick_parser(__doc__.splitlines()[0])
    parser.add_argument("--transitions", type=int, default=None, help="default 29,300 (10k jobs)")
    args = parser.parse_args(argv)
    transitions = args.transitions or (3_000 if args.quick else 29_300)
    rounds = 4 if args.quick else 10
    with tempfile.TemporaryDirectory(prefix="jobadapter-list-") as tmp:
        path = Path(tmp) / "list.sqlite3"
        built = build_store(path, transitions)
        store = SqliteStore(path)
        try:
            ours = [(s.key, n) for s, n in job_list(store, {}).items]
            theirs = [(s.key, n) for s, n in decode_everything(store)]
            if ours != theirs:
                raise SystemExit("the SQL page and the decoded page list different jobs")
            times = interleaved_cpu(
                lambda: job_list(store, {}),
                lambda: decode_everything(store),
                rounds=rounds,
                warmup=1,
            )
        finally:
            store.close()
    result: dict[str, Any] = {
        "benchmark": "list",
        "jobs": built["jobs"],
        "per_page": PER_PAGE,
        "rounds_per_side": rounds,
        **both_sides(times),
    }
    emit(result)
    return 0


if __name__ == "__main__":
    sys.exit(main())
