"""The reliability suite's world: every simulator on one loopback server, recorded.

Each simulator is wrapped so that it (a) records every real answer it gives
about a job (the simulator's own history, which the store's transitions are
checked against), (b) records which idempotency key created which job, and
(c) now and then answers a status request with an *earlier* real answer for
the same job (a stale replica: the ``stale`` fault the sandbox lacks). Jobs
carry a marker (object name, custom view, file contents, job name), so the
simulator's own state says how many jobs each logical submission started.
"""

from __future__ import annotations

import gzip
import json
import os
import random
import re
import threading
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

import attrs
import jobadapter_zoho_common.plugin as zoho_common_plugin
import jobadapter_zoho_mass_update.plugin as zoho_plugin
import jobadapter_zuora_bulk.plugin as bulk_plugin
import jobadapter_zuora_common.plugin as common_plugin
import jobadapter_zuora_custom_objects.plugin as co_plugin
from jobadapter import Hub, Job, TransientError
from jobadapter.config import Profile, profile_from_mapping
from jobadapter.model import Counts
from jobadapter.retry import RetryPolicy
from jobadapter.sandbox import Faults, SandboxServer, SimClock, Simulator
from jobadapter.status import JobStatus
from jobadapter.statuses import StatusTable, normalise_word
from jobadapter.store import SqliteStore
from jobadapter.transport import Timeouts, Transport
from jobadapter_zoho_mass_update.mass_update import MassUpdateAdapter as ZohoAdapter
from jobadapter_zoho_mass_update.request import MassUpdateRequest as ZohoRequest
from jobadapter_zoho_mass_update.simulator import ZohoMassUpdateSimulator
from jobadapter_zuora_bulk.bulk_job import BulkJobAdapter
from jobadapter_zuora_bulk.mass_updater import MassUpdaterAdapter
from jobadapter_zuora_bulk.requests import BulkJobRequest, MassUpdateRequest
from jobadapter_zuora_bulk.simulator import ZuoraBulkSimulator
from jobadapter_zuora_custom_objects import CustomObjectJobRequest
from jobadapter_zuora_custom_objects.custom_object_job import CustomObjectJobAdapter
from jobadapter_zuora_custom_objects.simulator import CustomObjectJobsSimulator
from werkzeug.wrappers import Request, Response

#: ``JOBADAPTER_SOAK=1`` (``make soak``) scales the suite up to thousands of jobs.
SOAK = os.environ.get("JOBADAPTER_SOAK") == "1"

PLUGINS = (common_plugin, co_plugin, zoho_common_plugin, zoho_plugin, bulk_plugin)

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

#: A fixed start for simulated time: reproducible answers.
START = 1_700_000_000.0


# -- jobs to submit -------------------------------------------------------------------


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


# -- recording simulators ---------------------------------------------------------------


@attrs.frozen
class Seen:
    """One job mentioned in a real answer: its adapter, id and native status."""

    adapter: str
    job_id: str
    native: str
    #: A status request (``get``): the kind of answer a stale replica can replay.
    status_get: bool = False


Extract = Callable[[Request, Any], "tuple[list[Seen], str | None]"]


class Recorder:
    """What one simulator really answered, and the stale answers it served instead."""

    def __init__(self, extract: Extract, *, stale: float = 0.0, seed: int = 0) -> None:
        self.extract = extract
        self.stale = stale
        self._rng = random.Random(seed)
        self._lock = threading.Lock()
        #: (adapter, job id) -> native statuses in the order answered (repeats collapsed).
        self.history: dict[tuple[str, str], list[str]] = defaultdict(list)
        #: idempotency key -> ids of the jobs created under it.
        self.created_by_key: dict[str, set[str]] = defaultdict(set)
        #: request path + query -> earlier real bodies (bytes, content encoding, native).
        self._bodies: dict[str, list[tuple[bytes, str | None, str]]] = defaultdict(list)
        self.stale_served = 0
        self.stale_backward = 0

    def handle(self, request: Request, response: Response) -> Response:
        if response.status_code != 200 or response.mimetype != "application/json":
            return response
        data = response.get_data()
        encoding = response.headers.get("Content-Encoding")
        try:
            body = json.loads(gzip.decompress(data) if encoding == "gzip" else data)
        except ValueError:
            return response
        try:
            seen, created = self.extract(request, body)
        except (KeyError, IndexError, TypeError, AttributeError):
            return response  # an answer about no job (an error body, an empty list)
        key = request.headers.get("Idempotency-Key")
        where = request.path + "?" + request.query_string.decode("latin-1")
        with self._lock:
            for item in seen:
                history = self.history[(item.adapter, item.job_id)]
                if not history or history[-1] != item.native:
                    history.append(item.native)
            if created is not None and key:
                self.created_by_key[key].add(created)
            if len(seen) != 1 or not seen[0].status_get:
                return response
            earlier = self._bodies[where]
            replay = None
            if earlier and self._rng.random() < self.stale:
                replay = self._rng.choice(earlier)
            earlier.append((data, encoding, seen[0].native))
            if replay is None or replay[0] == data:
                return response
            self.stale_served += 1
            if replay[2] != seen[0].native:
                self.stale_backward += 1
        response.set_data(replay[0])
        if replay[1]:
            response.headers["Content-Encoding"] = replay[1]
        else:
            response.headers.pop("Content-Encoding", None)
        return response


def _co_extract(request: Request, body: Any) -> tuple[list[Seen], str | None]:
    path, method = request.path, request.method
    if path == "/objects/jobs" and method == "GET":
        return [Seen(CO, j["Id"], j["status"]) for j in body["jobs"]], None
    job = Seen(CO, body["Id"], body["status"], status_get=method == "GET")
    if path == "/objects/jobs" and method == "POST":
        return [job], body["Id"]
    if re.fullmatch(r"/objects/jobs/[^/]+(/files|/cancel)?", path):
        return [job], None
    return [], None


def _zoho_extract(request: Request, body: Any) -> tuple[list[Seen], str | None]:
    module = request.path.split("/")[3]
    entry = body["data"][0] if isinstance(body["data"], list) else body["data"]
    if request.method == "GET":
        job_id = f"{module}:{request.args['job_id']}"
        return [Seen(ZOHO, job_id, entry["Status"], status_get=True)], None
    native = entry["details"]["job_id"]
    return [Seen(ZOHO, f"{module}:{native}", "SCHEDULED")], native


def _bulk_extract(request: Request, body: Any) -> tuple[list[Seen], str | None]:
    path, method = request.path, request.method
    if path == "/v1/bulk" and method == "POST":
        return [Seen(MASS, body["bulkKey"], "Pending")], body["bulkKey"]
    if re.fullmatch(r"/v1/bulk/[^/]+", path) and method == "GET":
        return [Seen(MASS, path.rsplit("/", 1)[1], body["status"], status_get=True)], None
    base = "/bulk-data/bulk-jobs"
    if path == base and method == "POST":
        return [Seen(BULK, body["id"], body["status"])], body["id"]
    if path == f"{base}/summaries":
        return [Seen(BULK, s["id"], s["status"]) for s in body["summaries"]], None
    if re.fullmatch(rf"{base}/[^/]+/(summary|submissions|aborts)", path):
        return [Seen(BULK, body["id"], body["status"], status_get=method == "GET")], None
    return [], None


class _Recording:
    """Mixin: every answer passes through ``self.recorder`` (set before serving)."""

    recorder: Recorder

    def dispatch(self, request: Request) -> Response:
        response: Response = super().dispatch(request)  # type: ignore[misc]
        return self.recorder.handle(request, response)


class RecordedCO(_Recording, CustomObjectJobsSimulator):
    pass


class RecordedZoho(_Recording, ZohoMassUpdateSimulator):
    pass


class RecordedBulk(_Recording, ZuoraBulkSimulator):
    pass


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
    co.recorder = Recorder(_co_extract, stale=stale, seed=seed)
    zoho.recorder = Recorder(_zoho_extract, stale=stale, seed=seed + 1)
    bulk.recorder = Recorder(_bulk_extract, stale=stale, seed=seed + 2)
    return Sims(clock, co, zoho, bulk)


def serve(sims: Sims, faults: Faults | None = None) -> SandboxServer:
    return SandboxServer(*sims.all, faults=faults)


#: Fast polling for simulated jobs that last a few real seconds.
POLLING = {"poll_min": 0.02, "poll_max": 0.25, "max_in_flight": 8, "timeout": 10}


def profile_tables(sims: Sims, extra: Mapping[str, Any] | None = None) -> dict[str, dict[str, Any]]:
    """TOML-style tables of the three profiles (the server must be running)."""
    more = dict(extra or {})
    return {
        "co": {**sims.co.profile(), **POLLING, **more},
        "zoho": {**sims.zoho.profile(), **POLLING, **more},
        "zb": {**sims.bulk.profile(), **POLLING, **more},
    }


def profiles(tables: Mapping[str, Mapping[str, Any]]) -> list[Profile]:
    return [profile_from_mapping(name, dict(table)) for name, table in tables.items()]


def fast_options() -> dict[str, Any]:
    """Transport settings whose retries wait milliseconds: faults cost the suite no time."""
    return {
        "timeouts": Timeouts(connect=5.0, read=10.0),
        "retry": RetryPolicy(
            max_attempts=8, budget=5.0, backoff_base=0.005, backoff_cap=0.05, retry_after_cap=0.05
        ),
    }


def fast_transport() -> Transport:
    return Transport(**fast_options())


def world_store(path: Path, clock: SimClock) -> SqliteStore:
    """The world's store, on the simulators' clock (the hub's: see :func:`make_hub`)."""
    return SqliteStore(path, now=clock.utcnow)


def make_hub(
    tables: Mapping[str, Mapping[str, Any]],
    store: SqliteStore | None,
    *,
    clock: SimClock | None = None,
    transport: Transport | None = None,
) -> Hub:
    """A hub on the simulators' clock: its tracker stamps observations in the same
    time as the store (:func:`world_store`) and the simulators, never in real time.
    A hub that keeps nothing (no store) may run on the real clock."""
    if store is not None and clock is None:
        raise TypeError("a hub with a store takes the store's clock: make_hub(..., clock=)")
    return Hub(
        config=False,
        clock=clock,
        profiles=profiles(tables),
        plugins=PLUGINS,
        load_entrypoints=False,
        transport=transport or fast_transport(),
        store=store,
    )


# -- the simulators' truth --------------------------------------------------------------


@attrs.frozen
class Truth:
    """A job as the simulator itself knows it now."""

    adapter: str
    job_id: str
    marker: str
    native: str
    counts: Counts

    @property
    def key(self) -> tuple[str, str]:
        return (self.adapter, self.job_id)


def truths(sims: Sims) -> list[Truth]:
    """Every job on the simulators, with its marker, status and counters now."""
    now = sims.clock.now()
    return [*_co_truths(sims, now), *_zoho_truths(sims), *_mass_truths(sims, now),
            *_bulk_truths(sims, now)]  # fmt: skip


def _co_truths(sims: Sims, now: float) -> Iterator[Truth]:
    with sims.co.lock:
        jobs = list(sims.co.jobs.values())
        for job in jobs:
            job.advance(now, sims.co.rows_per_second, sims.co.accept_delay)
    for job in jobs:
        failed = len(job.failing_rows)
        counts = Counts(
            total=job.total,
            processed=job.processed,
            succeeded=job.processed - failed,
            failed=failed,
        )
        yield Truth(CO, job.id, job.object, job.status, counts)


def _zoho_truths(sims: Sims) -> Iterator[Truth]:
    for job in list(sims.zoho.jobs.values()):
        state = sims.zoho.status_of(job.id)
        updated, failed = _int(state["Updated_Count"]), _int(state["Failed_Count"])
        counts = Counts(
            total=_int(state["Total_Count"]), processed=updated + failed, succeeded=updated,
            failed=failed,
        )  # fmt: skip
        marker = sims.zoho_views.get(job.cvid, f"?{job.cvid}")
        yield Truth(ZOHO, f"{job.module}:{job.id}", marker, str(state["Status"]), counts)


def _int(value: object) -> int:
    assert isinstance(value, int)
    return value


def _mass_truths(sims: Sims, now: float) -> Iterator[Truth]:
    for action in list(sims.bulk.mass_actions.values()):
        state = action.state(now)
        marker = action.table.rows[0][1] if action.table.rows else "?"
        counts = Counts(
            total=action.total, processed=state.processed, succeeded=state.succeeded,
            failed=state.failed,
        )  # fmt: skip
        yield Truth(MASS, action.key, marker, state.status, counts)


def _bulk_truths(sims: Sims, now: float) -> Iterator[Truth]:
    for job in list(sims.bulk.bulk_jobs.values()):
        state = job.state(now)
        done = None if state.succeeded is None else state.succeeded + (state.failed or 0)
        counts = Counts(
            total=state.total, processed=done, succeeded=state.succeeded, failed=state.failed
        )
        yield Truth(BULK, job.id, str(job.body.get("name")), state.status, counts)


def statuses_of(adapter: str) -> StatusTable:
    return ADAPTER_CLASSES[adapter].statuses


def unified(adapter: str, native: str) -> JobStatus:
    return statuses_of(adapter).lookup(native)


def same_word(a: str | None, b: str | None) -> bool:
    return a is not None and b is not None and normalise_word(a) == normalise_word(b)


def job_counts_match(job: Job, truth: Truth) -> list[str]:
    """The counters where ``job`` disagrees with the simulator (None = not reported)."""
    wrong = []
    for name in ("total", "processed", "succeeded", "failed"):
        mine, real = getattr(job.counts, name), getattr(truth.counts, name)
        if mine is not None and real is not None and mine != real:
            wrong.append(f"{name} {mine} != {real}")
    if job.counts.processed is None and truth.counts.processed:
        wrong.append("processed not reported")
    return wrong


# -- answers lost on the wire ----------------------------------------------------------------


class LosingTransport(Transport):
    """A transport that loses the answer of chosen requests *after* the provider acted.

    ``lose(method, url)`` picks them; ``before`` loses them before sending instead
    (the provider never sees the request). The loss is a TransientError, as a
    connection dropped at that moment would be.
    """

    def __init__(
        self, lose: Callable[[str, str], bool], *, before: bool = False, **options: Any
    ) -> None:
        super().__init__(**options)
        self.lose = lose
        self.before = before
        self.lost: list[str] = []

    def request(self, method: str, url: str, **kwargs: Any) -> Any:
        chosen = self.lose(method, url)
        if chosen and self.before:
            self.lost.append(f"{method} {url}")
            raise TransientError(f"test: {method} lost before it was sent", method=method)
        response = super().request(method, url, **kwargs)
        if chosen:
            self.lost.append(f"{method} {url}")
            raise TransientError(f"test: the answer to {method} was lost", method=method)
        return response


def submit_posts(method: str, url: str) -> bool:
    """The request that starts a job, for every adapter (the first POST of a submit)."""
    path = url.split("?", 1)[0]
    return method == "POST" and path.endswith(
        ("/objects/jobs", "/actions/mass_update", "/v1/bulk", "/bulk-data/bulk-jobs")
    )
