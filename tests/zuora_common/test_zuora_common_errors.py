"""Zuora's error bodies -> typed errors: both shapes, 200 with success:false, categories."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from jobadapter.errors import (
    AuthError,
    InvalidRequest,
    NotFound,
    PermissionDenied,
    ProviderError,
    RateLimited,
    TransientError,
)
from jobadapter.transport import Response
from jobadapter_zuora_common.errors import (
    category,
    error_class,
    is_failure_flag,
    parse_error_body,
)
from jobadapter_zuora_common.provider import ZuoraProvider

#: The v1 error sample from the spec's "Error Handling" section, verbatim.
SPEC_V1_ERROR = """ {
   "success": false,
   "processId": "CBCFED6580B4E076",
   "reasons":  [
     {
      "code": 53100320,
      "message": "'termType' value should be one of: TERMED, EVERGREEN"
     }
    ]
 }"""

#: The flat shape from FACTS (Custom Object jobs).
FLAT_ERROR = '{"code": 71013040, "message": "Not Found"}'

REQUEST_ID = "5e3b1a2c-1111-2222-3333-444455556666"


def answer(status: int, body: Any, **headers: str) -> Response:
    data = body.encode() if isinstance(body, str) else json.dumps(body).encode()
    return Response(
        status=status,
        headers={"Content-Type": "application/json", "Zuora-Request-Id": REQUEST_ID, **headers},
        data=data,
        method="GET",
        url="https://rest.test.zuora.com/v1/bulk/abc",
    )


def error_of(response: Response) -> ProviderError | None:
    return ZuoraProvider().error_for(response, adapter="zuora.mass_updater")


def test_spec_v1_sample_with_http_200_is_an_error() -> None:
    error = error_of(answer(200, SPEC_V1_ERROR))
    assert isinstance(error, InvalidRequest)  # category 20: invalid value
    assert error.code == "53100320"
    assert error.message.startswith("'termType' value should be one of: TERMED, EVERGREEN")
    assert error.status == 200
    assert error.request_id == REQUEST_ID
    assert error.details["processId"] == "CBCFED6580B4E076"
    assert error.adapter == "zuora.mass_updater"
    assert "53100320" in str(error) and REQUEST_ID in str(error)


def test_flat_shape_not_found() -> None:
    error = error_of(answer(404, FLAT_ERROR))
    assert isinstance(error, NotFound)
    assert error.code == "71013040"
    assert error.message.startswith("Not Found")


def test_success_true_and_plain_bodies_are_not_errors() -> None:
    assert error_of(answer(200, {"success": True, "bulkKey": "k"})) is None
    assert error_of(answer(200, {"id": "x", "status": "Completed"})) is None
    assert error_of(answer(204, "")) is None


def test_success_false_as_text_and_pascal_case() -> None:
    error = error_of(
        answer(200, {"Success": False, "Errors": [{"Code": "50000011", "Message": "no"}]})
    )
    assert isinstance(error, AuthError)
    error = error_of(answer(200, {"success": "false", "reasons": []}))
    assert isinstance(error, ProviderError)
    assert "without a reason" in error.message


def test_request_id_from_body_when_no_header() -> None:
    body = {
        "success": False,
        "reasons": [{"code": 50000040, "message": "gone"}],
        "requestId": "r-1",
    }
    response = Response(
        status=200, headers={}, data=json.dumps(body).encode(), method="GET", url="https://x/y"
    )
    error = error_of(response)
    assert isinstance(error, NotFound)
    assert error.request_id == "r-1"


def test_several_reasons_are_all_kept() -> None:
    body = {
        "success": False,
        "processId": "P",
        "reasons": [
            {"code": 53100222, "message": "name is required"},
            {"code": 53100320, "message": "bad termType"},
        ],
    }
    error = error_of(answer(400, body))
    assert isinstance(error, InvalidRequest)
    assert error.code == "53100222"
    assert "name is required" in error.message and "53100320: bad termType" in error.message
    assert [r["code"] for r in error.details["reasons"]] == ["53100222", "53100320"]


@pytest.mark.parametrize(
    ("code", "status", "expected"),
    [
        (50000010, 400, PermissionDenied),
        (90000011, 401, AuthError),
        (50000020, 400, InvalidRequest),
        (50000021, 400, InvalidRequest),
        (50000022, 400, InvalidRequest),
        (50000023, 400, InvalidRequest),
        (50000030, 400, InvalidRequest),
        (50000040, 200, NotFound),
        (50000045, 405, InvalidRequest),
        (50000050, 409, TransientError),
        (50000061, 503, TransientError),
        (50000070, 429, RateLimited),
        (50000090, 400, InvalidRequest),
        (50000099, 400, ProviderError),
        (71012560, 400, RateLimited),  # "Service limit reached": category 60, but a limit
    ],
)
def test_category_mapping(code: int, status: int, expected: type[ProviderError]) -> None:
    error = error_of(
        answer(status, {"success": False, "reasons": [{"code": code, "message": "m"}]})
    )
    assert type(error) is expected
    assert error is not None and error.code == str(code)


def test_category_60_is_retryable_only_as_a_server_error() -> None:
    body = {"success": False, "reasons": [{"code": 50000060, "message": "internal"}]}
    at_200 = error_of(answer(200, body))
    at_500 = error_of(answer(500, body))
    assert type(at_200) is ProviderError and not at_200.retryable
    assert type(at_500) is TransientError and at_500.retryable


def test_category_70_waits_for_retry_after_then_ratelimit_reset() -> None:
    body = {"success": False, "reasons": [{"code": 50000070, "message": "over the limit"}]}
    with_reset = error_of(answer(429, body, **{"RateLimit-Reset": "17"}))
    assert isinstance(with_reset, RateLimited) and with_reset.retry_after == 17
    both = error_of(answer(429, body, **{"Retry-After": "3", "RateLimit-Reset": "17"}))
    assert isinstance(both, RateLimited) and both.retry_after == 3
    limit = {"code": 71012560, "message": "Service limit reached, please retry later."}
    flat = error_of(answer(400, limit, **{"RateLimit-Reset": "5"}))
    assert isinstance(flat, RateLimited) and flat.retry_after == 5
    assert "retry" in flat.message.lower()


def test_429_is_rate_limited_whatever_the_body() -> None:
    error = error_of(answer(429, "Too Many Requests", **{"RateLimit-Reset": "2"}))
    assert isinstance(error, RateLimited) and error.retry_after == 2


def test_unclassifiable_bodies_fall_back_to_the_http_status() -> None:
    assert isinstance(error_of(answer(401, {"message": "Authentication error"})), AuthError)
    assert isinstance(error_of(answer(503, "<html>down</html>")), TransientError)
    assert isinstance(
        error_of(answer(403, {"code": "FORBIDDEN", "message": "no"})), PermissionDenied
    )
    oauth = error_of(answer(400, {"error": "invalid_client", "error_description": "bad client"}))
    assert isinstance(oauth, InvalidRequest) and "bad client" in oauth.message


def test_auth_hint_is_added_to_the_message() -> None:
    error = error_of(
        answer(
            401,
            {"success": False, "reasons": [{"code": 90000011, "message": "Invalid credential"}]},
        )
    )
    assert isinstance(error, AuthError)
    assert "client_id and client_secret" in error.message


def test_category_helpers() -> None:
    assert category(53100320) == "20"
    assert category("71012560") == "60"
    assert category("1234") is None and category(None) is None and category(True) is None
    assert error_class("abc", 200) is None
    assert parse_error_body({"id": 1}) is None
    assert parse_error_body(["not", "a", "mapping"]) is None


class _Plain(Mapping[str, Any]):
    """A Mapping that is not a dict: the general path of ``is_failure_flag``."""

    def __init__(self, items: dict[str, Any]) -> None:
        self._items = items

    def __getitem__(self, key: str) -> Any:
        return self._items[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)


@settings(max_examples=300)
@given(
    st.dictionaries(
        st.sampled_from(["success", "Success", "id", "status"]),
        st.one_of(st.none(), st.booleans(), st.sampled_from(["false", " FALSE ", "true", ""])),
    )
)
def test_a_dict_reads_the_success_flag_as_any_mapping(body: dict[str, Any]) -> None:
    """The dict shortcut of ``is_failure_flag`` answers as its general path."""
    assert is_failure_flag(body) == is_failure_flag(_Plain(body))
