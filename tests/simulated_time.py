"""The hub clock the plugin tests watch with: the simulator's time moves with its waits."""

from __future__ import annotations

from jobadapter.clock import FakeClock
from jobadapter.sandbox import SimClock


class SimulatedTime(FakeClock):
    """A hub clock whose waits move the simulator's clock: a watch runs without sleeping."""

    def __init__(self, simulator_clock: SimClock) -> None:
        super().__init__(start=simulator_clock.now())
        self.simulator_clock = simulator_clock

    def sleep(self, seconds: float) -> None:
        super().sleep(seconds)
        if seconds > 0:
            self.simulator_clock.advance(seconds)
