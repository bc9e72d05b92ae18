"""What the contract suite is made of: its settings, its helpers, and :class:`SimulatorRun`.

:class:`~jobadapter.testing.contract.AdapterContract` is assembled from this
base and the two halves of its checks (:mod:`.contract_parse`, the pure half;
:mod:`.contract_io`, the I/O half), so each module holds one idea.
"""

from __future__ import annotations

import contextlib
import logging
import tempfile
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, ClassVar

import attrs
import pytest

from jobadapter.adapter import Adapter
from jobadapter.config import SECRET_KEYS, Profile, profile_from_mapping
from jobadapter.connection import Connection
from jobadapter.hub import Hub
from jobadapter.model import Job
from jobadapter.retry import RetryPolicy
from jobadapter.sandbox import SandboxServer, Simulator
from jobadapter.status import JobStatus
from jobadapter.statuses import StatusTable
from jobadapter.testing.clock import FakeSleeper
from jobadapter.transport import Timeouts, Transport

__all__ = ["ContractBase", "Sample", "Scenario", "SimulatorRun"]

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


class ContractBase:
    """The settings a contract subclass gives and the helpers its checks share."""

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
