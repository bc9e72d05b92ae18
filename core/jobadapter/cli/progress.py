"""Live progress for watches: one rich bar per job on a terminal, plain lines elsewhere."""

from __future__ import annotations

import sys
import threading
from collections.abc import Iterable
from typing import Any

import click

from jobadapter.cli.output import job_line, use_rich
from jobadapter.events import Event, EventKind


class PlainProgress:
    """One line per event: for pipes, CI logs and ``NO_COLOR``."""

    def __init__(self, *, err: bool = False) -> None:
        self.err = err
        self._lock = threading.Lock()

    def __enter__(self) -> PlainProgress:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def add(self, adapter: str, job_id: str, label: str | None = None) -> None:
        self._echo(f"watching {adapter} {job_id}" + (f" ({label})" if label else ""))

    def __call__(self, event: Event) -> None:
        if event.kind is EventKind.PROGRESS:
            return self._echo(event.describe()) if _worth_a_line(event) else None
        if event.kind is EventKind.STATUS_CHANGED and event.job is not None:
            return self._echo(job_line(event.job))
        return self._echo(event.describe())

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
            if event.kind is EventKind.ANOMALY or event.kind is EventKind.ERROR:
                self.progress.console.print(f"[yellow]{event.describe()}[/]")
            job = event.job
            if job is None:
                return
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
    jobs: Iterable[tuple[str, str, str | None]], *, err: bool = False
) -> RichProgress | PlainProgress:
    """The right display for this terminal (stderr's with ``err``), a row per job added."""
    stream = sys.stderr if err else sys.stdout
    display: RichProgress | PlainProgress = (
        RichProgress(stream) if use_rich(stream) else PlainProgress(err=err)
    )
    for adapter, job_id, label in jobs:
        display.add(adapter, job_id, label)
    return display
