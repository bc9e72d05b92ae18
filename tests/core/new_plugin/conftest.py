"""The new-plugin tests' plugin, generated with the real command (once per module)."""

from __future__ import annotations

import importlib
import sys
from collections.abc import Iterator

import pytest
from generated_plugin import DISTRIBUTION, NAME, PACKAGE, PLUGIN_MODULE, Generated, invoke


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Generated]:
    """One plugin generated with the real command, importable from its folder."""
    base = tmp_path_factory.mktemp("plugins")
    path = base / DISTRIBUTION
    result = invoke("new-plugin", NAME, "--dir", str(path))
    assert result.exit_code == 0, result.output
    sys.path.insert(0, str(path))
    try:
        yield Generated(path, importlib.import_module(PLUGIN_MODULE))
    finally:
        sys.path.remove(str(path))
        for name in [m for m in sys.modules if m == PACKAGE or m.startswith(PACKAGE + ".")]:
            del sys.modules[name]
