"""Testing kit for jobadapter adapters and plugins (also a pytest plugin).

- :func:`vcr_config` / :func:`make_vcr`: vcrpy settings that scrub secrets and
  replay without ever reaching the network;
- :class:`FakeClock` / :class:`FakeSleeper`: time that moves only when slept on;
- :class:`SimulatedTime`: a hub clock whose waits move a frozen simulator's time
  too, so watches against a simulator run without sleeping;
- :class:`AdapterContract`: the contract suite an adapter author subclasses in
  a test module;
- :class:`SimulatorRun`: what a contract's terminal scenario is handed.

Names load lazily: pytest imports the plugin module of this package in every
project where jobadapter is installed, and that must work without the test
extra (vcrpy, hypothesis, jsonschema) installed.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from jobadapter.testing.clock import FakeClock, FakeSleeper, SimulatedTime
    from jobadapter.testing.contract import AdapterContract, SimulatorRun
    from jobadapter.testing.scrub import REDACTED, SANDBOX_HOST, scrub_request, scrub_response
    from jobadapter.testing.vcr import CassetteMissingError, make_vcr, record_mode, vcr_config

_WHERE = {
    "FakeClock": "clock",
    "FakeSleeper": "clock",
    "SimulatedTime": "clock",
    "AdapterContract": "contract",
    "SimulatorRun": "contract",
    "REDACTED": "scrub",
    "SANDBOX_HOST": "scrub",
    "CassetteMissingError": "vcr",
    "make_vcr": "vcr",
    "record_mode": "vcr",
    "scrub_request": "scrub",
    "scrub_response": "scrub",
    "vcr_config": "vcr",
}

__all__ = [
    "REDACTED",
    "SANDBOX_HOST",
    "AdapterContract",
    "CassetteMissingError",
    "FakeClock",
    "FakeSleeper",
    "SimulatedTime",
    "SimulatorRun",
    "make_vcr",
    "record_mode",
    "scrub_request",
    "scrub_response",
    "vcr_config",
]


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module 'jobadapter.testing' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"jobadapter.testing.{module}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
