"""No backend keeps a secret: not in summaries, errors, snapshots or any other row."""

from __future__ import annotations

from store_backends import Backend
from store_jobs import SENTINEL, R, at, job


def test_the_store_never_keeps_secrets(backend: Backend) -> None:
    with backend.open() as s:
        sid = s.record_submission(
            adapter="zuora.mass_updater",
            profile="p",
            idempotency_key="k",
            request_summary={"client_secret": "plain-value", "note": f"uses {SENTINEL}"},
        )
        s.fail_submission(sid, f"HTTP 401 for token {SENTINEL}")
        s.observe(job(R, raw={"echo": SENTINEL, "header": "Bearer abc.def"}), observed_at=at(0))
        s.record_error("zuora.mass_updater", "J1", f"auth failed with {SENTINEL}", at(1))
        summary = s.submission(sid).request_summary
        assert summary["client_secret"] == "***" and SENTINEL not in summary["note"]
        kept = s.get("zuora.mass_updater", "J1")
        assert kept is not None and kept.raw["echo"] == "***"
        data = backend.dump(s)
    assert "auth failed with" in data and "HTTP 401 for token" in data  # the rows are there
    assert SENTINEL not in data
    assert "plain-value" not in data
    assert "abc.def" not in data
