"""Adapter job ids ``<Module>:<zoho job id>``: split, and refused when unusable."""

from __future__ import annotations

import pytest
from jobadapter import InvalidRequest
from jobadapter_zoho_mass_update import jobids


def test_split_reads_the_module_and_the_zoho_id() -> None:
    assert jobids.split("Leads:554023000000506003") == ("Leads", "554023000000506003")
    assert jobids.split("554023000000506003") == (None, "554023000000506003")


@pytest.mark.parametrize(
    "job_id",
    ["Leads:5540 23", "Leads:5540\t23", "Leads:5540\u00a023", "Leads:5540\u300023", "Leads:1\n2"],
)
def test_ids_with_any_space_are_refused(job_id: str) -> None:
    with pytest.raises(InvalidRequest, match="spaces or control characters"):
        jobids.split(job_id)


@pytest.mark.parametrize("job_id", ["", "   ", "Leads:"])
def test_empty_ids_are_refused(job_id: str) -> None:
    with pytest.raises(InvalidRequest):
        jobids.split(job_id)
