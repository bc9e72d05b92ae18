"""Fuzzing: generated answers in, only Jobs or typed errors out.

Structure-aware: most examples are the documented answers with fields
deleted, retyped or replaced by junk (``jobadapter.testing.junk``), the rest
junk of any shape. Covered: every installed adapter's ``parse`` (and Zoho's
submit-answer parsers), the token endpoints behind ``ClientCredentials`` and
``RefreshToken`` (fed through a fake transport), each provider's error-body
mapping, and ``Response.json`` on raw bytes.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Mapping
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jobadapter import Hub, Job, JobAdapterError, JobStatus, ProviderError
from jobadapter.auth import ClientCredentials, RefreshToken
from jobadapter.statuses import StatusTable
from jobadapter.testing.junk import json_junk, junk_payloads
from jobadapter.transport import Response, Transport
from jobadapter_zoho_mass_update.mass_update import MassUpdateAdapter
from reliability_samples import (
    STATUS_SAMPLES,
    TOKEN_ERRORS,
    ZOHO_ERRORS,
    ZOHO_IMMEDIATE,
    ZOHO_SCHEDULED,
    ZOHO_TOKEN,
    ZOHO_TOKEN_MS,
    ZUORA_ERRORS,
    ZUORA_TOKEN,
)

#: ``JOBADAPTER_FUZZ_EXAMPLES=5000`` explores further, with fresh random examples each run;
#: by default the examples are the same on every run (CI stays deterministic).
EXPLORE = os.environ.get("JOBADAPTER_FUZZ_EXAMPLES")
EXAMPLES = settings(
    max_examples=int(EXPLORE or 120),
    derandomize=not EXPLORE,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

JOB_IDS = st.one_of(
    st.none(),
    st.sampled_from(["Leads:554023000000506003", "a/b?c#d", "..", "", "x\r\ny", "\ud800"]),
    st.text(max_size=12),
)


@pytest.fixture(scope="module")
def hub() -> Hub:
    return Hub(config=False)  # every installed plugin, from its entry point


def test_every_installed_adapter_has_samples_to_fuzz(hub: Hub) -> None:
    assert hub.adapters(), "no adapters installed"
    missing = sorted(set(hub.adapters()) - set(STATUS_SAMPLES))
    assert not missing, f"add documented status answers for {missing} to reliability_samples.py"


def check_job(job: Any, adapter: str) -> None:
    """A parse result that is a real Job, consistent with the model's rules."""
    assert isinstance(job, Job), type(job)
    assert job.adapter == adapter
    assert isinstance(job.id, str) and job.id
    assert isinstance(job.status, JobStatus)
    for name in ("total", "processed", "succeeded", "failed"):
        value = getattr(job.counts, name)
        assert value is None or (isinstance(value, int) and value >= 0)
    for moment in (job.created_at, job.started_at, job.ended_at, job.updated_at):
        assert moment is None or moment.utcoffset() is not None
    assert job.native_status is None or isinstance(job.native_status, str)


def quiet(table: StatusTable) -> None:
    table.reset_warnings()  # keeps the warn-once memory from growing with junk words


@pytest.mark.parametrize("adapter_name", sorted(STATUS_SAMPLES))
def test_parse_returns_a_job_or_a_typed_error(hub: Hub, adapter_name: str) -> None:
    adapter = hub.adapter(adapter_name)
    samples = [payload for payload, _ in STATUS_SAMPLES[adapter_name]]
    for payload, job_id in STATUS_SAMPLES[adapter_name]:  # the samples themselves parse
        check_job(adapter.parse(payload, job_id=job_id), adapter_name)

    @EXAMPLES
    @given(payload=junk_payloads(samples), job_id=JOB_IDS)
    def run(payload: Any, job_id: str | None) -> None:
        try:
            job = adapter.parse(payload, job_id=job_id)
        except JobAdapterError:
            return
        finally:
            quiet(adapter.statuses)
        check_job(job, adapter_name)

    run()


def test_zoho_submit_answers_give_a_job_or_a_typed_error(hub: Hub) -> None:
    adapter = hub.adapter("zoho.mass_update")
    assert isinstance(adapter, MassUpdateAdapter)

    @EXAMPLES
    @given(
        payload=junk_payloads([ZOHO_SCHEDULED, ZOHO_IMMEDIATE]),
        requested=st.one_of(st.none(), st.integers(-5, 600)),
    )
    def run(payload: Any, requested: int | None) -> None:
        parsers: list[Callable[[], Job]] = [
            lambda: adapter.parse_scheduled(payload, module="Leads"),
            lambda: adapter.parse_immediate(
                payload, module="Leads", job_id="Leads:immediate-1", requested=requested
            ),
        ]
        for parse in parsers:
            try:
                job = parse()
            except JobAdapterError:
                continue
            check_job(job, "zoho.mass_update")

    run()


# -- answers on the wire: bytes, statuses, headers ----------------------------------------


def _default(value: Any) -> Any:
    if isinstance(value, bytes):
        return value.decode("latin-1")
    raise TypeError(type(value).__name__)


def encoded(payload: Any) -> bytes:
    """JSON text for any generated payload (NaN and surrogates included, as a bad server might)."""
    return json.dumps(payload, default=_default).encode("ascii")


def wire_bodies(samples: list[Any]) -> st.SearchStrategy[bytes]:
    """Bodies as a server might send them: JSON of mutated samples, cut or raw bytes."""
    documents = junk_payloads(samples).map(encoded)
    return st.one_of(
        documents,
        documents,
        st.tuples(documents, st.integers(0, 200)).map(lambda d: d[0][: d[1]]),
        st.binary(max_size=64),
        st.sampled_from([b"", b"  ", b"null", b"<html>login</html>", b"\xef\xbb\xbf{}", b"[]"]),
    )


HEADERS = st.dictionaries(
    st.sampled_from(
        ["Content-Type", "Retry-After", "RateLimit-Reset", "Zuora-Request-Id", "X-Request-Id"]
    ),
    st.one_of(
        st.sampled_from(["application/json", "text/html", "1", "-3", "1e9", "soon", ""]),
        st.text(st.characters(min_codepoint=32, max_codepoint=126), max_size=20),
    ),
    max_size=3,
)
STATUSES = st.sampled_from([200, 201, 202, 204, 400, 401, 403, 404, 409, 429, 500, 502, 503])


class FakeTransport(Transport):
    """Answers every request with the next scripted answer; sends nothing."""

    def __init__(self, answer: tuple[int, Mapping[str, str], bytes]) -> None:
        super().__init__()
        self.answer = answer
        self.calls = 0

    def request(self, method: str, url: str, **kwargs: Any) -> Response:
        self.calls += 1
        status, headers, data = self.answer
        return Response(status=status, headers=dict(headers), data=data, method=method, url=url)


TOKEN_URL = "https://accounts.example.test/oauth/v2/token"


@pytest.mark.parametrize("grant", ["client_credentials", "refresh_token"])
def test_token_endpoints_give_a_token_or_a_typed_error(grant: str) -> None:
    samples = [ZUORA_TOKEN, ZOHO_TOKEN, ZOHO_TOKEN_MS, *TOKEN_ERRORS]

    @EXAMPLES
    @given(status=STATUSES, headers=HEADERS, body=wire_bodies(samples))
    def run(status: int, headers: Mapping[str, str], body: bytes) -> None:
        transport = FakeTransport((status, headers, body))
        creds: ClientCredentials | RefreshToken = (
            ClientCredentials(TOKEN_URL, "client-id", "client-secret-1")
            if grant == "client_credentials"
            else RefreshToken(TOKEN_URL, "client-id", "client-secret-1", "refresh-token-1")
        )
        try:
            sent = creds.auth_headers(transport)
        except JobAdapterError as exc:
            assert "client-secret-1" not in str(exc) and "refresh-token-1" not in str(exc)
            return
        assert status < 300 and transport.calls == 1
        [(name, value)] = sent.items()
        assert name == "Authorization" and isinstance(value, str)
        assert not any(c in value for c in "\r\n\0")
        api_base = creds.api_base
        assert api_base is None or api_base.startswith(("http://", "https://"))
        assert creds.auth_headers(transport) == sent and transport.calls == 1  # cached

    run()


@pytest.mark.parametrize("lifetime", [10**400, -(10**400), "1e999", float("nan"), [3600]])
def test_token_lifetimes_beyond_reason_fall_back_to_the_default(lifetime: Any) -> None:
    """Found by the fuzzer: ``expires_in`` of 10**400 raised OverflowError (now the default)."""
    body = encoded({**ZUORA_TOKEN, "expires_in": lifetime})
    creds = ClientCredentials(TOKEN_URL, "client-id", "client-secret-1", clock=lambda: 1000.0)
    assert creds.auth_headers(FakeTransport((200, {}, body)))["Authorization"].startswith("Bearer")


@pytest.mark.parametrize("provider_name", ["zuora", "zoho"])
def test_error_bodies_map_to_typed_errors(hub: Hub, provider_name: str) -> None:
    provider = hub.provider(provider_name)
    samples = ZUORA_ERRORS if provider_name == "zuora" else ZOHO_ERRORS

    @EXAMPLES
    @given(status=STATUSES, headers=HEADERS, body=wire_bodies(samples))
    def run(status: int, headers: Mapping[str, str], body: bytes) -> None:
        response = Response(
            status=status, headers=dict(headers), data=body, method="GET", url="https://x.test/a"
        )
        error = provider.error_for(response, adapter="fuzz.adapter")
        assert error is None or isinstance(error, ProviderError)
        if not 200 <= status < 300:
            assert error is not None, f"HTTP {status} passed as a success"
        if error is not None:
            assert isinstance(str(error), str) and isinstance(repr(error), str)

    run()


@EXAMPLES
@given(body=st.one_of(st.binary(max_size=200), json_junk().map(encoded)), headers=HEADERS)
def test_response_json_raises_only_provider_response_errors(
    body: bytes, headers: Mapping[str, str]
) -> None:
    response = Response(status=200, headers=dict(headers), data=body, method="GET", url="https://x")
    try:
        value = response.json()
    except JobAdapterError as exc:
        assert type(exc).__name__ == "ProviderResponseError"
        return
    assert value is None or isinstance(value, (dict, list, str, int, float, bool))
