"""One observation kept: the stored snapshot read, the state machine applied, what changed written.

Most polls change nothing or only counters, so the write is as small as the
change: an unchanged observation updates when it was seen; a changed one
updates only the columns whose values moved (an index whose columns are not
set is not touched), and a transition or anomaly row is added only when one
happened.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from jobadapter.adapter import provider_of
from jobadapter.model import Job
from jobadapter.observe import Observation, observe
from jobadapter.redact import redact_text
from jobadapter.serialize import loads
from jobadapter.store.conn import Conn
from jobadapter.store.decoded import DecodedSnapshots
from jobadapter.store.dialect import Dialect
from jobadapter.store.durations import add_jobs, count_moves
from jobadapter.store.report_sums import INPUTS, contribution, record_change
from jobadapter.store.rows import JOB_COLUMNS, job_columns, snapshot_of

#: The row as read before an observation: its key and times, then every job column.
_HEAD = ("pk", "first_seen_us", "terminal_seen_us", "last_seen_us", "anomaly_count", "error_count")
_SELECT = (
    f"SELECT {', '.join(_HEAD + JOB_COLUMNS)} FROM jobs "  # noqa: S608
    "WHERE adapter = ? AND job_id = ?"
)
_SNAPSHOT = len(_HEAD) + JOB_COLUMNS.index("snapshot")
_OPERATION = JOB_COLUMNS.index("operation")
#: Where the job columns :func:`contribution` reads sit (all but the two counts).
_INPUTS = tuple(JOB_COLUMNS.index(name) for name in INPUTS[:-2])
_DURATION = JOB_COLUMNS.index("duration_us")


def observe_row(
    conn: Conn,
    dialect: Dialect,
    lock_key: Callable[..., None],
    decoded: DecodedSnapshots,
    job: Job,
    profile: str | None,
    at: int,
) -> Observation:
    """Apply ``job`` (seen at ``at`` µs) to its stored row inside the caller's transaction."""
    select = _SELECT + dialect.for_update
    row = conn.execute(select, (job.adapter, job.id)).fetchone()
    if row is None and dialect.key_lock:
        # Two writers seeing a new job must not both insert it: the second one to
        # get its key finds the first one's row and updates it instead.
        lock_key(conn, "job", job.adapter, job.id)
        row = conn.execute(select, (job.adapter, job.id)).fetchone()
    if row is None:
        return _insert(conn, decoded, job, profile, at)
    pk, first_seen, terminal_seen, last_seen = int(row[0]), int(row[1]), row[2], int(row[3])
    anomaly_count, error_count = int(row[4]), int(row[5])
    stored = decoded.decode(job.key, row[_SNAPSHOT])
    result = observe(stored, job)
    late = at < last_seen
    if late:
        # Fetched before the observation stored last (another watcher's or process's,
        # stamped later but written first): older news, neither a drop in counts nor
        # a move back, and nothing to write... unless it moves the stored status
        # forward, which no later answer has told (that one was stale): kept, with
        # the higher counters and the later last-seen time. Dropped, the move is lost
        # for good once the job moves on before the next poll.
        if not result.status_changed:
            # (A fresh copy: ``stored`` may be the cache's own.)
            fresh = loads(row[_SNAPSHOT])
            return Observation(job=fresh, previous=fresh)
        result = Observation(job=result.job, previous=result.previous)
    kept = result.job
    if not result.anomalies and kept == result.previous:
        # Nothing changed (most polls): write only when it was seen.
        conn.execute(
            "UPDATE jobs SET profile = COALESCE(?, profile), last_seen_us = ? WHERE pk = ?",
            (profile, at, pk),
        )
        decoded.keep_decoded(job.key, row[_SNAPSHOT], stored)
        # Equal to ``stored`` and built from the caller's own answer, so the
        # cache's Job is not handed out.
        return Observation(job=kept, previous=kept)
    if terminal_seen is None and kept.is_terminal:
        terminal_seen = at
    text, exact = snapshot_of(kept)
    columns = job_columns(kept, first_seen=first_seen, terminal_seen=terminal_seen, snapshot=text)
    old = row[len(_HEAD) :]
    changed = [
        (name, value)
        for name, value, was in zip(JOB_COLUMNS, columns, old, strict=True)
        if value != was
    ]
    sets = [f"{name} = ?" for name, _ in changed]
    values: list[Any] = [value for _, value in changed]
    if result.anomalies:
        sets.append("anomaly_count = anomaly_count + ?")
        values.append(len(result.anomalies))
    sets += ["profile = COALESCE(?, profile)", "last_seen_us = ?"]
    conn.execute(
        f"UPDATE jobs SET {', '.join(sets)} WHERE pk = ?",  # noqa: S608
        (*values, None if late else profile, last_seen if late else at, pk),
    )
    provider = provider_of(job.adapter)
    count_moves(
        conn,
        provider,
        job.adapter,
        (old[_OPERATION], old[_DURATION]),
        (columns[_OPERATION], columns[_DURATION]),
    )
    record_change(
        conn,
        provider,
        job.adapter,
        (old[_OPERATION], contribution((*_figures(old), anomaly_count, error_count))),
        (
            columns[_OPERATION],
            contribution((*_figures(columns), anomaly_count + len(result.anomalies), error_count)),
        ),
    )
    _record_history(conn, pk, at, result)
    if exact:
        decoded.keep(job.key, text, kept)
    else:
        decoded.forget(job.key)
    return result


def _figures(columns: Sequence[Any]) -> tuple[Any, ...]:
    return tuple(columns[i] for i in _INPUTS)


def _insert(
    conn: Conn, decoded: DecodedSnapshots, job: Job, profile: str | None, at: int
) -> Observation:
    result = observe(None, job)
    text, exact = snapshot_of(job)
    terminal_seen = at if job.is_terminal else None
    columns = dict(
        zip(
            JOB_COLUMNS,
            job_columns(job, first_seen=at, terminal_seen=terminal_seen, snapshot=text),
            strict=True,
        )
    )
    columns.update(
        adapter=job.adapter,
        job_id=job.id,
        provider=provider_of(job.adapter),
        profile=profile,
        first_seen_us=at,
        last_seen_us=at,
    )
    inserted = conn.execute(
        f"INSERT INTO jobs ({', '.join(columns)}) "  # noqa: S608
        f"VALUES ({', '.join('?' * len(columns))}) RETURNING pk",
        tuple(columns.values()),
    ).fetchone()
    add_jobs(
        conn, [(columns["provider"], job.adapter, columns["operation"], columns["duration_us"])]
    )
    figures = contribution((*(columns[name] for name in INPUTS[:-2]), 0, 0))
    record_change(
        conn, columns["provider"], job.adapter, (None, None), (columns["operation"], figures)
    )
    _record_history(conn, int(inserted[0]), at, result)
    if exact:
        decoded.keep(job.key, text, job)
    return result


def _record_history(conn: Conn, pk: int, at: int, result: Observation) -> None:
    """The transition and anomaly rows an observation adds, if any."""
    kept = result.job
    if result.status_changed:
        c = kept.counts
        conn.execute(
            "INSERT INTO transitions (job_pk, observed_us, old_status, new_status, "
            "native_status, rows_total, rows_processed, rows_succeeded, rows_failed) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                pk,
                at,
                None if result.previous is None else result.previous.status.value,
                kept.status.value,
                kept.native_status,
                c.total,
                c.processed,
                c.succeeded,
                c.failed,
            ),
        )
    if result.anomalies:
        conn.executemany(
            "INSERT INTO anomalies (job_pk, observed_us, kind, old_status, new_status, detail) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            [
                (
                    pk,
                    at,
                    a.kind.value,
                    a.old_status.value,
                    a.new_status.value,
                    redact_text(a.detail),
                )
                for a in result.anomalies
            ],
        )
