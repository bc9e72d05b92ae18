"""Zoho's error bodies -> typed errors: every code the specs list, the content host's
shapes, and a message that never repeats its code."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from jobadapter.errors import AuthError, InvalidRequest, NotFound, ProviderError, RateLimited
from jobadapter.transport import Response
from jobadapter_zoho_common import CODES, ZohoProvider, describe
from jobadapter_zoho_common.errors import NO_ERROR_KEYS, error_entry

DATA = Path(__file__).parent / "data"
MASS_UPDATE_SPEC = Path(__file__).parents[1] / "zoho_mass_update" / "data"
SPECS = [
    DATA / "zoho-crm-v8-bulk_read.json",
    DATA / "zoho-crm-v8-bulk_write.json",
    DATA / "zoho-crm-v8-common.json",
    MASS_UPDATE_SPEC / "zoho-crm-v8-mass_update.json",
]


def _spec_codes(path: Path) -> set[str]:
    """Every value a ``code`` property's enum lists in ``path``'s error schemas."""
    found: set[str] = set()

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            props = node.get("properties")
            code = props.get("code") if isinstance(props, dict) else None
            status = props.get("status", {}) if isinstance(props, dict) else {}
            if isinstance(code, dict) and status.get("enum") != ["success"]:
                found.update(v for v in code.get("enum", []) if isinstance(v, str))
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(json.loads(path.read_text(encoding="utf-8")))
    return {c for c in found if re.fullmatch(r"[A-Z][A-Z_]+", c)}


def answer(status: int, body: Any, **headers: str) -> Response:
    return Response(
        status=status,
        headers={"Content-Type": "application/json", **headers},
        data=json.dumps(body).encode(),
        method="GET",
        url="https://www.zohoapis.com/crm/bulk/v8/read/1",
    )


@pytest.mark.parametrize("spec", SPECS, ids=lambda p: p.stem)
def test_every_code_the_specs_list_is_known(spec: Path) -> None:
    codes = _spec_codes(spec)
    assert codes, f"no error codes found in {spec.name}: has the spec changed shape?"
    assert sorted(codes - set(CODES)) == []


@pytest.mark.parametrize(
    ("code", "status", "cls"),
    [
        ("INVALID_TOKEN", 401, AuthError),
        ("RESOURCE_NOT_FOUND", 404, NotFound),
        ("RESOURCE_NOT_FOUND", 400, NotFound),  # bulk write and result downloads say 400
        ("INVALID_FILE_ID", 400, InvalidRequest),
        ("PAGE_RANGE_EXCEEDED", 400, InvalidRequest),
        ("TOO_MANY_REQUESTS", 429, RateLimited),
    ],
)
def test_bulk_codes_map_to_their_typed_error(
    code: str, status: int, cls: type[ProviderError]
) -> None:
    body = {"data": [{"code": code, "details": {}, "message": "zoho says no", "status": "error"}]}
    error = ZohoProvider().error_for(answer(status, body))
    assert type(error) is cls and error.code == code


def test_the_message_does_not_repeat_the_code() -> None:
    entry = {"code": "RESOURCE_NOT_FOUND", "details": {}, "message": "", "status": "error"}
    error = ZohoProvider().error_for(answer(404, entry))
    assert error is not None
    assert str(error).count("RESOURCE_NOT_FOUND") == 1, str(error)
    assert "check the job id" in error.message
    # a provider that puts its code in front of its message is shown once, too
    same = ProviderError("RESOURCE_NOT_FOUND: gone", code="RESOURCE_NOT_FOUND", status=404)
    assert str(same).count("RESOURCE_NOT_FOUND") == 1, str(same)


def test_describe_without_a_message_or_a_known_code() -> None:
    assert describe("SOMETHING_NEW", None) == "Zoho gave no message"
    assert describe(None, "plain words") == "plain words"
    assert describe("INVALID_DATA", "", {"api_name": "Email"}).startswith("api_name=Email: ")


@pytest.mark.parametrize(
    ("body", "status", "cls", "text"),
    [
        (
            {
                "ERROR_CODE": 400,
                "ERROR_MESSAGE": "Bad Request",
                "x-error": "check if headers [feature, X-CRM-ORG] are present and valid",
            },
            400,
            InvalidRequest,
            "Bad Request: check if headers [feature, X-CRM-ORG] are present and valid",
        ),
        ({"info": "Forbidden", "x-info": "Link not valid"}, 403, ProviderError, "Forbidden: "),
    ],
)
def test_content_host_refusals_are_read(
    body: dict[str, Any], status: int, cls: type[ProviderError], text: str
) -> None:
    error = ZohoProvider().error_for(answer(status, body))
    assert isinstance(error, cls) and error.code is None
    assert error.message.startswith(text)


_KEYS = st.sampled_from(
    ["code", "ERROR_MESSAGE", "x-error", "info", "x-info", "status", "message", "data", "id"]
)
_VALUES = st.one_of(st.none(), st.text(max_size=5), st.integers(), st.sampled_from(["error"]))


@settings(max_examples=500, deadline=None)
@given(st.dictionaries(_KEYS, st.one_of(_VALUES, st.dictionaries(_KEYS, _VALUES, max_size=3))))
def test_the_shortcut_for_a_2xx_agrees_with_error_entry(body: dict[str, Any]) -> None:
    """``error_for`` skips ``error_entry`` for a 2xx object without its keys: the same answer."""
    if body.keys().isdisjoint(NO_ERROR_KEYS):
        assert error_entry(body, wrapped=False) is None
    data = json.dumps(body).encode()
    response = Response(status=200, headers={}, data=data, method="GET", url="https://h/x")
    entry = error_entry(body, wrapped=False)
    error = ZohoProvider().error_for(response)
    assert (error is None) == (entry is None)
