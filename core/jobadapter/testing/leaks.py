"""Find secret sentinel strings wherever an adapter might let them slip out.

The contract suite gives a profile unique sentinel secrets, makes things go
wrong, and then looks for the sentinels in every string a user could see:
reprs, error messages and their attributes, chained causes, tracebacks and
log lines.
"""

from __future__ import annotations

import logging
import threading
import traceback
from collections.abc import Iterable, Iterator
from typing import Any

__all__ = ["LogCapture", "exception_texts", "leaks_in"]


def _texts(value: Any, seen: set[int], depth: int = 0) -> Iterator[str]:
    if depth > 6 or id(value) in seen:
        return
    seen.add(id(value))
    if isinstance(value, (str, bytes)):
        yield value if isinstance(value, str) else value.decode("latin-1")
        return
    if isinstance(value, (int, float, bool)) or value is None:
        return
    yield repr(value)
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _texts(key, seen, depth + 1)
            yield from _texts(item, seen, depth + 1)
    elif isinstance(value, (list, tuple, set, frozenset)):
        for item in value:
            yield from _texts(item, seen, depth + 1)


def exception_texts(exc: BaseException) -> list[str]:
    """Every string a user could see from ``exc``: str, repr, args, attributes,
    the chain of causes and contexts, and the formatted traceback."""
    texts: list[str] = []
    seen: set[int] = set()
    current: BaseException | None = exc
    chain: set[int] = set()
    while current is not None and id(current) not in chain:
        chain.add(id(current))
        texts.extend((str(current), repr(current)))
        texts.extend(_texts(current.args, seen))
        texts.extend(_texts(getattr(current, "__dict__", {}), seen))
        texts.extend(getattr(current, "__notes__", []))
        current = current.__cause__ or current.__context__
    texts.extend(traceback.format_exception(type(exc), exc, exc.__traceback__))
    return texts


def leaks_in(texts: Iterable[str], sentinels: Iterable[str]) -> list[str]:
    """The sentinels found in ``texts`` (each named once)."""
    wanted = [s for s in sentinels if s]
    found: list[str] = []
    for text in texts:
        for sentinel in wanted:
            if sentinel in text and sentinel not in found:
                found.append(sentinel)
    return found


class LogCapture(logging.Handler):
    """Collects every formatted record of the ``jobadapter`` loggers, at DEBUG level."""

    def __init__(self, logger: str = "jobadapter") -> None:
        super().__init__(level=logging.DEBUG)
        self.lines: list[str] = []
        self._guard = threading.Lock()
        self._logger = logging.getLogger(logger)
        self._level = self._logger.level
        self.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))

    def emit(self, record: logging.LogRecord) -> None:
        line = self.format(record)
        with self._guard:
            self.lines.append(line)

    def __enter__(self) -> LogCapture:
        self._logger.addHandler(self)
        self._logger.setLevel(logging.DEBUG)
        return self

    def __exit__(self, *exc: object) -> None:
        self._logger.removeHandler(self)
        self._logger.setLevel(self._level)
