"""Shared benchmark helpers: statistics, interleaved timing, one JSON object out, a sandbox.

Every benchmark compares jobadapter with a baseline *in the same run*, so a
noisy or slow machine moves both sides alike. Timings are interleaved one
call per side per round (ours, baseline, baseline, ours, ...) for the same
reason, each call timed in wall time and in the client's own CPU.

The sandbox runs in a child process (``python bench/_common.py serve``): the
simulators answer from another interpreter, as a real provider would, so
the client under test never shares its GIL with the server it measures.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import math
import os
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from typing import Self  # Python 3.11; only read by type checkers

BENCH_DIR = Path(__file__).resolve().parent


# -- statistics ------------------------------------------------------------------------


def median(values: Sequence[float]) -> float:
    return statistics.median(values) if values else math.nan


def percentile(values: Iterable[float], q: float) -> float:
    """Nearest-rank percentile (``q`` in 0..100)."""
    ordered = sorted(values)
    if not ordered:
        return math.nan
    rank = max(0, math.ceil(q / 100.0 * len(ordered)) - 1)
    return ordered[rank]


def summary_us(times_s: Sequence[float]) -> dict[str, float]:
    """p5/p50/p95 of per-call times, in microseconds."""
    return {
        "p5_us": round(percentile(times_s, 5) * 1e6, 1),
        "p50_us": round(median(times_s) * 1e6, 1),
        "p95_us": round(percentile(times_s, 95) * 1e6, 1),
    }


# -- timing ----------------------------------------------------------------------------


def interleaved_cpu(
    ours: Callable[[], object],
    baseline: Callable[[], object],
    *,
    rounds: int,
    warmup: int = 50,
) -> dict[str, dict[str, list[float]]]:
    """Wall and client-CPU seconds of each call of ``ours`` and ``baseline``, one call
    per side per round, the order alternating (ours, baseline, baseline, ours, ...).

    CPU is this thread's (``time.thread_time``: user and kernel time of the calling
    thread), so time spent waiting on a server, however slow, is not in it.
    """
    wall, cpu = time.perf_counter, time.thread_time
    for _ in range(warmup):
        ours()
        baseline()
    out: dict[str, dict[str, list[float]]] = {
        side: {"wall": [], "cpu": []} for side in ("jobadapter", "baseline")
    }
    pair = (("jobadapter", ours), ("baseline", baseline))
    for r in range(rounds):
        for side, fn in pair if r % 2 == 0 else pair[::-1]:
            t0, c0 = wall(), cpu()
            fn()
            c1, t1 = cpu(), wall()
            out[side]["wall"].append(t1 - t0)
            out[side]["cpu"].append(c1 - c0)
    return out


def both_sides(times: dict[str, dict[str, list[float]]]) -> dict[str, Any]:
    """Per side: wall p5/p50/p95 and client CPU p50/mean (us); and the two ratios
    (jobadapter / baseline) of the medians, CPU first: the headline."""
    sides: dict[str, Any] = {}
    for side, t in times.items():
        sides[side] = {
            "wall": summary_us(t["wall"]),
            "client_cpu_p50_us": round(median(t["cpu"]) * 1e6, 1),
            "client_cpu_mean_us": round(statistics.fmean(t["cpu"]) * 1e6, 1),
        }
    ours, base = times["jobadapter"], times["baseline"]
    return {
        **sides,
        "client_cpu_ratio": round(median(ours["cpu"]) / median(base["cpu"]), 3),
        "client_cpu_ratio_of_means": round(
            statistics.fmean(ours["cpu"]) / statistics.fmean(base["cpu"]), 3
        ),
        "wall_ratio": round(median(ours["wall"]) / median(base["wall"]), 3),
    }


# -- output ----------------------------------------------------------------------------


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def load_average() -> float | None:
    """The 1-minute load average: how busy the machine was (other work skews figures)."""
    try:
        return round(os.getloadavg()[0], 2)
    except (AttributeError, OSError):
        return None


#: The load when this benchmark started (``machine()`` also gives it at the end).
LOAD_AT_START = load_average()


def machine() -> dict[str, Any]:
    """Where and when the figures were taken, and how busy the machine was."""
    return {
        "load_1min_start": LOAD_AT_START,
        "date": dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%MZ"),
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "cpu": cpu_model(),
        "platform": platform.platform(terse=True),
        "load_1min": load_average(),
    }


def emit(figures: dict[str, Any]) -> None:
    """Print the benchmark's one JSON object (with the machine) on one line."""
    print(json.dumps({**figures, "machine": machine()}), flush=True)


def quick_parser(description: str) -> argparse.ArgumentParser:
    """An argument parser with ``--quick`` (a smaller run that still prints every figure)."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--quick", action="store_true", help="a small, fast run (smoke test)")
    return parser


# -- the sandbox in a child process ----------------------------------------------------


class ChildProcess:
    """A helper process spoken to in JSON lines (stdin, stdout); a context manager."""

    #: Named in the error raised when the child ends early.
    what = "child"

    def __init__(self) -> None:
        self._proc: subprocess.Popen[str] | None = None

    def _spawn(self, argv: list[str], env: dict[str, str] | None = None) -> None:
        self._proc = subprocess.Popen(
            argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env
        )

    def _say_goodbye(self) -> None:
        """Ask the child to end (here: close its input)."""
        assert self._proc is not None and self._proc.stdin is not None
        self._proc.stdin.close()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        proc = self._proc
        if proc is None:
            return
        with contextlib.suppress(OSError, RuntimeError, ValueError):
            self._say_goodbye()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        self._proc = None

    def _read(self) -> Any:
        assert self._proc is not None and self._proc.stdout is not None
        line = self._proc.stdout.readline()
        if not line:
            raise RuntimeError(f"the {self.what} process ended (see its error output above)")
        return json.loads(line)


class SandboxProcess(ChildProcess):
    """Every installed simulator served by a child process on 127.0.0.1.

    ``options``: simulator keyword arguments by simulator name, e.g.
    ``{"zoho_mass_update": {"requests_per_window": None}}``. The child takes
    one-line JSON commands on stdin (``advance``, ``demo``, ``log``, ``quit``)
    and answers one JSON line each.
    """

    what = "sandbox"

    def __init__(
        self,
        *,
        speed: float = 1.0,
        options: dict[str, dict[str, Any]] | None = None,
        only: Sequence[str] = (),
        pin: bool = False,
    ) -> None:
        super().__init__()
        self.speed = speed
        self.pin = pin
        self.options = options or {}
        self.only = list(only)
        self.url = ""
        self.profiles: dict[str, dict[str, Any]] = {}

    def __enter__(self) -> Self:
        config = json.dumps(
            {"speed": self.speed, "options": self.options, "only": self.only, "pin": self.pin}
        )
        self._spawn(
            [sys.executable, str(BENCH_DIR / "_common.py"), "serve", config],
            env={**os.environ, "JOBADAPTER_CONFIG": os.devnull},
        )
        hello = self._read()
        self.url = hello["url"]
        self.profiles = hello["profiles"]
        return self

    def _say_goodbye(self) -> None:
        self.command("quit")

    def _read(self) -> Any:
        answer = super()._read()
        if isinstance(answer, dict) and "error" in answer:
            raise RuntimeError(f"sandbox: {answer['error']}")
        return answer

    def command(self, name: str, **args: Any) -> Any:
        assert self._proc is not None and self._proc.stdin is not None
        self._proc.stdin.write(json.dumps({"command": name, **args}) + "\n")
        self._proc.stdin.flush()
        return self._read()

    def advance(self, seconds: float) -> None:
        """Move the simulators' clock forward (jobs walk to their end)."""
        self.command("advance", seconds=seconds)

    def demo(self) -> list[tuple[str, str, str]]:
        """Submit every simulator's demo jobs (in the child): (adapter, job id, profile)."""
        return [(str(a), str(j), str(p)) for a, j, p in self.command("demo")]

    def log(self, simulator: str, last: int) -> list[dict[str, Any]]:
        """The last requests ``simulator`` handled: method, path, status, duration (s)."""
        answer: list[dict[str, Any]] = self.command("log", simulator=simulator, last=last)
        return answer

    def hub(self, tables: dict[str, dict[str, Any]] | None = None, **kwargs: Any) -> Any:
        """A Hub with one profile per simulator (named like the simulator); ``tables``
        replaces the sandbox's profiles (e.g. pointed at a replay server)."""
        from jobadapter import Hub
        from jobadapter.config import profile_from_mapping

        profiles = [
            profile_from_mapping(name, table, source="sandbox")
            for name, table in (tables or self.profiles).items()
        ]
        return Hub(config=False, profiles=profiles, **kwargs)


#: The CPUs this process may use, read before any pinning (children inherit a pin).
_CPUS = sorted(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else []


def pin_to_cpu(index: int) -> int | None:
    """Keep this process on one CPU (the client on the first, the sandbox on the
    last), so the two never share or swap a core; None when that is not possible."""
    if len(_CPUS) < 2:
        return None
    cpu = _CPUS[index]
    try:
        os.sched_setaffinity(0, {cpu})
    except OSError:
        return None
    return cpu


def _serve(config: dict[str, Any]) -> None:
    """The child: serve the simulators and obey commands until ``quit``."""
    if config.get("pin") and hasattr(os, "sched_setaffinity"):
        # The last of all CPUs: the parent may already be pinned to the first.
        with contextlib.suppress(OSError):
            os.sched_setaffinity(0, {(os.cpu_count() or 1) - 1})
    from jobadapter import Hub
    from jobadapter.config import profile_from_mapping
    from jobadapter.sandbox import SandboxServer, SimClock

    registry = Hub(config=False).plugins.registry
    clock = SimClock(speed=float(config["speed"]))
    only = set(config.get("only") or ())
    simulators = [
        cls(clock=clock, seed=0, **config["options"].get(name, {}))
        for name, cls in sorted(registry.simulators.items())
        if not only or name in only
    ]
    by_name = {sim.name: sim for sim in simulators}

    def say(value: Any) -> None:
        sys.stdout.write(json.dumps(value) + "\n")
        sys.stdout.flush()

    with SandboxServer(*simulators) as server:
        say({"url": server.url, "profiles": {s.name: s.profile() for s in simulators}})
        profiles = [profile_from_mapping(s.name, s.profile()) for s in simulators]
        hub = Hub(config=False, profiles=profiles)
        for line in sys.stdin:
            request = json.loads(line)
            name = request.pop("command")
            try:
                if name == "quit":
                    say({"ok": True})
                    break
                if name == "advance":
                    clock.advance(float(request["seconds"]))
                    say({"ok": True})
                elif name == "demo":
                    jobs = []
                    for sim in simulators:
                        for demo in sim.demo_requests():
                            job = hub.submit(demo.adapter, demo.request, profile=sim.name)
                            jobs.append([job.adapter, job.id, sim.name])
                    say(jobs)
                elif name == "log":
                    entries = by_name[request["simulator"]].log.snapshot()[-int(request["last"]) :]
                    say(
                        [
                            {
                                "method": e.method,
                                "path": e.path,
                                "status": e.status,
                                "duration": e.duration,
                            }
                            for e in entries
                        ]
                    )
                else:
                    say({"error": f"unknown command {name!r}"})
            except Exception as exc:  # noqa: BLE001  (report it to the parent, keep serving)
                say({"error": f"{type(exc).__name__}: {exc}"})
        hub.close()


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "serve":
        _serve(json.loads(sys.argv[2]))
    else:
        sys.exit("usage: python bench/_common.py serve CONFIG_JSON (started by the benchmarks)")
