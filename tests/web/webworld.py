"""The dashboard tests' world: a store filled by the real demo (sandbox) flow,
plus hostile and anomalous jobs.

The demo runs once per test session in a real ``jobadapter`` process; the
hostile job is what an adapter makes of a provider answer whose status word
and failure reason are HTML meant to run script.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from jobadapter.hub import Hub
from jobadapter.store import Store, open_store

HOSTILE_STATUS = '<script>window.__pwned = "status"</script>'
HOSTILE_REASON = '"><img src=x onerror="window.__pwned = \'reason\'">'
HOSTILE_ID = "hostile-<b>1</b>"


def _exe() -> list[str]:
    found = shutil.which("jobadapter", path=str(Path(sys.executable).parent))
    return [found] if found else [sys.executable, "-m", "jobadapter"]


def cli_text(store: Path | str, *args: str, home: Path | None = None) -> str:
    """What a real ``jobadapter --store STORE ...`` prints (it must succeed)."""
    done = subprocess.run(
        [*_exe(), "--store", str(store), *args],
        capture_output=True,
        text=True,
        timeout=60,
        env=_env(home or Path(store).parent),
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def cli_json(store: Path | str, *args: str, home: Path | None = None) -> dict[str, object]:
    """What a real ``jobadapter --store STORE ...`` prints as JSON."""
    data: dict[str, object] = json.loads(cli_text(store, *args, home=home))
    return data


def _env(home: Path) -> dict[str, str]:
    env = {**os.environ, "JOBADAPTER_HOME": str(home), "NO_COLOR": "1"}
    env.pop("JOBADAPTER_CONFIG", None)
    env.pop("JOBADAPTER_STORE", None)
    return env


def add_hostile_jobs(store: Store) -> None:
    """A hostile provider answer, and a job a replica moved backwards (an anomaly)."""
    hub = Hub(config=False)
    bulk = hub.adapter("zuora.bulk_job")
    base = {
        "jobType": "Update",
        "objectType": "Account",
        "rowCount": 3,
        "rowsSucceeded": 2,
        "rowsFailed": 1,
        "createdAt": int(dt.datetime.now(dt.timezone.utc).timestamp()),
    }
    hostile = bulk.parse(
        {**base, "id": HOSTILE_ID, "status": HOSTILE_STATUS, "failureReason": HOSTILE_REASON}
    )
    store.observe(hostile, profile="zuora_bulk")
    store.record_error("zuora.bulk_job", HOSTILE_ID, HOSTILE_REASON)
    first = bulk.parse({**base, "id": "replica-1", "status": "Completed"})
    store.observe(first, profile="zuora_bulk")
    store.observe(bulk.parse({**base, "id": "replica-1", "status": "In Progress"}))


def fill_demo_store(home: Path, url: str | None = None) -> str:
    """Run the real demo into ``url`` (default ``home/demo.sqlite3``), add the hostile jobs.

    Returns the store's URL (a path for SQLite).
    """
    path = url or str(home / "demo.sqlite3")
    done = subprocess.run(
        [*_exe(), "--store", path, "demo", "--speed", "50"],
        capture_output=True,
        text=True,
        timeout=120,
        env=_env(home),
    )
    assert done.returncode == 0, done.stdout + done.stderr
    with open_store(path) as store:
        add_hostile_jobs(store)
    return path


#: Debian's Chromium; Playwright drives it (its own browser download is never used).
CHROMIUM = os.environ.get("JOBADAPTER_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@contextlib.contextmanager
def chromium_context(profile: Path) -> Iterator[Any]:
    """A Playwright browser context on the system Chromium with a fresh profile directory."""
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        raise RuntimeError(f"no Chromium at {CHROMIUM}: apt-get install chromium (.ci/run does)")
    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(profile),  # Playwright's way of passing --user-data-dir
            executable_path=CHROMIUM,
            headless=True,
            args=CHROMIUM_ARGS,
            viewport={"width": 1280, "height": 900},
        )
        try:
            yield context
        finally:
            context.close()


def screenshots_dir() -> Path:
    """Where the browser tests save screenshots: $JOBADAPTER_SCREENSHOTS, else a temp folder."""
    path = Path(
        os.environ.get("JOBADAPTER_SCREENSHOTS")
        or Path(tempfile.gettempdir()) / "jobadapter-dashboard-screenshots"
    )
    path.mkdir(parents=True, exist_ok=True)
    return path
