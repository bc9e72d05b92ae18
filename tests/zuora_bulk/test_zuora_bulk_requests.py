"""Submissions are checked before anything is sent: action/job types, file size and kind,
checksum; CLI options become request objects; both upload target names are read."""

from __future__ import annotations

import hashlib
import io
from pathlib import Path

import pytest
from jobadapter import Hub, InvalidRequest, ProviderResponseError
from jobadapter_zuora_bulk import (
    ACTION_TYPES,
    BulkJobAdapter,
    BulkJobRequest,
    MassUpdaterAdapter,
    MassUpdateRequest,
)
from jobadapter_zuora_bulk.files import load_file
from jobadapter_zuora_bulk.mass_updater import MAX_FILE_BYTES
from jobadapter_zuora_bulk.simulator import ZuoraBulkSimulator
from jobadapter_zuora_bulk.upload import upload_target
from zuora_bulk_support import BULK, MASS, csv_rows, zip_of


def api_calls(sim: ZuoraBulkSimulator) -> list[str]:
    return [f"{r.method} {r.path}" for r in sim.log if r.path != "/oauth/token"]


def test_action_types_are_the_six_documented() -> None:
    assert ACTION_TYPES == (
        "UpdateAccountingCode",
        "CreateRevenueSchedule",
        "UpdateRevenueSchedule",
        "DeleteRevenueSchedule",
        "ImportFXRate",
        "MPU",
    )
    assert MassUpdateRequest(b"a\n", "importfxrate").action_type == "ImportFXRate"


@pytest.mark.parametrize("action", ["UpdateAccountingCodes", "", None, 3])
def test_bad_action_type_is_refused_before_any_request(
    hub: Hub, sim: ZuoraBulkSimulator, action: object
) -> None:
    with pytest.raises(InvalidRequest, match="actionType"):
        hub.submit(MASS, {"file": csv_rows(2), "action": action})
    assert api_calls(sim) == []


def test_file_over_4_mb_is_refused_before_upload(
    hub: Hub, sim: ZuoraBulkSimulator, tmp_path: Path
) -> None:
    big = tmp_path / "big.csv"
    big.write_bytes(b"a,b\n" + b"1,2\n" * (MAX_FILE_BYTES // 4))
    with pytest.raises(InvalidRequest, match="4 MB"):
        hub.submit(MASS, MassUpdateRequest(big, "UpdateAccountingCode"))
    stream = io.BytesIO(b"x" * (MAX_FILE_BYTES + 1))
    with pytest.raises(InvalidRequest, match="4 MB"):
        hub.submit(MASS, MassUpdateRequest(stream, "UpdateAccountingCode"))
    assert api_calls(sim) == []


def test_exactly_4_mb_is_sent(hub: Hub, sim: ZuoraBulkSimulator) -> None:
    data = b"Name,Note\n" + b"n," + b"y" * (MAX_FILE_BYTES - 13) + b"\n"
    assert len(data) == MAX_FILE_BYTES
    job = hub.submit(MASS, MassUpdateRequest(data, "UpdateAccountingCode"))
    assert api_calls(sim) == ["POST /v1/bulk"]
    assert sim.mass_actions[job.id].input_size == MAX_FILE_BYTES


def test_checksum_is_computed_and_a_wrong_one_refused(hub: Hub, sim: ZuoraBulkSimulator) -> None:
    data = csv_rows(3)
    digest = hashlib.md5(data, usedforsecurity=False).hexdigest()
    hub.submit(MASS, MassUpdateRequest(data, "UpdateAccountingCode", checksum=digest.upper()))
    with pytest.raises(InvalidRequest, match="does not match"):
        hub.submit(MASS, MassUpdateRequest(data, "UpdateAccountingCode", checksum="0" * 32))
    with pytest.raises(InvalidRequest, match="32-character"):
        MassUpdateRequest(data, "UpdateAccountingCode", checksum="abc")
    assert api_calls(sim) == ["POST /v1/bulk"]


@pytest.mark.parametrize(
    ("source", "name", "why"),
    [
        (b"a,b\n1,2\n", "data.txt", ".csv file or a zipped .csv"),
        (zip_of("notes.txt", b"hello"), None, "without a .csv"),
        (b"PK\x03\x04garbage", None, "corrupt"),
        (b"a,b\n", "data.zip", "not a zip"),
        (b"   \n", None, "empty"),
    ],
)
def test_file_kind_checks(
    hub: Hub, sim: ZuoraBulkSimulator, source: bytes, name: str | None, why: str
) -> None:
    with pytest.raises(InvalidRequest, match=why):
        hub.submit(MASS, MassUpdateRequest(source, "MPU", filename=name))
    assert api_calls(sim) == []


def test_file_sources(tmp_path: Path) -> None:
    path = tmp_path / "codes.csv"
    path.write_bytes(b"a\n1\n")
    assert load_file(path).name == "codes.csv"
    assert load_file(str(path)).data == b"a\n1\n"
    with path.open("rb") as handle:
        assert load_file(handle).name == "codes.csv"
    assert load_file(io.BytesIO(b"a\n")).name == "upload.csv"
    assert load_file(zip_of("x.csv", b"a\n")).name == "upload.zip"
    with pytest.raises(InvalidRequest, match="binary mode"):
        load_file(io.StringIO("a\n"))
    with pytest.raises(InvalidRequest, match="does not exist"):
        load_file(tmp_path / "missing.csv")
    with pytest.raises(InvalidRequest, match="path, bytes or a binary file"):
        load_file(12)


def test_mass_request_from_cli_options() -> None:
    adapter = MassUpdaterAdapter()
    request = adapter.request_from_options({"file": "codes.csv", "action": "MPU", "cvid": None})
    assert request == MassUpdateRequest("codes.csv", "MPU")
    with pytest.raises(InvalidRequest, match="--file"):
        adapter.request_from_options({"action": "MPU"})
    with pytest.raises(InvalidRequest, match="--action"):
        adapter.request_from_options({"file": "codes.csv"})
    with pytest.raises(InvalidRequest, match="MassUpdateRequest or a mapping"):
        adapter.submit(None, 42)  # type: ignore[arg-type]


def test_bulk_request_from_cli_options() -> None:
    adapter = BulkJobAdapter()
    request = adapter.request_from_options(
        {"file": "accounts.csv", "object": "Account", "job_type": "update", "name": "nightly"}
    )
    assert request.object_type == "Account" and request.job_type == "Update"
    assert request.name == "nightly"
    assert adapter.request_from_options({"file": "a.csv", "objectType": "Account"}).name == (
        "jobadapter Account job"
    )
    with pytest.raises(InvalidRequest, match="objectType"):
        adapter.request_from_options({"file": "a.csv"})


@pytest.mark.parametrize(
    ("kwargs", "why"),
    [
        ({"job_type": "Upsert"}, "jobType"),
        ({"file_type": "xlsx"}, "fileType"),
        ({"name": ""}, "name is required"),
        ({"name": "n" * 256}, "255"),
        ({"mappings": [{"source": "a"}]}, "mapping"),
        ({"mappings": {"source": "a", "target": "b"}}, "list"),
        ({"has_headers": "maybe"}, "hasHeaders"),
        ({"headers": [1, 2]}, "column names"),
    ],
)
def test_bulk_request_checks(kwargs: dict[str, object], why: str) -> None:
    fields: dict[str, object] = {"file": b"a\n", "name": "job", "object_type": "Account", **kwargs}
    with pytest.raises(InvalidRequest, match=why):
        BulkJobRequest(**fields)  # type: ignore[arg-type]


def test_bulk_request_body_leaves_unset_fields_out() -> None:
    request = BulkJobRequest(
        b"a\n",
        "job",
        "Account",
        mappings=[{"source": "Name", "target": "name", "type": "string"}],
        headers="Name, Id",
        has_headers="true",
    )
    assert request.body("csv") == {
        "name": "job",
        "objectType": "Account",
        "jobType": "Import",
        "fileType": "csv",
        "mappings": [{"source": "Name", "target": "name", "type": "string"}],
        "headers": ["Name", "Id"],
        "hasHeaders": True,
    }


def test_bulk_job_bad_request_sends_nothing(hub: Hub, sim: ZuoraBulkSimulator) -> None:
    with pytest.raises(InvalidRequest, match="empty"):
        hub.submit(BULK, {"file": b"  ", "object": "Account"})
    assert api_calls(sim) == []


def test_upload_target_under_either_documented_name() -> None:
    samples = {
        "uploadRequest": {"uri": "https://s3.example/b", "fields": {"key": "k", "Policy": "p"}},
        "uploadFileInfo": {
            "uploadUrl": "https://s3.example/b",
            "formFields": [{"name": "key", "value": "k"}, {"name": "Policy", "value": "p"}],
        },
    }
    for name, info in samples.items():
        target = upload_target({"id": "1", name: info})
        assert target.url == "https://s3.example/b"
        assert target.fields == (("key", "k"), ("Policy", "p"))
        assert "Policy" not in repr(target)  # signed fields stay out of reprs
    with pytest.raises(ProviderResponseError, match="no upload target"):
        upload_target({"id": "1"})
    with pytest.raises(ProviderResponseError, match="upload URL"):
        upload_target({"uploadRequest": {"uri": "ftp://x", "fields": {}}})
    with pytest.raises(ProviderResponseError, match="usable value"):
        upload_target({"uploadRequest": {"uri": "https://x", "fields": {"key": None}}})


@pytest.mark.parametrize("data", [b"", b" ", b"\r\n\t\x0b\x0c \n"])
def test_an_empty_or_blank_csv_is_refused(data: bytes) -> None:
    from jobadapter_zuora_bulk.files import LoadedFile, check_csv_or_zip

    with pytest.raises(InvalidRequest, match="is empty"):
        check_csv_or_zip(LoadedFile("a.csv", data))


def test_a_csv_with_blank_ends_is_accepted() -> None:
    from jobadapter_zuora_bulk.files import LoadedFile, check_csv_or_zip

    check_csv_or_zip(LoadedFile("a.csv", b"\n Id\n"))
