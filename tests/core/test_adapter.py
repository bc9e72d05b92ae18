"""Adapter base: status tables as data, total parse, declared capabilities."""

from __future__ import annotations

import logging
import re
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from jobadapter import (
    Adapter,
    Job,
    JobStatus,
    NotSupported,
    PluginError,
    ProviderResponseError,
    StatusTable,
)
from jobadapter.adapter import check_verb
from jobadapter.parsing import parse_count
from jobadapter.statuses import normalise_word


class DemoAdapter(Adapter):
    name = "demo.kind"
    provider = "generic"
    statuses = StatusTable(
        {
            JobStatus.PENDING: ("Created", "Waiting"),
            JobStatus.RUNNING: ("In Progress",),
            JobStatus.SUCCEEDED: ("Completed",),
            JobStatus.FAILED: ("Failed",),
        },
        owner="demo.kind",
    )
    capabilities = frozenset({"get"})

    def build_job(self, payload: Any, *, job_id: str | None) -> Job:
        body = self.require_mapping(payload)
        return Job(
            adapter=self.name,
            id=self.job_id_from(body.get("id"), job_id, "id"),
            status=self.status_of(body.get("status")),
            native_status=body.get("status"),
            created_at=self.timestamp(body, "createdOn"),
            raw=payload,
        )

    def get(self, conn: Any, job_id: str) -> Job:
        raise AssertionError("not called in these tests")


@pytest.mark.parametrize(
    "word", ["In Progress", "in_progress", "IN PROGRESS", "in-progress", "InProgress"]
)
def test_words_match_regardless_of_case_spaces_hyphens_underscores(word: str) -> None:
    assert DemoAdapter().parse({"id": "1", "status": word}).status is JobStatus.RUNNING


def test_unknown_word_becomes_unknown_kept_and_warned_once(
    caplog: pytest.LogCaptureFixture,
) -> None:
    adapter = DemoAdapter()
    with caplog.at_level(logging.WARNING, logger="jobadapter"):
        first = adapter.parse({"id": "1", "status": "Teleporting"})
        adapter.parse({"id": "2", "status": "Teleporting"})
    assert first.status is JobStatus.UNKNOWN and first.native_status == "Teleporting"
    assert sum("Teleporting" in r.getMessage() for r in caplog.records) == 1


def test_duplicate_words_rejected_at_load_time() -> None:
    with pytest.raises(PluginError, match="duplicates"):
        StatusTable([("In Progress", JobStatus.RUNNING), ("in_progress", JobStatus.RUNNING)])


def test_empty_table_rejected() -> None:
    with pytest.raises(PluginError, match="empty"):
        StatusTable({})


def test_normalise_word() -> None:
    assert normalise_word(" In_Progress-x ") == "inprogressx"


@pytest.mark.parametrize(
    "payload",
    [
        None,
        1,
        "x",
        [],
        [1],
        {},
        {"id": 1.5, "status": "Completed"},
        {"id": "1"},
        {"id": "1", "status": 7},
        {"id": "1", "status": "Completed", "createdOn": "never"},
        {"id": {"nested": True}, "status": "Completed"},
    ],
)
def test_parse_is_total(payload: Any) -> None:
    with pytest.raises(ProviderResponseError) as info:
        DemoAdapter().parse(payload)
    assert info.value.adapter == "demo.kind"
    assert "demo.kind" in str(info.value)


def test_parse_survives_deep_nesting() -> None:
    deep: Any = {}
    for _ in range(100_000):
        deep = {"x": deep}
    with pytest.raises(ProviderResponseError):
        DemoAdapter().parse([deep] * 2)


def test_job_id_from_caller_when_answer_lacks_it() -> None:
    assert DemoAdapter().parse({"status": "Completed"}, job_id="abc").id == "abc"


def test_missing_verb_is_not_supported() -> None:
    adapter = DemoAdapter()
    with pytest.raises(NotSupported, match="demo.kind does not support 'cancel'"):
        check_verb(adapter, "cancel")
    with pytest.raises(NotSupported):
        adapter.cancel(None, "1")  # type: ignore[arg-type]
    check_verb(adapter, "get")


def test_declared_but_unimplemented_verb_rejected() -> None:
    with pytest.raises(PluginError, match="does not implement"):

        class Broken(DemoAdapter):
            capabilities = frozenset({"get", "cancel"})


def test_bad_names_and_capabilities_rejected() -> None:
    with pytest.raises(PluginError, match="must look like"):

        class BadName(DemoAdapter):
            name = "Demo"

    with pytest.raises(PluginError, match="unknown capabilities"):

        class BadVerb(DemoAdapter):
            capabilities = frozenset({"teleport"})


def test_timezone_applies_to_naive_times() -> None:
    job = DemoAdapter(timezone="Europe/Paris").parse(
        {"id": "1", "status": "Completed", "createdOn": "2024-01-01 12:00:00"}
    )
    assert job.created_at is not None and job.created_at.hour == 11


def _reference_count(value: Any) -> Any:
    """``count`` before its shortcut for ints: ``parse_count`` of any value but None."""
    return None if value is None else parse_count(value, name="k")


@settings(max_examples=500)
@given(
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(min_value=-(2**70), max_value=2**70),
        st.sampled_from([2**63 - 1, 2**63, -1, 0, "12", "1.0", "", 1.0, 2.5, [1]]),
    )
)
def test_count_shortcut_agrees_with_parse_count(value: Any) -> None:
    adapter = DemoAdapter()
    try:
        expected = _reference_count(value)
    except ValueError as exc:
        with pytest.raises(ValueError, match=re.escape(str(exc))):
            adapter.count({"k": value}, "k")
    else:
        assert adapter.count({"k": value}, "k") == expected


@given(st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=4), st.floats()))
def test_job_id_shortcut_agrees_with_the_general_rule(value: Any) -> None:
    adapter = DemoAdapter()
    if isinstance(value, (str, int)) and not isinstance(value, bool) and str(value):
        assert adapter.job_id_from(value, "given", "id") == str(value)
    elif value is not None and not isinstance(value, (str, int)):
        with pytest.raises(ProviderResponseError):
            adapter.job_id_from(value, "given", "id")
    else:
        assert adapter.job_id_from(value, "given", "id") == "given"
