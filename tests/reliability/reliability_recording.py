"""Simulators that record what they answer: each real answer about a job (the
history the store's transitions are checked against), which idempotency key
created which job, and now and then an *earlier* real answer served again for a
status request (a stale replica: the ``stale`` fault the sandbox lacks).
"""

from __future__ import annotations

import gzip
import json
import random
import re
import threading
from collections import defaultdict
from collections.abc import Callable
from typing import Any

import attrs
from jobadapter_zoho_mass_update.simulator import ZohoMassUpdateSimulator
from jobadapter_zuora_bulk.simulator import ZuoraBulkSimulator
from jobadapter_zuora_custom_objects.simulator import CustomObjectJobsSimulator
from reliability_jobs import BULK, CO, MASS, ZOHO
from werkzeug.wrappers import Request, Response


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


def co_extract(request: Request, body: Any) -> tuple[list[Seen], str | None]:
    path, method = request.path, request.method
    if path == "/objects/jobs" and method == "GET":
        return [Seen(CO, j["Id"], j["status"]) for j in body["jobs"]], None
    job = Seen(CO, body["Id"], body["status"], status_get=method == "GET")
    if path == "/objects/jobs" and method == "POST":
        return [job], body["Id"]
    if re.fullmatch(r"/objects/jobs/[^/]+(/files|/cancel)?", path):
        return [job], None
    return [], None


def zoho_extract(request: Request, body: Any) -> tuple[list[Seen], str | None]:
    module = request.path.split("/")[3]
    entry = body["data"][0] if isinstance(body["data"], list) else body["data"]
    if request.method == "GET":
        job_id = f"{module}:{request.args['job_id']}"
        return [Seen(ZOHO, job_id, entry["Status"], status_get=True)], None
    native = entry["details"]["job_id"]
    return [Seen(ZOHO, f"{module}:{native}", "SCHEDULED")], native


def bulk_extract(request: Request, body: Any) -> tuple[list[Seen], str | None]:
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
