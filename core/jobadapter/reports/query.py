"""Build a report from a store and render it by format name: the hub's and the CLI's way in."""

from __future__ import annotations

import datetime as dt
import inspect
import re
from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any

from jobadapter.errors import ConfigError
from jobadapter.parsing import parse_timestamp
from jobadapter.reports.model import DEFAULT_GROUP_BY, GROUP_KEYS, Report, ReportQuery
from jobadapter.status import JobStatus

if TYPE_CHECKING:
    from jobadapter.store.base import Store

#: ``render(report, **options) -> str`` (options: see :func:`report`).
Renderer = Callable[..., str]
When = dt.datetime | str | None

_RELATIVE = re.compile(r"^\s*(\d+)\s*([mhdw])\s*$", re.IGNORECASE)
_UNITS = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


class UnknownReportFormat(ConfigError, LookupError):
    """No loaded plugin registers a report format of that name."""


def parse_when(value: When, *, now: dt.datetime, name: str = "time") -> dt.datetime | None:
    """An aware instant from a datetime, ISO-8601 text (UTC when no zone) or ``7d``-style age.

    Ages (``90m``, ``24h``, ``7d``, ``2w``) count back from ``now``.
    """
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        if value.tzinfo is None or value.utcoffset() is None:
            raise ConfigError(
                f"report {name} {value.isoformat()} has no timezone: pass an aware datetime"
            )
        return value.astimezone(dt.timezone.utc)
    match = _RELATIVE.match(value)
    if match:
        amount, unit = int(match.group(1)), _UNITS[match.group(2).lower()]
        return now - dt.timedelta(**{unit: amount})
    try:
        parsed = parse_timestamp(value, name=f"report {name}")
    except ValueError as exc:
        raise ConfigError(
            f"{exc}: give an ISO-8601 date or date-time (UTC unless it has a zone) "
            "or an age such as 24h or 7d"
        ) from None
    return parsed


def _names(value: str | Iterable[str] | None) -> tuple[str, ...] | None:
    if value is None:
        return None
    if isinstance(value, str):
        return (value,)
    return tuple(value)


def _status_filter(
    value: JobStatus | str | Iterable[JobStatus | str] | None,
) -> tuple[JobStatus, ...] | None:
    if value is None:
        return None
    items: Iterable[JobStatus | str] = [value] if isinstance(value, (JobStatus, str)) else value
    try:
        return tuple(s if isinstance(s, JobStatus) else JobStatus.from_name(s) for s in items)
    except ValueError as exc:
        raise ConfigError(str(exc)) from None


def _group_by(value: str | Iterable[str]) -> tuple[str, ...]:
    if isinstance(value, str):
        keys = tuple(part.strip() for part in value.split(","))
    else:
        keys = tuple(value)
    bad = [key for key in keys if key not in GROUP_KEYS]
    if bad:
        raise ConfigError(
            f"cannot group a report by {', '.join(map(repr, bad))}; "
            f"choose from {', '.join(GROUP_KEYS)}"
        )
    if len(set(keys)) != len(keys):
        raise ConfigError(f"report group_by repeats a key: {', '.join(keys)}")
    return keys


def make_query(
    *,
    group_by: str | Iterable[str] = DEFAULT_GROUP_BY,
    since: When = None,
    until: When = None,
    status: JobStatus | str | Iterable[JobStatus | str] | None = None,
    adapter: str | Iterable[str] | None = None,
    provider: str | Iterable[str] | None = None,
    profile: str | Iterable[str] | None = None,
    now: dt.datetime | None = None,
) -> ReportQuery:
    """A validated :class:`ReportQuery`; bad input raises :class:`ConfigError`."""
    moment = now or dt.datetime.now(dt.timezone.utc)
    start = parse_when(since, now=moment, name="since")
    end = parse_when(until, now=moment, name="until")
    if start is not None and end is not None and end <= start:
        raise ConfigError(
            f"report until ({end.isoformat()}) must be after since ({start.isoformat()})"
        )
    return ReportQuery(
        group_by=_group_by(group_by),
        since=start,
        until=end,
        statuses=_status_filter(status),
        adapters=_names(adapter),
        providers=_names(provider),
        profiles=_names(profile),
    )


def build_report(
    store: Store,
    *,
    group_by: str | Iterable[str] = DEFAULT_GROUP_BY,
    since: When = None,
    until: When = None,
    status: JobStatus | str | Iterable[JobStatus | str] | None = None,
    adapter: str | Iterable[str] | None = None,
    provider: str | Iterable[str] | None = None,
    profile: str | Iterable[str] | None = None,
    now: dt.datetime | None = None,
    charts: bool = False,
) -> Report:
    """The unified report across every provider in ``store``.

    ``group_by``: any of provider, adapter, operation, profile, target (a list
    or comma-separated text); ``since``/``until``: the job's created time
    (first sight when unknown), as datetimes, ISO text or ages like ``7d``;
    ``status``, ``adapter``, ``provider``, ``profile``: one value or several.
    The database does the aggregation, so this stays fast on large stores.
    ``charts``: also compute the series the HTML report and dashboard draw.
    """
    moment = now or dt.datetime.now(dt.timezone.utc)
    query = make_query(
        group_by=group_by,
        since=since,
        until=until,
        status=status,
        adapter=adapter,
        provider=provider,
        profile=profile,
        now=moment,
    )
    groups, total = store.aggregate(query)
    series = None
    if charts:
        from jobadapter.reports.series import build_series

        series = build_series(store, query, now=moment)
    return Report(query=query, generated_at=moment, groups=groups, total=total, series=series)


def report(
    store: Store | None,
    format: str = "json",
    *,
    formats: Mapping[str, Renderer] | None = None,
    options: Mapping[str, object] | None = None,
    **filters: object,
) -> str:
    """The report rendered by the format named ``format``.

    ``formats`` maps names to renderers; the hub passes its plugin registry's
    ``report_formats``; without it the built-in table, json and csv are used.
    ``options`` (such as ``wide=True``) go to the renderer as keyword arguments,
    those of them it names (:func:`accepted_options`): whichever plugin draws
    the format gets them, and one that knows none still renders.
    ``filters`` are :func:`build_report`'s keyword arguments. No store (a Hub made
    with ``store=None``, ``--no-store``) is a ConfigError saying how to give one.
    """
    if store is None:
        raise ConfigError("reports read the store: create the Hub with store=SqliteStore.default()")
    if formats is None:
        from jobadapter.reports.formats import BUILTIN_FORMATS

        formats = BUILTIN_FORMATS
    render = formats.get(format)
    if render is None:
        known = ", ".join(sorted(formats)) or "none"
        raise UnknownReportFormat(
            f"no report format {format!r}; installed: {known} "
            "(plugins add formats through the register_report_formats hook)"
        )
    # A renderer that draws charts says so (``render.wants_charts = True``).
    charts = bool(getattr(render, "wants_charts", False))
    built = build_report(store, charts=charts, **filters)  # type: ignore[arg-type]
    return render(built, **accepted_options(render, options or {}))


def accepted_options(render: Callable[..., str], options: Mapping[str, object]) -> dict[str, Any]:
    """The ``options`` a renderer takes as keyword arguments (all of them if it takes ``**``)."""
    try:
        parameters = inspect.signature(render).parameters.values()
    except (TypeError, ValueError):  # a builtin without a signature: give it none
        return {}
    if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters):
        return dict(options)
    named = {
        p.name
        for p in parameters
        if p.kind in (inspect.Parameter.KEYWORD_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
    }
    return {name: value for name, value in options.items() if name in named}
