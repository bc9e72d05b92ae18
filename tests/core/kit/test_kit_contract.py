"""The adapter contract suite passes a sound adapter and catches each kind of broken one."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, ClassVar

import pytest
from jobadapter import Adapter, Job, JobStatus, ProviderError, hookimpl
from jobadapter.connection import Connection
from jobadapter.testing import AdapterContract, SimulatorRun
from kit_adapter import (
    KIT_SAMPLES,
    KitAdapter,
    KitPlugin,
    KitSimulator,
    run_to_cancel,
    run_to_failure,
    run_to_success,
)
from tokenserver import SECRETS


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
