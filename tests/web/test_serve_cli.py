"""The commands: ``serve`` in a real process, ``report --format html``, the demo's hint,
``watch --metrics-port``."""

from __future__ import annotations

import json
import re
import shlex
import signal
import subprocess
import time
from pathlib import Path
from urllib.request import urlopen

import pytest
from jobadapter.cli.sandbox_cmd import profiles_toml, start_sandbox
from jobadapter.hub import Hub
from webworld import HOSTILE_STATUS, _env, _exe, cli_json, cli_text


def test_serve_shows_the_store_and_answers_metrics(demo_store: Path) -> None:
    process = subprocess.Popen(
        [*_exe(), "--store", str(demo_store), "serve", "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=_env(demo_store.parent),
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        found = re.search(r"at (http://127\.0\.0\.1:\d+/)", line)
        assert found, line
        url = found.group(1)
        with urlopen(url + "api/report", timeout=10) as answer:
            report = json.load(answer)
        cli = cli_json(demo_store, "report", "--format", "json")
        assert report["total"] == cli["total"] and report["groups"] == cli["groups"]
        with urlopen(url + "metrics", timeout=10) as answer:
            assert answer.headers["Content-Type"].startswith("text/plain")
            assert "jobadapter_jobs{" in answer.read().decode()
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_report_html_is_one_self_contained_file(demo_store: Path) -> None:
    html = cli_text(demo_store, "report", "--format", "html")
    assert html.startswith("<!doctype html>") and html.count("<svg") == 2
    assert "<script" not in html and "<link" not in html
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", html)
    assert "&lt;script&gt;" not in html  # statuses are counted, native words not shown
    assert HOSTILE_STATUS not in html
    cli = cli_json(demo_store, "report", "--format", "json")
    jobs = re.search(r'data-figure="jobs">(\d+)<', html)
    assert jobs and int(jobs.group(1)) == cli["total"]["jobs"]  # type: ignore[index]


def test_demo_says_how_to_open_the_dashboard(tmp_path: Path) -> None:
    store = tmp_path / "it's here.sqlite3"
    done = subprocess.run(
        [*_exe(), "--store", str(store), "demo", "--speed", "50"],
        capture_output=True,
        text=True,
        timeout=120,
        env=_env(tmp_path),
    )
    assert done.returncode == 0, done.stdout + done.stderr
    last = done.stdout.strip().splitlines()[-1]
    assert "dashboard" in last and "serve" in last and "http://127.0.0.1:8765/" in last
    command = re.search(r"`(jobadapter [^`]+)`", last)
    assert command, last
    served = subprocess.Popen(
        [*_exe(), *shlex.split(command.group(1))[1:], "--port", "0"],
        stdout=subprocess.PIPE,
        text=True,
        env=_env(tmp_path),
    )
    try:
        assert served.stdout is not None
        assert str(store) in served.stdout.readline()
    finally:
        served.terminate()
        served.wait(timeout=10)


def test_watch_serves_metrics_while_it_tracks(tmp_path: Path) -> None:
    """A real ``watch --metrics-port`` on a sandbox job: scraped while the job runs."""
    server, simulators = start_sandbox(Hub(config=False), speed=0.5)  # the job outlives the test
    try:
        config = tmp_path / "sandbox.toml"
        config.write_text(profiles_toml({sim.name: sim.profile() for sim in simulators}))
        sim = next(
            s for s in simulators if any(d.adapter == "zuora.bulk_job" for d in s.demo_requests())
        )
        demo = next(d for d in sim.demo_requests() if d.adapter == "zuora.bulk_job")
        with Hub(config=config) as hub:
            job = hub.submit(demo.adapter, demo.request, profile=sim.name)
        store = tmp_path / "watch.sqlite3"
        process = subprocess.Popen(
            [
                *_exe(),
                "--config",
                str(config),
                "--store",
                str(store),
                "watch",
                job.adapter,
                job.id,
                "--profile",
                sim.name,
                "--metrics-port",
                "0",
                "--deadline",
                "60",
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=_env(tmp_path),
        )
        try:
            assert process.stderr is not None
            line = process.stderr.readline()
            found = re.search(r"metrics at (http://\S+)", line)
            assert found, line
            text = ""
            for _ in range(100):
                with urlopen(found.group(1), timeout=10) as answer:
                    text = answer.read().decode()
                if "jobadapter_polls_total{" in text:
                    break
                time.sleep(0.1)
            assert 'jobadapter_polls_total{adapter="zuora.bulk_job"}' in text
            assert 'jobadapter_jobs{adapter="zuora.bulk_job"' in text
            process.send_signal(signal.SIGINT)  # stops the watch; the job goes on
            process.wait(timeout=30)
            with pytest.raises(OSError):  # the metrics server stopped with it
                urlopen(found.group(1), timeout=5)
        finally:
            if process.poll() is None:
                process.kill()
            process.communicate()
    finally:
        server.stop()
