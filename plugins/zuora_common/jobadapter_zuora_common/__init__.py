"""What every jobadapter Zuora plugin shares, written once: the ``zuora``
provider (OAuth client credentials, Zuora headers, error bodies and
categories), an adapter base, and (in :mod:`.simulator`) the simulator base."""

from __future__ import annotations

from jobadapter_zuora_common.adapter import (
    ZuoraAdapter,
    check_idempotency_key,
    new_idempotency_key,
)
from jobadapter_zuora_common.errors import (
    Reason,
    ZuoraErrorBody,
    category,
    error_class,
    parse_error_body,
)
from jobadapter_zuora_common.headers import check_track_id, headers_from_options
from jobadapter_zuora_common.provider import BASE_URLS, ZuoraProvider

__version__ = "0.1.0"

__all__ = [
    "BASE_URLS",
    "Reason",
    "ZuoraAdapter",
    "ZuoraErrorBody",
    "ZuoraProvider",
    "category",
    "check_idempotency_key",
    "check_track_id",
    "error_class",
    "headers_from_options",
    "new_idempotency_key",
    "parse_error_body",
]
