"""A command imports only what it needs: start-up is most of a short command's time.

Guards the lazy imports (commands loaded by name, report formats on first use)
by module names, not by time: a heavy module imported at start-up again fails
here whatever the machine's load."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from cli_process import cli_env

#: Never needed to list plugins or to print a report as JSON.
HEAVY = (
    "rich",
    "jinja2",
    "werkzeug",
    "psycopg",
    "celery",
    "kombu",
    "redis",
    "prometheus_client",
    "jobadapter.web",
    "jobadapter.fleet",
    "jobadapter.tracker",
    "jobadapter.testing",
    "jobadapter.cli.watch_cmd",
    "jobadapter.cli.demo_cmd",
    # Only to read a config file (there is none here) or a zone given by name.
    "tomllib",
    "zoneinfo",
)

#: The hub and what it builds (the transport, urllib3's home here): listing plugins
#: and reading the store need neither (``State.plugins``).
NO_HUB = (
    "jobadapter.hub",
    "jobadapter.lookup",
    "jobadapter.connection",
    "jobadapter.transport",
)


def imported_by(args: list[str], env: dict[str, str]) -> set[str]:
    """The modules ``jobadapter <args>`` imports (``python -X importtime``)."""
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "jobadapter", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return {
        line.rsplit("|", 1)[1].strip()
        for line in done.stderr.splitlines()
        if line.startswith("import time:") and "|" in line
    }


@pytest.mark.parametrize(
    ("args", "also_absent"),
    [
        # No hub (its transport), so no urllib3; no job converted, so no cattrs;
        # $JOBADAPTER_HOME names the store's folder, so no platformdirs.
        (
            ["plugins", "--json"],
            ("jobadapter.store", "jobadapter.reports", *NO_HUB, "urllib3", "cattrs"),
        ),
        (["report", "--format", "json"], (*NO_HUB, "urllib3", "cattrs", "platformdirs")),
    ],
)
def test_short_commands_import_no_heavy_module(
    tmp_path: Path, args: list[str], also_absent: tuple[str, ...]
) -> None:
    modules = imported_by(args, cli_env(tmp_path))
    assert "jobadapter.cli.main" in modules  # the listing is real
    heavy = sorted(
        name
        for name in modules
        if any(name == h or name.startswith(h + ".") for h in (*HEAVY, *also_absent))
    )
    assert heavy == [], f"jobadapter {' '.join(args)} imported {heavy}"
