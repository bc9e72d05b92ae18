"""The dashboard as a WSGI application: read-only pages, each with a JSON twin under ``/api``.

Every answer carries a strict Content-Security-Policy (no script may run at
all; styles only from this server), and every provider string reaches a page
through Jinja2's autoescaping and the store's secret scrubbing.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterable, Mapping
from typing import Any
from urllib.parse import urlencode

from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import HTTPException, MethodNotAllowed, NotFound
from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Request, Response

import jobadapter.web.charts as charts
import jobadapter.web.data as data
from jobadapter.errors import ConfigError
from jobadapter.redact import get_logger
from jobadapter.reports import build_report
from jobadapter.store.base import Store
from jobadapter.store.scrub import scrub
from jobadapter.web.render import render, stylesheet

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]

log = get_logger("web")

CSP = (
    "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; "
    "base-uri 'none'; frame-ancestors 'none'"
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Cache-Control": "no-store",
}

#: The JSON API, as the /api page lists it (the user guide documents each shape).
ENDPOINTS = (
    (
        "/api/overview?since=&until=&adapter=&profile=&status=",
        "the report (as report --format json) and the chart series",
    ),
    (
        "/api/report?since=&until=&adapter=&profile=&status=",
        "exactly what report --format json prints",
    ),
    (
        "/api/jobs?adapter=&profile=&status=&since=&until=&row_failures=1&anomalies=1&page=&per_page=",
        "one page of stored jobs, newest first",
    ),
    ("/api/jobs/<adapter>/<job id>", "one job with its transitions, anomalies and errors"),
    ("/metrics", "Prometheus metrics of the store"),
)

_GET = ("GET", "HEAD")
URLS = Map(
    [
        Rule("/", endpoint="overview", methods=_GET),
        Rule("/jobs", endpoint="jobs", methods=_GET),
        Rule("/jobs/<adapter>/<path:job_id>", endpoint="job", methods=_GET),
        Rule("/api", endpoint="api_index", methods=_GET),
        Rule("/api/overview", endpoint="api_overview", methods=_GET),
        Rule("/api/report", endpoint="api_report", methods=_GET),
        Rule("/api/jobs", endpoint="api_jobs", methods=_GET),
        Rule("/api/jobs/<adapter>/<path:job_id>", endpoint="api_job", methods=_GET),
        Rule("/static/style.css", endpoint="style", methods=_GET),
        Rule("/healthz", endpoint="health", methods=_GET),
        Rule("/favicon.ico", endpoint="favicon", methods=_GET),
    ],
    strict_slashes=False,
)


def _json(value: Any, status: int = 200) -> Response:
    text = json.dumps(value, indent=2, sort_keys=False, default=str) + "\n"
    return Response(text, status=status, mimetype="application/json")


class Dashboard:
    """``Dashboard(store)`` is a WSGI app; ``mounts`` adds apps by path (``/metrics``)."""

    def __init__(
        self,
        store: Store,
        *,
        store_name: str = "",
        refresh: int = 5,
        mounts: Mapping[str, WSGIApp] | None = None,
        clock: Callable[[], dt.datetime] | None = None,
    ) -> None:
        self.store = store
        self.store_name = store_name
        self.refresh = refresh
        self.mounts = dict(mounts or {})
        self._now = clock or (lambda: dt.datetime.now(dt.timezone.utc))

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        path = environ.get("PATH_INFO", "")
        for prefix, app in self.mounts.items():
            if path == prefix or path.startswith(prefix + "/"):
                return app(environ, start_response)
        response = self.dispatch(Request(environ))
        response.headers.update(SECURITY_HEADERS)
        return response(environ, start_response)

    def dispatch(self, request: Request) -> Response:
        api = request.path.startswith("/api/")
        try:
            endpoint, values = URLS.bind_to_environ(request.environ).match()
            handler: Callable[..., Response] = getattr(self, f"page_{endpoint}")
            return handler(request, **values)
        except ConfigError as exc:
            return self._error(400, str(exc), api)
        except data.JobNotFound as exc:
            return self._error(404, str(exc), api)
        except MethodNotAllowed:
            return self._error(405, "the dashboard is read-only: use GET", api)
        except NotFound:
            return self._error(404, f"no page at {request.path}", api)
        except HTTPException as exc:  # pragma: no cover - werkzeug's other refusals
            return self._error(exc.code or 500, exc.description or "refused", api)
        except Exception:
            log.exception("dashboard: %s failed", request.path)
            return self._error(500, "the dashboard failed on this page; see the server's log", api)

    # -- helpers --------------------------------------------------------------

    def _error(self, status: int, message: str, api: bool) -> Response:
        if api:
            return _json({"error": message, "status": status}, status)
        return self._page(
            "error.html", status=status, code=status, message=message, page="", refresh=0
        )

    def _page(self, template: str, *, status: int = 200, **context: Any) -> Response:
        context.setdefault("store_name", self.store_name)
        html = render(template, **context)
        return Response(html, status=status, mimetype="text/html")

    def _live(self, open_jobs: int) -> int:
        """Seconds between automatic reloads: only while some job is still moving."""
        return self.refresh if open_jobs and self.refresh > 0 else 0

    @staticmethod
    def _query_string(request: Request) -> str:
        text = request.query_string.decode("latin-1")
        return f"?{text}" if text else ""

    # -- pages ------------------------------------------------------------------

    def page_overview(self, request: Request) -> Response:
        report = data.overview(self.store, request.args, now=self._now())
        payload = scrub(data.overview_dict(report))
        return self._page(
            "overview.html",
            page="overview",
            report=payload["report"],
            series=report.series,
            args=request.args,
            query_string=self._query_string(request),
            refresh=self._live(payload["charts"]["open_jobs"]),
        )

    def page_jobs(self, request: Request) -> Response:
        found = data.job_list(self.store, request.args, now=self._now())
        payload = scrub(found.to_dict())
        args = request.args
        # The filter's choices, grouped by the database rather than a second scan of the jobs.
        keys = build_report(self.store, group_by=("adapter", "profile"), now=self._now()).groups

        def page_link(number: int) -> str:
            pairs = MultiDict(args)
            pairs["page"] = str(number)
            return "/jobs?" + urlencode(list(pairs.items(multi=True)))

        return self._page(
            "jobs.html",
            page="jobs",
            data=payload,
            filters=payload["filters"],
            args=args,
            adapters=sorted({g.key["adapter"] for g in keys if g.key["adapter"]}),
            profiles=sorted({g.key["profile"] for g in keys if g.key["profile"]}),
            statuses=data.status_names(),
            page_link=page_link,
            query_string=self._query_string(request),
            refresh=self._live(payload["open_jobs"]),
        )

    def page_job(self, request: Request, adapter: str, job_id: str) -> Response:
        payload = scrub(data.job_detail(self.store, adapter, job_id))
        open_ = payload["job"]["status"] not in ("succeeded", "failed", "cancelled")
        timeline = charts.job_timeline(
            payload["transitions"], payload["anomaly_list"], now=self._now(), open_=open_
        )
        return self._page(
            "job.html", page="job", data=payload, timeline=timeline, refresh=self._live(open_)
        )

    def page_api_index(self, request: Request) -> Response:
        return self._page("api.html", page="api", endpoints=ENDPOINTS, refresh=0)

    def page_style(self, request: Request) -> Response:
        return Response(stylesheet(), mimetype="text/css")

    def page_favicon(self, request: Request) -> Response:
        return Response(status=204)

    def page_health(self, request: Request) -> Response:
        return _json({"ok": True})

    # -- the JSON API -------------------------------------------------------------

    def page_api_overview(self, request: Request) -> Response:
        report = data.overview(self.store, request.args, now=self._now())
        return _json(scrub(data.overview_dict(report)))

    def page_api_report(self, request: Request) -> Response:
        filters = data.report_filters(request.args)
        return _json(scrub(build_report(self.store, now=self._now(), **filters).to_dict()))

    def page_api_jobs(self, request: Request) -> Response:
        return _json(scrub(data.job_list(self.store, request.args, now=self._now()).to_dict()))

    def page_api_job(self, request: Request, adapter: str, job_id: str) -> Response:
        return _json(scrub(data.job_detail(self.store, adapter, job_id)))
