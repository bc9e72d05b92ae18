"""Tracker in threaded mode: in-flight limits, stop() from another thread, signals."""

from __future__ import annotations

import signal
import threading
import time
from collections.abc import Iterator

import pytest
from jobadapter import Event, EventKind, Job, JobStatus, Profile
from jobadapter.clock import FakeClock, SystemClock
from jobadapter.testing.scripted import Linear, Step, scripted_hub
from jobadapter.tracker import stop_on_signals


def test_per_profile_in_flight_limit_is_never_exceeded() -> None:
    clock = FakeClock()
    profiles = [
        Profile(name="narrow", provider="scripted", max_in_flight=2),
        Profile(name="wide", provider="scripted", max_in_flight=3),
    ]
    hub, jobs = scripted_hub(clock, ("scripted.alpha", "scripted.beta"), profiles, latency=0.002)
    items = []
    expected = {}
    for n in range(40):
        adapter = ("scripted.alpha", "scripted.beta")[n % 2]
        outcome = JobStatus.FAILED if n % 7 == 0 else JobStatus.SUCCEEDED
        timeline = Linear(run_at=n % 3, end=4 + n % 5, total=50, outcome=outcome)
        jobs.add(f"j{n}", timeline)
        expected[(adapter, f"j{n}")] = timeline.answer(adapter, f"j{n}", 100)
        items.append((adapter, f"j{n}", profiles[n % 2].name))
    tracker = hub.tracker(workers=8)
    tracker.extend(items)

    result = tracker.run()

    assert result.finished == expected
    assert jobs.peak_in_flight["narrow"] <= 2
    assert jobs.peak_in_flight["wide"] <= 3
    # The pool really ran requests in parallel, up to each profile's cap.
    assert jobs.peak_in_flight["wide"] >= 2
    lanes = tracker.lanes()
    assert lanes["narrow"].peak == 2 and lanes["wide"].peak == 3
    assert all(lane.in_flight == 0 for lane in lanes.values())


def test_events_are_delivered_on_the_running_thread_only() -> None:
    clock = FakeClock()
    hub, jobs = scripted_hub(clock, latency=0.001)
    for n in range(10):
        jobs.add(f"j{n}", Linear(run_at=0, end=3 + n))
    threads: set[str] = set()
    seen: list[Event] = []

    def on_event(event: Event) -> None:
        threads.add(threading.current_thread().name)
        seen.append(event)

    result = hub.track(
        [("scripted.alpha", f"j{n}") for n in range(10)], workers=4, on_event=on_event
    )
    assert len(result.finished) == 10
    assert threads == {threading.current_thread().name}
    assert (
        sum(
            e.kind is EventKind.STATUS_CHANGED and e.job is not None and e.job.is_terminal
            for e in seen
        )
        == 10
    )


@pytest.fixture
def gate() -> Iterator[threading.Event]:
    """Blocks scripted requests until the test ends (a provider that hangs)."""
    event = threading.Event()
    yield event
    event.set()


def test_stop_from_another_thread_returns_within_a_second(gate: threading.Event) -> None:
    profile = Profile(name="scripted", provider="scripted", poll_min=0.02, poll_max=0.05)
    hub, jobs = scripted_hub(SystemClock(), profiles=[profile])

    hanging = threading.Event()

    class Hanging:
        """Answers once, then hangs like a dead connection."""

        def __init__(self) -> None:
            self.calls = 0

        def answer(self, adapter: str, job_id: str, t: float) -> Job:
            self.calls += 1
            if self.calls > 1:
                hanging.set()
                gate.wait(10)
            return Job(adapter=adapter, id=job_id, status=JobStatus.RUNNING)

    jobs.add("hangs", Hanging())
    for n in range(5):
        jobs.script(f"j{n}", Step(0, JobStatus.RUNNING))
    tracker = hub.tracker(workers=3)
    tracker.extend([("scripted.alpha", "hangs")] + [("scripted.alpha", f"j{n}") for n in range(5)])
    stopped_at: list[float] = []

    def stopper() -> None:
        hanging.wait(5)
        polls = jobs.count
        give_up = time.monotonic() + 5
        while jobs.count < polls + 10 and time.monotonic() < give_up:
            time.sleep(0.002)  # the other jobs keep being polled meanwhile
        stopped_at.append(time.monotonic())
        tracker.stop()

    thread = threading.Thread(target=stopper)
    thread.start()
    result = tracker.run()
    returned = time.monotonic()
    thread.join()

    assert returned - stopped_at[0] < 1.0
    assert result.stopped
    assert set(result.pending) == {("scripted.alpha", "hangs")} | {
        ("scripted.alpha", f"j{n}") for n in range(5)
    }
    # The hanging request was abandoned; the job keeps its last real status.
    hung = result.pending[("scripted.alpha", "hangs")]
    assert hung is not None and hung.status is JobStatus.RUNNING
    assert result.polls >= 17  # the others went on polling meanwhile
    assert len(result.jobs) == 6


def test_stop_before_run_returns_at_once() -> None:
    hub, jobs = scripted_hub(SystemClock())
    jobs.script("j", Step(0, JobStatus.RUNNING))
    tracker = hub.tracker(workers=2)
    tracker.add("scripted.alpha", "j")
    tracker.stop()
    started = time.monotonic()
    result = tracker.run()
    assert time.monotonic() - started < 1.0
    assert result.stopped and result.polls == 0
    assert result.pending == {("scripted.alpha", "j"): None}


def test_sigterm_stops_the_watch_cleanly() -> None:
    clock = FakeClock()
    hub, jobs = scripted_hub(clock)
    jobs.add("j", Linear(run_at=0, end=1000))
    tracker = hub.tracker(workers=0)
    tracker.add("scripted.alpha", "j")
    seen: list[Event] = []

    def on_event(event: Event) -> None:
        seen.append(event)
        if len(seen) == 3:
            signal.raise_signal(signal.SIGTERM)

    tracker._on_event = on_event
    previous = signal.getsignal(signal.SIGTERM)
    with stop_on_signals(tracker):
        result = tracker.run()
    assert signal.getsignal(signal.SIGTERM) is previous
    assert result.stopped and len(seen) == 3
    assert result.pending[("scripted.alpha", "j")] is not None


def test_a_second_ctrl_c_while_stopping_interrupts() -> None:
    hub, _ = scripted_hub(FakeClock())
    tracker = hub.tracker(workers=0)
    with stop_on_signals(tracker), pytest.raises(KeyboardInterrupt):
        signal.raise_signal(signal.SIGINT)  # first: stop
        assert tracker.stopping
        signal.raise_signal(signal.SIGINT)  # second: interrupt


def test_stop_on_signals_outside_the_main_thread_does_nothing() -> None:
    hub, _ = scripted_hub(FakeClock())
    tracker = hub.tracker(workers=0)
    before = signal.getsignal(signal.SIGTERM)
    inside: list[object] = []

    def body() -> None:
        with stop_on_signals(tracker):
            inside.append(signal.getsignal(signal.SIGTERM))

    thread = threading.Thread(target=body)
    thread.start()
    thread.join()
    assert inside == [before]


def test_threaded_watch_with_the_system_clock_finishes() -> None:
    profile = Profile(name="scripted", provider="scripted", poll_min=0.01, poll_max=0.02)
    hub, jobs = scripted_hub(SystemClock(), profiles=[profile])
    for n in range(6):
        jobs.script(f"j{n}", Step(0, JobStatus.RUNNING), Step(0.02, JobStatus.SUCCEEDED))
    started = time.monotonic()
    result = hub.track([("scripted.alpha", f"j{n}") for n in range(6)], workers=3)
    assert len(result.finished) == 6
    assert time.monotonic() - started < 1.0
