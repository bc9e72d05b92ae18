"""A small sound adapter, its simulator and its plugin, for the tests of the
testing kit (the contract suite, the pytest plugin's fixtures)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from jobadapter import Adapter, Job, JobStatus, StatusTable, hookimpl
from jobadapter.connection import Connection
from jobadapter.model import Counts, JobError
from jobadapter.sandbox import Simulator
from jobadapter.testing import SimulatorRun
from jobadapter.urls import path_segment
from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Request, Response

KIT_STATUSES = StatusTable(
    {
        JobStatus.PENDING: ("queued",),
        JobStatus.RUNNING: ("running",),
        JobStatus.SUCCEEDED: ("done",),
        JobStatus.FAILED: ("failed",),
        JobStatus.CANCELLED: ("cancelled",),
    },
    owner="kit.job",
)


class KitAdapter(Adapter):
    name = "kit.job"
    provider = "generic"
    statuses = KIT_STATUSES
    capabilities = frozenset({"submit", "get", "cancel"})

    def build_job(self, payload: Any, *, job_id: str | None) -> Job:
        body = self.require_mapping(payload)
        word = body.get("state")
        error = body.get("error")
        if error is not None and not isinstance(error, str):
            raise self.malformed("error is not a string")
        errors: tuple[JobError, ...] = (JobError("ROW", error),) if error else ()
        return Job(
            adapter=self.name,
            id=self.job_id_from(body.get("id"), job_id, "id"),
            status=self.status_of(word),
            native_status=word,
            counts=Counts(total=self.count(body, "rows")),
            created_at=self.timestamp(body, "created"),
            errors=errors,
            raw=payload,
        )

    def request_from_options(self, options: Mapping[str, Any]) -> dict[str, Any]:
        return {"rows": int(options.get("rows", 1)), "fail": bool(options.get("fail"))}

    def submit(self, conn: Connection, request: Any) -> Job:
        return self.parse(
            conn.request("POST", "/jobs", json=dict(request), adapter=self.name).json()
        )

    def get(self, conn: Connection, job_id: str) -> Job:
        body = conn.get_json(f"/jobs/{path_segment(job_id)}", adapter=self.name)
        return self.parse(body, job_id=job_id)

    def cancel(self, conn: Connection, job_id: str) -> Job:
        path = f"/jobs/{path_segment(job_id)}/cancel"
        return self.parse(conn.request("POST", path, adapter=self.name).json(), job_id=job_id)


class KitSimulator(Simulator):
    """Jobs are queued for 10 simulated seconds, run for 10, then end."""

    name = "kit"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.jobs: dict[str, dict[str, Any]] = {}

    def url_map(self) -> Map:
        return Map(
            [
                Rule("/jobs", methods=["POST"], endpoint="create"),
                Rule("/jobs/<job_id>", methods=["GET"], endpoint="job"),
                Rule("/jobs/<job_id>/cancel", methods=["POST"], endpoint="cancel"),
            ]
        )

    def profile(self) -> dict[str, Any]:
        return {"provider": "generic", "base_url": self.base_url, "token": "kit-sandbox-token"}

    def _view(self, job: dict[str, Any]) -> dict[str, Any]:
        age = self.clock.now() - job["created"]
        state = job.get("final") or ("queued" if age < 10 else "running" if age < 20 else "")
        if not state:
            state = "failed" if job["fail"] else "done"
        view = {"id": job["id"], "state": state, "rows": job["rows"], "created": job["created"]}
        if state == "failed":
            view["error"] = "row 1 rejected"
        return view

    def on_create(self, request: Request) -> Response:
        sent = self.read_json(request)
        with self.lock:
            job_id = str(len(self.jobs) + 1)
            self.jobs[job_id] = {
                "id": job_id,
                "rows": sent["rows"],
                "fail": sent.get("fail", False),
                "created": int(self.clock.now()),
            }
            return self.json_response(self._view(self.jobs[job_id]), 201)

    def on_job(self, request: Request, job_id: str) -> Response:
        with self.lock:
            job = self.jobs.get(job_id)
            if job is None:
                return self.error_response(request, 404, "NOT_FOUND", "no such job")
            return self.json_response(self._view(job))

    def on_cancel(self, request: Request, job_id: str) -> Response:
        with self.lock:
            self.jobs[job_id]["final"] = "cancelled"
            return self.json_response(self._view(self.jobs[job_id]))


class KitPlugin:
    JOBADAPTER_API_VERSION = "1.0"

    @hookimpl
    def register_adapters(self, register: Callable[[type[Adapter]], None]) -> None:
        register(KitAdapter)

    @hookimpl
    def register_simulators(self, register: Callable[[type[Simulator]], None]) -> None:
        register(KitSimulator)


def run_to_success(run: SimulatorRun) -> Job:
    return run.until_terminal(run.submit({"rows": 3}).id)


def run_to_failure(run: SimulatorRun) -> Job:
    return run.until_terminal(run.submit({"rows": 3, "fail": True}).id)


def run_to_cancel(run: SimulatorRun) -> Job:
    job = run.submit({"rows": 3})
    run.advance(12)
    assert run.get(job.id).status is JobStatus.RUNNING
    run.cancel(job.id)
    return run.until_terminal(job.id)


KIT_SAMPLES = {
    "done": (
        {"id": "7", "state": "done", "rows": 5, "created": 1_700_000_000},
        None,
        JobStatus.SUCCEEDED,
    ),
    "running, id from caller": ({"state": "Running", "rows": "12"}, "9", JobStatus.RUNNING),
    "failed": ({"id": 8, "state": "FAILED", "error": "row 2 bad"}, None, JobStatus.FAILED),
}
