"""Status words declared as data: one table per adapter, checked at load time.

Providers spell the same idea many ways (``In Progress``, ``in_progress``,
``IN PROGRESS``), so words are matched without regard to case, spaces,
hyphens and underscores. A word the table does not know becomes
``UNKNOWN`` (warned once per word), never a crash.
"""

from __future__ import annotations

import functools
import re
import threading
from collections.abc import Iterable, Mapping

from jobadapter.errors import PluginError
from jobadapter.redact import get_logger
from jobadapter.status import JobStatus

log = get_logger("statuses")

_IGNORED = re.compile(r"[\s_\-]+")


@functools.lru_cache(maxsize=1024)  # a provider has a handful of words, seen on every parse
def normalise_word(word: str) -> str:
    """The matching key of a native status word: ``In Progress`` -> ``inprogress``."""
    return _IGNORED.sub("", word).casefold()


class StatusTable:
    """Native status words -> :class:`JobStatus`, for one adapter.

    Build it from pairs or from ``{JobStatus: (word, ...)}``; duplicates
    (after normalisation) and an empty table are rejected with a
    :class:`PluginError` when the adapter class is defined.
    """

    __slots__ = ("_by_key", "_by_word", "_warn_lock", "_warned", "owner", "words")

    def __init__(
        self,
        entries: Mapping[JobStatus, Iterable[str]] | Iterable[tuple[str, JobStatus]],
        *,
        owner: str = "adapter",
    ) -> None:
        pairs: list[tuple[str, JobStatus]]
        if isinstance(entries, Mapping):
            pairs = [(word, status) for status, words in entries.items() for word in _words(words)]
        else:
            pairs = list(entries)
        self.owner = owner
        if not pairs:
            raise PluginError(
                f"{owner}: the status table is empty; declare every documented status word"
            )
        by_key: dict[str, tuple[str, JobStatus]] = {}
        for word, status in pairs:
            if not isinstance(word, str) or not word.strip():
                raise PluginError(f"{owner}: status words must be non-empty strings, got {word!r}")
            if not isinstance(status, JobStatus):
                raise PluginError(f"{owner}: {word!r} maps to {status!r}, expected a JobStatus")
            key = normalise_word(word)
            if key in by_key:
                raise PluginError(
                    f"{owner}: status word {word!r} duplicates {by_key[key][0]!r} "
                    "(words match regardless of case, spaces, hyphens and underscores)"
                )
            by_key[key] = (word, status)
        self._by_key = {key: status for key, (_, status) in by_key.items()}
        #: The declared words as written: what providers send, found without normalising.
        self._by_word = {word: status for word, status in by_key.values()}
        self.words: tuple[str, ...] = tuple(word for word, _ in pairs)
        self._warned: set[str] = set()
        self._warn_lock = threading.Lock()

    def __contains__(self, word: object) -> bool:
        return isinstance(word, str) and normalise_word(word) in self._by_key

    def __len__(self) -> int:
        return len(self._by_key)

    def __repr__(self) -> str:
        return f"StatusTable({self.owner}: {', '.join(self.words)})"

    def items(self) -> list[tuple[str, JobStatus]]:
        """The declared (word, status) pairs, in declaration order."""
        return [(word, self._by_key[normalise_word(word)]) for word in self.words]

    def lookup(self, word: str) -> JobStatus:
        """The status for ``word``; ``UNKNOWN`` (warned once per word) when unmapped."""
        status = self._by_word.get(word)
        if status is None:
            status = self._by_key.get(normalise_word(word))
        if status is not None:
            return status
        with self._warn_lock:
            first = word not in self._warned
            if first and len(self._warned) < 1000:
                self._warned.add(word)
        if first:
            log.warning(
                "%s: unknown native status %r mapped to UNKNOWN; the job is kept and "
                "watched. Please report it so the status table can learn it.",
                self.owner,
                word[:80],
            )
        return JobStatus.UNKNOWN

    @property
    def warned(self) -> frozenset[str]:
        """Unknown words warned about so far (each is warned once)."""
        with self._warn_lock:
            return frozenset(self._warned)

    def reset_warnings(self, keep: Iterable[str] = ()) -> None:
        """Forget the words warned about, except ``keep`` (tests feeding junk use this)."""
        with self._warn_lock:
            self._warned.clear()
            self._warned.update(keep)

    def check_covers(self, documented: Iterable[str]) -> list[str]:
        """Documented words the table does not map (empty when it covers them all)."""
        return [word for word in documented if word not in self]


def _words(words: Iterable[str] | str) -> list[str]:
    return [words] if isinstance(words, str) else list(words)
