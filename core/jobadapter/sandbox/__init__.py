"""Local simulators of providers' job APIs, served on loopback with fault injection.

Plugins subclass :class:`Simulator`; :class:`SandboxServer` serves them;
:class:`Faults` says which failures to inject; :class:`SimClock` lets a
simulated job take an hour in a second.
"""

from jobadapter.sandbox.clock import SimClock
from jobadapter.sandbox.faults import (
    ConnectionDropped,
    FaultInjector,
    FaultKind,
    FaultMiddleware,
    Faults,
    Injection,
)
from jobadapter.sandbox.server import SandboxServer
from jobadapter.sandbox.simulator import DemoRequest, LoggedRequest, RequestLog, Simulator

__all__ = [
    "ConnectionDropped",
    "DemoRequest",
    "FaultInjector",
    "FaultKind",
    "FaultMiddleware",
    "Faults",
    "Injection",
    "LoggedRequest",
    "RequestLog",
    "SandboxServer",
    "SimClock",
    "Simulator",
]
