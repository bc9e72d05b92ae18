"""Time limits that hold against a server that trickles its answer (issue #12).

A server that sends its status line, headers or body one byte at a time never
trips a per-read timeout. These tests hold jobadapter to the rules the docs give:
a profile's ``timeout`` bounds each whole answer, and a watch or wait deadline
bounds the whole call, its retries and waits included.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jobadapter_zuora_common.plugin as common_plugin
import jobadapter_zuora_custom_objects.plugin as co_plugin
import pytest
from jobadapter import Hub, JobStatus, TransientError, WatchDeadline
from jobadapter.config import profile_from_mapping
from jobadapter.retry import RetryPolicy
from jobadapter.store import SqliteStore
from jobadapter.transport import Timeouts, Transport
from jobadapter.transport.deadline import call_deadline
from rawserver import read_request

CO = "zuora.custom_object_job"
TOKEN = b'{"access_token": "tok-slow-1", "token_type": "bearer", "expires_in": 3599}'
RUNNING = json.dumps(
    {"Id": "J1", "status": "in_progress", "operation": "create", "object": "car"}
).encode()


def http_answer(body: bytes, status: str = "200 OK") -> bytes:
    head = f"HTTP/1.1 {status}\r\nContent-Type: application/json\r\nContent-Length: {len(body)}"
    return head.encode() + b"\r\n\r\n" + body


class TrickleServer:
    """Answers the token endpoint at once, every other request one byte per ``pace`` s.

    ``part`` says what trickles: the status line (``status``), the headers (``headers``)
    or the body (``body``); what comes before it is sent at once.
    """

    def __init__(self, part: str = "status", pace: float = 0.25, body: bytes = RUNNING) -> None:
        self.part = part
        self.pace = pace
        self.body = body
        self.requests = 0
        self._sock = socket.socket()
        self._sock.bind(("127.0.0.1", 0))
        self._sock.listen(16)
        self.url = f"http://127.0.0.1:{self._sock.getsockname()[1]}"
        self._stop = threading.Event()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._sock.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn: socket.socket) -> None:
        with conn:
            head = read_request(conn)
            if head is None:
                return
            if head.split(b" ", 2)[1].startswith(b"/oauth/token"):
                conn.sendall(http_answer(TOKEN) + b"")
                return
            self.requests += 1
            answer = http_answer(self.body)
            head_end = answer.index(b"\r\n\r\n") + 4
            first_line_end = answer.index(b"\r\n") + 2
            start = {"status": 0, "headers": first_line_end, "body": head_end}[self.part]
            try:
                conn.sendall(answer[:start])
                for byte in answer[start:]:
                    if self._stop.wait(self.pace):
                        return
                    conn.sendall(bytes([byte]))
            except OSError:
                return  # the client gave up: what these tests want

    def close(self) -> None:
        self._stop.set()
        self._sock.close()


@pytest.fixture
def trickle(request: pytest.FixtureRequest) -> Iterator[TrickleServer]:
    server = TrickleServer(getattr(request, "param", "status"))
    yield server
    server.close()


def transport(read: float, attempts: int = 1) -> Transport:
    return Transport(
        timeouts=Timeouts(connect=2.0, read=read),
        retry=RetryPolicy(max_attempts=attempts, backoff_base=0.01, backoff_cap=0.05),
    )


@pytest.mark.parametrize("trickle", ["status", "headers", "body"], indirect=True)
def test_the_timeout_bounds_a_whole_answer_that_trickles(trickle: TrickleServer) -> None:
    began = time.monotonic()
    with pytest.raises(TransientError, match=r"no whole answer within 1 s") as caught:
        transport(read=1.0).request("GET", trickle.url + "/objects/jobs/J1")
    assert time.monotonic() - began < 3.0  # the answer alone would take ~30 s
    assert "timeout" in str(caught.value)


def test_retries_of_a_trickling_answer_stay_within_attempts_times_timeout(
    trickle: TrickleServer,
) -> None:
    began = time.monotonic()
    with pytest.raises(TransientError, match="gave up after 3 attempt"):
        transport(read=0.5, attempts=3).request("GET", trickle.url + "/objects/jobs/J1")
    assert time.monotonic() - began < 3.5
    assert trickle.requests == 3


def test_a_call_deadline_bounds_every_retry_and_wait(trickle: TrickleServer) -> None:
    began = time.monotonic()
    with call_deadline(1.0), pytest.raises(TransientError, match="deadline"):
        transport(read=30.0, attempts=5).request("GET", trickle.url + "/objects/jobs/J1")
    assert time.monotonic() - began < 2.5


def test_a_download_body_may_take_longer_than_the_timeout_but_not_its_headers() -> None:
    slow_body = TrickleServer("body", pace=0.02, body=b"x" * 60)  # ~1.2 s of body
    slow_head = TrickleServer("headers", pace=0.25)
    try:
        import io

        dest = io.BytesIO()
        transport(read=0.8).download(slow_body.url + "/file", dest)
        assert dest.getvalue() == b"x" * 60
        with pytest.raises(TransientError, match="no whole answer"):
            transport(read=0.8).download(slow_head.url + "/file", io.BytesIO())
    finally:
        slow_body.close()
        slow_head.close()


def co_profile(url: str, **extra: Any) -> dict[str, Any]:
    return {
        "provider": "zuora",
        "base_url": url,
        "client_id": "slow-client-id",
        "client_secret": "slow-client-secret",
        "timezone": "UTC",
        **extra,
    }


def test_hub_wait_deadline_bounds_the_whole_call(trickle: TrickleServer) -> None:
    profile = profile_from_mapping("slow", co_profile(trickle.url, timeout=30))
    hub = Hub(profiles=[profile], plugins=[common_plugin, co_plugin], load_entrypoints=False)
    began = time.monotonic()
    with hub, pytest.raises(WatchDeadline):
        hub.wait(CO, "J1", deadline=1.5)
    assert time.monotonic() - began < 4.0


def run_cli(home: Path, *args: str, timeout: float) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "JOBADAPTER_HOME": str(home / "home"),
        "XDG_CONFIG_HOME": str(home / "xdg"),
        "NO_COLOR": "1",
    }
    env.pop("JOBADAPTER_CONFIG", None)
    return subprocess.run(
        [sys.executable, "-m", "jobadapter", "--config", str(home / "c.toml"), *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env,
        check=False,
    )


def write_config(home: Path, table: dict[str, Any]) -> None:
    lines = ["[profiles.slow]"] + [
        f"{k} = {v if isinstance(v, (int, float)) else json.dumps(v)}" for k, v in table.items()
    ]
    (home / "c.toml").write_text("\n".join(lines) + "\n")


def test_status_with_a_short_timeout_ends_against_a_trickling_server(
    trickle: TrickleServer, tmp_path: Path
) -> None:
    write_config(tmp_path, co_profile(trickle.url, timeout=1))
    began = time.monotonic()
    result = run_cli(tmp_path, "status", CO, "J1", "-p", "slow", timeout=40)
    assert time.monotonic() - began < 30  # five tries of 1 s and their backoff
    assert result.returncode == 3, result.stderr
    assert "no whole answer within 1 s" in result.stdout + result.stderr


def test_watch_deadline_holds_against_a_trickling_server(
    trickle: TrickleServer, tmp_path: Path
) -> None:
    write_config(tmp_path, co_profile(trickle.url, timeout=60))
    began = time.monotonic()
    result = run_cli(tmp_path, "watch", CO, "J1", "-p", "slow", "--deadline", "2", timeout=40)
    assert result.returncode == 4, result.stderr
    assert time.monotonic() - began < 15  # interpreter start-up included


def test_watch_all_open_applies_its_deadline_to_resumed_jobs(tmp_path: Path) -> None:
    server = TrickleServer("status", pace=0.0)  # answers at once: "in_progress" for ever
    try:
        write_config(tmp_path, co_profile(server.url))
        store = SqliteStore(tmp_path / "home" / "jobadapter.sqlite3")
        profile = profile_from_mapping("slow", co_profile(server.url))
        with Hub(
            profiles=[profile],
            plugins=[common_plugin, co_plugin],
            load_entrypoints=False,
            store=store,
        ) as hub:
            job = hub.adapter(CO).parse(json.loads(RUNNING))
            assert job.status is JobStatus.RUNNING
            store.observe(job, profile="slow", observed_at=job.updated_at or _now())
        store.close()
        began = time.monotonic()
        result = run_cli(tmp_path, "watch", "--all-open", "--deadline", "2", timeout=40)
        assert result.returncode == 4, result.stdout + result.stderr
        assert time.monotonic() - began < 15
    finally:
        server.close()


def _now() -> Any:
    import datetime as dt

    return dt.datetime.now(dt.timezone.utc)
