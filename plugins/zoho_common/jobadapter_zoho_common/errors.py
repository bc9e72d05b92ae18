"""Zoho CRM error codes as data: which typed error each means and what to do about it.

Zoho answers ``{"status": "error", "code": ..., "message": ..., "details": {...}}``,
at the top level or wrapped in ``data`` (as one object or a one-item list).
The content host's upload answers two more shapes when it refuses a request
before reading it (``{"ERROR_CODE": 400, "ERROR_MESSAGE": "Bad Request",
"x-error": "..."}``, ``{"info": "Forbidden", "x-info": "Link not valid"}``).
The class decides what a caller (and the tracker) does next; the hint is
appended to Zoho's own message so the one line a user sees says how to fix it.
Every code the mass update, bulk read, bulk write and common specs list is here.
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

_SCOPES = (
    "mass update: ZohoCRM.mass_update.ALL (or ZohoCRM.mass_update.<Module>.READ and .UPDATE); "
    "bulk read and write: ZohoCRM.bulk.ALL, ZohoCRM.modules.ALL and, to upload, ZohoCRM.files.CREATE"
)
_CRITERIA = "fix the criteria (field, comparator and value must suit each other)"

_Entry = tuple[type[ProviderError], str]


def _same(cls: type[ProviderError], hint: str, *codes: str) -> dict[str, _Entry]:
    return dict.fromkeys(codes, (cls, hint))


#: Zoho code -> (typed error, what to do).
CODES: Mapping[str, _Entry] = {
    # -- auth and permission (every API) ----------------------------------------------
    "OAUTH_SCOPE_MISMATCH": (
        AuthError,
        f"the refresh token was granted without the scope this API needs ({_SCOPES}); "
        "generate a new grant with it",
    ),
    "INVALID_TOKEN": (
        AuthError,
        "the access token was refused even after a refresh; check the credentials and "
        "that the profile's data centre is the account's",
    ),
    "AUTHENTICATION_FAILURE": (AuthError, "check the client id, client secret and refresh token"),
    "AUTHORIZATION_FAILED": (
        PermissionDenied,
        "the CRM user lacks the privilege for this action; ask the Zoho CRM administrator",
    ),
    "NO_PERMISSION": (
        PermissionDenied,
        "the CRM user may not do this on this module, field or view; ask the administrator",
    ),
    "NOT_APPROVED": (PermissionDenied, "the record or feature awaits approval in Zoho CRM"),
    "NOT_ALLOWED": (PermissionDenied, "Zoho does not allow this action here"),
    # -- not found --------------------------------------------------------------------
    "NOT_FOUND": (NotFound, "no such job in this module; check the job id and module"),
    "RESOURCE_NOT_FOUND": (
        NotFound,
        "no such job or file; check the job id (results are kept only for a limited time)",
    ),
    "INVALID_URL_PATTERN": (
        NotFound,
        "the request URL is wrong; check the profile's base_url and api_version",
    ),
    "INVALID_FILE_ID": (
        InvalidRequest,
        "the file id is not one the upload returned; upload the file again",
    ),
    # -- limits and Zoho-side failures --------------------------------------------------
    "TOO_MANY_REQUESTS": (RateLimited, "over Zoho's API limits; slow down and retry later"),
    "INTERNAL_ERROR": (TransientError, "Zoho failed unexpectedly; retry later or contact Zoho"),
    "CANNOT_PROCESS": (TransientError, "Zoho could not process the request now; retry later"),
    "CALLBACK_FAILURE": (TransientError, "Zoho could not reach the callback; check its URL"),
    # -- the request itself (fix it, then retry) ------------------------------------------
    **_same(
        InvalidRequest,
        "a required parameter, key or field is missing",
        "MANDATORY_NOT_FOUND",
        "MISSING_REQUIRED_KEY",
        "REQUIRED_PARAM_MISSING",
        "REQUIRED_DATA_NOT_FOUND",
        "EXPECTED_FIELD_MISSING",
        "DEPENDENT_FIELD_MISSING",
        "REQUEST_BODY_IS_EMPTY",
    ),
    **_same(
        InvalidRequest,
        "a value is invalid; fix the named field or parameter",
        "INVALID_DATA",
        "INVALID_FORMAT",
        "INVALID_REQUEST",
        "DEPENDENT_MISMATCH",
        "AMBIGUITY_DURING_PROCESSING",
        "RESERVED_KEYWORD_NOT_ALLOWED",
        "DUPLICATE_DATA",
        "BLOCKED_RECORD",
    ),
    **_same(
        InvalidRequest,
        "use a module's API name (Setup > Developer Hub > APIs) that this API supports",
        "INVALID_MODULE",
        "MODULE_NOT_AVAILABLE",
        "MODULE_NOT_SUPPORTED",
    ),
    **_same(
        InvalidRequest,
        "use fields' API names (Setup > Developer Hub > APIs) that this API supports",
        "FIELD_NOT_SUPPORTED",
        "FIELD_NOT_AVAILABLE",
        "INVALID_FIELD",
        "INVALID_FIELD_NAME",
        "COLUMN_INDEX_NOT_FOUND",
        "MANDATORY_FIELDS_NOT_MAPPED",
    ),
    **_same(
        InvalidRequest,
        _CRITERIA,
        "INVALID_CRITERIA",
        "AMBIGUOUS_CRITERIA",
        "AMBIGUOUS_GROUP_IN_CRITERIA",
        "CRITERIA_NOT_SUPPORTED",
        "CRITERIA_LIMIT_EXCEEDED",
        "VALUE_LIMIT_EXCEEDED_IN_CRITERIA",
        "FIELD_IN_CRITERIA_NOT_SUPPORTED",
        "FIELD_IN_CRITERIA_NOT_AVAILABLE",
        "FIELD_COMPARATOR_IN_CRITERIA_NOT_SUPPORTED",
        "FIELD_AND_COMPARATOR_IN_CRITERIA_NOT_COMPATIBLE",
        "FIELD_AND_VALUE_IN_CRITERIA_NOT_COMPATIBLE",
        "COMPARATOR_AND_VALUE_IN_CRITERIA_NOT_COMPATIBLE",
        "COMPARATOR_AND_ENCRYPTED_VALUE_IN_CRITERIA_NOT_COMPATIBLE",
        "VALUE_TYPE_NOT_SUPPORTED",
        "VALUE_IN_CRITERIA_NOT_SUPPORTED",
        "GROUP_OPERATOR_NOT_SUPPORTED",
        "JOIN_LIMIT_EXCEEDED",
    ),
    **_same(
        InvalidRequest,
        "this API does not support that request; check the operation, query and page",
        "QUERY_NOT_SUPPORTED",
        "CVID_NOT_SUPPORTED",
        "PAGE_NOT_SUPPORTED",
        "JOB_NOT_SUPPORTED",
        "NOT_SUPPORTED_FEATURE",
        "API_NOT_SUPPORTED",
        "INVALID_BULK_OPERATION",
        "INVALID_SERVICE_NAME",
        "COEXISTENCE_NOT_ALLOWED",
    ),
    **_same(
        InvalidRequest,
        "send a JSON body of the documented shape",
        "REQUEST_BODY_NOT_SUPPORTED",
        "REQUEST_BODY_NOT_READABLE",
        "MEDIA_TYPE_NOT_SUPPORTED",
    ),
    **_same(
        InvalidRequest,
        "the callback must be an https URL called with method post",
        "INVALID_CALLBACK_URL",
        "INVALID_CALLBACK_METHOD",
    ),
    **_same(
        InvalidRequest,
        "upload one zipped CSV (header row first) within Zoho's size limit",
        "INVALID_FILE_FORMAT",
        "FILE_NOT_SUPPORTED",
        "FILE_TOO_LARGE",
        "HEADER_LIMIT_EXCEEDED",
    ),
    "PAGE_RANGE_EXCEEDED": (
        InvalidRequest,
        "the page is past the last one Zoho allows; continue with the answer's next_page_token",
    ),
    "INVALID_REQUEST_METHOD": (InvalidRequest, "the HTTP method is not allowed on this URL"),
    "NO_RECORDS_FOUND": (InvalidRequest, "the custom view (or territory) has no records to update"),
    "ALREADY_SCHEDULED": (
        InvalidRequest,
        "a mass update of this custom view is still running; wait for it to finish",
    ),
    "LIMIT_EXCEEDED": (
        InvalidRequest,
        "too many records or jobs for one request; split it (mass update: at most 500 ids, "
        "or 50,000 records in a custom view)",
    ),
}


#: The keys of a JSON object ``error_entry(..., wrapped=False)`` reads: an object with
#: none of them is no error (a provider's check skips the rest for a 2xx without them).
NO_ERROR_KEYS = frozenset({"code", "ERROR_MESSAGE", "x-error", "info", "x-info"})


def error_entry(body: Any, *, wrapped: bool = True) -> Mapping[str, Any] | None:
    """The error object of a Zoho answer body, else None.

    ``wrapped`` also looks inside ``data`` (an object, or the first error of a
    list): right for failed answers, wrong for a 2xx ids-mode answer, whose
    ``data`` lists per-record errors next to successes. The content host's
    header-check answers come back in the usual shape, with no code.
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
    return _gateway_entry(body)


def _gateway_entry(body: Any) -> Mapping[str, Any] | None:
    """``ERROR_CODE``/``x-error`` and ``info``/``x-info`` answers as a code-less entry."""
    if not isinstance(body, Mapping):
        return None
    for head, tail in (("ERROR_MESSAGE", "x-error"), ("info", "x-info")):
        if isinstance(body.get(head), str) or isinstance(body.get(tail), str):
            parts = [str(body[k]) for k in (head, tail) if isinstance(body.get(k), str)]
            return {"code": None, "message": ": ".join(parts), "status": "error"}
    return None


def error_class(code: str) -> type[ProviderError] | None:
    """The typed error for a Zoho code (None: let the HTTP status decide)."""
    entry = CODES.get(code.upper())
    return entry[0] if entry else None


def describe(code: str | None, message: Any, details: Any = None) -> str:
    """Zoho's message, what it is about (from ``details``) and what to do about it.

    The code itself is not repeated: the error carries it and shows it once.
    """
    entry = CODES.get(code.upper()) if code else None
    text = message.strip() if isinstance(message, str) and message.strip() else ""
    about = _about(details)
    if about:
        text = f"{text} ({about})" if text else about
    if entry is None:
        return text or "Zoho gave no message"
    return f"{text}: {entry[1]}" if text else entry[1]


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
