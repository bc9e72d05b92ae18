"""The testing kit: cassette scrubbing and replay, fake time, the adapter contract suite."""

from __future__ import annotations

import gzip
import json
import re
import threading
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, ClassVar

import pytest
import yaml
from jobadapter import (
    Adapter,
    Job,
    JobStatus,
    ProviderError,
    StatusTable,
    hookimpl,
)
from jobadapter.connection import Connection
from jobadapter.model import Counts, JobError
from jobadapter.sandbox import Simulator
from jobadapter.testing import (
    AdapterContract,
    CassetteMissingError,
    FakeClock,
    FakeSleeper,
    SimulatorRun,
    make_vcr,
    record_mode,
    vcr_config,
)
from jobadapter.transport import Transport
from jobadapter.urls import path_segment
from vcr.errors import CannotOverwriteExistingCassetteException
from werkzeug.routing import Map, Rule
from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server
from werkzeug.wrappers import Request, Response

pytest_plugins = ["pytester"]

# -- cassettes ---------------------------------------------------------------------------

SECRETS = {
    "client_id": "1000.CLIENTIDVALUE12345",
    "client_secret": "clientsecretvalue0123456789",
    "refresh_token": "1000.refreshtokenvalue.abcdef123456",
    "access_token": "1000.accesstokenvalue.fedcba654321",
    "id_token": "eyJidtokenvalue.payload.signature",
    "jti": "jti-identifier-0123456789",
    "query_token": "querytokenvalue987654321",
    "password": "hunter2-password-value",
    "cookie": "sessioncookievalue-123456789",
    "x_session": "xsessionbearervalue-123456789",
}

#: The repository's own cassette leak check (the pre-stop hook), applied to every cassette here.
LEAK = re.compile(
    r"((bearer|zoho-oauthtoken) +[A-Za-z0-9._-]{12,})|"
    r"((access_token|refresh_token|client_secret)[\"']?[:=] *[\"']?[A-Za-z0-9._-]{12,})",
    re.IGNORECASE,
)


class _Quiet(WSGIRequestHandler):
    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        pass


class TokenServer:
    """A small provider: OAuth token endpoint (gzip answer), job create, upload and status."""

    def __init__(self) -> None:
        self.server: BaseWSGIServer = make_server(
            "127.0.0.1", 0, self.app, threaded=True, request_handler=_Quiet
        )
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.seen: list[tuple[str, str]] = []

    def __enter__(self) -> TokenServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def stop(self) -> None:
        if self.thread.is_alive():
            self.server.shutdown()
            self.server.server_close()
            self.thread.join(timeout=2)

    def app(self, environ: Any, start_response: Any) -> Any:
        return self.answer(Request(environ))(environ, start_response)

    def answer(self, request: Request) -> Response:
        self.seen.append((request.method, request.full_path))
        if request.path == "/oauth/token":
            assert request.form["client_secret"] == SECRETS["client_secret"]
            body = {
                "access_token": SECRETS["access_token"],
                "refresh_token": SECRETS["refresh_token"],
                "id_token": SECRETS["id_token"],
                "jti": SECRETS["jti"],
                "api_domain": self.url,
                "expires_in": 3600,
            }
            return Response(
                gzip.compress(json.dumps(body).encode()),
                headers={
                    "Content-Encoding": "gzip",
                    "Set-Cookie": f"session={SECRETS['cookie']}; HttpOnly",
                },
                content_type="application/json",
            )
        if request.path == "/jobs" and request.method == "POST":
            sent = json.loads(gzip.decompress(request.get_data()))
            answer = {"id": "42", "state": "queued", "name": sent["name"]}
            answer["upload"] = f"{self.url}/jobs/42/file"
            return Response(json.dumps(answer), content_type="application/json")
        if request.path == "/jobs/42/file":
            upload = request.files["file"]
            return Response(
                json.dumps({"received": upload.read().decode()}), content_type="application/json"
            )
        return Response(json.dumps({"id": "42", "state": "done"}), content_type="application/json")


def exchange(base: str) -> list[Any]:
    """Token, create (gzipped JSON), upload (multipart) and status, through the real transport."""
    transport = Transport(sleep=FakeSleeper())
    try:
        token = transport.request(
            "POST",
            f"{base}/oauth/token",
            form={
                "grant_type": "refresh_token",
                "client_id": SECRETS["client_id"],
                "client_secret": SECRETS["client_secret"],
                "refresh_token": SECRETS["refresh_token"],
            },
        ).json()
        api = token["api_domain"]
        auth = {"Authorization": f"Zoho-oauthtoken {token['access_token']}"}
        created = transport.request(
            "POST",
            f"{api}/jobs?access_token={SECRETS['query_token']}&page=1",
            json={"name": "import", "password": SECRETS["password"], "code": "PRODUCT-1"},
            gzip_body=True,
            headers=auth,
            idempotency_key="key-1",
        ).json()
        uploaded = transport.request(
            "POST",
            created["upload"],
            multipart={"file": ("rows.csv", b"id,name\n1,a\n", "text/csv")},
            headers=auth,
            retry_unsafe=True,
        ).json()
        status = transport.request(
            "GET",
            f"{api}/jobs/42",
            headers={
                "Authorization": f"Bearer {token['access_token']}",
                "X-Session": f"Bearer {SECRETS['x_session']}",
                "Cookie": f"session={SECRETS['cookie']}",
            },
        ).json()
    finally:
        transport.close()
    return [token, created, uploaded, status]


@pytest.fixture
def no_record_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("JOBADAPTER_RECORD", raising=False)
    monkeypatch.delenv("CI", raising=False)


@pytest.mark.usefixtures("no_record_env")
def test_recorded_cassette_holds_no_secret_and_replays_with_the_server_gone(
    tmp_path: Path,
) -> None:
    with TokenServer() as server:
        with make_vcr(tmp_path, record_mode="once").use_cassette("exchange.yaml"):
            live = exchange(server.url)
        assert len(server.seen) == 4
        port = str(server.server.server_port)
    assert live[0]["access_token"] == SECRETS["access_token"]  # the client saw the real answer

    text = (tmp_path / "exchange.yaml").read_text(encoding="utf-8")
    for name, secret in SECRETS.items():
        assert secret not in text, f"{name} leaked into the cassette"
    assert not LEAK.search(text)
    assert "127.0.0.1" not in text and port not in text
    assert "http://sandbox.invalid/oauth/token" in text
    assert "Zoho-oauthtoken <redacted>" in text and "Bearer <redacted>" in text
    assert "Set-Cookie" in text and "access_token=<redacted>" in text
    answers = [i["response"]["body"]["string"] for i in yaml.safe_load(text)["interactions"]]
    token = json.loads(answers[0])
    assert {
        k: token[k] for k in ("access_token", "refresh_token", "id_token", "jti")
    } == dict.fromkeys(("access_token", "refresh_token", "id_token", "jti"), "<redacted>")
    assert "PRODUCT-1" in text  # `code` in a JSON body is data, kept
    assert '"state": "queued"' in text  # gzip decoded: answers are readable text
    assert "Content-Encoding" not in text.split("response:")[1].split("request:")[0]

    # Replay: nothing listens any more, and on another port the cassette still plays.
    with make_vcr(tmp_path).use_cassette("exchange.yaml") as cassette:
        replayed = exchange("http://127.0.0.1:9")
    assert cassette.all_played
    assert replayed[0]["access_token"] == "<redacted>"
    assert replayed[0]["api_domain"] == "http://sandbox.invalid"
    assert replayed[1:] == [
        {
            "id": "42",
            "state": "queued",
            "name": "import",
            "upload": "http://sandbox.invalid/jobs/42/file",
        },
        {"received": "id,name\n1,a\n"},
        {"id": "42", "state": "done"},
    ]


@pytest.mark.usefixtures("no_record_env")
def test_replay_refuses_requests_not_in_the_cassette_and_missing_cassettes(tmp_path: Path) -> None:
    with TokenServer() as server, make_vcr(tmp_path, record_mode="once").use_cassette("one.yaml"):
        Transport().request("GET", f"{server.url}/jobs/42")
    transport = Transport(sleep=FakeSleeper())
    with make_vcr(tmp_path).use_cassette("one.yaml"):
        assert transport.request("GET", "http://localhost:1/jobs/42").json()["state"] == "done"
        with pytest.raises(CannotOverwriteExistingCassetteException):
            transport.request("GET", "http://127.0.0.1:1/jobs/43")
    with (
        pytest.raises(CassetteMissingError, match="JOBADAPTER_RECORD=1"),
        make_vcr(tmp_path).use_cassette("never-recorded.yaml"),
    ):
        pass
    (tmp_path / "empty.yaml").write_text("")
    with pytest.raises(CassetteMissingError), make_vcr(tmp_path).use_cassette("empty.yaml"):
        pass


def test_record_mode_is_replay_only_unless_asked_and_never_in_ci() -> None:
    assert record_mode({}) == "none"
    assert record_mode({"JOBADAPTER_RECORD": "1"}) == "once"
    assert record_mode({"JOBADAPTER_RECORD": "all"}) == "all"
    assert record_mode({"JOBADAPTER_RECORD": "0"}) == "none"
    assert record_mode({"JOBADAPTER_RECORD": "1", "CI": "true"}) == "none"
    assert record_mode({"JOBADAPTER_RECORD": "1", "CI": "false"}) == "once"
    with pytest.raises(ValueError, match="JOBADAPTER_RECORD"):
        record_mode({"JOBADAPTER_RECORD": "sometimes"})


def test_vcr_config_chains_user_hooks_before_the_scrubbers(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("CI", "1")
    monkeypatch.setenv("JOBADAPTER_RECORD", "1")
    seen: list[str] = []

    def mine(request: Any) -> Any:
        seen.append(request.uri)
        request.headers["Authorization"] = "Bearer sneakytokenvalue123456"
        return request

    config = vcr_config(before_record_request=mine)
    assert config["record_mode"] == "none"
    assert config["match_on"] == ("method", "scheme", "host", "port", "path", "query", "body")
    assert config["decode_compressed_response"] is True
    from vcr.request import Request as VcrRequest

    out = config["before_record_request"](
        VcrRequest("GET", "http://[::1]:8080/x?code=abc", None, {})
    )
    assert seen == ["http://[::1]:8080/x?code=abc"]
    assert out.uri == "http://sandbox.invalid/x?code=<redacted>"
    assert out.headers["Authorization"] == "Bearer <redacted>"


def test_fake_sleeper_moves_the_fake_clock() -> None:
    clock = FakeClock(start=100.0)
    sleep = FakeSleeper(clock)
    sleep(2.5)
    sleep(0)
    sleep(1.5)
    assert clock.time() == 104.0 and sleep.calls == [2.5, 0, 1.5] and sleep.total == 4.0


# -- a small adapter, its simulator and its plugin ------------------------------------------

KIT_STATUSES = StatusTable(
    {
        JobStatus.PENDING: ("queued",),
        JobStatus.RUNNING: ("running",),
        JobStatus.SUCCEEDED: ("done",),
        JobStatus.FAILED: ("failed",),
        JobStatus.CANCELLED: ("cancelled",),
    },
    owner="kit.job",
)


class KitAdapter(Adapter):
    name = "kit.job"
    provider = "generic"
    statuses = KIT_STATUSES
    capabilities = frozenset({"submit", "get", "cancel"})

    def build_job(self, payload: Any, *, job_id: str | None) -> Job:
        body = self.require_mapping(payload)
        word = body.get("state")
        error = body.get("error")
        if error is not None and not isinstance(error, str):
            raise self.malformed("error is not a string")
        errors: tuple[JobError, ...] = (JobError("ROW", error),) if error else ()
        return Job(
            adapter=self.name,
            id=self.job_id_from(body.get("id"), job_id, "id"),
            status=self.status_of(word),
            native_status=word,
            counts=Counts(total=self.count(body, "rows")),
            created_at=self.timestamp(body, "created"),
            errors=errors,
            raw=payload,
        )

    def request_from_options(self, options: Mapping[str, Any]) -> dict[str, Any]:
        return {"rows": int(options.get("rows", 1)), "fail": bool(options.get("fail"))}

    def submit(self, conn: Connection, request: Any) -> Job:
        return self.parse(
            conn.request("POST", "/jobs", json=dict(request), adapter=self.name).json()
        )

    def get(self, conn: Connection, job_id: str) -> Job:
        body = conn.get_json(f"/jobs/{path_segment(job_id)}", adapter=self.name)
        return self.parse(body, job_id=job_id)

    def cancel(self, conn: Connection, job_id: str) -> Job:
        path = f"/jobs/{path_segment(job_id)}/cancel"
        return self.parse(conn.request("POST", path, adapter=self.name).json(), job_id=job_id)


class KitSimulator(Simulator):
    """Jobs are queued for 10 simulated seconds, run for 10, then end."""

    name = "kit"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.jobs: dict[str, dict[str, Any]] = {}

    def url_map(self) -> Map:
        return Map(
            [
                Rule("/jobs", methods=["POST"], endpoint="create"),
                Rule("/jobs/<job_id>", methods=["GET"], endpoint="job"),
                Rule("/jobs/<job_id>/cancel", methods=["POST"], endpoint="cancel"),
            ]
        )

    def profile(self) -> dict[str, Any]:
        return {"provider": "generic", "base_url": self.base_url, "token": "kit-sandbox-token"}

    def _view(self, job: dict[str, Any]) -> dict[str, Any]:
        age = self.clock.now() - job["created"]
        state = job.get("final") or ("queued" if age < 10 else "running" if age < 20 else "")
        if not state:
            state = "failed" if job["fail"] else "done"
        view = {"id": job["id"], "state": state, "rows": job["rows"], "created": job["created"]}
        if state == "failed":
            view["error"] = "row 1 rejected"
        return view

    def on_create(self, request: Request) -> Response:
        sent = self.read_json(request)
        with self.lock:
            job_id = str(len(self.jobs) + 1)
            self.jobs[job_id] = {
                "id": job_id,
                "rows": sent["rows"],
                "fail": sent.get("fail", False),
                "created": int(self.clock.now()),
            }
            return self.json_response(self._view(self.jobs[job_id]), 201)

    def on_job(self, request: Request, job_id: str) -> Response:
        with self.lock:
            job = self.jobs.get(job_id)
            if job is None:
                return self.error_response(request, 404, "NOT_FOUND", "no such job")
            return self.json_response(self._view(job))

    def on_cancel(self, request: Request, job_id: str) -> Response:
        with self.lock:
            self.jobs[job_id]["final"] = "cancelled"
            return self.json_response(self._view(self.jobs[job_id]))


class KitPlugin:
    JOBADAPTER_API_VERSION = "1.0"

    @hookimpl
    def register_adapters(self, register: Callable[[type[Adapter]], None]) -> None:
        register(KitAdapter)

    @hookimpl
    def register_simulators(self, register: Callable[[type[Simulator]], None]) -> None:
        register(KitSimulator)


def run_to_success(run: SimulatorRun) -> Job:
    return run.until_terminal(run.submit({"rows": 3}).id)


def run_to_failure(run: SimulatorRun) -> Job:
    return run.until_terminal(run.submit({"rows": 3, "fail": True}).id)


def run_to_cancel(run: SimulatorRun) -> Job:
    job = run.submit({"rows": 3})
    run.advance(12)
    assert run.get(job.id).status is JobStatus.RUNNING
    run.cancel(job.id)
    return run.until_terminal(job.id)


KIT_SAMPLES = {
    "done": (
        {"id": "7", "state": "done", "rows": 5, "created": 1_700_000_000},
        None,
        JobStatus.SUCCEEDED,
    ),
    "running, id from caller": ({"state": "Running", "rows": "12"}, "9", JobStatus.RUNNING),
    "failed": ({"id": 8, "state": "FAILED", "error": "row 2 bad"}, None, JobStatus.FAILED),
}


class TestKitAdapterContract(AdapterContract):
    """The whole suite, collected by pytest from this subclass, passes for a sound adapter."""

    adapter_class = KitAdapter
    documented_statuses = ("queued", "running", "done", "failed", "cancelled")
    samples = KIT_SAMPLES
    plugins = (KitPlugin(),)
    simulator_class = KitSimulator
    terminal_scenarios = {
        JobStatus.SUCCEEDED: run_to_success,
        JobStatus.FAILED: run_to_failure,
        JobStatus.CANCELLED: run_to_cancel,
    }


# -- the suite catches broken adapters -------------------------------------------------------


class KitContract(AdapterContract):
    """The sound configuration, for broken variants to change one thing at a time."""

    abstract = True
    adapter_class = KitAdapter
    documented_statuses: ClassVar[Sequence[str]] = TestKitAdapterContract.documented_statuses
    samples = KIT_SAMPLES
    plugins: ClassVar[Sequence[object]] = (KitPlugin(),)


def failure_of(contract: type[AdapterContract], test: str) -> str:
    method = getattr(contract(), test)
    with pytest.raises((pytest.fail.Exception, AssertionError)) as info:
        method()
    return str(info.value)


def test_the_suite_catches_a_status_table_missing_a_documented_word() -> None:
    class Contract(KitContract):
        documented_statuses = (*KitContract.documented_statuses, "Paused", "DONE")

    message = failure_of(Contract, "test_status_table_covers_documented_words")
    assert "'Paused' is not in the status table" in message
    assert "lists 'DONE' and 'done'" in message


def test_the_suite_catches_a_sample_mapped_to_the_wrong_status() -> None:
    class Contract(KitContract):
        samples = {"wrong": ({"id": "1", "state": "queued"}, None, JobStatus.RUNNING)}

    message = failure_of(Contract, "test_samples_parse_to_expected_status")
    assert "status pending, expected running" in message


class PartialParseAdapter(KitAdapter):
    """Overrides parse itself and lets a KeyError out on a missing field."""

    name = "kit.partial"

    def parse(self, payload: Any, *, job_id: str | None = None) -> Job:
        if isinstance(payload, dict) and "state" in payload and "id" in payload:
            return super().parse(payload, job_id=job_id)
        if isinstance(payload, dict):
            return Job(adapter=self.name, id=payload["id"], status=JobStatus.UNKNOWN)
        raise KeyError("state")


def test_the_suite_catches_parse_that_is_not_total() -> None:
    class Contract(KitContract):
        adapter_class = PartialParseAdapter
        samples = {"done": ({"id": "7", "state": "done"}, None, JobStatus.SUCCEEDED)}
        junk_examples = 60

    edge = failure_of(Contract, "test_parse_is_total_on_edge_cases")
    assert "raised KeyError" in edge and "whole answer is null" in edge
    generated = failure_of(Contract, "test_parse_is_total_on_generated_junk")
    assert "raised KeyError" in generated


class BadRawAdapter(KitAdapter):
    name = "kit.bad_raw"

    def build_job(self, payload: Any, *, job_id: str | None) -> Job:
        job = super().build_job(payload, job_id=job_id)
        return Job(adapter=job.adapter, id=job.id, status=job.status, raw={"seen": {1, 2}})


def test_the_suite_catches_jobs_that_do_not_serialise() -> None:
    class Contract(KitContract):
        adapter_class = BadRawAdapter

    assert "to_dict is not plain JSON" in failure_of(Contract, "test_serialisation_round_trips")


class UndeclaredCancelAdapter(KitAdapter):
    name = "kit.undeclared"
    capabilities = frozenset({"get"})

    def submit(self, conn: Connection, request: Any) -> Job:
        return super().submit(conn, request)


def test_the_suite_catches_verbs_implemented_but_not_declared() -> None:
    class Contract(KitContract):
        adapter_class = UndeclaredCancelAdapter

    message = failure_of(Contract, "test_capabilities_match_verbs")
    assert "submit() is implemented but 'submit' is not declared" in message
    assert "cancel() is implemented but 'cancel' is not declared" in message


class LeakyAdapter(KitAdapter):
    """Puts a profile secret into its errors, and lets a KeyError out on a 404.

    (The token would be masked by the core: credentials register it for redaction.)
    """

    name = "kit.leaky"

    def get(self, conn: Connection, job_id: str) -> Job:
        try:
            return super().get(conn, job_id)
        except ProviderError as exc:
            if exc.status == 404:
                raise KeyError(job_id) from None
            secret = conn.profile.secret("client_secret")
            raise ProviderError(f"call failed for client {secret}") from exc


class LeakyPlugin:
    JOBADAPTER_API_VERSION = "1.0"

    @hookimpl
    def register_adapters(self, register: Callable[[type[Adapter]], None]) -> None:
        register(LeakyAdapter)


def test_the_suite_catches_secrets_in_errors_and_untyped_errors() -> None:
    class Contract(KitContract):
        adapter_class = LeakyAdapter
        plugins = (LeakyPlugin(),)

    message = failure_of(Contract, "test_secrets_stay_out_of_errors_and_logs")
    assert (
        "get against a server-error answer: the error shows secret(s) ['sentinel-client-secret-"
        in message
    )
    assert "get against a not-found answer: raised untyped KeyError" in message
    KitContract().test_secrets_stay_out_of_errors_and_logs()  # the sound adapter passes


class SecretReprAdapter(KitAdapter):
    name = "kit.secret_repr"

    def __init__(self, *, timezone: Any = None) -> None:
        super().__init__(timezone=timezone)
        self.key = SECRETS["password"]

    def __repr__(self) -> str:
        return f"<SecretReprAdapter key={self.key}>"


class SecretReprPlugin:
    JOBADAPTER_API_VERSION = "1.0"

    @hookimpl
    def register_adapters(self, register: Callable[[type[Adapter]], None]) -> None:
        register(SecretReprAdapter)


def test_the_suite_catches_a_secret_in_a_repr() -> None:
    class Contract(KitContract):
        adapter_class = SecretReprAdapter
        plugins = (SecretReprPlugin(),)
        secrets = {"client_secret": SECRETS["password"]}

    message = failure_of(Contract, "test_secrets_stay_out_of_reprs")
    assert "adapter shows the client_secret sentinel" in message


def test_the_suite_catches_missing_and_wrong_terminal_scenarios() -> None:
    def ends_succeeded(run: SimulatorRun) -> Job:
        return run_to_success(run)

    class Contract(KitContract):
        simulator_class = KitSimulator
        terminal_scenarios = {JobStatus.SUCCEEDED: run_to_success, JobStatus.FAILED: ends_succeeded}

    message = failure_of(Contract, "test_simulator_reaches_every_terminal_status")
    assert "no terminal_scenarios entry for cancelled" in message
    assert "failed: the job ended succeeded ('done')" in message


def test_a_contract_without_a_simulator_has_no_simulator_test_and_bad_setups_fail_early() -> None:
    assert KitContract.test_simulator_reaches_every_terminal_status is not None  # abstract

    class Contract(KitContract):
        pass

    assert Contract.test_simulator_reaches_every_terminal_status is None  # not collected
    with pytest.raises(TypeError, match="adapter_class"):

        class NoAdapter(AdapterContract):
            documented_statuses = ("done",)

    with pytest.raises(TypeError, match=r"sample 'x' must be \(payload"):

        class BadSample(KitContract):
            samples = {"x": ({"id": "1"}, JobStatus.SUCCEEDED)}

    with pytest.raises(TypeError, match="need a simulator_class"):

        class NoSimulator(KitContract):
            terminal_scenarios = {JobStatus.SUCCEEDED: run_to_success}


# -- the pytest plugin --------------------------------------------------------------------------

PLUGIN_TEST = """
from typing import Any
from jobadapter import Adapter, Job, JobStatus, StatusTable
from jobadapter.testing import AdapterContract


class TinyAdapter(Adapter):
    name = "tiny.job"
    provider = "generic"
    statuses = StatusTable({JobStatus.RUNNING: ("busy",), JobStatus.SUCCEEDED: ("ok",)})
    capabilities = frozenset()

    def build_job(self, payload: Any, *, job_id: str | None) -> Job:
        body = self.require_mapping(payload)
        return Job(adapter=self.name, id=self.job_id_from(body.get("id"), job_id, "id"),
                   status=self.status_of(body.get("s")), raw=payload)


class TinyPlugin:
    JOBADAPTER_API_VERSION = "1.0"
    from jobadapter import hookimpl

    @hookimpl
    def register_adapters(self, register):
        register(TinyAdapter)


class TestTiny(AdapterContract):
    adapter_class = TinyAdapter
    documented_statuses = ("busy", "ok")
    samples = [({"id": "1", "s": "ok"}, None, JobStatus.SUCCEEDED)]
    plugins = (TinyPlugin(),)
    junk_examples = 20


def test_fixtures(fake_clock, fake_sleeper, hub_factory, jobadapter_cassette_dir):
    fake_sleeper(30)
    assert fake_clock.time() == 1_700_000_030
    hub = hub_factory(plugins=[TinyPlugin()])
    assert "tiny.job" in hub.adapters()
    assert jobadapter_cassette_dir.name == "tiny"
"""


CASSETTE_TEST = """
from pathlib import Path
from jobadapter.transport import Transport

CASSETTE_DIR = Path(__file__).parent / "recorded"


def test_ping(jobadapter_cassette, fake_sleeper):
    answer = Transport(sleep=fake_sleeper).request("GET", "http://127.0.0.1:1/ping?access_token=x")
    assert answer.json() == {"pong": True}
    assert jobadapter_cassette.play_count == 1


def test_never_recorded(jobadapter_cassette):
    pass
"""

PING_CASSETTE = """interactions:
- request:
    body: null
    headers: {}
    method: GET
    uri: http://sandbox.invalid/ping?access_token=<redacted>
  response:
    body: {string: '{"pong": true}'}
    headers: {Content-Type: [application/json]}
    status: {code: 200, message: OK}
version: 1
"""


@pytest.mark.usefixtures("no_record_env")
def test_the_pytest_plugin_collects_a_contract_subclass_and_offers_fixtures(
    pytester: pytest.Pytester,
) -> None:
    pytester.mkpydir("tiny")
    pytester.path.joinpath("tiny", "test_tiny.py").write_text(PLUGIN_TEST)
    pytester.path.joinpath("tiny", "test_cassette.py").write_text(CASSETTE_TEST)
    pytester.path.joinpath("tiny", "recorded").mkdir()
    pytester.path.joinpath("tiny", "recorded", "test_ping.yaml").write_text(PING_CASSETTE)
    result = pytester.runpytest("-p", "no:cacheprovider", "-q")
    result.assert_outcomes(passed=11, errors=1)
    result.stdout.fnmatch_lines(["*test_never_recorded.yaml* does not exist and replay mode*"])
    collected = pytester.runpytest("-p", "no:cacheprovider", "--collect-only", "-q")
    ids = [line for line in collected.outlines if "::" in line]
    assert len(ids) == 12 and sum("TestTiny::test_" in i for i in ids) == 9
    assert not [i for i in ids if "simulator" in i]  # no simulator: not collected, not skipped


def test_hub_factory_serves_simulators_and_replays_polling_without_sleeping(
    hub_factory: Callable[..., Any], fake_sleeper: FakeSleeper
) -> None:
    simulator = KitSimulator()
    hub = hub_factory(simulators=[simulator], plugins=[KitPlugin()])
    job = hub.submit("kit.job", {"rows": 2}, profile="kit")
    simulator.clock.advance(25)
    assert hub.get("kit.job", job.id, profile="kit").status is JobStatus.SUCCEEDED
    assert fake_sleeper.total == 0


@pytest.mark.usefixtures("no_record_env")
def test_jobadapter_vcr_fixture_replays_only_from_the_test_folder_cassettes(
    jobadapter_vcr: Any, jobadapter_cassette_dir: Path
) -> None:
    assert jobadapter_cassette_dir.parts[-2:] == ("cassettes", "core")
    assert jobadapter_vcr.record_mode == "none"
    assert jobadapter_vcr.cassette_library_dir == str(jobadapter_cassette_dir)
