"""The tracker's schedule: items popped when due, in order; a reschedule replaces."""

from __future__ import annotations

from jobadapter.tracker import Schedule


class Item:
    def __init__(self, name: str) -> None:
        self.name = name
        self.ticket = -1

    def __repr__(self) -> str:
        return self.name


def test_schedule_pops_due_items_in_order_and_rescheduling_replaces() -> None:
    schedule: Schedule[Item] = Schedule()
    a, b, c = Item("a"), Item("b"), Item("c")
    schedule.push(a, 5.0)
    schedule.push(b, 1.0)
    schedule.push(c, 3.0)
    schedule.push(a, 2.0)  # moved earlier: the old entry is dead
    assert len(schedule) == 3
    assert schedule.next_due() == 1.0
    assert schedule.pop_due(2.5) == [b, a]
    schedule.cancel(c)
    assert schedule.next_due() is None and len(schedule) == 0
    assert schedule.pop_due(100) == []
    schedule.push(c, 4.0)
    schedule.push(c, 9.0)
    assert schedule.pop_due(5.0) == [] and schedule.pop_due(9.0) == [c]
