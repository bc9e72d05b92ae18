"""The read-only dashboard (``jobadapter serve``) and the HTML report format.

``Dashboard(store)`` is a WSGI application: mount it in any WSGI server, or
run :func:`serve` for a local one.
"""

from __future__ import annotations

from jobadapter.web.app import Dashboard

__all__ = ["Dashboard"]
