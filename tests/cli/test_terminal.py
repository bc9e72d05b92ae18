"""What a person sees on a terminal and a script sees through a pipe: the real
command in a child process (a pty where the terminal matters, a signal for Ctrl-C)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from cli_process import PtyRun, cli_env, run_piped
from jobadapter.cli import exits

CO = "zuora.custom_object_job"
ANSI = re.compile(r"\x1b\[[0-9;?]*[a-zA-Z]")


def _submit(run: Any, config: Path, home: Path, *, wait: bool) -> str:
    data = home / "p.csv"
    data.write_text("name__c,age__c\nA,1\nB,2\n")
    args = ["submit", CO, "-p", "zuora_custom_objects", "--file", str(data)]
    args += ["--object", "passenger", "--operation", "create", "--json"]
    result = run(*args, *(["--wait"] if wait else []), config=config)
    assert result.exit_code == 0, result.output
    data_out = json.loads(result.stdout[result.stdout.index("[" if not wait else "{") :])
    (job,) = data_out["jobs"] if wait else data_out
    return str(job["id"])


def test_watch_of_a_finished_job_through_a_pipe_prints_its_outcome(
    run: Any, sandbox: Any, home: Path
) -> None:
    config, _ = sandbox
    done = _submit(run, config, home, wait=True)
    bad = "0" * 32
    result = run_piped(
        ["watch", CO, done, bad, "-p", "zuora_custom_objects"], cli_env(home, config=config)
    )
    assert result.returncode == exits.PROVIDER, result.stdout + result.stderr
    finals = [line for line in result.stdout.splitlines() if done in line and "succeeded" in line]
    assert len(finals) == 1, result.stdout  # one final line for the finished job
    errors = [line for line in result.stderr.splitlines() if bad in line]
    assert len(errors) == 1, result.stderr  # its error, once
    assert "not found" in result.stderr.lower()


def test_watch_of_a_finished_job_on_a_terminal_shows_it_finished(
    run: Any, sandbox: Any, home: Path
) -> None:
    config, _ = sandbox
    done = _submit(run, config, home, wait=True)
    term = PtyRun(["watch", CO, done, "-p", "zuora_custom_objects"], cli_env(home, config=config))
    assert term.wait() == exits.OK, term.text
    frames = [f.strip() for f in re.split(r"[\r\n]", ANSI.sub("", term.text)) if f.strip()]
    final = [f for f in frames if done in f][-1]  # the bar as the screen is left
    assert "2/2" in final and "succeeded" in final and "pending" not in final, frames


def test_ctrl_c_during_watch_exits_130_and_says_how_to_resume(
    run: Any, sandbox: Any, home: Path
) -> None:
    config, simulators = sandbox
    for sim in simulators:
        sim.clock.speed = 0.0  # nothing moves: the watch would go on forever
    job = _submit(run, config, home, wait=False)
    term = PtyRun(["watch", CO, job, "-p", "zuora_custom_objects"], cli_env(home, config=config))
    term.read_until("pending")
    term.interrupt()
    assert term.wait() == exits.INTERRUPTED, term.text
    screen = ANSI.sub("", term.text)
    assert "keep running at the provider" in screen
    assert "jobadapter watch --all-open" in screen


def test_no_color_means_no_colour_on_error_lines(home: Path) -> None:
    args = ["status", "zoho.mass_update", "Leads:1"]  # no config: an error line
    coloured = PtyRun(args, cli_env(home))
    assert coloured.wait() == exits.USAGE
    assert ANSI.search(coloured.text), coloured.text  # colour on a terminal by default
    plain = PtyRun(args, cli_env(home, NO_COLOR="1"))
    assert plain.wait() == exits.USAGE
    assert "error:" in plain.text and not ANSI.search(plain.text), repr(plain.text)


def test_debug_shows_the_traceback_plain_errors_do_not(home: Path) -> None:
    out = "/nonexistent/dir/o.csv"
    args = ["results", CO, "x", "--out", out]
    env = cli_env(home, JOBADAPTER_PLUGINS="zuora_custom_objects,zuora_common")
    plain = run_piped(args, env)
    assert plain.returncode == exits.USAGE and "Traceback" not in plain.stderr
    debug = run_piped(["--debug", *args], env)
    assert "Traceback" in debug.stderr


def test_a_busy_port_is_exit_2_naming_it(home: Path) -> None:
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = run_piped(["sandbox", "--port", str(port)], cli_env(home), timeout=30)
    assert result.returncode == exits.USAGE, result.stdout + result.stderr
    assert f"port {port}" in result.stderr and "Traceback" not in result.stderr


def test_quiet_watch_prints_only_final_lines(run: Any, sandbox: Any, home: Path) -> None:
    config, _ = sandbox
    done = _submit(run, config, home, wait=True)
    result = run_piped(
        ["-q", "watch", CO, done, "-p", "zuora_custom_objects"], cli_env(home, config=config)
    )
    assert result.returncode == 0
    assert result.stdout.strip().splitlines() == [
        line for line in result.stdout.strip().splitlines() if done in line
    ]
    assert "watching" not in result.stdout
