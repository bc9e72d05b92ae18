"""Hostile input, end to end through the adapters: rejected, or contained.

- job ids built to walk the path, add a query, cut a fragment or inject a
  header, through every adapter's ``get`` and ``cancel``: refused with a typed
  error, or sent as exactly one encoded path segment (one ``job_id`` value);
- line breaks in profile headers, Zuora header options and secrets: refused
  before anything is sent;
- a status answer too big, streamed without end, or a gzip bomb; a result
  file that is a gzip bomb: refused with a typed error, never read whole;
- a redirect to another host (status request, token request, result file):
  followed without credentials, or refused; bad schemes and loops refused.
"""

from __future__ import annotations

import contextlib
import gzip
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any, ClassVar
from urllib.parse import parse_qs, unquote, urlsplit

import attrs
import pytest
from jobadapter import (
    AuthError,
    ConfigError,
    Hub,
    InvalidRequest,
    JobAdapterError,
    JobStatus,
    NotSupported,
    ProviderResponseError,
)
from jobadapter.config import profile_from_mapping
from jobadapter.sandbox import SandboxServer, Simulator
from jobadapter.transport import Transport
from jobadapter_zuora_custom_objects.simulator import CustomObjectJobsSimulator
from reliability_world import (
    ADAPTERS,
    BULK,
    CO,
    MASS,
    PROFILE_OF,
    ZOHO,
    RecordedBulk,
    RecordedCO,
    Sims,
    Spec,
    build_request,
    fast_options,
    make_hub,
    make_sims,
    profile_tables,
)
from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Request, Response

HOSTILE_IDS = [
    "../../v1/accounts",
    "..",
    ".",
    "a/b",
    "a%2Fb",
    "%2e%2e",
    "x?delete=1&all=true",
    "x#fragment",
    "x\r\nInjected: 1",
    "x\nInjected: 1",
    "x\x00y",
    "x y",
    "ünïcødé",
    "",
    "9" * 3000,
]
ZOHO_IDS = [f"Leads:{i}" for i in HOSTILE_IDS] + ["../x:1", "Leads/../Deals:1", "Le ads:1"]


@attrs.define
class Captured:
    """One request as it arrived: the raw URI and every header."""

    method: str
    uri: str
    headers: dict[str, str]


class Capture:
    """WSGI middleware keeping every request's raw URI and headers."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.requests: list[Captured] = []

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        request = Request(environ)
        uri = environ.get("REQUEST_URI") or environ.get("RAW_URI") or request.full_path
        self.requests.append(Captured(request.method, uri, dict(request.headers.items())))
        return self.app(environ, start_response)  # type: ignore[no-any-return]


@pytest.fixture()
def world() -> Iterator[tuple[Sims, SandboxServer, Capture]]:
    sims = make_sims(speed=0.0)
    server = SandboxServer(*sims.all)
    capture = Capture(server.app)
    server.app = capture  # type: ignore[assignment]
    with server:
        yield sims, server, capture


def _segment_ok(uri: str, prefix: str, job_id: str, suffixes: tuple[str, ...]) -> bool:
    path = urlsplit(uri).path
    if not path.startswith(prefix):
        return False
    rest = path[len(prefix) :].split("/")
    if len(rest) > 1 and "/".join(rest[1:]) not in suffixes:
        return False
    return "?" not in rest[0] and "#" not in rest[0] and unquote(rest[0]) == job_id


@pytest.mark.parametrize("adapter", ADAPTERS)
def test_hostile_job_ids_stay_one_segment_or_are_refused(
    world: tuple[Sims, SandboxServer, Capture], adapter: str
) -> None:
    sims, _, capture = world
    reached = 0
    with make_hub(profile_tables(sims), None) as hub:
        hub.connection(adapter, PROFILE_OF[adapter]).credentials.auth_headers(hub.transport)
        ids = ZOHO_IDS if adapter == ZOHO else HOSTILE_IDS
        for job_id in ids:
            before = len(capture.requests)
            for verb in (hub.get, hub.cancel):
                with pytest.raises(JobAdapterError) as info:
                    verb(adapter, job_id, profile=PROFILE_OF[adapter])
                assert not isinstance(info.value, NotSupported) or adapter == ZOHO
            sent = capture.requests[before:]
            reached += len(sent)
            for request in sent:
                assert "Injected" not in request.headers and "injected" not in request.uri.lower()
                check_request(adapter, request, job_id)
    assert reached >= 5  # most hostile ids do reach the provider, safely encoded


def check_request(adapter: str, request: Captured, job_id: str) -> None:
    """Where a request with a hostile id may go: its own job's routes, nowhere else."""
    assert job_id and job_id not in (".", "..") and not set(job_id) & set("\r\n\x00")
    if adapter == CO:
        assert _segment_ok(request.uri, "/zuora_custom_objects/objects/jobs/", job_id,
                           ("cancel", "errors")), request.uri  # fmt: skip
    elif adapter == MASS:
        assert _segment_ok(request.uri, "/zuora_bulk/v1/bulk/", job_id, ("stop",)), request.uri
    elif adapter == BULK:
        assert _segment_ok(request.uri, "/zuora_bulk/bulk-data/bulk-jobs/", job_id,
                           ("summary", "aborts")), request.uri  # fmt: skip
    else:
        parts = urlsplit(request.uri)
        module, _, native = job_id.partition(":")
        assert parts.path == f"/zoho_mass_update/crm/v8/{module}/actions/mass_update", parts.path
        assert parse_qs(parts.query) == {"job_id": [native]}, parts.query


# -- header injection through configuration ---------------------------------------------


def test_line_breaks_in_profile_headers_are_refused(
    world: tuple[Sims, SandboxServer, Capture],
) -> None:
    sims, _, capture = world
    table = profile_tables(sims)["co"]
    for headers in ({"X-Custom": "a\r\nInjected: 1"}, {"X-A\nInjected": "1"}):
        with pytest.raises(ConfigError, match="line break"):
            profile_from_mapping("co", {**table, "headers": headers})
    with pytest.raises(ConfigError, match="Track-Id"):
        hub = make_hub({"co": {**table, "track_id": "t\r\nInjected: 1"}}, None)
        hub.get(CO, "abc", profile="co")
    # A profile built in code skips the file checks: the transport still refuses it.
    good = profile_from_mapping("co", table)
    bad = attrs.evolve(good, headers={"X-Custom": "a\r\nInjected: 1"})
    with (
        Hub(config=False, profiles=[bad], plugins=_plugins(), load_entrypoints=False) as hub,
        pytest.raises(InvalidRequest, match="header injection"),
    ):
        hub.get(CO, "abc", profile="co")
    # A pasted secret with a line break never reaches the token endpoint.
    secret = attrs.evolve(good, secrets={**good.secrets, "client_secret": "s3cret\r\nX: 1"})
    with (
        Hub(config=False, profiles=[secret], plugins=_plugins(), load_entrypoints=False) as hub,
        pytest.raises(AuthError, match="line break"),
    ):
        hub.get(CO, "abc", profile="co")
    assert not any("Injected" in r.headers or "X" in r.headers for r in capture.requests)


def _plugins() -> tuple[Any, ...]:
    from reliability_world import PLUGINS

    return PLUGINS


# -- answers too big, endless, or bombs -----------------------------------------------------


BOMB_MEMBER = gzip.compress(b"\0" * (4 << 20), mtime=0)  # 4 MiB of zeros in 4 KiB


def gzip_bomb(mebibytes: int) -> bytes:
    """``mebibytes`` of zeros as concatenated gzip members (each 4 MiB in 4 KiB)."""
    return BOMB_MEMBER * (mebibytes // 4)


class HostileCO(CustomObjectJobsSimulator):
    """A Zuora tenant whose status answers are whatever ``mode`` says."""

    mode: ClassVar[str] = "normal"

    def on_get_job(self, request: Request, job_id: str) -> Response:
        mode = type(self).mode
        if mode == "huge":
            return Response(b'{"Id": "' + b"x" * (3 << 20) + b'"}', mimetype="application/json")
        if mode == "endless":

            def stream() -> Iterator[bytes]:
                yield b'{"Id": "'
                for _ in range(64):  # 16 MiB, chunked, no Content-Length
                    yield b"y" * (256 << 10)

            return Response(stream(), mimetype="application/json", direct_passthrough=True)
        if mode == "bomb":
            answer = Response(gzip_bomb(256), mimetype="application/json")
            answer.headers["Content-Encoding"] = "gzip"
            return answer
        if mode.startswith("redirect:"):
            return Response(status=302, headers={"Location": mode.split(":", 1)[1]})
        return super().on_get_job(request, job_id)


@pytest.fixture()
def hostile() -> Iterator[tuple[HostileCO, SandboxServer]]:
    sim = HostileCO(accept_delay=1.0)
    with SandboxServer(sim) as server:
        yield sim, server
    HostileCO.mode = "normal"


def co_hub(sim: Simulator, transport: Transport | None = None) -> Hub:
    profile = profile_from_mapping("co", sim.profile())
    return Hub(
        config=False,
        profiles=[profile],
        plugins=_plugins(),
        load_entrypoints=False,
        transport=transport or Transport(**fast_options()),
    )


@pytest.mark.parametrize(
    ("mode", "says"),
    [("huge", "larger than"), ("endless", "larger than"), ("bomb", "larger than")],
)
def test_oversized_endless_and_bomb_answers_are_refused(
    hostile: tuple[HostileCO, SandboxServer], mode: str, says: str
) -> None:
    sim, _ = hostile
    options = fast_options()
    with co_hub(sim, Transport(max_response_bytes=1 << 20, **options)) as hub:
        job = hub.submit(CO, build_request(Spec(CO, "h_1", 3, 0)), profile="co")
        HostileCO.mode = mode
        with pytest.raises(ProviderResponseError, match=says):
            hub.get(CO, job.id)
        received = hub.transport.stats.snapshot()["bytes_received"]
    assert received < 8 << 20  # never read whole (the bomb alone expands to 256 MiB)


def test_the_default_cap_holds_a_gzip_bomb(hostile: tuple[HostileCO, SandboxServer]) -> None:
    sim, _ = hostile
    with co_hub(sim) as hub:
        assert hub.transport.max_response_bytes <= 64 << 20
        job = hub.submit(CO, build_request(Spec(CO, "h_2", 3, 0)), profile="co")
        HostileCO.mode = "bomb"
        with pytest.raises(ProviderResponseError):
            hub.get(CO, job.id)


class BombFiles(RecordedBulk):
    """A Zuora tenant whose Mass Updater result file is a gzip bomb."""

    def on_zuora_file(self, request: Request, file_id: str) -> Response:
        answer = Response(gzip_bomb(1024), mimetype="application/zip")
        answer.headers["Content-Encoding"] = "gzip"
        return answer


def test_a_result_file_gzip_bomb_is_refused_not_written_out(tmp_path: Path) -> None:
    """Downloads have no size cap (result files can be huge): the bomb guard stops this one."""
    from reliability_world import RecordedZoho

    sims = make_sims(speed=0.0, classes=(RecordedCO, RecordedZoho, BombFiles))
    with SandboxServer(*sims.all), make_hub(profile_tables(sims), None) as hub:
        job = hub.submit(MASS, build_request(Spec(MASS, "h_3", 3, 0)), profile="zb")
        sims.clock.advance(60)
        assert hub.get(MASS, job.id, profile="zb").status is JobStatus.SUCCEEDED
        with pytest.raises(ProviderResponseError, match="decompression bomb"):
            list(hub.results(MASS, job.id, profile="zb"))
        assert hub.transport.stats.snapshot()["bytes_received"] < 4 << 20


# -- redirects --------------------------------------------------------------------------------


class Elsewhere(Simulator):
    """Another origin: records what reaches it, answers a plausible job."""

    name: ClassVar[str] = "elsewhere"

    def __init__(self) -> None:
        super().__init__()
        self.seen: list[tuple[str, dict[str, str], bytes]] = []

    def url_map(self) -> Map:
        return Map([Rule("/<path:anything>", endpoint="any", methods=["GET", "POST", "PUT"])])

    def on_any(self, request: Request, anything: str) -> Response:
        self.seen.append((request.full_path, dict(request.headers.items()), request.get_data()))
        return self.json_response({"Id": "stolen", "status": "completed", "recordsProcessed": 1})


@pytest.fixture()
def elsewhere() -> Iterator[Elsewhere]:
    sim = Elsewhere()
    with SandboxServer(sim):
        yield sim


def test_a_redirect_to_another_host_carries_no_credentials(
    hostile: tuple[HostileCO, SandboxServer], elsewhere: Elsewhere
) -> None:
    sim, _ = hostile
    with co_hub(sim) as hub:
        job = hub.submit(CO, build_request(Spec(CO, "h_4", 3, 0)), profile="co")
        token = hub.connection(CO).credentials.auth_headers(hub.transport)["Authorization"]
        HostileCO.mode = f"redirect:{elsewhere.base_url}/objects/jobs/{job.id}"
        with contextlib.suppress(JobAdapterError):  # refusing the foreign answer is fine too
            hub.get(CO, job.id)
    assert elsewhere.seen, "the redirect was not followed at all"
    for _path, headers, body in elsewhere.seen:
        assert "Authorization" not in headers
        assert token.split()[-1] not in repr(headers) + body.decode("latin-1")
        assert sim.client_secret not in repr(headers) + body.decode("latin-1")


@pytest.mark.parametrize(
    "location", ["file:///etc/passwd", "ftp://127.0.0.1/x", "gopher://x", "//\r\nx"]
)
def test_redirects_to_other_schemes_are_refused(
    hostile: tuple[HostileCO, SandboxServer], location: str
) -> None:
    sim, _ = hostile
    with co_hub(sim) as hub:
        job = hub.submit(CO, build_request(Spec(CO, "h_5", 3, 0)), profile="co")
        HostileCO.mode = f"redirect:{location}"
        with pytest.raises(JobAdapterError):
            hub.get(CO, job.id)


def test_a_redirect_loop_is_refused(hostile: tuple[HostileCO, SandboxServer]) -> None:
    sim, server = hostile
    with co_hub(sim) as hub:
        job = hub.submit(CO, build_request(Spec(CO, "h_6", 3, 0)), profile="co")
        HostileCO.mode = f"redirect:{server.url}/objects/jobs/{job.id}"
        with pytest.raises(ProviderResponseError, match="redirects"):
            hub.get(CO, job.id)


class TokenThief(CustomObjectJobsSimulator):
    """A token endpoint that sends the client elsewhere with a 307 (body kept)."""

    target: ClassVar[str] = ""

    def on_oauth_token(self, request: Request) -> Response:
        return Response(status=307, headers={"Location": type(self).target})


def test_a_token_request_redirected_elsewhere_keeps_the_secret_home(elsewhere: Elsewhere) -> None:
    TokenThief.target = f"{elsewhere.base_url}/oauth/token"
    sim = TokenThief()
    with (
        SandboxServer(sim),
        co_hub(sim) as hub,
        pytest.raises(ProviderResponseError, match="carries credentials"),
    ):
        hub.get(CO, "some-job")
    for _path, headers, body in elsewhere.seen:
        text = repr(headers) + body.decode("latin-1")
        assert sim.client_secret not in text, "the client secret followed the redirect"
