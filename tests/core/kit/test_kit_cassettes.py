"""The testing kit's cassettes: recorded with every secret scrubbed, replayed only as recorded."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from jobadapter.testing import CassetteMissingError, FakeSleeper, make_vcr, record_mode, vcr_config
from jobadapter.transport import Transport
from tokenserver import SECRETS, TokenServer, exchange
from vcr.errors import CannotOverwriteExistingCassetteException

#: The repository's own cassette leak check (the pre-stop hook), applied to every cassette here.
LEAK = re.compile(
    r"((bearer|zoho-oauthtoken) +[A-Za-z0-9._-]{12,})|"
    r"((access_token|refresh_token|client_secret)[\"']?[:=] *[\"']?[A-Za-z0-9._-]{12,})",
    re.IGNORECASE,
)


@pytest.mark.usefixtures("no_record_env")
def test_recorded_cassette_holds_no_secret_and_replays_with_the_server_gone(
    tmp_path: Path,
) -> None:
    with TokenServer() as server:
        with make_vcr(tmp_path, record_mode="once").use_cassette("exchange.yaml"):
            live = exchange(server.url)
        assert len(server.seen) == 4
        port = str(server.server.server_port)
    assert live[0]["access_token"] == SECRETS["access_token"]  # the client saw the real answer

    text = (tmp_path / "exchange.yaml").read_text(encoding="utf-8")
    for name, secret in SECRETS.items():
        assert secret not in text, f"{name} leaked into the cassette"
    assert not LEAK.search(text)
    assert "127.0.0.1" not in text and port not in text
    assert "http://sandbox.invalid/oauth/token" in text
    assert "Zoho-oauthtoken <redacted>" in text and "Bearer <redacted>" in text
    assert "Set-Cookie" in text and "access_token=<redacted>" in text
    answers = [i["response"]["body"]["string"] for i in yaml.safe_load(text)["interactions"]]
    token = json.loads(answers[0])
    assert {
        k: token[k] for k in ("access_token", "refresh_token", "id_token", "jti")
    } == dict.fromkeys(("access_token", "refresh_token", "id_token", "jti"), "<redacted>")
    assert "PRODUCT-1" in text  # `code` in a JSON body is data, kept
    assert '"state": "queued"' in text  # gzip decoded: answers are readable text
    assert "Content-Encoding" not in text.split("response:")[1].split("request:")[0]

    # Replay: nothing listens any more, and on another port the cassette still plays.
    with make_vcr(tmp_path).use_cassette("exchange.yaml") as cassette:
        replayed = exchange("http://127.0.0.1:9")
    assert cassette.all_played
    assert replayed[0]["access_token"] == "<redacted>"
    assert replayed[0]["api_domain"] == "http://sandbox.invalid"
    assert replayed[1:] == [
        {
            "id": "42",
            "state": "queued",
            "name": "import",
            "upload": "http://sandbox.invalid/jobs/42/file",
        },
        {"received": "id,name\n1,a\n"},
        {"id": "42", "state": "done"},
    ]


@pytest.mark.usefixtures("no_record_env")
def test_replay_refuses_requests_not_in_the_cassette_and_missing_cassettes(tmp_path: Path) -> None:
    with TokenServer() as server, make_vcr(tmp_path, record_mode="once").use_cassette("one.yaml"):
        Transport().request("GET", f"{server.url}/jobs/42")
    transport = Transport(sleep=FakeSleeper())
    with make_vcr(tmp_path).use_cassette("one.yaml"):
        assert transport.request("GET", "http://localhost:1/jobs/42").json()["state"] == "done"
        with pytest.raises(CannotOverwriteExistingCassetteException):
            transport.request("GET", "http://127.0.0.1:1/jobs/43")
    with (
        pytest.raises(CassetteMissingError, match="JOBADAPTER_RECORD=1"),
        make_vcr(tmp_path).use_cassette("never-recorded.yaml"),
    ):
        pass
    (tmp_path / "empty.yaml").write_text("")
    with pytest.raises(CassetteMissingError), make_vcr(tmp_path).use_cassette("empty.yaml"):
        pass


def test_record_mode_is_replay_only_unless_asked_and_never_in_ci() -> None:
    assert record_mode({}) == "none"
    assert record_mode({"JOBADAPTER_RECORD": "1"}) == "once"
    assert record_mode({"JOBADAPTER_RECORD": "all"}) == "all"
    assert record_mode({"JOBADAPTER_RECORD": "0"}) == "none"
    assert record_mode({"JOBADAPTER_RECORD": "1", "CI": "true"}) == "none"
    assert record_mode({"JOBADAPTER_RECORD": "1", "CI": "false"}) == "once"
    with pytest.raises(ValueError, match="JOBADAPTER_RECORD"):
        record_mode({"JOBADAPTER_RECORD": "sometimes"})


def test_vcr_config_chains_user_hooks_before_the_scrubbers(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("CI", "1")
    monkeypatch.setenv("JOBADAPTER_RECORD", "1")
    seen: list[str] = []

    def mine(request: Any) -> Any:
        seen.append(request.uri)
        request.headers["Authorization"] = "Bearer sneakytokenvalue123456"
        return request

    config = vcr_config(before_record_request=mine)
    assert config["record_mode"] == "none"
    assert config["match_on"] == ("method", "scheme", "host", "port", "path", "query", "body")
    assert config["decode_compressed_response"] is True
    from vcr.request import Request as VcrRequest

    out = config["before_record_request"](
        VcrRequest("GET", "http://[::1]:8080/x?code=abc", None, {})
    )
    assert seen == ["http://[::1]:8080/x?code=abc"]
    assert out.uri == "http://sandbox.invalid/x?code=<redacted>"
    assert out.headers["Authorization"] == "Bearer <redacted>"
