"""Fixtures of the dashboard tests (see webworld.py for the store they fill)."""

from __future__ import annotations

from pathlib import Path

import pytest
from webworld import fill_demo_store, screenshots_dir


@pytest.fixture(scope="session")
def demo_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The path of a store the real demo filled (then hostile jobs added)."""
    return Path(fill_demo_store(tmp_path_factory.mktemp("dashboard-home")))


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Say where the browser tests put their screenshots."""
    folder = screenshots_dir()
    if any(folder.glob("*.png")):
        terminalreporter.write_line(f"dashboard screenshots: {folder}")
