"""``jobadapter worker --metrics-port``: a fleet worker serves its own and the store's metrics."""

from __future__ import annotations

import re
import time
from pathlib import Path
from urllib.request import urlopen

from fleet_world import Fleet
from prometheus_client.parser import text_string_to_metric_families


def _metrics_url(log: Path, timeout: float = 60.0) -> str:
    give_up = time.monotonic() + timeout
    while time.monotonic() < give_up:
        found = re.search(r"metrics at (http://\S+)", log.read_text(errors="replace"))
        if found:
            return found.group(1)
        time.sleep(0.2)
    raise AssertionError(f"the worker printed no metrics URL: {log.read_text()[-2000:]}")


def _total(text: str, name: str) -> float:
    return sum(
        s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
        if s.name == name
    )


def test_a_worker_serves_metrics_of_what_it_tracks(tmp_path: Path) -> None:
    fleet = Fleet(tmp_path, "redis://127.0.0.1:6379/0", str(tmp_path / "store.sqlite3"), speed=50)
    try:
        fleet.start_worker(**{"metrics-port": 0})
        url = _metrics_url(tmp_path / "worker-0.log")
        jobs = fleet.submit_all(4)
        fleet.wait_until_settled(len(jobs), timeout=120)
        text = ""
        for _ in range(50):  # the worker's counters trail the store by a moment
            with urlopen(url, timeout=10) as answer:
                text = answer.read().decode()
            if _total(text, "jobadapter_jobs_finished_total") >= len(jobs):
                break
            time.sleep(0.2)
        assert _total(text, "jobadapter_polls_total") >= len(jobs)
        assert _total(text, "jobadapter_jobs_finished_total") == len(jobs)
        assert _total(text, "jobadapter_jobs") == len(jobs)  # the store's figures too
    finally:
        fleet.stop()
