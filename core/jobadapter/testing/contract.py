"""The adapter contract suite: subclass :class:`AdapterContract` in a test module.

Every adapter, built-in or third-party, promises the same things: its status
table covers the provider's documented words, ``parse`` is total, parsed jobs
serialise losslessly, declared capabilities are the implemented verbs, its
simulator (if any) reaches every documented terminal status, and no secret
ever shows in a repr, an error or a log line. This class checks all of them;
pytest collects its ``test_*`` methods from your subclass::

    class TestMyAdapterContract(AdapterContract):
        adapter_class = MyAdapter
        documented_statuses = ("Queued", "Running", "Done", "Failed")
        samples = {"done": ({"id": "1", "state": "Done"}, None, JobStatus.SUCCEEDED)}
        plugins = (my_plugin_module,)          # or leave empty to load installed plugins
        simulator_class = MySimulator          # optional
        terminal_scenarios = {JobStatus.SUCCEEDED: run_to_success}  # run(SimulatorRun) -> Job
"""

from __future__ import annotations

import contextlib
import itertools
import json
import logging
import tempfile
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, ClassVar

import attrs
import jsonschema
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jobadapter.adapter import VERB_METHODS, VERBS, Adapter, check_verb
from jobadapter.config import SECRET_KEYS, Profile, profile_from_mapping
from jobadapter.connection import Connection
from jobadapter.errors import JobAdapterError, NotSupported, PluginError, ProviderResponseError
from jobadapter.hub import Hub
from jobadapter.model import Job
from jobadapter.retry import RetryPolicy
from jobadapter.sandbox import SandboxServer, Simulator
from jobadapter.serialize import from_dict, schema, to_dict
from jobadapter.status import JobStatus
from jobadapter.statuses import StatusTable, normalise_word
from jobadapter.testing.clock import FakeSleeper
from jobadapter.testing.failing_server import SCENARIOS, FailingServer
from jobadapter.testing.junk import describe, edge_cases, junk_payloads
from jobadapter.testing.leaks import LogCapture, exception_texts, leaks_in
from jobadapter.transport import Timeouts, Transport

__all__ = ["AdapterContract", "Sample", "Scenario", "SimulatorRun"]

#: ``(native answer body, job_id passed to parse or None, the status it must map to)``.
Sample = tuple[Any, str | None, JobStatus]

#: Drives a job on the simulator to one terminal status and returns the final Job.
Scenario = Callable[["SimulatorRun"], Job]

_JOB_ID = "contract-job-1"
_MAX_LISTED = 12


class _NoConnection:
    """Stands in for a Connection where no I/O may happen (undeclared verbs)."""

    def __getattr__(self, name: str) -> Any:
        raise AssertionError(f"an undeclared verb used connection.{name}")


def _quiet_transport() -> Transport:
    """A transport that never really sleeps and gives up quickly."""
    return Transport(
        timeouts=Timeouts(connect=5.0, read=10.0),
        retry=RetryPolicy(max_attempts=2, budget=5.0),
        sleep=FakeSleeper(),
    )


def _fail(problems: Sequence[str], what: str) -> None:
    if problems:
        shown = list(problems[:_MAX_LISTED])
        if len(problems) > _MAX_LISTED:
            shown.append(f"... and {len(problems) - _MAX_LISTED} more")
        pytest.fail(f"{what}:\n  " + "\n  ".join(shown), pytrace=False)


@contextlib.contextmanager
def _status_warnings_kept(table: StatusTable) -> Iterator[None]:
    """Feed junk without using up the table's warn-once memory or flooding the log."""
    saved = table.warned
    logger = logging.getLogger("jobadapter.statuses")
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        logger.setLevel(level)
        table.reset_warnings(keep=saved)


@attrs.define
class SimulatorRun:
    """What a terminal scenario gets: a hub wired to a fresh simulator on loopback.

    Time on the simulator moves only when you say so (:meth:`advance`,
    :meth:`until_terminal`), so a job that takes an hour finishes at once.
    """

    hub: Hub
    adapter: str
    profile: Profile
    simulator: Simulator
    server: SandboxServer

    @property
    def connection(self) -> Connection:
        return self.hub.connection(self.adapter, self.profile)

    def submit(self, request: Any) -> Job:
        return self.hub.submit(self.adapter, request, profile=self.profile)

    def get(self, job_id: str) -> Job:
        return self.hub.get(self.adapter, job_id, profile=self.profile)

    def cancel(self, job_id: str) -> Job:
        return self.hub.cancel(self.adapter, job_id, profile=self.profile)

    def advance(self, seconds: float) -> None:
        """Move the simulator's clock forward."""
        self.simulator.clock.advance(seconds)

    def until_terminal(self, job_id: str, *, step: float = 5.0, max_polls: int = 500) -> Job:
        """Poll, advancing the simulator ``step`` seconds between polls, until the job ends."""
        job = self.get(job_id)
        for _ in range(max_polls):
            if job.status.is_terminal:
                return job
            self.advance(step)
            job = self.get(job_id)
        raise AssertionError(
            f"{self.adapter} job {job_id!r} still {job.status.value} ({job.native_status!r}) "
            f"after {max_polls} polls {step}s apart on the simulator"
        )


class AdapterContract:
    """The contract every adapter passes. Subclass it in a test module (name it ``Test...``).

    Set as class attributes:

    - ``adapter_class``: the :class:`~jobadapter.Adapter` subclass under test;
    - ``documented_statuses``: every status word the provider's docs list;
    - ``samples``: real answers from the docs, a list of :data:`Sample` or a
      ``{name: Sample}`` dict (at least one);
    - ``plugins``: plugin objects/modules that register the adapter and its
      provider (empty: load installed plugins from entry points);
    - ``simulator_class`` and ``terminal_scenarios`` (``{JobStatus: Scenario}``):
      how to drive a job to each documented terminal status on the simulator;
    - ``profile_settings``: extra profile keys (TOML names) the provider needs;
    - ``secrets``: ``{profile secret key: sentinel}`` overrides; by default every
      secret key gets a fresh unique sentinel, which must never show anywhere;
    - ``repr_visible_keys``: secret keys reprs may show (default: none);
    - ``junk_examples``: generated payloads for the totality check.

    Override :meth:`make_adapter`, :meth:`make_simulator` or
    :meth:`submit_request` where the defaults do not fit; a shared base for
    several contracts sets ``abstract = True`` in its body. Errors raised
    against a failing server must be :class:`~jobadapter.errors.JobAdapterError`
    subclasses (typed), and must not show any sentinel secret.
    """

    adapter_class: ClassVar[type[Adapter]]
    documented_statuses: ClassVar[Sequence[str]]
    samples: ClassVar[Sequence[Sample] | Mapping[str, Sample]]
    plugins: ClassVar[Sequence[object]] = ()
    simulator_class: ClassVar[type[Simulator] | None] = None
    terminal_scenarios: ClassVar[Mapping[JobStatus, Scenario]] = {}
    profile_settings: ClassVar[Mapping[str, Any]] = {}
    secrets: ClassVar[Mapping[str, str]] = {}
    #: Secret keys whose values reprs may show (never errors or logs): an OAuth
    #: client id identifies the client, it does not authenticate (RFC 6749, 2.2),
    #: and the core's credential reprs show it so users can tell clients apart.
    repr_visible_keys: ClassVar[frozenset[str]] = frozenset()
    junk_examples: ClassVar[int] = 150

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if cls.__dict__.get("abstract", False):
            return
        where = f"{cls.__module__}.{cls.__qualname__}"
        adapter = getattr(cls, "adapter_class", None)
        if not (isinstance(adapter, type) and issubclass(adapter, Adapter)):
            raise TypeError(f"{where}: set adapter_class to the Adapter subclass under test")
        documented = getattr(cls, "documented_statuses", None)
        if isinstance(documented, str) or not documented:
            raise TypeError(
                f"{where}: set documented_statuses to the status words the provider documents "
                "(a tuple of strings)"
            )
        if not getattr(cls, "samples", None):
            raise TypeError(
                f"{where}: set samples to at least one real answer from the provider's docs"
            )
        cls._sample_list()  # a malformed sample fails here, at import, with its name
        if cls.simulator_class is None:
            if cls.terminal_scenarios:
                raise TypeError(f"{where}: terminal_scenarios need a simulator_class")
            # No simulator: the simulator check does not apply (not collected, not skipped).
            cls.test_simulator_reaches_every_terminal_status = None  # type: ignore[assignment,method-assign]

    # -- what subclasses may override ------------------------------------------------

    def make_adapter(self) -> Adapter:
        """The adapter instance under test (UTC unless ``profile_settings`` names a timezone)."""
        return self.adapter_class(timezone=self.profile_settings.get("timezone"))

    def make_simulator(self) -> Simulator:
        if self.simulator_class is None:
            raise TypeError(f"{type(self).__name__} has no simulator_class")
        return self.simulator_class()

    def submit_request(self) -> Any:
        """A request ``submit`` accepts, used when probing failures (default: from no options)."""
        return self.make_adapter().request_from_options({})

    # -- helpers -----------------------------------------------------------------------

    @classmethod
    def _sample_list(cls) -> list[tuple[str, Any, str | None, JobStatus]]:
        raw = cls.samples
        named = list(raw.items()) if isinstance(raw, Mapping) else list(enumerate(raw))
        out = []
        for name, sample in named:
            label = f"sample {name!r}" if isinstance(name, str) else f"sample #{name}"
            ok = isinstance(sample, tuple) and len(sample) == 3
            if not ok or not isinstance(sample[2], JobStatus):
                raise TypeError(
                    f"{cls.__qualname__}: {label} must be (payload, job_id or None, JobStatus)"
                )
            if sample[1] is not None and not isinstance(sample[1], str):
                raise TypeError(f"{cls.__qualname__}: {label}: job_id must be a string or None")
            out.append((label, sample[0], sample[1], sample[2]))
        return out

    def sentinel_secrets(self) -> dict[str, str]:
        """Profile secrets for the leak checks: unique per call unless ``secrets`` fixes them."""
        tag = uuid.uuid4().hex[:12]
        values = {key: f"sentinel-{key.replace('_', '-')}-{tag}" for key in SECRET_KEYS}
        values.update(self.secrets)
        return values

    def _hub(self, profiles: Sequence[Profile], config_dir: str) -> Hub:
        config = Path(config_dir) / "config.toml"
        config.write_text("", encoding="utf-8")
        return Hub(
            config=config,
            profiles=list(profiles),
            plugins=self.plugins,
            load_entrypoints=not self.plugins,
            transport=_quiet_transport(),
        )

    def _profile(self, name: str, table: Mapping[str, Any]) -> Profile:
        merged = {"provider": self.adapter_class.provider, **self.profile_settings, **table}
        return profile_from_mapping(name, merged, source="<contract>")

    @contextlib.contextmanager
    def simulator_run(self) -> Iterator[SimulatorRun]:
        """A fresh simulator served on loopback, and a hub with a profile for it."""
        simulator = self.make_simulator()
        with SandboxServer(simulator) as server, tempfile.TemporaryDirectory() as tmp:
            profile = self._profile("contract-simulator", {**simulator.profile()})
            hub = self._hub([profile], tmp)
            try:
                yield SimulatorRun(
                    hub=hub,
                    adapter=self.adapter_class.name,
                    profile=profile,
                    simulator=simulator,
                    server=server,
                )
            finally:
                hub.close()

    # -- status words ------------------------------------------------------------------

    def test_status_table_covers_documented_words(self) -> None:
        table = self.adapter_class.statuses
        problems = [
            f"documented word {word!r} is not in the status table"
            for word in table.check_covers(self.documented_statuses)
        ]
        seen: dict[str, str] = {}
        for word in self.documented_statuses:
            key = normalise_word(word)
            if key in seen:
                problems.append(f"documented_statuses lists {word!r} and {seen[key]!r}: the same")
            seen[key] = word
        _fail(problems, f"{self.adapter_class.name}: status table vs the provider's docs")

    def test_status_table_rejects_duplicates(self) -> None:
        table = self.adapter_class.statuses
        items = table.items()
        keys = [normalise_word(word) for word, _ in items]
        assert len(set(keys)) == len(keys), f"{table!r} holds duplicate words"
        word, status = items[0]
        other = next(s for s in JobStatus if s is not status)
        variant = "_".join(word.upper().split())
        with pytest.raises(PluginError, match="duplicates"):
            StatusTable([*items, (variant, other)], owner=table.owner)

    def test_samples_parse_to_expected_status(self) -> None:
        adapter = self.make_adapter()
        problems = []
        for label, payload, job_id, expected in self._sample_list():
            try:
                job = adapter.parse(payload, job_id=job_id)
            except ProviderResponseError as exc:
                problems.append(f"{label}: parse refused it: {exc}")
                continue
            if job.status is not expected:
                problems.append(
                    f"{label}: status {job.status.value}, expected {expected.value} "
                    f"(native {job.native_status!r})"
                )
            if job.adapter != adapter.name:
                problems.append(f"{label}: job.adapter is {job.adapter!r}, not {adapter.name!r}")
        _fail(problems, f"{self.adapter_class.name}: documented samples")

    # -- parse is total ----------------------------------------------------------------

    def _parse_problem(self, adapter: Adapter, payload: Any, job_id: str | None, label: str) -> str:
        """'' when parse behaved (a sound Job or ProviderResponseError), else what went wrong."""
        try:
            job = adapter.parse(payload, job_id=job_id)
        except ProviderResponseError:
            return ""
        except Exception as exc:  # noqa: BLE001 - any other escape is the failure reported
            text = repr(str(exc))[:200]
            return f"{label}: raised {type(exc).__name__}: {text} for {describe(payload)}"
        if not isinstance(job, Job):
            return f"{label}: returned {type(job).__name__}, not a Job"
        if job.adapter != adapter.name or not isinstance(job.status, JobStatus):
            return f"{label}: returned a Job with adapter {job.adapter!r}, status {job.status!r}"
        if not isinstance(job.id, str) or not job.id:
            return f"{label}: returned a Job with id {job.id!r} for {describe(payload)}"
        return ""

    def test_parse_is_total_on_edge_cases(self) -> None:
        adapter = self.make_adapter()
        named = [(label, payload) for label, payload, _, _ in self._sample_list()]
        problems = []
        with _status_warnings_kept(self.adapter_class.statuses):
            for label, payload in edge_cases(named):
                for job_id in (None, _JOB_ID):
                    problem = self._parse_problem(adapter, payload, job_id, label)
                    if problem:
                        problems.append(problem)
                        break
        _fail(
            problems, f"{self.adapter_class.name}: parse must give a Job or ProviderResponseError"
        )

    def test_parse_is_total_on_generated_junk(self) -> None:
        adapter = self.make_adapter()
        payloads = [payload for _, payload, _, _ in self._sample_list()]

        @settings(
            max_examples=self.junk_examples,
            deadline=None,
            database=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
        )
        @given(payload=junk_payloads(payloads), job_id=st.sampled_from([None, _JOB_ID]))
        def check(payload: Any, job_id: str | None) -> None:
            problem = self._parse_problem(adapter, payload, job_id, "generated answer")
            assert not problem, problem

        with _status_warnings_kept(self.adapter_class.statuses):
            check()

    # -- serialisation -----------------------------------------------------------------

    def test_serialisation_round_trips(self) -> None:
        adapter = self.make_adapter()
        validator = jsonschema.Draft202012Validator(schema())
        problems = []
        for label, payload, job_id, _ in self._sample_list():
            job = adapter.parse(payload, job_id=job_id)
            data = to_dict(job)
            try:
                text = json.dumps(data, allow_nan=False)
            except (TypeError, ValueError) as exc:
                problems.append(f"{label}: to_dict is not plain JSON: {exc}")
                continue
            back = from_dict(json.loads(text))
            if back != job:
                problems.append(f"{label}: from_dict(to_dict(job)) differs: {back!r} != {job!r}")
            for error in validator.iter_errors(data):
                where = "/".join(str(p) for p in error.absolute_path) or "(root)"
                problems.append(f"{label}: schema: {where}: {error.message}")
        _fail(problems, f"{self.adapter_class.name}: serialised jobs")

    # -- capabilities ------------------------------------------------------------------

    def test_capabilities_match_verbs(self) -> None:
        cls = self.adapter_class
        adapter = self.make_adapter()
        problems = [f"unknown capability {v!r}" for v in sorted(set(cls.capabilities) - set(VERBS))]
        for verb in VERBS:
            method = VERB_METHODS[verb]
            overridden = getattr(cls, method) is not getattr(Adapter, method)
            if verb in cls.capabilities:
                if not overridden:
                    problems.append(f"declares {verb!r} but does not implement {method}()")
                if not adapter.supports(verb):
                    problems.append(f"declares {verb!r} but supports({verb!r}) is False")
                continue
            try:
                check_verb(adapter, verb)
                problems.append(f"hub would run undeclared {verb!r}")
            except NotSupported:
                pass
            problem = self._undeclared_verb_problem(adapter, verb, method)
            if problem:
                problems.append(problem)
        _fail(problems, f"{cls.name}: capabilities {sorted(cls.capabilities)}")

    @staticmethod
    def _undeclared_verb_problem(adapter: Adapter, verb: str, method: str) -> str:
        args: tuple[Any, ...] = () if verb == "list" else ({},) if verb == "submit" else (_JOB_ID,)
        try:
            result = getattr(adapter, method)(_NoConnection(), *args)
            if isinstance(result, Iterator):
                next(result, None)
        except NotSupported:
            return ""
        except Exception as exc:  # noqa: BLE001 - reported as the contract failure
            return (
                f"{method}() is implemented but {verb!r} is not declared in capabilities "
                f"(calling it raised {type(exc).__name__}: {exc}); declare it or remove it"
            )
        return f"{method}() works but {verb!r} is not declared in capabilities; declare it"

    # -- secrets -----------------------------------------------------------------------

    def test_secrets_stay_out_of_reprs(self) -> None:
        sentinels = self.sentinel_secrets()
        with tempfile.TemporaryDirectory() as tmp:
            urls = {
                key: "http://sandbox.invalid/oauth/token" for key in ("token_url", "accounts_url")
            }
            base = self._profile("contract-secrets", {**urls, "base_url": "http://sandbox.invalid"})
            profile = attrs.evolve(base, secrets=sentinels)
            hub = self._hub([profile], tmp)
            try:
                conn = hub.connection(self.adapter_class.name, profile)
                adapter = hub.adapter(self.adapter_class.name, profile=profile)
                shown = {
                    "adapter": [repr(adapter), str(adapter), repr(type(adapter))],
                    "profile": [repr(profile), str(profile)],
                    "connection": [repr(conn), str(conn)],
                    "credentials": [repr(conn.credentials), str(conn.credentials)],
                    "hub": [repr(hub)],
                }
            finally:
                hub.close()
        problems = [
            f"{what} shows the {key} sentinel"
            for what, texts in shown.items()
            for key, value in sentinels.items()
            if key not in self.repr_visible_keys and leaks_in(texts, [value])
        ]
        _fail(problems, f"{self.adapter_class.name}: secrets in reprs")

    def _call_verb(self, hub: Hub, verb: str, profile: Profile) -> BaseException | None:
        name = self.adapter_class.name
        try:
            if verb == "submit":
                hub.submit(name, self.submit_request(), profile=profile)
            elif verb == "get":
                hub.get(name, _JOB_ID, profile=profile)
            elif verb == "cancel":
                hub.cancel(name, _JOB_ID, profile=profile)
            elif verb == "results":
                list(itertools.islice(hub.results(name, _JOB_ID, profile=profile), 5))
            else:
                list(itertools.islice(hub.list_jobs(name, profile=profile), 5))
        except Exception as exc:  # noqa: BLE001 - every error is inspected by the caller
            return exc
        return None

    def test_secrets_stay_out_of_errors_and_logs(self) -> None:
        sentinels = self.sentinel_secrets()
        access_token = f"sentinel-issued-access-token-{uuid.uuid4().hex[:12]}"
        secret_values = [*sentinels.values(), access_token]
        verbs = [v for v in VERBS if v in self.adapter_class.capabilities]
        problems: list[str] = []
        with (
            FailingServer(access_token) as server,
            LogCapture() as logs,
            tempfile.TemporaryDirectory() as tmp,
        ):
            urls = {"base_url": server.url, "token_url": server.url + "/oauth/token"}
            base = self._profile("contract-failures", {**urls, "accounts_url": server.url})
            profile = attrs.evolve(base, secrets=sentinels)
            hub = self._hub([profile], tmp)
            try:
                for scenario, verb in itertools.product(SCENARIOS, verbs):
                    server.scenario = scenario
                    exc = self._call_verb(hub, verb, profile)
                    if exc is None:
                        continue
                    where = f"{verb} against a {scenario} answer"
                    if not isinstance(exc, JobAdapterError):
                        problems.append(
                            f"{where}: raised untyped {type(exc).__name__}: {repr(str(exc))[:160]}"
                        )
                    leaked = leaks_in(exception_texts(exc), secret_values)
                    if leaked:
                        problems.append(f"{where}: the error shows secret(s) {leaked}")
                conn = hub.connection(self.adapter_class.name, profile)
                hidden = [v for k, v in sentinels.items() if k not in self.repr_visible_keys]
                if leaks_in([repr(conn), repr(conn.credentials)], [*hidden, access_token]):
                    problems.append("connection or credentials repr shows a secret after use")
            finally:
                hub.close()
        leaked_logs = leaks_in(logs.lines, secret_values)
        if leaked_logs:
            problems.append(f"log lines show secret(s) {leaked_logs}")
        _fail(problems, f"{self.adapter_class.name}: errors and logs with failing answers")

    # -- simulator ---------------------------------------------------------------------

    def test_simulator_reaches_every_terminal_status(self) -> None:
        table = self.adapter_class.statuses
        documented = {table.lookup(word) for word in self.documented_statuses if word in table} & {
            s for s in JobStatus if s.is_terminal
        }
        problems = [
            f"no terminal_scenarios entry for {status.value} (the docs list it)"
            for status in sorted(documented - set(self.terminal_scenarios), key=str)
        ]
        for status, scenario in self.terminal_scenarios.items():
            if not status.is_terminal:
                problems.append(f"terminal_scenarios has non-terminal {status.value}")
                continue
            with self.simulator_run() as run:
                try:
                    job = scenario(run)
                except AssertionError as exc:
                    problems.append(f"{status.value}: {exc}")
                    continue
            if not isinstance(job, Job):
                problems.append(f"{status.value}: the scenario returned {type(job).__name__}")
            elif job.status is not status:
                problems.append(
                    f"{status.value}: the job ended {job.status.value} ({job.native_status!r})"
                )
        _fail(problems, f"{self.adapter_class.name}: simulator terminal statuses")
