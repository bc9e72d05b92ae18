"""Request checks: every documented rule refused before anything is sent."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from jobadapter import InvalidRequest
from jobadapter_zuora_custom_objects.request import (
    MAX_FILE_BYTES,
    CustomObjectJobRequest,
    FilterCondition,
    data_rows,
    read_source,
    request_from_options,
)

CSV = b"name__c,age__c\nAda,36\n"


def test_create_body_defaults_namespace() -> None:
    req = CustomObjectJobRequest("vehicle", "create", file=CSV)
    assert req.create_body() == {"namespace": "default", "object": "vehicle", "operation": "create"}
    assert req.needs_upload


def test_operation_is_case_insensitive() -> None:
    assert CustomObjectJobRequest("vehicle", " Update ", file=b"id\n1\n").operation == "update"


def test_delete_filter_body() -> None:
    req = CustomObjectJobRequest(
        "passenger",
        "delete",
        filter=[
            "CreatedDate lt 2020-01-01T00:00:00.000Z",
            {"field": "age__c", "operator": "GE", "value": 30},
        ],
    )
    assert not req.needs_upload
    assert req.create_body() == {
        "namespace": "default",
        "object": "passenger",
        "operation": "delete",
        "filter": {
            "conditions": [
                {"field": "CreatedDate", "operator": "LT", "value": "2020-01-01T00:00:00.000Z"},
                {"field": "age__c", "operator": "GE", "value": 30},
            ]
        },
    }


def test_filter_accepts_spec_shape() -> None:
    req = CustomObjectJobRequest(
        "passenger",
        "delete",
        filter={"conditions": [{"field": "CreatedDate", "operator": "LT", "value": "2020-01-01"}]},
    )
    assert req.filter == (FilterCondition("CreatedDate", "LT", "2020-01-01"),)


@pytest.mark.parametrize("operator", ["EQ", "GT", "LT", "GE", "LE", "eq"])
def test_every_documented_operator(operator: str) -> None:
    assert FilterCondition("age__c", operator, 1).operator == operator.upper()


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"object": "", "operation": "create", "file": CSV}, "object"),
        ({"object": "my object", "operation": "create", "file": CSV}, "spaces"),
        ({"object": "vehicle", "operation": "upsert", "file": CSV}, "upsert"),
        ({"object": "vehicle", "operation": "create"}, "needs a CSV"),
        ({"object": "vehicle", "operation": "update"}, "needs a CSV"),
        ({"object": "vehicle", "operation": "delete"}, "needs a filter of 1-2 conditions"),
        ({"object": "vehicle", "operation": "delete", "file": CSV}, "takes a filter, not a file"),
        (
            {"object": "vehicle", "operation": "create", "file": CSV, "namespace": "other"},
            "namespace",
        ),
        (
            {"object": "v", "operation": "create", "file": CSV, "filter": ["a EQ 1"]},
            "delete jobs only",
        ),
        (
            {"object": "v", "operation": "delete", "file": CSV, "filter": ["a EQ 1"]},
            "takes a filter, not a file",
        ),
        (
            {"object": "v", "operation": "delete", "filter": ["a EQ 1", "b EQ 2", "c EQ 3"]},
            "1 or 2",
        ),
        ({"object": "v", "operation": "delete", "filter": ["a NE 1"]}, "operator 'NE'"),
        ({"object": "v", "operation": "delete", "filter": ["a LIKE 1"]}, "operator 'LIKE'"),
        (
            {"object": "v", "operation": "delete", "filter": ["just-a-field"]},
            "field OPERATOR value",
        ),
        (
            {"object": "v", "operation": "delete", "filter": [{"field": "a", "operator": "EQ"}]},
            "missing",
        ),
        (
            {
                "object": "v",
                "operation": "delete",
                "filter": [{"field": "a", "operator": "EQ", "value": None}],
            },
            "filter value",
        ),
        ({"object": "v", "operation": "delete", "filter": [42]}, "cannot be a int"),
        (
            {"object": "v", "operation": "create", "file": CSV, "idempotency_key": ""},
            "idempotency_key",
        ),
        (
            {"object": "v", "operation": "create", "file": CSV, "idempotency_key": "k" * 256},
            "idempotency_key",
        ),
    ],
)
def test_bad_requests_are_refused(kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(InvalidRequest) as info:
        CustomObjectJobRequest(**kwargs)
    assert message in str(info.value)
    assert info.value.adapter == "zuora.custom_object_job"


def test_file_sources(tmp_path: Path) -> None:
    path = tmp_path / "rows.csv"
    path.write_bytes(CSV)
    assert read_source(path) == CSV
    assert read_source(str(path)) == CSV
    assert read_source(bytearray(CSV)) == CSV
    assert read_source(io.BytesIO(CSV)) == CSV
    assert read_source(io.StringIO("name__c\nÅsa\n")) == "name__c\nÅsa\n".encode()
    with path.open("rb") as handle:
        assert read_source(handle) == CSV


def test_file_too_large_is_refused_before_reading(tmp_path: Path) -> None:
    path = tmp_path / "big.csv"
    with path.open("wb") as handle:
        handle.truncate(MAX_FILE_BYTES + 1)  # sparse: no 15 MB written
    req = CustomObjectJobRequest("vehicle", "create", file=path)
    with pytest.raises(InvalidRequest, match="larger than 15 MB"):
        req.read_file()


def test_limit_applies_to_every_source() -> None:
    with pytest.raises(InvalidRequest, match="larger than"):
        read_source(b"x" * 11, limit=10)
    with pytest.raises(InvalidRequest, match="larger than"):
        read_source(io.BytesIO(b"x" * 11), limit=10)
    assert read_source(b"x" * 10, limit=10) == b"x" * 10


def test_missing_file_and_wrong_type(tmp_path: Path) -> None:
    with pytest.raises(InvalidRequest, match="cannot read"):
        read_source(tmp_path / "absent.csv")
    with pytest.raises(InvalidRequest, match="path, bytes or an open file"):
        read_source(123)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("operation", "data", "message"),
    [
        ("create", b"", "no header row"),
        ("create", b"\n\n", "no header row"),
        ("create", b"name\xff\n", "not UTF-8"),
        ("update", b"name__c\nAda\n", "'id' column"),
    ],
)
def test_csv_content_checks(operation: str, data: bytes, message: str) -> None:
    req = CustomObjectJobRequest("vehicle", operation, file=data)
    with pytest.raises(InvalidRequest, match=message):
        req.read_file()


def test_csv_content_accepted() -> None:
    assert CustomObjectJobRequest("v", "update", file=b"\xef\xbb\xbfId,name\n1,a\n").read_file()


@pytest.mark.parametrize(
    ("data", "rows"),
    [
        (b"name__c,age__c\nAda,36\nBob,41\n", 2),
        (b"\xef\xbb\xbfname__c\r\nAda\r\n\r\nBob\r\n", 2),  # BOM, CRLF, a blank line
        (b'name__c,note__c\nAda,"two\nlines"\nBob,x', 2),  # a quoted newline, no last newline
        (b"name__c\n", 0),
    ],
)
def test_data_rows_counts_records_as_zuora_reads_them(data: bytes, rows: int) -> None:
    assert data_rows(data) == rows


def test_data_rows_of_what_is_not_csv_is_unknown() -> None:
    assert data_rows(b"\xff\xfe") is None


def test_request_from_cli_options(tmp_path: Path) -> None:
    path = tmp_path / "rows.csv"
    path.write_bytes(CSV)
    req = request_from_options(
        {"object": "vehicle", "action": "create", "file": str(path), "module": None, "ids": ()}
    )
    assert req == CustomObjectJobRequest("vehicle", "create", file=str(path))
    assert req.read_file() == CSV
    deleting = request_from_options(
        {"object": "vehicle", "operation": "delete", "filter": ("CreatedDate LT 2020-01-01",)}
    )
    assert deleting.filter == (FilterCondition("CreatedDate", "LT", "2020-01-01"),)


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"operation": "create", "file": "x.csv"}, "needs --object"),
        ({"object": "vehicle", "file": "x.csv"}, "needs --operation"),
        (
            {"object": "vehicle", "operation": "create", "file": "x.csv", "module": "Leads"},
            "module",
        ),
    ],
)
def test_request_from_bad_cli_options(options: dict[str, Any], message: str) -> None:
    with pytest.raises(InvalidRequest, match=message):
        request_from_options(options)
