"""Fixtures of the dashboard tests (see webworld.py for the store they fill)."""

from __future__ import annotations

from pathlib import Path

import pytest
from webworld import fill_demo_store


@pytest.fixture(scope="session")
def demo_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The path of a store the real demo filled (then hostile jobs added)."""
    return Path(fill_demo_store(tmp_path_factory.mktemp("dashboard-home")))
