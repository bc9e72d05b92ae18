"""The jobs the reliability suite submits: the four adapters, one logical
submission (a Spec, with the marker that finds its jobs on the simulator), a
seeded plan of many, and the submit request each becomes.

Apart from the simulators so a crash child or a campaign can rebuild the very
same request from a Spec's JSON.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import attrs
from jobadapter_zoho_mass_update.mass_update import MassUpdateAdapter as ZohoAdapter
from jobadapter_zoho_mass_update.request import MassUpdateRequest as ZohoRequest
from jobadapter_zuora_bulk.bulk_job import BulkJobAdapter
from jobadapter_zuora_bulk.mass_updater import MassUpdaterAdapter
from jobadapter_zuora_bulk.requests import BulkJobRequest, MassUpdateRequest
from jobadapter_zuora_custom_objects import CustomObjectJobRequest
from jobadapter_zuora_custom_objects.custom_object_job import CustomObjectJobAdapter

CO = "zuora.custom_object_job"
ZOHO = "zoho.mass_update"
MASS = "zuora.mass_updater"
BULK = "zuora.bulk_job"
ADAPTERS = (CO, ZOHO, MASS, BULK)
ADAPTER_CLASSES = {
    CO: CustomObjectJobAdapter,
    ZOHO: ZohoAdapter,
    MASS: MassUpdaterAdapter,
    BULK: BulkJobAdapter,
}
#: The profile each adapter submits under (the two Zuora bulk adapters share a tenant).
PROFILE_OF = {CO: "co", ZOHO: "zoho", MASS: "zb", BULK: "zb"}
ZOHO_MODULE = "Leads"


@attrs.frozen
class Spec:
    """One logical submission: which adapter, its marker, how many rows and failures."""

    adapter: str
    marker: str
    rows: int
    failing: int
    #: ``create`` (a CSV) or ``delete`` (a filtered delete, one request) for custom objects.
    kind: str = "create"

    def to_json(self) -> dict[str, Any]:
        return attrs.asdict(self)

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Spec:
        return cls(**data)

    @property
    def cvid(self) -> str:
        """The Zoho custom view of this job (digits, unique per marker)."""
        return str(9_000_000 + int(self.marker.rsplit("_", 1)[1]))


def plan(
    count: int, *, seed: int, adapters: Iterable[str] = ADAPTERS, prefix: str = "m"
) -> list[Spec]:
    """``count`` jobs spread over ``adapters``, sizes and failures drawn under ``seed``."""
    rng = random.Random(seed)
    names = list(adapters)
    specs = []
    for n in range(count):
        adapter = names[n % len(names)]
        rows = rng.randint(4, 30)
        roll = rng.random()
        failing = rows if roll < 0.08 else (0 if roll < 0.5 else rng.randint(1, rows - 1))
        specs.append(Spec(adapter, f"{prefix}_{n}", rows, failing))
    return specs


def _csv(header: str, cells: Callable[[int, bool], str], spec: Spec) -> bytes:
    lines = [header]
    for index in range(spec.rows):
        lines.append(cells(index, index < spec.failing))
    return ("\n".join(lines) + "\n").encode()


def build_request(spec: Spec, key: str | None = None) -> Any:
    """The submit request for ``spec`` (carrying ``key`` as its idempotency key)."""
    if spec.adapter == CO:
        if spec.kind == "delete":
            return CustomObjectJobRequest(
                spec.marker, "delete", filter=["CreatedDate LT 2020-01-01T00:00:00Z"],
                idempotency_key=key,
            )  # fmt: skip
        data = _csv("name__c,age__c", lambda i, bad: f"{'FAIL' if bad else 'p'}{i},{20 + i}", spec)
        return CustomObjectJobRequest(spec.marker, "create", file=data, idempotency_key=key)
    if spec.adapter == ZOHO:
        return ZohoRequest(
            ZOHO_MODULE, {"Lead_Status": "Contacted"}, cvid=spec.cvid, idempotency_key=key
        )
    if spec.adapter == MASS:
        data = _csv(
            "AccountingCode,Marker",
            lambda i, bad: f"{'FAIL' if bad else 'AC'}{i},{spec.marker}",
            spec,
        )
        return MassUpdateRequest(
            data, "UpdateAccountingCode", idempotency_key=key, filename=f"{spec.marker}.csv"
        )
    if spec.adapter == BULK:
        data = _csv(
            "Name,Marker", lambda i, bad: f"{'FAIL' if bad else 'n'}{i},{spec.marker}", spec
        )
        return BulkJobRequest(
            data, spec.marker, "Account", idempotency_key=key, filename=f"{spec.marker}.csv"
        )
    raise ValueError(f"no request builder for {spec.adapter}")
