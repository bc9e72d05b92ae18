"""Hostile answers and careless profiles (issue #12): one bad answer never takes down
the rest, and nothing a provider echoes shows a secret.

A scripted Zuora custom object provider on loopback answers each job id with the
body a test gives it: a count past what any store holds, an integer of 5,000
digits, another job's id. The CLI's ``status`` and ``hub.track`` meet them.
"""

from __future__ import annotations

import base64
import json
import re
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote, quote_plus

import jobadapter_zuora_common.plugin as common_plugin
import jobadapter_zuora_custom_objects.plugin as co_plugin
import pytest
from click.testing import CliRunner
from jobadapter import AuthError, Hub, JobStatus, ProviderResponseError
from jobadapter.cli.main import cli
from jobadapter.config import parse_config, profile_from_mapping
from jobadapter.errors import ConfigError
from jobadapter.redact import register_secret
from jobadapter.retry import RetryPolicy
from jobadapter.store import SqliteStore
from jobadapter.transport import Response, Timeouts, Transport
from werkzeug.serving import make_server
from werkzeug.wrappers import Request
from werkzeug.wrappers import Response as WResponse

CO = "zuora.custom_object_job"


def co_job(job_id: str, status: str = "completed", processed: Any = 3) -> dict[str, Any]:
    return {
        "Id": job_id,
        "status": status,
        "operation": "create",
        "object": "vehicle",
        "namespace": "default",
        "recordsProcessed": processed,
        "CreatedDate": "2024-05-01T10:00:00Z",
        "UpdatedDate": "2024-05-01T10:01:00Z",
    }


class HostileZuora:
    """Token endpoint and custom object job status, answering scripted bodies."""

    def __init__(self) -> None:
        self.bodies: dict[str, bytes] = {}
        self.token_answer: tuple[int, bytes] | None = None
        self._server = make_server("127.0.0.1", 0, self._app, threaded=True)
        self.url = f"http://127.0.0.1:{self._server.server_port}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def answer(self, job_id: str, body: dict[str, Any] | bytes) -> None:
        self.bodies[job_id] = body if isinstance(body, bytes) else json.dumps(body).encode()

    @Request.application  # type: ignore[misc]
    def _app(self, request: Request) -> WResponse:
        if request.path == "/oauth/token":
            if self.token_answer is not None:
                status, body = self.token_answer
                return WResponse(body, status=status, content_type="application/json")
            token = {"access_token": "tok-hostile-1", "token_type": "bearer", "expires_in": 3599}
            return WResponse(json.dumps(token), content_type="application/json")
        parts = request.path.strip("/").split("/")
        if parts[:2] == ["objects", "jobs"] and len(parts) >= 3:
            if parts[3:] == ["errors"]:
                return WResponse('{"errors": []}', content_type="application/json")
            body = self.bodies.get(parts[2])
            if body is not None:
                return WResponse(body, content_type="application/json")
        return WResponse('{"code": 71013040, "message": "Not Found"}', status=404)

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def profile_table(self, **extra: Any) -> dict[str, Any]:
        return {
            "provider": "zuora",
            "base_url": self.url,
            "client_id": "hostile-client-id",
            "client_secret": "hostile-client-secret",
            "timezone": "UTC",
            **extra,
        }


@pytest.fixture
def zuora() -> Iterator[HostileZuora]:
    server = HostileZuora()
    yield server
    server.close()


@pytest.fixture
def cli_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("JOBADAPTER_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("JOBADAPTER_CONFIG", raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    monkeypatch.setenv("NO_COLOR", "1")
    return tmp_path


def write_config(path: Path, table: dict[str, Any]) -> Path:
    lines = ["[profiles.hostile]"]
    for key, value in table.items():
        lines.append(f"{key} = {value if isinstance(value, (int, float)) else json.dumps(value)}")
    path.write_text("\n".join(lines) + "\n")
    return path


def run_cli(config: Path, *args: str) -> Any:
    return CliRunner().invoke(cli, ["--config", str(config), *args], catch_exceptions=False)


def make_hub(zuora: HostileZuora, store: SqliteStore | None = None) -> Hub:
    profile = profile_from_mapping("hostile", zuora.profile_table())
    transport = Transport(
        retry=RetryPolicy(max_attempts=1),
        timeouts=Timeouts(connect=2, read=5),
        sleep=lambda _: None,
    )
    return Hub(
        profiles=[profile],
        plugins=[common_plugin, co_plugin],
        load_entrypoints=False,
        transport=transport,
        store=store,
    )


# -- counts past what the store holds ---------------------------------------------------


@pytest.mark.parametrize("count", ["10000000000000000000", 10**19, "9" * 40])
def test_status_with_a_count_no_store_holds_is_a_typed_error_not_a_traceback(
    zuora: HostileZuora, cli_env: Path, count: Any
) -> None:
    zuora.answer("K1", co_job("K1", processed=count))
    config = write_config(cli_env / "c.toml", zuora.profile_table())
    result = run_cli(config, "status", CO, "K1", "-p", "hostile")
    assert result.exit_code == 3, result.output
    assert "Traceback" not in result.output
    assert "recordsProcessed" in result.output and "more than any job's row count" in result.output


def test_track_keeps_the_good_jobs_when_one_answers_a_huge_count(
    zuora: HostileZuora, tmp_path: Path
) -> None:
    for job_id in ("G1", "G2", "G3"):
        zuora.answer(job_id, co_job(job_id))
    zuora.answer("HUGE", co_job("HUGE", processed="10000000000000000000"))
    store = SqliteStore(tmp_path / "jobs.db")
    with make_hub(zuora, store) as hub:
        result = hub.track([(CO, "G1"), (CO, "HUGE"), (CO, "G2"), (CO, "G3")], deadline=3)
    assert {key[1] for key, job in result.jobs.items() if job.status is JobStatus.SUCCEEDED} == {
        "G1",
        "G2",
        "G3",
    }
    for job_id in ("G1", "G2", "G3"):
        stored = store.get(CO, job_id)
        assert stored is not None and stored.status is JobStatus.SUCCEEDED
    assert store.get(CO, "HUGE") is None  # never stored as anything


# -- JSON numbers past Python's digit limit ---------------------------------------------


def test_a_5000_digit_integer_is_a_typed_provider_answer_error(
    zuora: HostileZuora, cli_env: Path
) -> None:
    body = b'{"Id": "K1", "status": "completed", "recordsProcessed": ' + b"7" * 5000 + b"}"
    response = Response(status=200, headers={}, data=body, method="GET", url="http://x/")
    with pytest.raises(ProviderResponseError, match="4,300 digits"):
        response.json()
    zuora.answer("K1", body)
    config = write_config(cli_env / "c.toml", zuora.profile_table())
    result = run_cli(config, "status", CO, "K1", "-p", "hostile")
    assert result.exit_code == 3 and "4,300 digits" in result.output


# -- an answer about another job --------------------------------------------------------


def test_status_refuses_an_answer_naming_another_job(zuora: HostileZuora, cli_env: Path) -> None:
    zuora.answer("K1", co_job("SOMEONE_ELSE"))
    config = write_config(cli_env / "c.toml", zuora.profile_table())
    result = run_cli(config, "status", CO, "K1", "-p", "hostile", "--json")
    assert result.exit_code == 3
    assert "SOMEONE_ELSE" in result.output and "asked for" in result.output
    listed = run_cli(config, "report", "--format", "json")
    assert "SOMEONE_ELSE" not in listed.output


def test_every_path_refuses_an_answer_naming_another_job(zuora: HostileZuora) -> None:
    zuora.answer("K1", co_job("SOMEONE_ELSE"))
    with make_hub(zuora) as hub:
        with pytest.raises(ProviderResponseError, match="asked for"):
            hub.get(CO, "K1")
        result = hub.track([(CO, "K1")], deadline=1)
        assert (CO, "SOMEONE_ELSE") not in result.jobs
        with pytest.raises(ProviderResponseError, match="asked for"):
            hub.adapter(CO).parse(co_job("SOMEONE_ELSE"), job_id="K1")


# -- every number in a profile ------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "key"),
    [
        ("timeout = 1e400", "timeout"),
        ("timeout = nan", "timeout"),
        ("timeout = 1e12", "timeout"),
        ("poll_max = inf", "poll_max"),
        ("rate_per_second = 1e400", "rate_per_second"),
        ("max_in_flight = 99999999999999999", "max_in_flight"),
        ("poll_min = 60\npoll_max = 5", "poll_min"),
    ],
)
def test_every_number_in_a_profile_is_range_checked(line: str, key: str) -> None:
    text = f'[profiles.p]\nprovider = "zuora"\nbase_url = "https://rest.zuora.com"\n{line}\n'
    with pytest.raises(ConfigError, match=f"key '{key}'") as caught:
        parse_config(text)
    assert "\n" not in str(caught.value)


def test_a_huge_timeout_is_a_one_line_config_error_in_the_cli(cli_env: Path) -> None:
    config = cli_env / "c.toml"
    config.write_text(
        '[profiles.p]\nprovider = "zuora"\nbase_url = "http://127.0.0.1:9"\n'
        'client_id = "id-1234"\nclient_secret = "secret-1234"\ntimeout = 1e400\n'
    )
    result = run_cli(config, "status", CO, "K1", "-p", "p")
    assert result.exit_code == 2, result.output
    assert "timeout" in result.output and "Traceback" not in result.output


# -- secrets in every encoding they are sent in ------------------------------------------


def lower_hex(text: str) -> str:
    """Percent-escapes in lower case, as some servers write them."""
    return re.sub(r"%[0-9A-F]{2}", lambda m: m.group(0).lower(), text)


def test_a_token_endpoint_echoing_the_request_shows_no_secret_in_any_encoding(
    zuora: HostileZuora,
) -> None:
    client_id, secret = "SENTINEL CLIENT&ID", "S3NT/NEL+secret=value"
    basic = base64.b64encode(f"{client_id}:{secret}".encode()).decode()
    echoed = (
        f"form: client_id={quote_plus(client_id)}&client_secret={quote_plus(secret)}; "
        f"quoted: {quote(client_id, safe='')} {lower_hex(quote(secret, safe=''))}; "
        f"header: {basic}; json: {json.dumps(secret)}"
    )
    zuora.token_answer = (
        401,
        json.dumps({"error": "invalid_client", "error_description": echoed}).encode(),
    )
    profile = profile_from_mapping(
        "echo", {**zuora.profile_table(), "client_id": client_id, "client_secret": secret}
    )
    hub = Hub(profiles=[profile], plugins=[common_plugin, co_plugin], load_entrypoints=False)
    with hub, pytest.raises(AuthError) as caught:
        hub.get(CO, "K1")
    text = str(caught.value) + repr(caught.value)
    assert "form: client_id=" in text  # the echo is shown, its secrets masked
    for shown in (
        client_id,
        secret,
        quote_plus(client_id),
        quote_plus(secret),
        quote(client_id, safe=""),
        lower_hex(quote(secret, safe="")),
        basic,
        json.dumps(secret)[1:-1],
    ):
        assert shown not in text, shown
    assert "SENTINEL" not in text


def test_base64_of_a_secret_is_masked_at_any_alignment() -> None:
    from jobadapter.redact import redact_text

    register_secret("ALIGNED-sentinel-value")
    for prefix in ("", "a", "ab", "abc"):
        encoded = base64.b64encode(f"{prefix}ALIGNED-sentinel-value:x".encode()).decode()
        assert "***" in redact_text(encoded)


# -- observations ordered by when they were fetched ---------------------------------------


def test_an_observation_fetched_before_the_stored_one_is_not_an_anomaly(tmp_path: Path) -> None:
    """Three watchers on one store: B fetched later but wrote first; A's older answer
    arriving late is old news, never a 'counts_decreased' anomaly or a move back."""
    import datetime as dt

    from jobadapter import Counts, Job

    store = SqliteStore(tmp_path / "jobs.db")
    t0 = dt.datetime(2024, 5, 1, 10, tzinfo=dt.timezone.utc)
    running = Job(adapter=CO, id="J1", status=JobStatus.RUNNING, counts=Counts(processed=10))
    later = Job(adapter=CO, id="J1", status=JobStatus.RUNNING, counts=Counts(processed=40))
    done = Job(adapter=CO, id="J1", status=JobStatus.SUCCEEDED, counts=Counts(processed=50))
    store.observe(later, profile="p", observed_at=t0 + dt.timedelta(seconds=2))  # watcher B
    late = store.observe(running, profile="p", observed_at=t0 + dt.timedelta(seconds=1))  # A
    stale = store.observe(running, profile="p", observed_at=t0 + dt.timedelta(seconds=1.5))  # C
    assert not late.anomalies and not stale.anomalies
    assert not store.anomalies(CO, "J1")
    kept = store.get(CO, "J1")
    assert kept is not None and kept.counts.processed == 40
    newer = store.observe(done, profile="p", observed_at=t0 + dt.timedelta(seconds=3))
    assert newer.status_changed and store.get(CO, "J1") == done
    store.close()
