"""Reading Zuora's error bodies into jobadapter's typed errors.

Zuora answers errors in two documented shapes: the v1 body
``{"success": false, "processId", "reasons": [{"code", "message"}], "requestId"}``
and the flat ``{"code": 71013040, "message": "Not Found"}`` (Custom Object
jobs). HTTP 200 does not mean success: a v1 body with ``success: false`` is
an error whatever the status. Codes have 8 digits; the last two are the
error category, which says what the caller can do about it.

Category decisions (documented in docs/adapters/zuora.*.md):

- 50 (lock contention) and 61 (temporary) are retryable: TransientError.
- 70 (over a limit) is RateLimited, waiting for ``Retry-After``, else
  ``RateLimit-Reset``. Code 71012560 ("Service limit reached, please retry
  later") carries category 60 but is a limit too, so it is RateLimited.
- 60 (internal error) is Zuora's own failure; Zuora says to contact support,
  not to retry, so it is a ProviderError, unless the HTTP status is 5xx,
  where the answer is a server failure like any other: TransientError.
- 11 AuthError, 10 PermissionDenied, 40 NotFound; 20/21/22/23/30/45/90
  InvalidRequest; 99 (integration with a gateway or tax engine) ProviderError.
- An HTTP 429 is RateLimited whatever the body says.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import attrs
from jobadapter.errors import (
    AuthError,
    InvalidRequest,
    NotFound,
    PermissionDenied,
    ProviderError,
    ProviderResponseError,
    RateLimited,
    TransientError,
)

if TYPE_CHECKING:
    from jobadapter.transport import Response

#: Codes whose category does not say what they mean.
SPECIAL_CODES: dict[str, type[ProviderError]] = {
    "71012560": RateLimited,  # "Service limit reached, please retry later." (category 60)
}

CATEGORY_ERRORS: dict[str, type[ProviderError]] = {
    "10": PermissionDenied,
    "11": AuthError,
    "20": InvalidRequest,
    "21": InvalidRequest,
    "22": InvalidRequest,
    "23": InvalidRequest,
    "30": InvalidRequest,
    "40": NotFound,
    "45": InvalidRequest,
    "50": TransientError,
    "61": TransientError,
    "70": RateLimited,
    "90": InvalidRequest,
    "99": ProviderError,
}

#: What to do, per category, appended to Zuora's own message.
CATEGORY_HINTS = {
    "10": "the user or tenant lacks a permission; ask a Zuora admin to grant it",
    "11": "check the profile's client_id and client_secret",
    "40": "check the id and the profile (tenant, entity)",
    "50": "another process is changing the same objects; retry shortly",
    "60": "Zuora failed internally; give Zuora Global Support the request id",
    "61": "a temporary Zuora error; retry shortly",
    "70": "over a Zuora limit; wait before sending more",
}

_MAX_BODY = 1 << 20  # error bodies are small; never parse megabytes looking for one


@attrs.frozen
class Reason:
    """One (code, message) pair of a Zuora error body."""

    code: str | None
    message: str


@attrs.frozen
class ZuoraErrorBody:
    """What a Zuora error body says, whichever shape it came in."""

    reasons: tuple[Reason, ...]
    process_id: str | None = None
    request_id: str | None = None

    @property
    def code(self) -> str | None:
        return next((r.code for r in self.reasons if r.code), None)

    @property
    def message(self) -> str:
        if not self.reasons:
            return "Zuora reported a failure without a reason"
        text = self.reasons[0].message
        rest = self.reasons[1:]
        if rest:
            text += "; " + "; ".join(
                f"{r.code}: {r.message}" if r.code else r.message for r in rest[:4]
            )
            if len(rest) > 4:
                text += f" (and {len(rest) - 4} more)"
        return text

    def details(self) -> dict[str, Any]:
        return {
            "processId": self.process_id,
            "requestId": self.request_id,
            "reasons": [{"code": r.code, "message": r.message} for r in self.reasons],
        }


def category(code: str | int | None) -> str | None:
    """The 2-digit error category of an 8-digit Zuora code (None when not such a code)."""
    if code is None or isinstance(code, bool):
        return None
    text = str(code).strip()
    if len(text) != 8 or not text.isdigit():
        return None
    return text[-2:]


def error_class(code: str | int | None, status: int) -> type[ProviderError] | None:
    """The typed error a Zuora code means at this HTTP status (None: the code does not say)."""
    if status == 429:
        return RateLimited
    text = None if code is None else str(code).strip()
    if text in SPECIAL_CODES:
        return SPECIAL_CODES[text]
    cat = category(text)
    if cat is None:
        return None
    if cat == "60":
        return TransientError if status >= 500 else ProviderError
    return CATEGORY_ERRORS.get(cat)


def says_retry(code: str | int | None, message: str | None) -> bool:
    """Whether a job's error is one to submit again later: its code's category says
    so (lock contention, temporary, over a limit, 71012560), or its text does
    ("please retry later")."""
    cls = error_class(code, 200)
    if cls is not None and cls.retryable:
        return True
    text = (message or "").lower()
    return "retry later" in text or "try again later" in text


def hint_for(code: str | None) -> str | None:
    if code in SPECIAL_CODES:
        return CATEGORY_HINTS["70"]
    cat = category(code)
    return CATEGORY_HINTS.get(cat) if cat else None


def _field(mapping: Mapping[str, Any], *names: str) -> Any:
    """The first of ``names`` present (Zuora mixes camelCase and PascalCase)."""
    for name in names:
        if name in mapping:
            return mapping[name]
    return None


def _text(value: Any) -> str | None:
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, (str, int, float)):
        text = str(value).strip()
        return text or None
    return None


def _reasons(items: Any) -> list[Reason]:
    reasons: list[Reason] = []
    if not isinstance(items, list):
        return reasons
    for item in items[:50]:
        if isinstance(item, Mapping):
            code = _text(_field(item, "code", "Code"))
            message = _text(_field(item, "message", "Message")) or "no message"
            reasons.append(Reason(code, message))
        elif _text(item):
            reasons.append(Reason(None, str(_text(item))))
    return reasons


def read_body(data: bytes) -> Any:
    """The JSON of a (small) answer body, or None when it is not JSON."""
    if len(data) > _MAX_BODY or data.lstrip()[:1] not in (b"{", b"["):
        return None
    try:
        return json.loads(data)
    except (ValueError, RecursionError):
        return None


def read_response(response: Response) -> Any:
    """Like :func:`read_body`, through ``response.json()``: the body is decoded once,
    and the adapter reading the same answer gets the already parsed value."""
    data = response.data
    if len(data) > _MAX_BODY or data.lstrip()[:1] not in (b"{", b"["):
        return None
    try:
        return response.json()
    except ProviderResponseError:
        return None


def is_failure_flag(body: Any) -> bool:
    """True for a body that says ``success: false`` (``Success`` too), whatever the status."""
    if body.__class__ is dict:  # what JSON gives: no ABC isinstance, nor ``_field``'s call
        if "success" in body:
            flag = body["success"]
        elif "Success" in body:
            flag = body["Success"]
        else:
            return False  # no flag: the usual answer
    elif isinstance(body, Mapping):
        flag = _field(body, "success", "Success")
    else:
        return False
    return flag is False or (isinstance(flag, str) and flag.strip().lower() == "false")


def parse_error_body(body: Any) -> ZuoraErrorBody | None:
    """Read any documented Zuora error shape; None when ``body`` is none of them."""
    if not isinstance(body, Mapping):
        return None
    process_id = _text(_field(body, "processId", "ProcessId"))
    request_id = _text(_field(body, "requestId", "RequestId"))
    reasons = _reasons(_field(body, "reasons", "Reasons", "Errors", "errors"))
    if not reasons:
        code = _text(_field(body, "code", "Code"))
        message = _text(_field(body, "message", "Message"))
        if message is None:  # OAuth-style {"error": ..., "error_description": ...}
            error = _field(body, "error")
            if isinstance(error, Mapping):
                code = code or _text(error.get("code"))
                message = _text(error.get("message"))
            else:
                message = _text(body.get("error_description")) or _text(error)
        if code is not None or message is not None:
            reasons = [Reason(code, message or "no message")]
    if not reasons and not is_failure_flag(body):
        return None
    return ZuoraErrorBody(tuple(reasons), process_id=process_id, request_id=request_id)
