"""The Jinja2 environment: package templates, autoescape always on, a few display filters."""

from __future__ import annotations

import functools
import json
from importlib import resources
from typing import Any
from urllib.parse import quote, urlsplit

import jinja2

import jobadapter.web.charts as charts
from jobadapter.reports.formats import format_seconds


def _rate(value: float | None) -> str:
    return "-" if value is None else f"{value:.2%}"


def _pretty(value: Any) -> str:
    return json.dumps(value, indent=2, sort_keys=True, default=str)


def safe_href(url: Any) -> str | None:
    """``url`` when it is an http(s) link; None for anything else (``javascript:`` above all)."""
    if not isinstance(url, str):
        return None
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return None
    return url.strip() if parts.scheme.lower() in ("http", "https") and parts.netloc else None


def job_path(adapter: str, job_id: str) -> str:
    """The page of one job (ids may hold any character, so each part is quoted whole)."""
    return f"/jobs/{quote(adapter, safe='')}/{quote(job_id, safe='')}"


@functools.cache
def environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("jobadapter.web", "templates"),
        autoescape=True,  # every page shows provider strings: never trust them
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(seconds=format_seconds, rate=_rate, pretty=_pretty, href=safe_href)
    env.globals.update(job_path=job_path, charts=charts)
    return env


def render(template: str, **context: Any) -> str:
    return environment().get_template(template).render(**context)


@functools.cache
def stylesheet() -> str:
    """The one stylesheet: served at /static/style.css, inlined in the HTML report."""
    return resources.files("jobadapter.web").joinpath("static/style.css").read_text("utf-8")
