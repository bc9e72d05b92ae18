"""The process ``test_crash_resume`` kills: submit what is not yet submitted, then watch.

Every start does what a restarted worker must: ``hub.reconcile()`` first (with
the requests rebuilt from the plan), then submit the plan's jobs that have no
live submission, then ``hub.track(resume=True)``. The simulators live in the
parent, so they survive every kill. ``kill`` in the config makes this process
SIGKILL itself at one exact point: just before or just after the transport
sends a chosen request (after = the provider acted, the answer is not yet
recorded). Prints one JSON line per event; exits 0 when every job is done,
4 when a submission waits for an operator.
"""

from __future__ import annotations

import json
import os
import re
import signal
import sys
import time
from typing import Any

from jobadapter import JobAdapterError
from jobadapter.sandbox import SimClock
from jobadapter.store import SqliteStore, Submission, SubmissionState
from jobadapter.transport import Transport
from reliability_world import (
    ADAPTER_CLASSES,
    PROFILE_OF,
    Spec,
    build_request,
    fast_options,
    make_hub,
    world_store,
)

EXIT_DONE = 0
EXIT_OPERATOR = 4


def say(**fields: Any) -> None:
    print(json.dumps(fields), flush=True)


class KillingTransport(Transport):
    """SIGKILLs this process before or after sending the request ``kill`` names
    (``pattern`` matches ``"METHOD url"``, ``marker`` is a text its body holds)."""

    def __init__(self, kill: dict[str, Any] | None, **options: Any) -> None:
        super().__init__(**options)
        self.kill = kill

    def _chosen(self, method: str, url: str, kwargs: dict[str, Any]) -> bool:
        if not self.kill or not re.search(self.kill["pattern"], f"{method} {url}"):
            return False
        body = repr(kwargs.get("json")) + repr(kwargs.get("multipart"))
        return self.kill["marker"] in body

    def request(self, method: str, url: str, **kwargs: Any) -> Any:
        chosen = self._chosen(method, url, kwargs)
        if chosen and self.kill and self.kill["when"] == "before":
            say(event="killed", when="before", url=url)
            os.kill(os.getpid(), signal.SIGKILL)
        response = super().request(method, url, **kwargs)
        if chosen:
            say(event="killed", when="after", url=url)
            os.kill(os.getpid(), signal.SIGKILL)
        return response


def sim_clock(clock: dict[str, float]) -> SimClock:
    """The simulators' clock, continued in this process: the store, the hub and the
    providers agree on "when"."""
    now = clock["base"] + (time.time() - clock["real"]) * clock["speed"]
    return SimClock(speed=clock["speed"], start=now)


def keys(spec: Spec) -> list[str]:
    return [f"{spec.marker}-k{n}" for n in range(10)]


def live_submission(store: SqliteStore, spec: Spec) -> tuple[Submission | None, str | None]:
    """The submission that stands for ``spec`` (completed or pending), else the next free key."""
    for key in keys(spec):
        sub = store.find_submission(spec.adapter, key)
        if sub is None:
            return None, key
        if sub.state is not SubmissionState.FAILED:
            return sub, None
    raise AssertionError(f"{spec.marker}: every key failed")


def main(config: dict[str, Any]) -> int:
    # Each adapter takes the reconcile path the test chose for it (resend or listing).
    for name, cls in ADAPTER_CLASSES.items():
        cls.idempotent_submit = name in config["idempotent"]
    specs = [Spec.from_json(s) for s in config["specs"]]
    by_key = {key: spec for spec in specs for key in keys(spec)}
    clock = sim_clock(config["clock"])
    store = world_store(config["store"], clock)
    transport = KillingTransport(config.get("kill"), **fast_options())
    with make_hub(config["tables"], store, clock=clock, transport=transport) as hub:
        say(event="ready")
        report = hub.reconcile(
            resubmit=lambda sub: build_request(by_key[sub.idempotency_key], sub.idempotency_key)
        )
        for outcome in report:
            say(
                event="reconciled",
                resolution=outcome.resolution.value,
                adapter=outcome.submission.adapter,
            )
        waiting = False
        for spec in specs:
            sub, key = live_submission(store, spec)
            if sub is not None:
                waiting = waiting or sub.state is SubmissionState.PENDING
                continue
            assert key is not None
            try:
                hub.submit(
                    spec.adapter,
                    build_request(spec, key),
                    profile=PROFILE_OF[spec.adapter],
                    idempotency_key=key,
                )
            except JobAdapterError as exc:
                say(event="submit_failed", marker=spec.marker, error=type(exc).__name__)
                waiting = True
            else:
                say(event="submitted", marker=spec.marker)
        result = hub.track(resume=True, workers=4, deadline=60)
        say(event="tracked", finished=len(result.finished), errors=len(result.errors),
            deadlines=len(result.deadlines))  # fmt: skip
        bad = result.errors or result.deadlines or result.pending
    store.close()
    if bad:
        return 3
    return EXIT_OPERATOR if waiting else EXIT_DONE


if __name__ == "__main__":
    sys.exit(main(json.loads(sys.argv[1])))
