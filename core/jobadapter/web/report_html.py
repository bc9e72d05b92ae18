"""``report --format html``: one self-contained file with the overview's figures and charts.

It renders the dashboard's own overview template from the same
:class:`~jobadapter.reports.Report`, with the stylesheet inlined and the
charts as inline SVG, so it opens offline and attaches to a ticket as is.
"""

from __future__ import annotations

from markupsafe import Markup

from jobadapter.reports.model import Report
from jobadapter.reports.series import ChartSeries
from jobadapter.store.scrub import scrub
from jobadapter.web.render import render, stylesheet


def render_html(report: Report) -> str:
    """The report as one HTML document (no external resource, no script)."""
    return render(
        "report.html",
        report=scrub(report.to_dict()),
        series=report.series or ChartSeries(),
        css=Markup(stylesheet()),  # noqa: S704 - our own file, never provider text
    )


#: Tells :func:`jobadapter.reports.report` to compute the chart series too.
render_html.wants_charts = True  # type: ignore[attr-defined]
