"""The next-poll times of every watched job, in one heap.

A heap keeps "which job is due next" at O(log n) however many jobs are
watched. Rescheduling does not search the heap: each entry carries a ticket,
and an entry whose ticket no longer matches its item's is skipped on pop.
"""

from __future__ import annotations

import heapq
import itertools
from typing import Generic, Protocol, TypeVar


class Ticketed(Protocol):
    """Something the schedule can hold: it remembers its live entry's ticket."""

    ticket: int


T = TypeVar("T", bound=Ticketed)

#: The ticket of an item that is not scheduled.
UNSCHEDULED = -1


class Schedule(Generic[T]):
    """Items by due time; each item is in the schedule at most once."""

    def __init__(self) -> None:
        self._heap: list[tuple[float, int, T]] = []
        self._tickets = itertools.count()
        self._live = 0

    def __len__(self) -> int:
        return self._live

    def __repr__(self) -> str:
        return f"<Schedule {self._live} due, next at {self.next_due()}>"

    def push(self, item: T, due: float) -> None:
        """Schedule ``item`` at ``due`` (replacing an earlier schedule of it)."""
        if item.ticket != UNSCHEDULED:
            self._live -= 1
        ticket = next(self._tickets)
        item.ticket = ticket
        heapq.heappush(self._heap, (due, ticket, item))
        self._live += 1

    def cancel(self, item: T) -> None:
        if item.ticket != UNSCHEDULED:
            item.ticket = UNSCHEDULED
            self._live -= 1

    def _drop_stale(self) -> None:
        heap = self._heap
        while heap and heap[0][2].ticket != heap[0][1]:
            heapq.heappop(heap)

    def next_due(self) -> float | None:
        """When the earliest item is due, or None when nothing is scheduled."""
        self._drop_stale()
        return self._heap[0][0] if self._heap else None

    def pop_due(self, now: float) -> list[T]:
        """Every item due at or before ``now``, earliest first, now unscheduled."""
        due: list[T] = []
        heap = self._heap
        while True:
            self._drop_stale()
            if not heap or heap[0][0] > now:
                return due
            _, _, item = heapq.heappop(heap)
            item.ticket = UNSCHEDULED
            self._live -= 1
            due.append(item)
