"""Charts drawn on the server as inline SVG.

Why SVG from Python rather than a JavaScript charting library: the pages then
need no script at all (the Content-Security-Policy forbids every script), the
HTML report is self-contained by construction, nothing is vendored, and a
hostile provider string can only ever reach a chart as escaped text. Colours
come from CSS classes, so the stylesheet alone themes them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from markupsafe import Markup, escape

from jobadapter.reports.formats import format_seconds
from jobadapter.reports.series import DURATION_LABELS, TimeBucket
from jobadapter.serialize import format_timestamp, parse_iso_z

WIDTH = 720
_LEFT, _RIGHT, _TOP, _BOTTOM = 44, 12, 14, 34


def _svg(height: int, label: str, body: list[str]) -> Markup:
    head = (
        f'<svg class="chart" xmlns="http://www.w3.org/2000/svg" role="img" '
        f'viewBox="0 0 {WIDTH} {height}" width="{WIDTH}" height="{height}" '
        f'aria-label="{escape(label)}"><title>{escape(label)}</title>'
    )
    return Markup(head + "".join(body) + "</svg>")  # noqa: S704 - every part is escaped


def _text(x: float, y: float, text: str, cls: str = "axis", anchor: str = "start") -> str:
    return (
        f'<text class="{cls}" x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}">{escape(text)}</text>'
    )


def _rect(x: float, y: float, w: float, h: float, cls: str, tip: str) -> str:
    return (
        f'<rect class="{cls}" x="{x:.1f}" y="{y:.1f}" width="{max(w, 0.5):.1f}" '
        f'height="{max(h, 0.0):.1f}"><title>{escape(tip)}</title></rect>'
    )


def _label_time(at: dt.datetime, step: dt.timedelta) -> str:
    if step >= dt.timedelta(days=1):
        return at.strftime("%m-%d")
    return at.strftime("%m-%d %H:%M" if step >= dt.timedelta(minutes=1) else "%H:%M:%S")


def jobs_over_time(buckets: Sequence[TimeBucket]) -> Markup:
    """Bars of jobs created per bucket, the failed ones drawn over them in the failure colour."""
    height = 220
    if not buckets:
        return _svg(60, "jobs and failures over time", [_text(10, 30, "no jobs in range")])
    plot_w, plot_h = WIDTH - _LEFT - _RIGHT, height - _TOP - _BOTTOM
    top = max(1, max(b.jobs for b in buckets))
    slot = plot_w / len(buckets)
    body = [
        f'<line class="grid" x1="{_LEFT}" y1="{_TOP + plot_h}" x2="{WIDTH - _RIGHT}" y2="{_TOP + plot_h}"/>',
        _text(_LEFT - 6, _TOP + 8, str(top), anchor="end"),
        _text(_LEFT - 6, _TOP + plot_h, "0", anchor="end"),
    ]
    step = buckets[0].end - buckets[0].start
    every = max(1, len(buckets) // 6)
    for i, b in enumerate(buckets):
        x = _LEFT + i * slot + 1
        w = slot - 2
        tip = (
            f"{format_timestamp(b.start)}: {b.jobs} jobs, {b.failed} failed, "
            f"{b.with_row_failures} with failed rows ({b.rows_failed} rows)"
        )
        h_all = plot_h * b.jobs / top
        if b.jobs:
            body.append(_rect(x, _TOP + plot_h - h_all, w, h_all, "bar-jobs", tip))
        h_bad = plot_h * b.failed / top
        if b.failed:
            body.append(_rect(x, _TOP + plot_h - h_bad, w, h_bad, "bar-failed", tip))
        h_rows = plot_h * b.with_row_failures / top
        if b.with_row_failures:
            body.append(
                _rect(x + w * 0.6, _TOP + plot_h - h_rows, w * 0.4, h_rows, "bar-rows", tip)
            )
        if i % every == 0:
            body.append(_text(x, height - 18, _label_time(b.start, step)))
    body.append(
        _legend(
            height - 4,
            [
                ("bar-jobs", "jobs"),
                ("bar-failed", "failed jobs"),
                ("bar-rows", "jobs with failed rows"),
            ],
        )
    )
    return _svg(height, "jobs and failures over time", body)


def _legend(y: float, items: Sequence[tuple[str, str]]) -> str:
    parts, x = [], float(_LEFT)
    for cls, name in items:
        parts.append(f'<rect class="{cls}" x="{x:.1f}" y="{y - 9:.1f}" width="10" height="10"/>')
        parts.append(_text(x + 14, y, name))
        x += 24 + 7 * len(name)
    return "".join(parts)


def duration_distribution(durations: dict[str, tuple[int, ...]]) -> Markup:
    """One row per adapter: how many of its jobs took each duration bucket."""
    if not durations:
        return _svg(60, "duration distribution per adapter", [_text(10, 30, "no measured jobs")])
    name_w, row_h = 190, 26
    height = _TOP + row_h * len(durations) + 30
    cell = (WIDTH - name_w - _RIGHT) / len(DURATION_LABELS)
    body = [
        _text(name_w + cell * (i + 0.5), _TOP + 2, label, anchor="middle")
        for i, label in enumerate(DURATION_LABELS)
    ]
    for row, (adapter, counts) in enumerate(durations.items()):
        y = _TOP + 10 + row * row_h
        top = max(1, max(counts))
        body.append(_text(4, y + 15, adapter, cls="label"))
        for i, count in enumerate(counts):
            if not count:
                continue
            w = (cell - 18) * count / top
            x = name_w + cell * i + 3
            tip = f"{adapter} {DURATION_LABELS[i]}: {count} jobs"
            body.append(_rect(x, y + 4, w, row_h - 8, "bar-duration", tip))
            body.append(_text(x + w + 2, y + 16, str(count)))
    return _svg(height, "duration distribution per adapter", body)


def job_timeline(
    transitions: Sequence[Mapping[str, Any]],
    anomalies: Sequence[Mapping[str, Any]],
    *,
    now: dt.datetime,
    open_: bool,
) -> Markup:
    """The job's statuses as coloured spans over time, anomalies as marks under them.

    Takes the job API's ``transitions`` and ``anomaly_list`` (already scrubbed).
    """
    height = 120
    steps = [(parse_iso_z(t["observed_at"]), t) for t in transitions]
    marks = [(parse_iso_z(a["observed_at"]), a) for a in anomalies]
    times = [at for at, _ in steps] + [at for at, _ in marks]
    if not times:
        return _svg(60, "job timeline", [_text(10, 30, "nothing observed yet")])
    first = min(times)
    if open_:
        last = max([*times, now])
    else:  # room after the last change, so the final status shows as a span too
        seen = (max(times) - first).total_seconds()
        last = max(times) + dt.timedelta(seconds=max(seen * 0.1, 1.0))
    span = max((last - first).total_seconds(), 1.0)
    plot_w = WIDTH - _LEFT - _RIGHT

    def x_of(at: dt.datetime) -> float:
        return _LEFT + plot_w * (at - first).total_seconds() / span

    body = [f'<line class="grid" x1="{_LEFT}" y1="70" x2="{WIDTH - _RIGHT}" y2="70"/>']
    for i, (at, t) in enumerate(steps):
        end = steps[i + 1][0] if i + 1 < len(steps) else last
        status = str(t["new_status"])
        x0 = x_of(at)
        tip = f"{format_timestamp(at)}: {status} ({t['native_status'] or '-'})"
        body.append(_rect(x0, 40, x_of(end) - x0, 30, f"status status-{status}", tip))
        body.append(
            f'<circle class="mark" cx="{x0:.1f}" cy="55" r="4"><title>{escape(tip)}</title></circle>'
        )
        near_end = x0 > WIDTH - 120
        body.append(
            _text(
                x0 - 3 if near_end else x0 + 3,
                34 - 12 * (i % 2),
                status,
                cls="label",
                anchor="end" if near_end else "start",
            )
        )
    for at, a in marks:
        x = x_of(at)
        tip = f"{format_timestamp(at)}: anomaly: {a['detail']}"
        body.append(
            f'<path class="anomaly" d="M{x:.1f},74 l6,12 h-12 z"><title>{escape(tip)}</title></path>'
        )
    body.append(_text(_LEFT, 104, format_timestamp(first)))
    body.append(_text(WIDTH - _RIGHT, 104, f"+{format_seconds(span)}", anchor="end"))
    return _svg(height, "job timeline", body)
