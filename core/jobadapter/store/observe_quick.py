"""An observation of an open job in one statement, when this process knows its row.

Most polls of a running job see nothing new or only its counters move. The
general path (:mod:`jobadapter.store.observe_sql`) reads the row under a lock
and writes it back in a transaction: on PostgreSQL four round trips, on
SQLite a savepoint, a read, a write and a release inside the group commit. When
this process wrote or read the job's snapshot last (it is in the decoded
cache) and the observation records no transition, no anomaly and no change to
what reports count, one ``UPDATE`` does it, made conditional on the row still
holding that snapshot and not having been seen later: a row another process
moved meanwhile, or older news, changes nothing, and the general path runs.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from jobadapter.model import Job
from jobadapter.observe import Observation, observe
from jobadapter.store.decoded import DecodedSnapshots
from jobadapter.store.errors import StoreOutcomeUnknown
from jobadapter.store.rows import JOB_COLUMNS, job_columns, snapshot_of

#: The columns such an observation may change: none that a report groups or
#: counts an ended job by, none whose value depends on when the job was first seen.
MOVABLE = frozenset(
    (
        "target",
        "native_status",
        "rows_total",
        "rows_processed",
        "rows_succeeded",
        "rows_failed",
        "updated_us",
        "snapshot",
    )
)
_WHERE = " WHERE adapter = ? AND job_id = ? AND snapshot = ? AND last_seen_us <= ?"

#: Runs one statement as a write of its own (PostgreSQL autocommits it, SQLite
#: groups it like any observation that records nothing new); returns the rows it
#: changed or read. A connection lost once it was sent is StoreOutcomeUnknown, not a retry.
StatementWriter = Callable[[str, Sequence[Any]], int]


def observe_quickly(
    write: StatementWriter,
    decoded: DecodedSnapshots,
    job: Job,
    profile: str | None,
    at: int,
) -> Observation | None:
    """``job`` (seen at ``at`` µs) stored in one statement, or None: take the general path."""
    found = decoded.peek(job.key)
    if found is None:
        return None
    text, remembered = found
    if job.status is not remembered.status:
        return None  # a transition or an anomaly (the cache holds no ended job)
    result = observe(remembered, job)
    kept = result.job
    if result.anomalies or kept.is_terminal:
        return None
    unchanged = kept == remembered
    sets: list[str] = []
    values: list[Any] = []
    new_text, exact = text, True
    if not unchanged:
        new_text, exact = snapshot_of(kept)
        # The same stand-in for when it was first seen on both sides: a column that
        # depends on it then differs only if what it is made from did, and is not movable.
        old = job_columns(remembered, first_seen=0, terminal_seen=None, snapshot=text)
        new = job_columns(kept, first_seen=0, terminal_seen=None, snapshot=new_text)
        for name, value, was in zip(JOB_COLUMNS, new, old, strict=True):
            if value != was:
                if name not in MOVABLE:
                    return None
                sets.append(f"{name} = ?")
                values.append(value)
    sets += ["profile = COALESCE(?, profile)", "last_seen_us = ?"]
    try:
        changed = write(
            f"UPDATE jobs SET {', '.join(sets)}{_WHERE}",  # noqa: S608 (column names are constants)
            (*values, profile, at, job.adapter, job.id, text, at),
        )
    except StoreOutcomeUnknown:
        # Sent, maybe committed, no reply. Repeated, it would match nothing (the row
        # may hold the new snapshot now) and the general path would then see no
        # change: ask whether it landed instead.
        changed = _landed(write, job, new_text, at)
    if changed != 1:
        decoded.forget(job.key)
        return None
    if unchanged:
        # Built from the caller's answer: the cache's Job is not handed out.
        return Observation(job=kept, previous=kept)
    if exact:
        decoded.keep(job.key, new_text, kept)
    else:
        decoded.forget(job.key)
    return result  # its ``previous`` left the cache just now


def _landed(write: StatementWriter, job: Job, text: str, at: int) -> int:
    """1 when the job's row holds ``text`` as seen at ``at`` (our write landed), else 0."""
    try:
        return write(
            "SELECT 1 FROM jobs WHERE adapter = ? AND job_id = ? AND snapshot = ? "
            "AND last_seen_us = ?",
            (job.adapter, job.id, text, at),
        )
    except StoreOutcomeUnknown:
        return 0  # the general path reads the row again
