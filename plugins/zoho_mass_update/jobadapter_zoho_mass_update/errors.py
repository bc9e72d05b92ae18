"""Zoho CRM error codes as data: which typed error each means and what to do about it.

Zoho answers ``{"status": "error", "code": ..., "message": ..., "details": {...}}``,
at the top level or wrapped in ``data`` (as one object or a one-item list).
The class decides what a caller (and the tracker) does next; the hint is
appended to Zoho's own message so the one line a user sees says how to fix it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from jobadapter.errors import (
    AuthError,
    InvalidRequest,
    NotFound,
    PermissionDenied,
    ProviderError,
    RateLimited,
    TransientError,
)

_SCOPE = "ZohoCRM.mass_update.ALL (or ZohoCRM.mass_update.<Module>.READ and .UPDATE)"

#: Zoho code -> (typed error, what to do). Every code FACTS.md lists, plus the
#: mass update codes Zoho documents for submissions and its token errors.
CODES: Mapping[str, tuple[type[ProviderError], str]] = {
    "OAUTH_SCOPE_MISMATCH": (
        AuthError,
        f"the refresh token was granted without scope {_SCOPE}; generate a new grant with it",
    ),
    "INVALID_TOKEN": (
        AuthError,
        "the access token was refused even after a refresh; check the credentials",
    ),
    "AUTHENTICATION_FAILURE": (AuthError, "check the client id, client secret and refresh token"),
    "AUTHORIZATION_FAILED": (
        PermissionDenied,
        "the CRM user lacks the privilege for mass update; ask the Zoho CRM administrator",
    ),
    "NO_PERMISSION": (
        PermissionDenied,
        "the CRM user may not mass update this module, field or custom view; ask the administrator",
    ),
    "NOT_FOUND": (NotFound, "no such mass update job in this module; check the job id and module"),
    "INVALID_URL_PATTERN": (
        NotFound,
        "the request URL is wrong; check the profile's base_url and api_version",
    ),
    "MANDATORY_NOT_FOUND": (InvalidRequest, "a required parameter or field is missing"),
    "INVALID_DATA": (InvalidRequest, "a value is invalid; fix the named field or parameter"),
    "INVALID_MODULE": (
        InvalidRequest,
        "use the module's API name (Setup > Developer Hub > APIs), one mass update supports",
    ),
    "INVALID_REQUEST_METHOD": (InvalidRequest, "the HTTP method is not allowed on this URL"),
    "NO_RECORDS_FOUND": (InvalidRequest, "the custom view (or territory) has no records to update"),
    "ALREADY_SCHEDULED": (
        InvalidRequest,
        "a mass update of this custom view is still running; wait for it to finish",
    ),
    "LIMIT_EXCEEDED": (
        InvalidRequest,
        "too many records: at most 500 ids, or 50,000 records in a custom view",
    ),
    "TOO_MANY_REQUESTS": (RateLimited, "over Zoho's API limits; slow down and retry later"),
    "INTERNAL_ERROR": (TransientError, "Zoho failed unexpectedly; retry later or contact Zoho"),
}


def error_entry(body: Any, *, wrapped: bool = True) -> Mapping[str, Any] | None:
    """The error object of a Zoho answer body, else None.

    ``wrapped`` also looks inside ``data`` (an object, or the first error of a
    list): right for failed answers, wrong for a 2xx ids-mode answer, whose
    ``data`` lists per-record errors next to successes.
    """
    candidates: list[Any] = [body]
    if wrapped and isinstance(body, Mapping):
        data = body.get("data")
        candidates.extend(data if isinstance(data, list) else [data])
    for item in candidates:
        if (
            isinstance(item, Mapping)
            and isinstance(item.get("code"), str)
            and str(item.get("status", "error")).lower() == "error"
            and ("status" in item or "message" in item)
        ):
            return item
    return None


def error_class(code: str) -> type[ProviderError] | None:
    """The typed error for a Zoho code (None: let the HTTP status decide)."""
    entry = CODES.get(code.upper())
    return entry[0] if entry else None


def describe(code: str, message: Any, details: Any = None) -> str:
    """Zoho's message, what it is about (from ``details``) and what to do about it."""
    text = message.strip() if isinstance(message, str) and message.strip() else code
    about = _about(details)
    if about:
        text = f"{text} ({about})"
    entry = CODES.get(code.upper())
    return f"{text}: {entry[1]}" if entry else text


def _about(details: Any) -> str:
    """``details`` as ``key=value`` pairs, for the one line a user sees (scalars only)."""
    if not isinstance(details, Mapping):
        return ""
    pairs = [
        f"{key}={value}"
        for key, value in details.items()
        if isinstance(key, str)
        and isinstance(value, (str, int, float))
        and not isinstance(value, bool)
    ]
    return ", ".join(pairs)[:200]
