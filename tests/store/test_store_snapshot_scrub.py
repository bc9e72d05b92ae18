"""The stored snapshot is masked exactly as redacting each of its strings would mask it.

The store scans the whole JSON text once and redacts string by string only when
the scan finds something that could need it; for any payload the result must be
the one the per-string redaction gives.
"""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from jobadapter.model import Job
from jobadapter.redact import register_secret
from jobadapter.serialize import to_dict
from jobadapter.status import JobStatus
from jobadapter.store.rows import JOB_COLUMNS, job_columns
from jobadapter.store.scrub import scrub

SECRET = "s3cr3t-Tok/en+é"
register_secret(SECRET)

#: Pieces a payload is made of: plain words, the secret (whole or cut), credential
#: words in odd cases and Unicode look-alikes, and characters JSON escapes.
PIECES = st.sampled_from(
    [
        "ok",
        "Processing",
        SECRET,
        SECRET[:6],
        SECRET[6:],
        "Bearer abc.def",
        "BASIC",
        "ba\u017fic xyz",
        "x-amz-signature=abc",
        "access_token=zz",
        "PASSWORD",
        "\u0130",
        '"',
        "\\",
        "\n",
        "é",
        " ",
    ]
)
TEXT = st.lists(PIECES, max_size=6).map("".join)
RAW = st.recursive(
    TEXT | st.integers() | st.none(),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(TEXT, inner, max_size=3),
    max_leaves=8,
)


def per_string(job: Job) -> str:
    """The reference: every string redacted on its own, identity kept."""
    data = scrub(to_dict(job))
    data["adapter"], data["id"] = job.adapter, job.id
    return json.dumps(data, separators=(",", ":"), sort_keys=True)


@settings(max_examples=150, deadline=None)
@given(raw=st.dictionaries(TEXT, RAW, max_size=4), native=TEXT)
def test_snapshot_is_masked_as_each_string_would_be(raw: dict[str, Any], native: str) -> None:
    job = Job(
        adapter="zuora.mass_updater",
        id="J1",
        status=JobStatus.RUNNING,
        native_status=native or None,
        raw=raw,
    )
    columns = dict(
        zip(JOB_COLUMNS, job_columns(job, first_seen=1, terminal_seen=None), strict=True)
    )
    assert columns["snapshot"] == per_string(job)
    assert SECRET not in (json.loads(columns["snapshot"])["native_status"] or "")
