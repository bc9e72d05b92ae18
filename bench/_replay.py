"""A keep-alive replay server: the provider side that is never the bottleneck.

The simulators are Python web apps: a request costs them 0.5-1 ms, and their
time (and their load) sits in any wall-clock figure of the client. To measure
the client, this server stands in front of them in its own process: the first
time it sees a request (method and target) it forwards it to the simulator
and keeps the answer; every later identical request gets that answer back at
once, byte for byte (gzip stays gzip), on a connection kept alive. Both sides
of a benchmark talk to it, so both get the same answers at the same cost.

    with SandboxProcess(...) as sandbox, ReplayProcess(sandbox.url) as replay:
        profiles = replay.profiles(sandbox.profiles)  # base URLs point at the replay

An upload (POST) is forwarded once too: later ones are read in full and
answered like the first (the same job id). ``stats`` says how many requests
were forwarded and how many replayed.

``template=(prefix, job id, suffix)``: a GET of ``prefix + other id + suffix``
(an id of the same length) is answered with the recorded answer for ``job
id``, the id swapped in: as many jobs as a benchmark wants, unsubmitted.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from typing import Self  # Python 3.11; only read by type checkers

from _common import ChildProcess

BENCH_DIR = Path(__file__).resolve().parent

#: Answer headers not replayed as recorded (the replay sets its own framing).
_HOP_HEADERS = {"connection", "keep-alive", "transfer-encoding", "content-length"}
#: Request headers not forwarded upstream.
_SKIP_REQUEST = {"host", "connection", "keep-alive", "content-length", "transfer-encoding"}


class ReplayProcess(ChildProcess):
    """The replay server in a child process (pinned to the last CPU with ``pin``)."""

    what = "replay"

    def __init__(
        self, upstream: str, *, pin: bool = False, template: tuple[str, str, str] | None = None
    ) -> None:
        super().__init__()
        self.upstream = upstream.rstrip("/")
        self.pin = pin
        self.template = template
        self.url = ""

    def __enter__(self) -> Self:
        self._spawn(
            [
                sys.executable,
                str(Path(__file__)),
                self.upstream,
                "1" if self.pin else "0",
                json.dumps(self.template),
            ]
        )
        self.url = self._read()["url"]
        return self

    def stats(self) -> dict[str, int]:
        """Requests forwarded to the simulator and answered from the recording."""
        assert self._proc is not None and self._proc.stdin is not None
        self._proc.stdin.write("stats\n")
        self._proc.stdin.flush()
        answer: dict[str, int] = self._read()
        return answer

    def profiles(self, tables: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
        """``tables`` (the sandbox's profiles) with their URLs pointing at the replay."""
        return {
            name: {k: _moved(v, self.upstream, self.url) for k, v in table.items()}
            for name, table in tables.items()
        }


def _moved(value: Any, old: str, new: str) -> Any:
    return new + value[len(old) :] if isinstance(value, str) and value.startswith(old) else value


# -- the child ---------------------------------------------------------------------------


class _Replay:
    def __init__(self, upstream: str, template: tuple[str, str, str] | None) -> None:
        import urllib3

        self.upstream = upstream
        self.template = template
        self.pool = urllib3.PoolManager(maxsize=4)
        self.answers: dict[tuple[str, str], bytes] = {}
        self.forwarded = 0
        self.replayed = 0
        #: The open connections and their handlers, so shutdown can end them.
        self.writers: set[asyncio.StreamWriter] = set()
        self.handlers: set[asyncio.Task[Any]] = set()

    def record(self, method: str, target: str, headers: dict[str, str], body: bytes) -> bytes:
        response = self.pool.request(
            method,
            self.upstream + target,
            headers=headers,
            body=body or None,
            preload_content=True,
            decode_content=False,
            redirect=False,
            retries=False,
        )
        data = response.data
        lines = [f"HTTP/1.1 {response.status} {response.reason or 'OK'}"]
        lines += [f"{k}: {v}" for k, v in response.headers.items() if k.lower() not in _HOP_HEADERS]
        lines += [f"Content-Length: {len(data)}", "", ""]
        return "\r\n".join(lines).encode("latin-1") + data

    def templated(self, method: str, target: str) -> bytes | None:
        if self.template is None or method != "GET":
            return None
        prefix, sample, suffix = self.template
        other = target[len(prefix) : len(target) - len(suffix)]
        if not (target.startswith(prefix) and target.endswith(suffix)) or len(other) != len(sample):
            return None
        recorded = self.answers.get((method, prefix + sample + suffix))
        if recorded is None:
            return None
        self.replayed += 1
        return recorded.replace(sample.encode(), other.encode())

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        handler = asyncio.current_task()
        assert handler is not None
        self.writers.add(writer)
        self.handlers.add(handler)
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                lines = head.decode("latin-1").split("\r\n")
                method, target, _ = lines[0].split(" ", 2)
                headers: dict[str, str] = {}
                for line in lines[1:]:
                    if ":" in line:
                        name, value = line.split(":", 1)
                        headers[name.strip()] = value.strip()
                lowered = {k.lower(): v for k, v in headers.items()}
                if lowered.get("transfer-encoding", "").lower() == "chunked":
                    body = await _read_chunked(reader)
                else:
                    body = await reader.readexactly(int(lowered.get("content-length", "0")))
                key = (method, target.split("?", 1)[0] if method == "POST" else target)
                answer = self.answers.get(key) or self.templated(method, target)
                if answer is None:
                    forward = {k: v for k, v in headers.items() if k.lower() not in _SKIP_REQUEST}
                    answer = self.answers[key] = self.record(method, target, forward, body)
                    self.forwarded += 1
                elif key in self.answers:
                    self.replayed += 1
                writer.write(answer)
                await writer.drain()
                if lowered.get("connection", "").lower() == "close":
                    break
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()
            self.writers.discard(writer)
            self.handlers.discard(handler)

    async def close(self) -> None:
        """End every kept-alive connection and wait for its handler. Closing the
        connection lets the handler's read end as at a client's close; left to
        ``asyncio.run`` it would be cancelled, and Python 3.11's stream callback
        prints the cancellation as a traceback."""
        for writer in list(self.writers):
            writer.close()
        await asyncio.gather(*self.handlers, return_exceptions=True)


async def _read_chunked(reader: asyncio.StreamReader) -> bytes:
    parts = []
    while True:
        size = int((await reader.readline()).split(b";")[0], 16)
        if size == 0:
            await reader.readline()
            return b"".join(parts)
        parts.append(await reader.readexactly(size))
        await reader.readline()


async def _serve(upstream: str, template: tuple[str, str, str] | None) -> None:
    replay = _Replay(upstream, template)
    server = await asyncio.start_server(replay.handle, "127.0.0.1", 0, limit=2**16)
    port = server.sockets[0].getsockname()[1]
    print(json.dumps({"url": f"http://127.0.0.1:{port}"}), flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):  # a Ctrl-C of the benchmark ends us too
        loop.add_signal_handler(signum, stop.set)
    commands = asyncio.create_task(_answer_commands(replay, stop))
    await stop.wait()
    server.close()
    await replay.close()
    await server.wait_closed()
    commands.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await commands


async def _answer_commands(replay: _Replay, stop: asyncio.Event) -> None:
    """Answer each line on stdin with the counts; its end (the parent's goodbye) stops us."""
    stdin = asyncio.StreamReader()
    loop = asyncio.get_running_loop()
    pipe, _ = await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(stdin), sys.stdin)
    try:
        while await stdin.readline():
            print(
                json.dumps({"forwarded": replay.forwarded, "replayed": replay.replayed}),
                flush=True,
            )
    finally:
        pipe.close()
        stop.set()


if __name__ == "__main__":
    if len(sys.argv) != 4:
        sys.exit("usage: python bench/_replay.py UPSTREAM PIN TEMPLATE (started by the benchmarks)")
    if sys.argv[2] == "1" and hasattr(os, "sched_setaffinity"):
        with contextlib.suppress(OSError):
            os.sched_setaffinity(0, {(os.cpu_count() or 1) - 1})
    template = json.loads(sys.argv[3])
    asyncio.run(_serve(sys.argv[1], None if template is None else tuple(template)))
