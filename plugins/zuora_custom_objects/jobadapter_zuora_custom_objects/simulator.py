"""A Zuora tenant's Custom Object bulk jobs, on loopback, in simulated time.

Built on the shared Zuora simulator (token endpoint, bearer checks, rate
limits, headers). Jobs move as the :class:`~jobadapter.sandbox.SimClock`
advances: a file job is ``pending`` until its CSV arrives, then
``in_progress`` with ``recordsProcessed`` rising at ``rows_per_second``, then
``completed`` (``failed`` when every row failed). A row with a cell holding
``fail_marker`` fails, and shows in ``/errors`` once processing reaches it.
A filtered delete is ``accepted`` for ``accept_delay`` seconds, then runs.
A job's own timeline and answer body are :mod:`~jobadapter_zuora_custom_objects.sim_jobs`.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Mapping
from typing import Any, ClassVar

from jobadapter.sandbox import DemoRequest, SimClock
from jobadapter_zuora_common.simulator import ZuoraSimulatorBase, code_for
from werkzeug.routing import Rule
from werkzeug.wrappers import Request, Response

from jobadapter_zuora_custom_objects.request import (
    ADAPTER,
    MAX_CONDITIONS,
    MAX_FILE_BYTES,
    NAMESPACES,
    OPERATIONS,
    OPERATORS,
    CustomObjectJobRequest,
)
from jobadapter_zuora_custom_objects.sim_jobs import SimJob

#: At most this many jobs may be accepted, pending or in progress per tenant.
CONCURRENT_LIMIT = 5
LIMIT_CODE = 71012560
LIMIT_MESSAGE = "Service limit reached, please retry later."
NOT_FOUND_CODE = 71013040
BAD_REQUEST_CODE = 71013020
BAD_STATE_CODE = 71013620
DEFAULT_PAGE_SIZE = 25
MAX_PAGE_SIZE = 100
ACTIVE = frozenset({"accepted", "pending", "in_progress"})
LIST_STATUSES = ("pending", "accepted", "in_progress", "completed", "failed", "cancelled")


class CustomObjectJobsSimulator(ZuoraSimulatorBase):
    """``/objects/jobs`` of one Zuora tenant. See the module docstring for the rules."""

    name: ClassVar[str] = "zuora_custom_objects"

    def __init__(
        self,
        *,
        clock: SimClock | None = None,
        seed: int = 0,
        rows_per_second: float = 20.0,
        accept_delay: float = 2.0,
        filter_matches: int = 50,
        fail_marker: str = "FAIL",
        concurrent_limit: int = CONCURRENT_LIMIT,
        max_file_bytes: int = MAX_FILE_BYTES,
        **options: Any,
    ) -> None:
        super().__init__(clock=clock, seed=seed, **options)
        if not rows_per_second > 0:
            raise ValueError("rows_per_second must be > 0")
        self.rows_per_second = float(rows_per_second)
        self.accept_delay = float(accept_delay)
        self.filter_matches = int(filter_matches)
        self.fail_marker = fail_marker
        self.concurrent_limit = int(concurrent_limit)
        self.max_file_bytes = int(max_file_bytes)
        self.user_id = self.new_uuid()
        self.jobs: dict[str, SimJob] = {}
        self._replays: dict[tuple[str, str], Any] = {}

    def api_rules(self) -> list[Rule]:
        return [
            Rule("/objects/jobs", methods=["POST"], endpoint="create_job"),
            Rule("/objects/jobs", methods=["GET"], endpoint="list_jobs"),
            Rule("/objects/jobs/<job_id>", methods=["GET"], endpoint="get_job"),
            Rule("/objects/jobs/<job_id>/files", methods=["POST"], endpoint="upload_file"),
            Rule("/objects/jobs/<job_id>/errors", methods=["GET"], endpoint="job_errors"),
            Rule("/objects/jobs/<job_id>/cancel", methods=["PATCH"], endpoint="cancel_job"),
        ]

    def demo_requests(self) -> list[DemoRequest]:
        """A create with two of 60 rows marked to fail, and a filtered delete."""
        lines = ["name__c,age__c"]
        for index in range(1, 61):
            age = self.fail_marker if index in (7, 42) else str(18 + index % 60)
            lines.append(f"Passenger {index},{age}")
        rows = ("\n".join(lines) + "\n").encode("utf-8")
        return [
            DemoRequest(
                ADAPTER,
                CustomObjectJobRequest("passenger", "create", file=rows),
                "create 60 passenger records (2 marked to fail)",
            ),
            DemoRequest(
                ADAPTER,
                CustomObjectJobRequest(
                    "passenger", "delete", filter=["CreatedDate LT 2020-01-01T00:00:00.000Z"]
                ),
                f"delete passengers created before 2020 ({self.filter_matches} match)",
            ),
        ]

    def error_body(self, status: int, code: str, message: str) -> Any:
        """Custom Object answers use the flat shape ``{"code": ..., "message": ...}``."""
        return self.flat_error_body(code_for(status, code), message)

    # -- helpers -------------------------------------------------------------------

    def fail(self, status: int, code: int, message: str) -> Exception:
        return self.abort(self.json_response(self.flat_error_body(code, message), status))

    def _job(self, job_id: str) -> SimJob:
        job = self.jobs.get(job_id)
        if job is None:
            raise self.fail(404, NOT_FOUND_CODE, f"Job not found for id '{job_id[:64]}'.")
        job.advance(self.clock.now(), self.rows_per_second, self.accept_delay)
        return job

    def _advance_all(self, now: float) -> None:
        for job in self.jobs.values():
            job.advance(now, self.rows_per_second, self.accept_delay)

    def _replayed(self, request: Request, endpoint: str, answer: Callable[[], Any]) -> Response:
        """Succeed once per ``Idempotency-Key``: a retried POST/PATCH gets the first answer.

        Errors are not kept, so a retry after a limit or a bad state is judged afresh.
        """
        key = request.headers.get("Idempotency-Key")
        seen = self._replays.get((endpoint, key)) if key else None
        if seen is None:
            seen = answer()
            if key:
                self._replays[(endpoint, key)] = seen
        return self.json_response(seen)

    # -- endpoints -----------------------------------------------------------------

    def on_create_job(self, request: Request) -> Response:
        with self.lock:
            return self._replayed(request, "create", lambda: self._create(request))

    def _create(self, request: Request) -> dict[str, Any]:
        body = self.read_json(request)
        if not isinstance(body, Mapping):
            raise self.fail(400, 71013090, "The request body must be a JSON object.")
        for field in ("namespace", "object", "operation"):
            if not isinstance(body.get(field), str) or not body[field]:
                raise self.fail(400, 71013022, f"Missing required field '{field}'.")
        if body["namespace"] not in NAMESPACES:
            raise self.fail(400, BAD_REQUEST_CODE, f"Invalid namespace '{body['namespace']}'.")
        if body["operation"] not in OPERATIONS:
            raise self.fail(400, BAD_REQUEST_CODE, f"Invalid operation '{body['operation']}'.")
        conditions = self._conditions(body)
        now = self.clock.now()
        self._advance_all(now)
        active = sum(1 for job in self.jobs.values() if job.status in ACTIVE)
        over_limit = active >= self.concurrent_limit
        # Over the five-job limit Zuora answers a job that failed at once, as its
        # documented sample shows ("failed", 71012560 "Service limit reached, please
        # retry later."), not an HTTP error.
        job = SimJob(
            id=self.new_uuid(),
            user=self.user_id,
            namespace=body["namespace"],
            object=body["object"],
            operation=body["operation"],
            created=now,
            status="failed" if over_limit else "accepted" if conditions else "pending",
            updated=now,
            serial=len(self.jobs),
            total=0 if over_limit else self.filter_matches if conditions else 0,
            error=(LIMIT_CODE, LIMIT_MESSAGE) if over_limit else None,
            ended=now if over_limit else None,
        )
        self.jobs[job.id] = job
        return job.body(now)

    def _conditions(self, body: Mapping[str, Any]) -> list[Any]:
        spec = body.get("filter")
        if spec is None:
            return []
        if body["operation"] != "delete":
            raise self.fail(400, BAD_REQUEST_CODE, "A filter is allowed for delete jobs only.")
        conditions = spec.get("conditions") if isinstance(spec, Mapping) else None
        if not isinstance(conditions, list) or not 1 <= len(conditions) <= MAX_CONDITIONS:
            raise self.fail(400, BAD_REQUEST_CODE, "The filter takes 1 or 2 conditions.")
        for item in conditions:
            if (
                not isinstance(item, Mapping)
                or not isinstance(item.get("field"), str)
                or item.get("operator") not in OPERATORS
                or "value" not in item
            ):
                raise self.fail(
                    400,
                    BAD_REQUEST_CODE,
                    "Each condition needs field, operator (EQ|GT|LT|GE|LE) and value.",
                )
        return conditions

    def on_upload_file(self, request: Request, job_id: str) -> Response:
        with self.lock:
            return self._replayed(
                request, f"upload:{job_id}", lambda: self._upload(request, job_id)
            )

    def _upload(self, request: Request, job_id: str) -> dict[str, Any]:
        job = self._job(job_id)
        if job.status != "pending":
            raise self.fail(
                400,
                BAD_STATE_CODE,
                f"A file can be uploaded only to a pending job; this job is {job.status}.",
            )
        if request.mimetype != "text/csv":
            raise self.fail(
                400, BAD_STATE_CODE, "The Content-Type of the request must be text/csv."
            )
        if (request.content_length or 0) > self.max_file_bytes:
            raise self.fail(400, BAD_STATE_CODE, "The file exceeds the 15 MB limit.")
        data = request.get_data()
        if len(data) > self.max_file_bytes:
            raise self.fail(400, BAD_STATE_CODE, "The file exceeds the 15 MB limit.")
        rows = self._rows(data, job.operation)
        now = self.clock.now()
        job.total = len(rows)
        job.records = dict(enumerate(rows, start=2))
        job.failing_rows = tuple(
            number
            for number, row in job.records.items()
            if any(self.fail_marker in v for v in row.values())
        )
        job.start(now)
        return job.body(now)

    def _rows(self, data: bytes, operation: str) -> list[dict[str, str]]:
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise self.fail(400, BAD_STATE_CODE, "The file must be encoded in UTF-8.") from None
        try:
            reader = csv.DictReader(io.StringIO(text, newline=""))
            header = [name.strip() for name in reader.fieldnames or [] if name and name.strip()]
            rows = [{k: v or "" for k, v in row.items() if k is not None} for row in reader]
        except csv.Error as exc:
            raise self.fail(400, BAD_STATE_CODE, f"The file is not a valid CSV: {exc}.") from None
        if not header:
            raise self.fail(400, BAD_STATE_CODE, "The file is not a CSV with a header row.")
        if operation == "update" and "id" not in {name.lower() for name in header}:
            raise self.fail(400, BAD_STATE_CODE, "An update file needs an id column.")
        return rows

    def on_get_job(self, request: Request, job_id: str) -> Response:
        with self.lock:
            return self.json_response(self._job(job_id).body(self.clock.now()))

    def on_job_errors(self, request: Request, job_id: str) -> Response:
        with self.lock:
            return self.json_response({"errors": self._job(job_id).row_errors()})

    def on_cancel_job(self, request: Request, job_id: str) -> Response:
        with self.lock:
            return self._replayed(request, f"cancel:{job_id}", lambda: self._cancel(job_id))

    def _cancel(self, job_id: str) -> dict[str, Any]:
        job = self._job(job_id)
        if job.status not in ("accepted", "pending"):
            raise self.fail(
                400,
                BAD_STATE_CODE,
                f"Only accepted or pending jobs can be cancelled; this job is {job.status}.",
            )
        now = self.clock.now()
        job.status = "cancelled"
        job.updated = now
        return job.body(now)

    def on_list_jobs(self, request: Request) -> Response:
        args = request.args
        try:
            size = int(args.get("pageSize", DEFAULT_PAGE_SIZE))
        except ValueError:
            size = 0
        if not 1 <= size <= MAX_PAGE_SIZE:
            raise self.fail(400, BAD_REQUEST_CODE, "pageSize must be between 1 and 100.")
        status = args.get("status")
        if status is not None and status not in LIST_STATUSES:
            raise self.fail(400, BAD_REQUEST_CODE, f"Invalid status '{status}'.")
        with self.lock:
            now = self.clock.now()
            self._advance_all(now)
            jobs = [
                job
                for job in sorted(
                    self.jobs.values(), key=lambda j: (j.created, j.serial), reverse=True
                )
                if status is None or job.status == status
            ]
            cursor = args.get("cursor")
            if cursor:
                ids = [job.id for job in jobs]
                if cursor not in ids:
                    raise self.fail(400, BAD_REQUEST_CODE, f"Invalid cursor '{cursor[:64]}'.")
                jobs = jobs[ids.index(cursor) + 1 :]
            page = jobs[:size]
            body: dict[str, Any] = {"count": len(page), "jobs": [job.body(now) for job in page]}
            if page:
                body["cursor"] = page[-1].id
            return self.json_response(body)
