"""The headers of one request: a plain dict, with names set as HTTP compares them.

urllib3 reads a request's headers three times (their names, lowered; then each
pair to send). A plain ``dict`` is read at C speed; urllib3's ``HTTPHeaderDict``
is Python on every read and every write (~4 µs per GET). Names are still one
header whatever their case: :meth:`RequestHeaders.put` replaces a header given
in another case, as ``HTTPHeaderDict`` does.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

__all__ = ["RequestHeaders"]


class RequestHeaders(dict[str, str]):
    """Request headers; set them with :meth:`put` / :meth:`put_default` (any case)."""

    __slots__ = ()

    @classmethod
    def of(cls, pairs: Iterable[tuple[str, str]]) -> RequestHeaders:
        """Headers from ``pairs`` in order, a later name replacing an earlier one in any case."""
        if not isinstance(pairs, (list, tuple)):
            pairs = list(pairs)  # read twice below when a name comes in two cases
        made = cls(pairs)
        if len(set(map(str.lower, made))) != len(made):  # a name twice, in two cases
            made = cls()
            for name, value in pairs:
                made.put(name, value)
        return made

    def _key(self, name: str) -> str | None:
        """The key under which ``name`` (in any case) is held, if it is."""
        if name in self:
            return name
        lowered = name.lower()
        for key in self:
            if key.lower() == lowered:
                return key
        return None

    def put(self, name: str, value: str) -> None:
        """Set ``name`` to ``value``, replacing the header in whatever case it was given."""
        key = self._key(name)
        if key is not None and key != name:
            del self[key]
        self[name] = value

    def put_default(self, name: str, value: str) -> None:
        """Set ``name`` unless it is set (in any case)."""
        if self._key(name) is None:
            self[name] = value

    def drop(self, name: str) -> None:
        """Remove ``name`` (in any case), if it is there."""
        key = self._key(name)
        if key is not None:
            del self[key]

    def get_any(self, name: str) -> str | None:
        """The value of ``name`` in any case (None: not set)."""
        key = self._key(name)
        return None if key is None else self[key]

    @classmethod
    def copy_of(cls, headers: Mapping[str, str]) -> RequestHeaders:
        return cls.of(list(headers.items()))
