"""The core's own plugin: built-in pieces register through the same hooks
as everyone else's."""

from __future__ import annotations

import importlib
import inspect
from collections.abc import Callable
from typing import Any

from jobadapter.hookspecs import HOOK_API_VERSION, hookimpl
from jobadapter.provider import Provider

JOBADAPTER_API_VERSION = HOOK_API_VERSION


@hookimpl
def register_providers(register: Callable[[Any], None]) -> None:
    register(Provider())


#: The core's report formats: "module:function" of each renderer.
REPORT_FORMATS = {
    "table": "jobadapter.reports.formats:render_table",
    "json": "jobadapter.reports.formats:render_json",
    "csv": "jobadapter.reports.formats:render_csv",
    "html": "jobadapter.web.report_html:render_html",
}


class LaterRenderer:
    """A renderer imported when first used or asked about (``wants_charts``):
    loading the plugins, as every command does, then imports no report code
    and not the dashboard's jinja2 and werkzeug (a third of ``plugins``'s start-up)."""

    __slots__ = ("_render", "target")

    def __init__(self, target: str) -> None:
        self.target = target
        self._render: Callable[..., str] | None = None

    def _loaded(self) -> Callable[..., str]:
        if self._render is None:
            module, _, name = self.target.partition(":")
            self._render = getattr(importlib.import_module(module), name)
        return self._render

    def __call__(self, *args: Any, **kwargs: Any) -> str:
        return self._loaded()(*args, **kwargs)

    @property
    def __signature__(self) -> inspect.Signature:
        """The renderer's own, so the options it takes (``wide``) are the ones it gets."""
        return inspect.signature(self._loaded())

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):  # not the renderer's (and no loop while unset)
            raise AttributeError(name)
        return getattr(self._loaded(), name)

    def __repr__(self) -> str:
        return f"LaterRenderer({self.target!r})"


@hookimpl
def register_report_formats(register: Callable[[str, Callable[..., str]], None]) -> None:
    for name, target in REPORT_FORMATS.items():
        register(name, LaterRenderer(target))
