"""The Celery side: an app with jobadapter's one task, and starting a worker.

Celery carries batches of leased jobs between workers; the schedule itself
is in the database (see :mod:`jobadapter.fleet.schedule`). A message lost
with a killed worker costs nothing but the wait for its leases to expire; a
message delivered twice finds its leases gone and polls nothing.
"""

from __future__ import annotations

from typing import Any

from jobadapter.errors import ConfigError
from jobadapter.fleet.worker import FleetWorker, SendBatch
from jobadapter.urls import safe_url

POLL_TASK = "jobadapter.fleet.poll"
DEFAULT_QUEUE = "jobadapter"

_current: FleetWorker | None = None


def make_app(broker: str, queue: str = DEFAULT_QUEUE) -> Any:
    """A Celery app on ``broker`` (redis://... or amqp://...) using ``queue``."""
    try:
        from celery import Celery
    except ImportError as exc:
        raise ConfigError("a fleet worker needs Celery: pip install 'jobadapter[celery]'") from exc
    if not broker:
        raise ConfigError("a fleet worker needs a broker: --broker or JOBADAPTER_BROKER_URL")
    app = Celery("jobadapter", broker=broker, set_as_current=False)
    app.conf.update(
        task_default_queue=queue,
        task_ignore_result=True,
        task_acks_late=False,
        worker_prefetch_multiplier=1,
        broker_connection_retry_on_startup=True,
        worker_hijack_root_logger=False,
        worker_redirect_stdouts=False,
        broker_transport_options={"visibility_timeout": 3600},
    )

    @app.task(name=POLL_TASK, ignore_result=True)  # type: ignore[untyped-decorator]
    def poll(lease: str, messages: list[list[Any]]) -> int:
        worker = _current
        if worker is None:  # a worker that is not jobadapter's: leave the leases to expire
            return 0
        return worker.poll(lease, messages)

    return app


def batch_sender(app: Any, queue: str) -> SendBatch:
    """Sends one batch to ``queue``. The message's ``argsrepr`` (what Celery's logs
    and monitors show) is a summary: Celery's own repr of every claim was a third
    of the CPU of sending a batch, and job ids need not be in the headers."""

    def send(lease: str, messages: list[list[Any]]) -> None:
        app.send_task(
            POLL_TASK,
            args=(lease, messages),
            queue=queue,
            argsrepr=f"({lease!r}, <{len(messages)} claims>)",
            kwargsrepr="{}",
        )

    return send


def run_worker(
    app: Any, worker: FleetWorker, *, queue: str, concurrency: int, loglevel: str = "WARNING"
) -> None:
    """Start ``worker``'s loop and a Celery worker (threads) in this process;
    returns when Celery stops (SIGTERM, SIGINT)."""
    global _current
    _current = worker

    worker.start(batch_sender(app, queue))
    try:
        celery_worker = app.Worker(
            hostname=f"{worker.name}@jobadapter",
            pool="threads",
            concurrency=concurrency,
            queues=[queue],
            loglevel=loglevel,
            without_gossip=True,
            without_mingle=True,
            without_heartbeat=True,
            quiet=True,
        )
        celery_worker.start()
    finally:
        worker.stop()
        _current = None


def broker_label(url: str) -> str:
    """The broker URL fit for a log line (no password)."""
    return safe_url(url)
