"""How :func:`~jobadapter.reconcile.reconcile` judges the evidence: whether an
error from a submit proves nothing started, and whether a listed job is the one a
submission started (unsure means yes: ruling the right job out would get it resent)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from jobadapter.errors import (
    AuthError,
    ConfigError,
    InvalidRequest,
    NotFound,
    NotSupported,
    PermissionDenied,
    ProviderError,
    ProviderResponseError,
    RateLimited,
    TransientError,
)
from jobadapter.model import Job
from jobadapter.redact import MASK

if TYPE_CHECKING:
    from jobadapter.store.records import Submission

#: Says whether a listed job is the one a submission started.
Match = Callable[["Submission", Job], bool]

_OPERATION_KEYS = ("operation", "action_type", "actionType", "job_type", "jobType", "action")
_TARGET_KEYS = ("object", "object_type", "objectType", "module", "target")
_RAW_KEYS = ("name",)


def refused_before_start(exc: BaseException) -> bool:
    """True when ``exc`` from a submit proves the provider started nothing.

    A refusal (4xx, 429, a request checked and rejected before sending) did
    not start a job. A lost or unreadable answer (connection dropped, 5xx,
    truncated or malformed body, anything unexpected) may have: the
    submission stays pending for :func:`reconcile`.
    """
    if isinstance(exc, RateLimited):
        return True
    if isinstance(exc, (TransientError, ProviderResponseError)):
        return False
    if isinstance(
        exc, (InvalidRequest, AuthError, PermissionDenied, NotFound, NotSupported, ConfigError)
    ):
        return True
    if isinstance(exc, ProviderError):
        return exc.status is not None and 400 <= exc.status < 500
    return False


def default_match(submission: Submission, job: Job) -> bool:
    """Whether ``job`` fits what the submission's summary says (fields absent on
    either side are not compared): operation, target, and a ``name`` in the raw answer."""
    summary = submission.request_summary
    if not _agrees(_first(summary, _OPERATION_KEYS), job.operation):
        return False
    if not _agrees(_first(summary, _TARGET_KEYS), job.target):
        return False
    raw = job.raw if isinstance(job.raw, Mapping) else {}
    return all(_agrees(_first(summary, (key,)), raw.get(key)) for key in _RAW_KEYS)


def _first(summary: Mapping[str, Any], keys: tuple[str, ...]) -> Any:
    return next((summary[k] for k in keys if summary.get(k) is not None), None)


def _agrees(expected: Any, seen: Any) -> bool:
    """Whether a summary value and a job's value may be the same (unsure means yes:
    ruling the right job out would get it resent)."""
    if expected is None or seen is None:
        return True
    if not isinstance(expected, (str, int)) or not isinstance(seen, (str, int)):
        return True  # not comparable
    want, got = str(expected).strip().lower(), str(seen).strip().lower()
    if MASK in want:
        return True  # the store masked part of it
    if want.endswith("...") and len(want) > 200:
        return got.startswith(want[:-3])  # the store keeps 200 characters of long values
    return want == got
