"""The same observations, in the same order, for any store: random but reproducible."""

from __future__ import annotations

import datetime as dt
import random

from jobadapter.model import Counts, Job
from jobadapter.status import JobStatus
from jobadapter.store import Store

UTC = dt.timezone.utc
T0 = dt.datetime(2026, 3, 1, tzinfo=UTC)
ADAPTERS = ("zuora.mass_updater", "zuora.bulk_job", "zuora.custom_object_job", "zoho.mass_update")


def at(seconds: float) -> dt.datetime:
    return T0 + dt.timedelta(seconds=seconds)


def maybe(rng: random.Random, value: int) -> int | None:
    return value if rng.random() < 0.8 else None


def fill(store: Store, seed: int = 11, jobs: int = 300) -> None:
    """The same observations, in the same order, for any store: random but reproducible.

    Mixed case, punctuation and NULLs in the group keys test that both
    databases sort groups the same way; counts of 2**40 test 64-bit sums.
    """
    rng = random.Random(seed)
    operations = ("update", "Update", "delete", "_insert", "ünïcode", None)
    targets = ("Account", "account", "Leads", "a.b", None)
    for i in range(jobs):
        adapter = rng.choice(ADAPTERS)
        job_id = f"J{i}"
        profile = rng.choice(("tenant-a", "Tenant-b", None))
        operation = rng.choice(operations)
        target = rng.choice(targets)
        total = rng.choice((10, 1000, 2**40, 7))
        created = at(rng.randint(0, 100)) if rng.random() < 0.9 else None
        seen = at(rng.randint(0, 50))
        path = rng.choice(
            (
                [JobStatus.PENDING, JobStatus.RUNNING, JobStatus.SUCCEEDED],
                [JobStatus.RUNNING, JobStatus.FAILED],
                [JobStatus.RUNNING, JobStatus.PENDING, JobStatus.CANCELLED],
                [JobStatus.RUNNING],
                [JobStatus.SUCCEEDED],
            )
        )
        for step, status in enumerate(path):
            done = status.is_terminal
            failed = rng.choice((0, 1, 7)) if done else None
            counts = Counts(
                total=maybe(rng, total),
                processed=maybe(rng, total if done else total // 3),
                succeeded=maybe(rng, total - (failed or 0)) if done else None,
                failed=failed if rng.random() < 0.8 else None,
            )
            ended = at(rng.choice((5, 5, 60, 61, 3600)) + rng.randint(0, 30)) if done else None
            job = Job(
                adapter=adapter,
                id=job_id,
                status=status,
                native_status=f"native-{status.value}",
                operation=operation,
                target=target,
                counts=counts,
                created_at=created,
                started_at=created if rng.random() < 0.5 else None,
                ended_at=ended if rng.random() < 0.7 else None,
            )
            store.observe(job, profile=profile, observed_at=seen + dt.timedelta(seconds=10 * step))
        if rng.random() < 0.1:
            store.record_error(adapter, job_id, "HTTP 404", at(99))
