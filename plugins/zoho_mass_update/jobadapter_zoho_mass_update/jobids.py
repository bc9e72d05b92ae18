"""Job ids that say which module they belong to: ``<Module>:<zoho job id>``.

Zoho's status endpoint is per module (``/crm/v8/{module}/actions/mass_update?job_id=``)
and neither the job id nor the status answer names the module. So the ids
this adapter hands out carry it: ``Leads:554023000000506003``. A module API
name never contains ``:``, so the split is unambiguous. A bare Zoho job id is
accepted too when the profile names a default ``module``.

Ids-mode updates have no Zoho job; their ids are ``<Module>:immediate-<uuid>``
and say so, so asking Zoho about one fails clearly instead of with a 404.
"""

from __future__ import annotations

import re
import uuid

from jobadapter.errors import InvalidRequest, NotFound
from jobadapter.urls import has_control_chars
from jobadapter_zoho_common.settings import check_module

SEPARATOR = ":"
IMMEDIATE_PREFIX = "immediate-"
#: What ``str.isspace`` calls space (``\s`` on str patterns is the same set), in
#: one search instead of a Python call per character of every id polled.
_SPACE = re.compile(r"\s")


def compose(module: str, native_id: str) -> str:
    """The adapter's job id for Zoho job ``native_id`` in ``module``."""
    return f"{module}{SEPARATOR}{native_id}"


def new_immediate_id(module: str) -> str:
    """A fresh id for an ids-mode update (there is no Zoho job to name it)."""
    return compose(module, f"{IMMEDIATE_PREFIX}{uuid.uuid4().hex}")


def split(job_id: str) -> tuple[str | None, str]:
    """``(module or None, zoho job id)`` of an adapter job id; InvalidRequest if unusable."""
    if not isinstance(job_id, str) or not job_id.strip():
        raise InvalidRequest("the job id is empty")
    if has_control_chars(job_id) or _SPACE.search(job_id):
        raise InvalidRequest(f"job id {job_id[:80]!r} contains spaces or control characters")
    module, sep, native = job_id.partition(SEPARATOR)
    if not sep:
        return None, job_id
    check_module(module, what=f"the module part of job id {job_id[:80]!r}")
    if not native:
        raise InvalidRequest(f"job id {job_id!r} has no Zoho job id after {SEPARATOR!r}")
    return module, native


def resolve(job_id: str, default_module: str | None) -> tuple[str, str]:
    """``(module, zoho job id)`` for ``get``: the id's own module, else the profile's."""
    module, native = split(job_id)
    if module is None:
        if default_module is None:
            raise InvalidRequest(
                f"job id {job_id!r} does not say which module it belongs to: give it as "
                f"<Module>{SEPARATOR}<job id> (the form submit returns, e.g. "
                f'Leads{SEPARATOR}{job_id}) or set module = "Leads" in the profile'
            )
        module = default_module
    if native.startswith(IMMEDIATE_PREFIX):
        raise NotFound(
            f"job {job_id!r} was an ids-mode mass update, applied at once with no Zoho job "
            "to ask about; its outcome is the Job submit returned"
        )
    return module, native
