"""Taking and giving back a fleet permit on PostgreSQL: one function call vs the statements.

A fleet worker takes a permit (its profile's fleet-wide rate and in-flight
limits) before every poll and gives it back after. Both ways run in the same
process against the same database, interleaved call by call:

- ``jobadapter``: as shipped on PostgreSQL, ``fleet_take_permit`` in one
  autocommitted ``SELECT`` (jobadapter.fleet.permit_sql);
- ``baseline``: the same checks statement by statement in one transaction
  (BEGIN, six statements, COMMIT), as the fleet took them before and still
  does on SQLite.

Each side's release (one autocommitted ``DELETE``) is in its figure: two
round trips per permit against nine. Figures: wall time and
client CPU (``thread_time``) per acquire+release, both sides, and the ratios.
A profile without a rate limit and with room in flight, so every ask is
granted and both sides do all of their work.

    python bench/permit_bench.py [--quick] [--rounds N]
"""

from __future__ import annotations

from typing import Any

from _common import both_sides, emit, interleaved_cpu, quick_parser
from jobadapter.clock import SystemClock
from jobadapter.config import profile_from_mapping
from jobadapter.fleet import FleetDB, FleetLimits


def main(argv: list[str] | None = None) -> int:
    parser = quick_parser(__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=None, help="asks per side (default 3000)")
    args = parser.parse_args(argv)
    rounds = args.rounds or (300 if args.quick else 3000)
    result: dict[str, Any] = {"benchmark": "permit", "rounds": rounds}
    try:
        from jobadapter.testing.postgres import fresh_database
    except ImportError as exc:  # pragma: no cover (psycopg missing)
        result["error"] = f"{type(exc).__name__}: {exc}"
        emit(result)
        return 0
    with fresh_database(prefix="jobadapter_permit") as url:
        db = FleetDB(url)
        try:
            sides = {
                name: FleetLimits(db, SystemClock(), in_database=in_db)
                for name, in_db in (("jobadapter", True), ("baseline", False))
            }
            sides["jobadapter"].create()
            profiles = {
                name: profile_from_mapping(
                    f"p-{name}",
                    {"provider": "zoho", "base_url": "https://x.test", "max_in_flight": 1000},
                )
                for name in sides
            }

            def ask(name: str) -> None:
                limits = sides[name]
                permit = limits.acquire(profiles[name], "bench#1")
                assert permit.granted, permit
                limits.release(permit)

            times = interleaved_cpu(
                lambda: ask("jobadapter"), lambda: ask("baseline"), rounds=rounds
            )
        finally:
            db.close()
    result.update(both_sides(times))
    emit(result)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
