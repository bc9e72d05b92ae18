"""The testing kit tests' environment."""

from __future__ import annotations

import pytest


@pytest.fixture
def no_record_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """No recording asked for and no CI flag: cassettes replay as a developer's run does."""
    monkeypatch.delenv("JOBADAPTER_RECORD", raising=False)
    monkeypatch.delenv("CI", raising=False)
