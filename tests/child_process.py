"""Running commands on a generated or tutorial plugin package in a child process,
with an environment the test run's own settings do not leak into."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path


def child_env(**extra: str) -> dict[str, str]:
    """The environment for a child process: without the run's PYTHONPATH, recording
    request or CI flag (a child records or replays only as ``extra`` says), no
    colour, then ``extra``."""
    drop = ("JOBADAPTER_RECORD", "PYTHONPATH", "CI")
    env = {k: v for k, v in os.environ.items() if k not in drop}
    env["NO_COLOR"] = "1"
    env.update(extra)
    return env


def run(*argv: str | Path, cwd: Path, env: dict[str, str] | None = None) -> str:
    """``argv``'s standard output; fails the test, showing both streams, unless it exits 0."""
    done = subprocess.run(
        [str(a) for a in argv],
        cwd=cwd,
        env=env or child_env(),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, f"{argv} failed:\n{done.stdout}\n{done.stderr}"
    return done.stdout
