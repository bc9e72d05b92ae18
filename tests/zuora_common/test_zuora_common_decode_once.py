"""The Zuora provider's success check and the adapter share one decode of the body."""

from __future__ import annotations

from unittest import mock

import pytest
from jobadapter.errors import ProviderError
from jobadapter.transport import Response
from jobadapter_zuora_common.provider import ZuoraProvider


def answer(data: bytes, status: int = 200, content_type: str = "application/json") -> Response:
    return Response(
        status=status,
        headers={"Content-Type": content_type},
        data=data,
        method="GET",
        url="https://rest.test.zuora.com/v1/x",
    )


def test_success_answer_is_decoded_once(json_decodes: mock.MagicMock) -> None:
    response = answer(b'{"success": true, "status": "Completed"}')
    assert ZuoraProvider().error_for(response) is None
    assert response.json()["status"] == "Completed"
    assert json_decodes.call_count == 1


def test_success_false_is_still_an_error() -> None:
    body = b'{"success": false, "reasons": [{"code": 58730020, "message": "bad field"}]}'
    error = ZuoraProvider().error_for(answer(body))
    assert isinstance(error, ProviderError) and error.code == "58730020"


@pytest.mark.parametrize(
    ("data", "status"),
    [
        (b"<html>success</html>", 200),  # not JSON: no failure flag to read
        (b'{"success": tru', 200),  # broken JSON: the adapter reports it
        (b'"success"', 200),  # JSON, but not an object
    ],
)
def test_non_json_success_answers_pass_the_check(data: bytes, status: int) -> None:
    assert ZuoraProvider().error_for(answer(data, status)) is None


def test_non_json_error_answer_is_a_status_error() -> None:
    error = ZuoraProvider().error_for(answer(b"<html>no success</html>", 502, "text/html"))
    assert error is not None and error.status == 502
