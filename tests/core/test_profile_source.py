"""The profile_source hook: profiles supplied by name when a job needs one."""

from __future__ import annotations

from typing import Any

import pytest
from jobadapter import ConfigError, JobStatus, hookimpl
from jobadapter.clock import FakeClock
from jobadapter.redact import redact_text
from jobadapter.testing.scripted import Step, scripted_hub

SECRET = "tenant-7-client-secret-0123456789"


class Tenants:
    """A platform's own tenant table, asked for profiles by name."""

    def __init__(self) -> None:
        self.asked: list[str] = []

    @hookimpl
    def profile_source(self, name: str) -> Any:
        self.asked.append(name)
        if name != "tenant-7":
            return None
        return {"provider": "scripted", "client_secret": SECRET, "max_in_flight": 3}


def test_a_profile_the_file_lacks_comes_from_the_source_once_and_its_secret_is_masked() -> None:
    tenants = Tenants()
    hub, jobs = scripted_hub(FakeClock(), ("scripted.job",), plugins=[tenants])
    jobs.script("j1", Step(0, JobStatus.RUNNING), Step(5, JobStatus.SUCCEEDED))

    job = hub.wait("scripted.job", "j1", profile="tenant-7")
    again = hub.connection("scripted.job", "tenant-7")

    assert job.status is JobStatus.SUCCEEDED
    assert again.profile.max_in_flight == 3
    assert tenants.asked == ["tenant-7"]  # kept after the first answer
    assert SECRET not in redact_text(f"failed with {SECRET}")
    assert SECRET not in repr(again.profile)


def test_a_name_no_source_knows_is_a_clear_error() -> None:
    hub, _ = scripted_hub(FakeClock(), ("scripted.job",), plugins=[Tenants()])
    with pytest.raises(ConfigError, match="no profile named 'nobody'.*profile_source"):
        hub.connection("scripted.job", "nobody")


def test_the_file_comes_first() -> None:
    tenants = Tenants()
    hub, _ = scripted_hub(FakeClock(), ("scripted.job",), plugins=[tenants])
    assert hub.connection("scripted.job", "scripted").profile.name == "scripted"
    assert tenants.asked == []
