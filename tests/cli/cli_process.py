"""Running the real ``jobadapter`` in a child process: through pipes, or on a pty."""

from __future__ import annotations

import os
import select
import signal
import subprocess
import sys
import time
from pathlib import Path

JOBADAPTER = [sys.executable, "-m", "jobadapter"]


def cli_env(home: Path, *, config: Path | None = None, **extra: str) -> dict[str, str]:
    """A new user's environment: an empty $JOBADAPTER_HOME, no user config."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("JOBADAPTER_")}
    env.pop("NO_COLOR", None)
    env.update(
        JOBADAPTER_HOME=str(home / "cli-home"),
        XDG_CONFIG_HOME=str(home / "xdg"),
        TERM="xterm-256color",
        COLUMNS="100",
    )
    if config is not None:
        env["JOBADAPTER_CONFIG"] = str(config)
    env.update(extra)
    return env


def run_piped(
    args: list[str], env: dict[str, str], timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*JOBADAPTER, *args], env=env, capture_output=True, text=True, timeout=timeout
    )


class PtyRun:
    """The command on a pseudo-terminal (stdout and stderr both), as a person sees it."""

    def __init__(self, args: list[str], env: dict[str, str]) -> None:
        import pty

        self.master, slave = pty.openpty()
        self.process = subprocess.Popen(
            [*JOBADAPTER, *args], env=env, stdin=slave, stdout=slave, stderr=slave, close_fds=True
        )
        os.close(slave)
        self.output = b""

    def read_until(self, needle: str, timeout: float = 30) -> str:
        """Read until ``needle`` shows (or the process ends); the output so far."""
        end = time.monotonic() + timeout
        while needle.encode() not in self.output and time.monotonic() < end:
            if not self._read(0.2) and self.process.poll() is not None:
                break
        return self.text

    def interrupt(self) -> None:
        self.process.send_signal(signal.SIGINT)

    def wait(self, timeout: float = 30) -> int:
        end = time.monotonic() + timeout
        while self.process.poll() is None and time.monotonic() < end:
            self._read(0.1)
        code = self.process.wait(timeout=max(0.1, end - time.monotonic()))
        while self._read(0.1):
            pass
        os.close(self.master)
        return code

    def _read(self, wait: float) -> bool:
        ready, _, _ = select.select([self.master], [], [], wait)
        if not ready:
            return False
        try:
            chunk = os.read(self.master, 65536)
        except OSError:  # the child closed the terminal
            return False
        self.output += chunk
        return bool(chunk)

    @property
    def text(self) -> str:
        return self.output.decode("utf-8", "replace")
