"""What the tracker's watch tests share: a steady poll policy (no jitter, so times are
exact) and the key of a scripted job."""

from __future__ import annotations

from jobadapter.tracker import PollPolicy

STEADY = PollPolicy(jitter=0.0)


def key(job_id: str, adapter: str = "scripted.alpha") -> tuple[str, str]:
    return (adapter, job_id)
