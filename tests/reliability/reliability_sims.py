"""The three recording simulators (four adapters) on one simulated clock, set up
with quick jobs, and the loopback server that serves them all.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import attrs
from jobadapter.sandbox import Faults, SandboxServer, SimClock, Simulator
from reliability_jobs import BULK, CO, MASS, ZOHO, Spec
from reliability_recording import (
    RecordedBulk,
    RecordedCO,
    RecordedZoho,
    Recorder,
    bulk_extract,
    co_extract,
    zoho_extract,
)

#: A fixed start for simulated time: reproducible answers.
START = 1_700_000_000.0


@attrs.define
class Sims:
    """The three simulators (four adapters) sharing one clock."""

    clock: SimClock
    co: RecordedCO
    zoho: RecordedZoho
    bulk: RecordedBulk
    #: Zoho custom view id -> the marker of the job submitted for it.
    zoho_views: dict[str, str] = attrs.Factory(dict)

    @property
    def all(self) -> tuple[Simulator, ...]:
        return (self.co, self.zoho, self.bulk)

    def of(self, adapter: str) -> RecordedCO | RecordedZoho | RecordedBulk:
        sims: dict[str, RecordedCO | RecordedZoho | RecordedBulk] = {
            CO: self.co, ZOHO: self.zoho, MASS: self.bulk, BULK: self.bulk,
        }  # fmt: skip
        return sims[adapter]

    def recorder(self, adapter: str) -> Recorder:
        return self.of(adapter).recorder

    def expire_tokens(self) -> None:
        for sim in self.all:
            sim.expire_tokens()  # type: ignore[attr-defined]

    def prepare(self, specs: Iterable[Spec]) -> None:
        """Set up what the jobs need on the simulators (Zoho's custom views)."""
        for spec in specs:
            if spec.adapter == ZOHO:
                self.zoho.add_view(spec.cvid, spec.rows, spec.failing)
                self.zoho_views[spec.cvid] = spec.marker


def make_sims(
    *,
    speed: float = 0.0,
    stale: float = 0.0,
    seed: int = 1,
    classes: tuple[type[RecordedCO], type[RecordedZoho], type[RecordedBulk]] = (
        RecordedCO,
        RecordedZoho,
        RecordedBulk,
    ),
    zuora_credentials: Mapping[str, Any] | None = None,
) -> Sims:
    """The simulators, with quick jobs; ``zuora_credentials``: ``client_id``/``client_secret``."""
    clock = SimClock(speed=speed, start=START)
    creds: dict[str, Any] = dict(zuora_credentials or {})
    co_cls, zoho_cls, bulk_cls = classes
    co = co_cls(
        clock=clock, seed=seed, rows_per_second=8.0, accept_delay=1.0,
        concurrent_limit=10**9, filter_matches=12, **creds,
    )  # fmt: skip
    zoho = zoho_cls(
        clock=clock, seed=seed + 1, schedule_delay=1.0, records_per_second=6.0,
        requests_per_window=None,
    )  # fmt: skip
    bulk = bulk_cls(
        clock=clock, seed=seed + 2, pending_seconds=1.0, rows_per_second=6.0,
        queue_seconds=0.5, download_seconds=0.5, bulk_rows_per_second=6.0, **creds,
    )  # fmt: skip
    co.recorder = Recorder(co_extract, stale=stale, seed=seed)
    zoho.recorder = Recorder(zoho_extract, stale=stale, seed=seed + 1)
    bulk.recorder = Recorder(bulk_extract, stale=stale, seed=seed + 2)
    return Sims(clock, co, zoho, bulk)


def serve(sims: Sims, faults: Faults | None = None) -> SandboxServer:
    return SandboxServer(*sims.all, faults=faults)
