"""Job model, lossless JSON round-trip and the JSON Schema."""

from __future__ import annotations

import datetime as dt
import enum
import json
import subprocess
import sys
from typing import Any

import jsonschema
import pytest
from hypothesis import given
from hypothesis import strategies as st
from jobadapter import Counts, Job, JobError, JobStatus, from_dict, schema, to_dict
from jobadapter.serialize import dumps, loads

UTC = dt.timezone.utc


def full_job() -> Job:
    return Job(
        adapter="zuora.mass_updater",
        id="ff8080814c9285b1014c9293f5320007",
        status=JobStatus.SUCCEEDED,
        native_status="Completed",
        operation="UpdateAccountingCode",
        target=None,
        counts=Counts(total=3, processed=3, succeeded=2, failed=1),
        created_at=dt.datetime(2015, 4, 7, 14, 22, 9, tzinfo=UTC),
        started_at=dt.datetime(2015, 4, 7, 14, 22, 11, 123456, tzinfo=UTC),
        ended_at=dt.datetime(2015, 4, 7, 14, 32, 1, tzinfo=UTC),
        updated_at=None,
        submitted_by="smith@example.com",
        result_url="https://rest.zuora.com/v1/files/402892c84c9285b1014c9293f5320007",
        errors=(JobError(code="53100320", message="row 3 failed"),),
        raw={"status": "Completed", "nested": [1, 2.5, None, {"x": True}]},
    )


def test_round_trip_is_lossless_and_json_safe() -> None:
    job = full_job()
    data = to_dict(job)
    text = json.dumps(data)
    assert from_dict(json.loads(text)) == job
    assert loads(dumps(job)) == job


def test_serialised_form() -> None:
    data = to_dict(full_job())
    assert data["status"] == "succeeded"
    assert data["started_at"] == "2015-04-07T14:22:11.123456Z"
    assert data["created_at"] == "2015-04-07T14:22:09Z"
    assert data["errors"] == [{"code": "53100320", "message": "row 3 failed"}]
    assert data["raw"]["nested"][3] == {"x": True}


def test_serialised_job_validates_against_schema() -> None:
    jsonschema.Draft202012Validator.check_schema(schema())
    jsonschema.validate(to_dict(full_job()), schema())
    jsonschema.validate(to_dict(Job(adapter="a.b", id="1", status=JobStatus.PENDING)), schema())


def test_schema_rejects_bad_documents() -> None:
    bad = to_dict(full_job())
    bad["status"] = "Completed"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(bad, schema())


def test_datetimes_are_normalised_to_utc_and_naive_ones_refused() -> None:
    paris = dt.timezone(dt.timedelta(hours=2))
    job = Job(
        adapter="a.b",
        id="1",
        status=JobStatus.RUNNING,
        created_at=dt.datetime(2020, 1, 1, 12, tzinfo=paris),
    )
    assert job.created_at == dt.datetime(2020, 1, 1, 10, tzinfo=UTC)
    assert job.created_at is not None and job.created_at.tzinfo is UTC
    with pytest.raises(ValueError, match="naive datetime"):
        Job(adapter="a.b", id="1", status=JobStatus.RUNNING, created_at=dt.datetime(2020, 1, 1))


def test_negative_counts_refused() -> None:
    with pytest.raises(ValueError, match="failed must be from 0 to"):
        Counts(failed=-1)


def test_counts_no_store_can_hold_are_refused() -> None:
    Counts(total=2**63 - 1)
    with pytest.raises(ValueError, match="total must be from 0 to 9223372036854775807"):
        Counts(total=10**19)
    with pytest.raises(ValueError, match="a 400-digit number"):
        Counts(processed=10**399)


def test_job_is_frozen_and_slotted() -> None:
    job = full_job()
    with pytest.raises(AttributeError):
        job.status = JobStatus.FAILED  # type: ignore[misc]
    assert not hasattr(job, "__dict__")


def test_row_failures_are_counts_not_status() -> None:
    job = full_job()
    assert job.status is JobStatus.SUCCEEDED and job.has_row_failures


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=20,
)
instants = st.none() | st.datetimes(
    min_value=dt.datetime(1970, 1, 2), max_value=dt.datetime(2200, 1, 1), timezones=st.just(UTC)
)
counts = st.none() | st.integers(min_value=0, max_value=10**12)


@given(
    status=st.sampled_from(JobStatus),
    raw=json_values,
    created=instants,
    ended=instants,
    total=counts,
    failed=counts,
    text=st.none() | st.text(),
)
def test_round_trip_property(status, raw, created, ended, total, failed, text) -> None:  # type: ignore[no-untyped-def]
    job = Job(
        adapter="p.k",
        id="x/1",
        status=status,
        native_status=text,
        raw=raw,
        created_at=created,
        ended_at=ended,
        counts=Counts(total=total, failed=failed),
        errors=[JobError(code=text, message=text or "")],
    )
    data = json.loads(json.dumps(to_dict(job)))
    assert from_dict(data) == job
    jsonschema.validate(data, schema())


def test_scripted_round_trip_check() -> None:
    """The 'done when' check, as a script a non-Python consumer's CI would run."""
    script = (
        "import json, jsonschema, jobadapter as j, datetime as dt\n"
        "job = j.Job(adapter='a.b', id='1', status=j.JobStatus.RUNNING,"
        " created_at=dt.datetime(2024,1,1,tzinfo=dt.timezone.utc), raw={'k': [1]})\n"
        "text = json.dumps(j.to_dict(job))\n"
        "jsonschema.validate(json.loads(text), j.schema())\n"
        "assert j.from_dict(json.loads(text)) == job\n"
        "print('ok')\n"
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "ok"


def test_a_total_known_elsewhere_fills_in_only_a_missing_one() -> None:
    job = Job(adapter="x.y", id="1", status=JobStatus.RUNNING, counts=Counts(processed=3))
    filled = job.with_total(10)
    assert filled.counts == Counts(total=10, processed=3) and filled.id == "1"
    assert job.with_total(None) is job
    stated = Job(adapter="x.y", id="1", status=JobStatus.RUNNING, counts=Counts(total=8))
    assert stated.with_total(10) is stated  # the provider's own figure wins


def test_serialize_imports_cattrs_on_the_first_conversion_only() -> None:
    """The store and the reports import ``jobadapter.serialize`` for its timestamps:
    cattrs waits for a job to convert (``jobadapter report`` converts none)."""
    code = (
        "import sys\n"
        "import jobadapter.serialize as s\n"
        "from jobadapter.model import Job\n"
        "from jobadapter.status import JobStatus\n"
        "assert 'cattrs' not in sys.modules and s._converter is None\n"
        "job = Job(adapter='a.b', id='1', status=JobStatus.RUNNING)\n"
        "assert s.from_dict(s.to_dict(job)) == job\n"
        "assert 'cattrs' in sys.modules and s.converter is s._converter is not None\n"
        "from jobadapter.serialize import converter\n"
        "assert converter is s.converter\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


class Colour(enum.Enum):
    RED = "red"


class Size(enum.IntEnum):
    BIG = 3


#: Payloads beyond plain JSON too: what the converter changes (datetimes, enums,
#: attrs objects, tuples, keys JSON does not know) and what nothing can encode (sets, bytes).
odd_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats()
    | st.text(max_size=5)
    | instants
    | st.sampled_from([Colour.RED, Size.BIG, JobStatus.RUNNING])
    | st.builds(JobError, code=st.none() | st.text(max_size=3), message=st.text(max_size=3))
    | st.frozensets(st.integers(), max_size=2)
    | st.binary(max_size=2),
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.tuples(inner, inner)
        | st.dictionaries(st.text(max_size=3), inner, max_size=3)
        | st.dictionaries(st.integers() | st.booleans() | st.none() | instants, inner, max_size=2)
    ),
    max_leaves=12,
)


@given(raw=odd_values, created=instants, text=st.none() | st.text(max_size=5))
def test_dumps_is_the_json_of_to_dict(
    raw: Any, created: dt.datetime | None, text: str | None
) -> None:
    """``dumps`` does not copy ``raw`` through the converter first: same text, or same error."""
    job = Job(
        adapter="p.k",
        id="x/1",
        status=JobStatus.RUNNING,
        native_status=text,
        raw=raw,
        created_at=created,
        errors=[JobError(code=text, message="m", retryable=text is None)],
    )
    try:
        expected: str | type[Exception] = json.dumps(
            to_dict(job), separators=(",", ":"), sort_keys=True
        )
    except (TypeError, ValueError) as exc:
        expected = type(exc)
    try:
        got: str | type[Exception] = dumps(job)
    except (TypeError, ValueError) as exc:
        got = type(exc)
    assert got == expected
