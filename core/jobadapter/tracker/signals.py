"""Ctrl-C and SIGTERM end a watch cleanly instead of killing it mid-write."""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Iterator
from types import FrameType
from typing import Protocol, TypeVar


class Stoppable(Protocol):
    def stop(self) -> None: ...

    @property
    def stopping(self) -> bool: ...


S = TypeVar("S", bound=Stoppable)

DEFAULT_SIGNALS = (signal.SIGINT, signal.SIGTERM)


@contextlib.contextmanager
def stop_on_signals(
    tracker: S, signals: tuple[signal.Signals, ...] = DEFAULT_SIGNALS
) -> Iterator[S]:
    """While inside, the signals call ``tracker.stop()``; a second Ctrl-C while
    stopping raises KeyboardInterrupt as usual. Outside the main thread (where
    Python allows no handlers) this does nothing."""
    if threading.current_thread() is not threading.main_thread():
        yield tracker
        return

    def handler(signum: int, frame: FrameType | None) -> None:
        if tracker.stopping and signum == signal.SIGINT:
            raise KeyboardInterrupt
        tracker.stop()

    previous = {sig: signal.signal(sig, handler) for sig in signals}
    try:
        yield tracker
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)
