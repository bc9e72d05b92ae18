"""A base for Zuora adapters: the provider name and the helpers they all need."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any, ClassVar

from jobadapter.adapter import Adapter
from jobadapter.errors import InvalidRequest
from jobadapter.model import JobError
from jobadapter.urls import path_segment

from jobadapter_zuora_common.errors import parse_error_body, says_retry

#: Zuora's limit on ``Idempotency-Key``.
IDEMPOTENCY_KEY_MAX = 255


def new_idempotency_key() -> str:
    """A fresh key for one logical submission (reused on each of its retries)."""
    return f"jobadapter-{uuid.uuid4()}"


def check_idempotency_key(key: str | None) -> str:
    """A caller's key if Zuora accepts it, else a new one when None."""
    if key is None:
        return new_idempotency_key()
    if not isinstance(key, str) or not 0 < len(key) <= IDEMPOTENCY_KEY_MAX:
        raise InvalidRequest("idempotency_key must be a string of 1 to 255 characters")
    if not key.isascii() or not key.isprintable():
        raise InvalidRequest("idempotency_key must be printable ASCII")
    return key


class ZuoraAdapter(Adapter):
    """Shared by every Zuora adapter; not an adapter itself."""

    abstract = True
    provider: ClassVar[str] = "zuora"

    @staticmethod
    def segment(job_id: str, what: str = "job id") -> str:
        """``job_id`` as one safe URL path segment."""
        return path_segment(job_id, what=what)

    def errors_in(self, payload: Mapping[str, Any]) -> tuple[JobError, ...]:
        """Error reasons embedded in an otherwise successful answer (any Zuora shape)."""
        if "reasons" not in payload and "Errors" not in payload and "errors" not in payload:
            return ()  # the usual answer: nothing to read (parse_error_body({}) is None)
        embedded = {k: payload[k] for k in ("reasons", "Errors", "errors") if k in payload}
        parsed = parse_error_body(embedded)
        if parsed is None:
            return ()
        return tuple(
            JobError(r.code, r.message, retryable=says_retry(r.code, r.message))
            for r in parsed.reasons
        )
