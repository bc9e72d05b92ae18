"""The core's own plugin: built-in pieces register through the same hooks
as everyone else's."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from jobadapter.hookspecs import HOOK_API_VERSION, hookimpl
from jobadapter.provider import Provider

JOBADAPTER_API_VERSION = HOOK_API_VERSION


@hookimpl
def register_providers(register: Callable[[Any], None]) -> None:
    register(Provider())


@hookimpl
def register_report_formats(register: Callable[[str, Callable[..., str]], None]) -> None:
    from jobadapter.reports.formats import BUILTIN_FORMATS
    from jobadapter.web.report_html import render_html

    for name, render in BUILTIN_FORMATS.items():
        register(name, render)
    register("html", render_html)
