"""Real ``jobadapter worker`` processes on a real broker track every open job
of the shared store to its end, with no call beyond ``hub.submit``."""

from __future__ import annotations

import time

from fleet_world import Fleet


def test_workers_pick_up_submitted_jobs_and_track_them_to_the_end(fleet: Fleet) -> None:
    fleet.start_worker()
    fleet.start_worker()
    fleet.wait_for_workers(2)
    jobs = fleet.submit_all(24)

    fleet.wait_until_settled(len(jobs), timeout=90)

    fleet.check_outcomes(jobs)
    status = fleet.fleet_status()
    assert len(status["workers"]) == 2
    assert status["open"] == 0 and status["due"] == 0


def test_a_job_handed_over_later_is_picked_up_too(fleet: Fleet) -> None:
    fleet.start_worker()
    time.sleep(1.0)  # the worker is idle: nothing open yet
    jobs = fleet.submit_all(4)
    fleet.wait_until_settled(len(jobs), timeout=60)
