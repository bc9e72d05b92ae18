"""The contract's I/O half: declared verbs, secrets kept out of everything, the simulator."""

from __future__ import annotations

import itertools
import tempfile
import uuid
from collections.abc import Iterator
from typing import Any

import attrs

from jobadapter.adapter import VERB_METHODS, VERBS, Adapter, check_verb
from jobadapter.config import Profile
from jobadapter.errors import JobAdapterError, NotSupported
from jobadapter.hub import Hub
from jobadapter.model import Job
from jobadapter.status import JobStatus
from jobadapter.testing.contract_base import (
    _JOB_ID,
    ContractBase,
    _fail,
    _NoConnection,
)
from jobadapter.testing.failing_server import SCENARIOS, FailingServer
from jobadapter.testing.leaks import LogCapture, exception_texts, leaks_in

__all__ = ["IOChecks"]


class IOChecks(ContractBase):
    """Checks that talk to a failing server or the simulator."""

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
