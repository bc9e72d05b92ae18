"""CLI tests run the real command against the installed plugins' simulators."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from jobadapter.cli.main import cli
from jobadapter.cli.sandbox_cmd import profiles_toml, start_sandbox
from jobadapter.hub import Hub


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty $JOBADAPTER_HOME and no user config, as for a new user."""
    monkeypatch.setenv("JOBADAPTER_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("JOBADAPTER_CONFIG", raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    monkeypatch.setenv("NO_COLOR", "1")
    return tmp_path


@pytest.fixture
def sandbox(home: Path) -> Iterator[tuple[Path, list[object]]]:
    """Every installed simulator on loopback (fast time) and a config file for them."""
    server, simulators = start_sandbox(Hub(config=False), speed=50.0)
    config = home / "sandbox.toml"
    config.write_text(profiles_toml({sim.name: sim.profile() for sim in simulators}))
    try:
        yield config, simulators
    finally:
        server.stop()


@pytest.fixture
def run(home: Path):  # type: ignore[no-untyped-def]
    """Invoke the CLI in-process; returns click's Result."""

    runner = CliRunner()

    def invoke(*args: str, config: Path | None = None):  # type: ignore[no-untyped-def]
        argv = (["--config", str(config)] if config else []) + list(args)
        return runner.invoke(cli, argv, catch_exceptions=False)

    return invoke
