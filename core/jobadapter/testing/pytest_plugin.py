"""The jobadapter pytest plugin (``pytest11`` entry point): fixtures for adapter tests.

Fixtures:

- ``fake_clock``: a :class:`~jobadapter.clock.FakeClock`;
- ``fake_sleeper``: a :class:`~jobadapter.testing.FakeSleeper` moving ``fake_clock``;
- ``jobadapter_cassette_dir``: where this test module's cassettes live
  (``<rootdir>/cassettes/<test folder name>/`` unless the module sets
  ``CASSETTE_DIR`` or the ini option ``jobadapter_cassettes`` moves the root);
- ``jobadapter_vcr``: :func:`~jobadapter.testing.make_vcr` for that folder;
- ``jobadapter_cassette``: the cassette named after the test, in use for its duration;
- ``sandbox_server``: ``sandbox_server(*simulators, faults=None)`` starts a
  :class:`~jobadapter.sandbox.SandboxServer` on 127.0.0.1, stopped after the test;
- ``hub_factory``: ``hub_factory(simulators=(), plugins=(), profiles=(), ...)`` builds a
  :class:`~jobadapter.Hub` that never reads the user's config and never really sleeps;
  each simulator is served and gets a profile named after it;
- ``pg_url``: a PostgreSQL database of this test session alone (random name,
  created on the test server, dropped at the end; see
  :mod:`jobadapter.testing.postgres`); ``pg_schema_url``: a fresh schema in it
  for one test, as a URL any ``postgresql://`` store accepts.

Everything heavy is imported inside the fixtures: this module is loaded by
pytest in every project where jobadapter is installed, test extra or not.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from jobadapter.clock import FakeClock
    from jobadapter.config import Profile
    from jobadapter.hub import Hub
    from jobadapter.sandbox import Faults, SandboxServer, Simulator
    from jobadapter.testing.clock import FakeSleeper
    from jobadapter.transport import Transport

__all__ = [
    "fake_clock",
    "fake_sleeper",
    "hub_factory",
    "jobadapter_cassette",
    "jobadapter_cassette_dir",
    "jobadapter_vcr",
    "pg_schema_url",
    "pg_url",
    "sandbox_server",
]


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addini(
        "jobadapter_cassettes",
        "folder (relative to rootdir) holding one cassette folder per test folder",
        default="cassettes",
    )


@pytest.fixture(scope="session")
def pg_url() -> Iterator[str]:
    """A database of this test session alone (each xdist worker has its own)."""
    from jobadapter.testing.postgres import fresh_database

    with fresh_database() as url:
        yield url


@pytest.fixture
def pg_schema_url(pg_url: str) -> Iterator[str]:
    """A fresh, empty schema in ``pg_url`` for one test."""
    from jobadapter.testing.postgres import fresh_schema

    with fresh_schema(pg_url) as url:
        yield url


@pytest.fixture
def fake_clock() -> FakeClock:
    """Time that moves only when slept on or advanced."""
    from jobadapter.clock import FakeClock

    return FakeClock()


@pytest.fixture
def fake_sleeper(fake_clock: FakeClock) -> FakeSleeper:
    """A ``sleep`` callable that records waits and moves ``fake_clock`` instead of waiting."""
    from jobadapter.testing.clock import FakeSleeper

    return FakeSleeper(fake_clock)


@pytest.fixture
def jobadapter_cassette_dir(request: pytest.FixtureRequest) -> Path:
    """This module's cassette folder: ``CASSETTE_DIR`` in the module, else
    ``<rootdir>/<jobadapter_cassettes ini>/<name of the test file's folder>``."""
    explicit = getattr(request.module, "CASSETTE_DIR", None)
    if explicit is not None:
        return Path(explicit)
    root = Path(str(request.config.rootpath)) / str(request.config.getini("jobadapter_cassettes"))
    return root / Path(str(request.path)).parent.name


@pytest.fixture
def jobadapter_vcr(jobadapter_cassette_dir: Path) -> Any:
    """A ``vcr.VCR`` with the scrubbing, replay-only settings, for this module's cassettes."""
    from jobadapter.testing.vcr import make_vcr

    return make_vcr(jobadapter_cassette_dir)


@pytest.fixture
def jobadapter_cassette(request: pytest.FixtureRequest, jobadapter_vcr: Any) -> Iterator[Any]:
    """The cassette ``<test name>.yaml`` in use for the whole test (yields the Cassette)."""
    name = re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.name).strip("_")
    with jobadapter_vcr.use_cassette(f"{name}.yaml") as cassette:
        yield cassette


@pytest.fixture
def sandbox_server() -> Iterator[Callable[..., SandboxServer]]:
    """``sandbox_server(*simulators, faults=None)``: a started server, stopped after the test."""
    from jobadapter.sandbox import SandboxServer

    started: list[SandboxServer] = []

    def start(*simulators: Simulator, faults: Faults | None = None) -> SandboxServer:
        server = SandboxServer(*simulators, faults=faults).start()
        started.append(server)
        return server

    yield start
    for server in reversed(started):
        server.stop()


@pytest.fixture
def hub_factory(
    tmp_path_factory: pytest.TempPathFactory,
    fake_sleeper: FakeSleeper,
    sandbox_server: Callable[..., SandboxServer],
) -> Iterator[Callable[..., Hub]]:
    """``hub_factory(simulators=(), plugins=(), profiles=(), load_entrypoints=None,
    transport=None, profile_settings=None, environ=None)``.

    The hub reads an empty config file (never the user's), its transport
    sleeps on ``fake_sleeper``, and each simulator is served on loopback with
    a profile named after it (``simulator.profile()`` plus ``profile_settings``).
    ``load_entrypoints`` defaults to True only when no ``plugins`` are given.
    """
    from jobadapter.config import profile_from_mapping
    from jobadapter.hub import Hub
    from jobadapter.transport import Transport

    hubs: list[Hub] = []

    def build(
        *,
        simulators: Iterable[Simulator] = (),
        plugins: Iterable[object] = (),
        profiles: Iterable[Profile] = (),
        load_entrypoints: bool | None = None,
        transport: Transport | None = None,
        profile_settings: Mapping[str, Any] | None = None,
        environ: Mapping[str, str] | None = None,
    ) -> Hub:
        plugin_list = list(plugins)
        all_profiles = list(profiles)
        for simulator in simulators:
            if simulator.base_url is None:
                sandbox_server(simulator)
            table = {**simulator.profile(), **(profile_settings or {})}
            all_profiles.append(profile_from_mapping(simulator.name, table, source="<sandbox>"))
        config = tmp_path_factory.mktemp("jobadapter-config") / "config.toml"
        config.write_text("", encoding="utf-8")
        hub = Hub(
            config=config,
            profiles=all_profiles,
            plugins=plugin_list,
            load_entrypoints=not plugin_list if load_entrypoints is None else load_entrypoints,
            transport=transport or Transport(sleep=fake_sleeper),
            environ=environ,
        )
        hubs.append(hub)
        return hub

    yield build
    for hub in hubs:
        hub.close()
