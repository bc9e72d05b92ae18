"""A submission cut off on one host is settled from another, on the shared store.

Host A (a real process) writes the submission row, sends the request, the
provider starts the job, and A is SIGKILLed before it records the answer.
Host B (another process, its own home directory; the store is the fleet's
PostgreSQL) settles it: ``jobadapter reconcile`` finds the job by listing,
or a program's ``hub.reconcile(resubmit=...)`` sends it again under the same
idempotency key and the provider answers with the job it already started.
Either way the provider holds exactly one job and every worker can track it.
"""

from __future__ import annotations

import json
import pickle
import signal
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from fleet_world import BROKERS, Fleet
from jobadapter.store import SubmissionState

CHILD = Path(__file__).with_name("submit_child.py")
PROFILE = "zuora_custom_objects"


@pytest.fixture()
def fleet(tmp_path: Path, pg_schema_url: str) -> Iterator[Fleet]:
    running = Fleet(tmp_path, BROKERS["redis"], str(pg_schema_url), speed=20.0)
    try:
        yield running
    finally:
        running.stop()


def as_host(fleet: Fleet, name: str) -> dict[str, str]:
    """The environment of another host: its own home (config cache, logs), same store."""
    return {**fleet.env(), "JOBADAPTER_HOME": str(fleet.root / name)}


def child(fleet: Fleet, mode: str, plan: Path, host: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, str(CHILD), mode, str(fleet.config), fleet.store_url, str(plan)]
    return subprocess.run(
        command, env=as_host(fleet, host), capture_output=True, text=True, timeout=120
    )


@pytest.mark.parametrize("settled_by", ["cli", "program"])
def test_a_submission_cut_off_on_one_host_is_settled_from_another(
    fleet: Fleet, tmp_path: Path, settled_by: str
) -> None:
    sim = next(s for s in fleet.simulators if s.name == PROFILE)
    demo = sim.demo_requests()[0]
    key = f"cross-host-{uuid.uuid4().hex[:12]}"
    plan = tmp_path / "plan.pickle"
    plan.write_bytes(pickle.dumps((demo.adapter, PROFILE, demo.request, key)))

    host_a = child(fleet, "submit-and-die", plan, "host-a")
    assert host_a.returncode == -signal.SIGKILL, host_a.stderr
    assert '"killed"' in host_a.stdout
    pending = fleet.store.find_submission(demo.adapter, key)
    assert pending is not None and pending.state is SubmissionState.PENDING  # written first
    assert len(sim.jobs) == 1  # the provider did start it

    if settled_by == "cli":
        run = subprocess.run(
            fleet.command("reconcile", "--json"),
            env=as_host(fleet, "host-b"),
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert run.returncode == 0, run.stdout + run.stderr
        (outcome,) = json.loads(run.stdout)
        assert outcome["idempotency_key"] == key and outcome["resolution"] == "found"
    else:
        run = child(fleet, "reconcile", plan, "host-b")
        assert run.returncode == 0, run.stderr
        (line,) = run.stdout.splitlines()
        outcome = json.loads(line)
        assert outcome["resolution"] == "resent"

    (started,) = sim.jobs  # still exactly one job at the provider
    settled = fleet.store.find_submission(demo.adapter, key)
    assert settled is not None and settled.state is SubmissionState.COMPLETED
    assert settled.job_id == outcome["job_id"] == started
    assert fleet.store.get(demo.adapter, started) is not None  # the fleet's workers track it
    again = subprocess.run(
        fleet.command("reconcile", "--json"), env=as_host(fleet, "host-c"), capture_output=True
    )
    assert again.returncode == 0 and json.loads(again.stdout) == []
