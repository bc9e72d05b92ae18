"""The contract's pure half: status words, a total ``parse``, lossless serialisation."""

from __future__ import annotations

import json
from typing import Any

import jsonschema
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jobadapter.adapter import Adapter
from jobadapter.errors import PluginError, ProviderResponseError
from jobadapter.model import Job
from jobadapter.serialize import from_dict, schema, to_dict
from jobadapter.status import JobStatus
from jobadapter.statuses import StatusTable, normalise_word
from jobadapter.testing.contract_base import (
    _JOB_ID,
    ContractBase,
    _fail,
    _status_warnings_kept,
)
from jobadapter.testing.junk import describe, edge_cases, junk_payloads

__all__ = ["PureChecks"]


class PureChecks(ContractBase):
    """Checks that need no network: what an adapter does with an answer."""

    # -- status words ------------------------------------------------------------------

    def test_status_table_covers_documented_words(self) -> None:
        table = self.adapter_class.statuses
        problems = [
            f"documented word {word!r} is not in the status table"
            for word in table.check_covers(self.documented_statuses)
        ]
        seen: dict[str, str] = {}
        for word in self.documented_statuses:
            key = normalise_word(word)
            if key in seen:
                problems.append(f"documented_statuses lists {word!r} and {seen[key]!r}: the same")
            seen[key] = word
        _fail(problems, f"{self.adapter_class.name}: status table vs the provider's docs")

    def test_status_table_rejects_duplicates(self) -> None:
        table = self.adapter_class.statuses
        items = table.items()
        keys = [normalise_word(word) for word, _ in items]
        assert len(set(keys)) == len(keys), f"{table!r} holds duplicate words"
        word, status = items[0]
        other = next(s for s in JobStatus if s is not status)
        variant = "_".join(word.upper().split())
        with pytest.raises(PluginError, match="duplicates"):
            StatusTable([*items, (variant, other)], owner=table.owner)

    def test_samples_parse_to_expected_status(self) -> None:
        adapter = self.make_adapter()
        problems = []
        for label, payload, job_id, expected in self._sample_list():
            try:
                job = adapter.parse(payload, job_id=job_id)
            except ProviderResponseError as exc:
                problems.append(f"{label}: parse refused it: {exc}")
                continue
            if job.status is not expected:
                problems.append(
                    f"{label}: status {job.status.value}, expected {expected.value} "
                    f"(native {job.native_status!r})"
                )
            if job.adapter != adapter.name:
                problems.append(f"{label}: job.adapter is {job.adapter!r}, not {adapter.name!r}")
        _fail(problems, f"{self.adapter_class.name}: documented samples")

    # -- parse is total ----------------------------------------------------------------

    def _parse_problem(self, adapter: Adapter, payload: Any, job_id: str | None, label: str) -> str:
        """'' when parse behaved (a sound Job or ProviderResponseError), else what went wrong."""
        try:
            job = adapter.parse(payload, job_id=job_id)
        except ProviderResponseError:
            return ""
        except Exception as exc:  # noqa: BLE001 - any other escape is the failure reported
            text = repr(str(exc))[:200]
            return f"{label}: raised {type(exc).__name__}: {text} for {describe(payload)}"
        if not isinstance(job, Job):
            return f"{label}: returned {type(job).__name__}, not a Job"
        if job.adapter != adapter.name or not isinstance(job.status, JobStatus):
            return f"{label}: returned a Job with adapter {job.adapter!r}, status {job.status!r}"
        if not isinstance(job.id, str) or not job.id:
            return f"{label}: returned a Job with id {job.id!r} for {describe(payload)}"
        return ""

    def test_parse_is_total_on_edge_cases(self) -> None:
        adapter = self.make_adapter()
        named = [(label, payload) for label, payload, _, _ in self._sample_list()]
        problems = []
        with _status_warnings_kept(self.adapter_class.statuses):
            for label, payload in edge_cases(named):
                for job_id in (None, _JOB_ID):
                    problem = self._parse_problem(adapter, payload, job_id, label)
                    if problem:
                        problems.append(problem)
                        break
        _fail(
            problems, f"{self.adapter_class.name}: parse must give a Job or ProviderResponseError"
        )

    def test_parse_is_total_on_generated_junk(self) -> None:
        adapter = self.make_adapter()
        payloads = [payload for _, payload, _, _ in self._sample_list()]

        @settings(
            max_examples=self.junk_examples,
            deadline=None,
            database=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
        )
        @given(payload=junk_payloads(payloads), job_id=st.sampled_from([None, _JOB_ID]))
        def check(payload: Any, job_id: str | None) -> None:
            problem = self._parse_problem(adapter, payload, job_id, "generated answer")
            assert not problem, problem

        with _status_warnings_kept(self.adapter_class.statuses):
            check()

    # -- serialisation -----------------------------------------------------------------

    def test_serialisation_round_trips(self) -> None:
        adapter = self.make_adapter()
        validator = jsonschema.Draft202012Validator(schema())
        problems = []
        for label, payload, job_id, _ in self._sample_list():
            job = adapter.parse(payload, job_id=job_id)
            data = to_dict(job)
            try:
                text = json.dumps(data, allow_nan=False)
            except (TypeError, ValueError) as exc:
                problems.append(f"{label}: to_dict is not plain JSON: {exc}")
                continue
            back = from_dict(json.loads(text))
            if back != job:
                problems.append(f"{label}: from_dict(to_dict(job)) differs: {back!r} != {job!r}")
            for error in validator.iter_errors(data):
                where = "/".join(str(p) for p in error.absolute_path) or "(root)"
                problems.append(f"{label}: schema: {where}: {error.message}")
        _fail(problems, f"{self.adapter_class.name}: serialised jobs")
