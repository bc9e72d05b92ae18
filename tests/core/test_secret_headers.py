"""One list of credential headers: what a log masks is what a cassette scrubs."""

from __future__ import annotations

from jobadapter.redact import MASK, redact_headers
from jobadapter.testing.scrub import REQUEST_SECRET_HEADERS, RESPONSE_SECRET_HEADERS


def test_a_log_masks_every_header_a_cassette_scrubs() -> None:
    headers = {name: "not-a-registered-secret" for name in REQUEST_SECRET_HEADERS}
    headers.update({name.title(): "also-plain" for name in RESPONSE_SECRET_HEADERS})
    assert set(redact_headers(headers).values()) == {MASK}


def test_zuora_key_headers_are_masked_in_logs() -> None:
    shown = redact_headers(
        {"apiAccessKeyId": "user@example.invalid", "apiSecretAccessKey": "pw", "Accept": "x"}
    )
    assert shown == {"apiAccessKeyId": MASK, "apiSecretAccessKey": MASK, "Accept": "x"}
