"""A process of another host for ``test_cross_host_submission``: it either submits
one job and dies at the worst moment, or reconciles what such a death left.

``submit-and-die``: ``hub.submit`` on the shared store, SIGKILLing this process
once the provider has answered and before the answer is recorded (the
submission row, written before sending, stays pending).
``reconcile``: ``hub.reconcile`` with the request rebuilt from the same file,
as a program on any host would; prints the report as JSON lines.
"""

from __future__ import annotations

import json
import os
import pickle
import signal
import sys
from pathlib import Path
from typing import Any

from jobadapter.hub import Hub
from jobadapter.store import open_store


def submit_and_die(hub: Hub, adapter: str, profile: str, request: Any, key: str) -> None:
    store = hub.store
    assert store is not None

    def die(*_: Any, **__: Any) -> None:
        print(json.dumps({"event": "killed"}), flush=True)
        os.kill(os.getpid(), signal.SIGKILL)

    store.complete_submission = die  # type: ignore[method-assign]
    hub.submit(adapter, request, profile=profile, idempotency_key=key)
    raise AssertionError("the submission was recorded; the process should be dead")


def reconcile(hub: Hub, request: Any) -> None:
    report = hub.reconcile(resubmit=lambda sub: request)
    for outcome in report:
        job = outcome.job
        line = {"resolution": outcome.resolution.value, "job_id": job.id if job else None}
        print(json.dumps(line), flush=True)


def main(mode: str, config: str, store_url: str, plan: str) -> None:
    adapter, profile, request, key = pickle.loads(Path(plan).read_bytes())
    with Hub(config=config, store=open_store(store_url)) as hub:
        if mode == "submit-and-die":
            submit_and_die(hub, adapter, profile, request, key)
        else:
            reconcile(hub, request)


if __name__ == "__main__":
    main(*sys.argv[1:5])
