"""Live progress for watches: one rich bar per job on a terminal, plain lines elsewhere."""

from __future__ import annotations

import sys
import threading
from collections.abc import Iterable
from typing import Any

import click

from jobadapter.cli.failures import error_message
from jobadapter.cli.output import job_line, paint, use_rich
from jobadapter.events import Event, EventKind
from jobadapter.model import Job


def error_line(event: Event) -> str:
    """The one line a watch prints for a job it stopped watching on an error."""
    assert event.error is not None
    return f"error: {event.adapter} {event.job_id}: {error_message(event.error)}"


class PlainProgress:
    """One line per event: for pipes, CI logs and ``NO_COLOR``; ``quiet``: only the
    final line of each job and its errors."""

    def __init__(self, *, err: bool = False, quiet: bool = False) -> None:
        self.err = err
        self.quiet = quiet
        self._lock = threading.Lock()
        self._ended: set[tuple[str, str]] = set()  # jobs whose final line is printed

    def __enter__(self) -> PlainProgress:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def add(self, adapter: str, job_id: str, label: str | None = None) -> None:
        if not self.quiet:
            self._echo(f"watching {adapter} {job_id}" + (f" ({label})" if label else ""))

    def __call__(self, event: Event) -> None:
        if event.kind is EventKind.ERROR and event.error is not None:
            with self._lock:
                self._ended.add(event.key)
                click.echo(paint(error_line(event), "red"), err=True)
            return
        if event.kind is EventKind.DEADLINE or self.quiet:
            return None  # the watch's summary says it once, and why
        if event.kind is EventKind.PROGRESS:
            return self._echo(event.describe()) if _worth_a_line(event) else None
        if event.kind is EventKind.STATUS_CHANGED and event.job is not None:
            if event.job.is_terminal:
                return self.finish([event.job])
            return self._echo(job_line(event.job))
        return self._echo(event.describe())

    def finish(self, jobs: Iterable[Job]) -> None:
        """The final line of each job that has ended and has none yet."""
        for job in jobs:
            with self._lock:
                if not job.is_terminal or job.key in self._ended:
                    continue
                self._ended.add(job.key)
            self._echo(job_line(job))

    def _echo(self, text: str) -> None:
        with self._lock:
            click.echo(text, err=self.err)


def _worth_a_line(event: Event) -> bool:
    """Progress lines at most every tenth of the rows, so logs stay short."""
    job, previous = event.job, event.previous
    if job is None or previous is None or not job.counts.total:
        return True
    step = max(1, job.counts.total // 10)
    return (job.counts.processed or 0) // step != (previous.counts.processed or 0) // step


class RichProgress:
    """A rich Progress with one bar per job: rows processed / total, status, ETA."""

    def __init__(self, stream: Any = None) -> None:
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeRemainingColumn,
        )

        self.progress = Progress(
            TextColumn("[bold]{task.fields[adapter]}[/] {task.fields[label]}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[status]}"),
            TimeRemainingColumn(),
            transient=False,
            console=Console(file=stream) if stream is not None else None,
        )
        self.tasks: dict[tuple[str, str], Any] = {}
        self._lock = threading.Lock()

    def __enter__(self) -> RichProgress:
        self.progress.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.progress.stop()

    def add(self, adapter: str, job_id: str, label: str | None = None) -> None:
        with self._lock:
            self.tasks[(adapter, job_id)] = self.progress.add_task(
                "", total=None, adapter=adapter, label=label or job_id, status="pending"
            )

    def __call__(self, event: Event) -> None:
        with self._lock:
            task = self.tasks.get(event.key)
            if task is None:
                return
            if event.kind is EventKind.ERROR and event.error is not None:
                self.progress.console.print(error_line(event), style="red", markup=False)
                self.progress.update(task, status="error")
                return
            if event.kind is EventKind.ANOMALY:
                self.progress.console.print(event.describe(), style="yellow", markup=False)
            if event.job is not None:
                self._show(task, event.job)

    def finish(self, jobs: Iterable[Job]) -> None:
        """Each bar at its job's last known state (a job that had ended before the
        watch began sent no event: without this its bar would stay at pending)."""
        with self._lock:
            for job in jobs:
                task = self.tasks.get(job.key)
                if task is not None:
                    self._show(task, job)

    def _show(self, task: Any, job: Job) -> None:
        counts = job.counts
        status = job.status.value
        if counts.failed:
            status += f" ({counts.failed} rows failed)"
        done = counts.processed or 0
        total = counts.total if counts.total is not None else None
        if job.is_terminal and total is None:
            total, done = 1, 1
        self.progress.update(task, total=total, completed=done, status=status)


def make_progress(
    jobs: Iterable[tuple[str, str, str | None]], *, err: bool = False, quiet: bool = False
) -> RichProgress | PlainProgress:
    """The right display for this terminal (stderr's with ``err``), a row per job added;
    ``quiet`` (``-q``): plain final lines only, never live bars."""
    stream = sys.stderr if err else sys.stdout
    display: RichProgress | PlainProgress = (
        RichProgress(stream)
        if use_rich(stream) and not quiet
        else PlainProgress(err=err, quiet=quiet)
    )
    for adapter, job_id, label in jobs:
        display.add(adapter, job_id, label)
    return display
