"""The testing kit's pytest plugin and fake time: its fixtures, contract subclasses collected."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from jobadapter import JobStatus
from jobadapter.testing import FakeClock, FakeSleeper
from kit_adapter import KitPlugin, KitSimulator

pytest_plugins = ["pytester"]


def test_fake_sleeper_moves_the_fake_clock() -> None:
    clock = FakeClock(start=100.0)
    sleep = FakeSleeper(clock)
    sleep(2.5)
    sleep(0)
    sleep(1.5)
    assert clock.time() == 104.0 and sleep.calls == [2.5, 0, 1.5] and sleep.total == 4.0


# -- the pytest plugin --------------------------------------------------------------------------

PLUGIN_TEST = """
from typing import Any
from jobadapter import Adapter, Job, JobStatus, StatusTable
from jobadapter.testing import AdapterContract


class TinyAdapter(Adapter):
    name = "tiny.job"
    provider = "generic"
    statuses = StatusTable({JobStatus.RUNNING: ("busy",), JobStatus.SUCCEEDED: ("ok",)})
    capabilities = frozenset()

    def build_job(self, payload: Any, *, job_id: str | None) -> Job:
        body = self.require_mapping(payload)
        return Job(adapter=self.name, id=self.job_id_from(body.get("id"), job_id, "id"),
                   status=self.status_of(body.get("s")), raw=payload)


class TinyPlugin:
    JOBADAPTER_API_VERSION = "1.0"
    from jobadapter import hookimpl

    @hookimpl
    def register_adapters(self, register):
        register(TinyAdapter)


class TestTiny(AdapterContract):
    adapter_class = TinyAdapter
    documented_statuses = ("busy", "ok")
    samples = [({"id": "1", "s": "ok"}, None, JobStatus.SUCCEEDED)]
    plugins = (TinyPlugin(),)
    junk_examples = 20


def test_fixtures(fake_clock, fake_sleeper, hub_factory, jobadapter_cassette_dir):
    fake_sleeper(30)
    assert fake_clock.time() == 1_700_000_030
    hub = hub_factory(plugins=[TinyPlugin()])
    assert "tiny.job" in hub.adapters()
    assert jobadapter_cassette_dir.name == "tiny"
"""


CASSETTE_TEST = """
from pathlib import Path
from jobadapter.transport import Transport

CASSETTE_DIR = Path(__file__).parent / "recorded"


def test_ping(jobadapter_cassette, fake_sleeper):
    answer = Transport(sleep=fake_sleeper).request("GET", "http://127.0.0.1:1/ping?access_token=x")
    assert answer.json() == {"pong": True}
    assert jobadapter_cassette.play_count == 1


def test_never_recorded(jobadapter_cassette):
    pass
"""

PING_CASSETTE = """interactions:
- request:
    body: null
    headers: {}
    method: GET
    uri: http://sandbox.invalid/ping?access_token=<redacted>
  response:
    body: {string: '{"pong": true}'}
    headers: {Content-Type: [application/json]}
    status: {code: 200, message: OK}
version: 1
"""


@pytest.mark.usefixtures("no_record_env")
def test_the_pytest_plugin_collects_a_contract_subclass_and_offers_fixtures(
    pytester: pytest.Pytester,
) -> None:
    pytester.mkpydir("tiny")
    pytester.path.joinpath("tiny", "test_tiny.py").write_text(PLUGIN_TEST)
    pytester.path.joinpath("tiny", "test_cassette.py").write_text(CASSETTE_TEST)
    pytester.path.joinpath("tiny", "recorded").mkdir()
    pytester.path.joinpath("tiny", "recorded", "test_ping.yaml").write_text(PING_CASSETTE)
    result = pytester.runpytest("-p", "no:cacheprovider", "-q")
    result.assert_outcomes(passed=11, errors=1)
    result.stdout.fnmatch_lines(["*test_never_recorded.yaml* does not exist and replay mode*"])
    collected = pytester.runpytest("-p", "no:cacheprovider", "--collect-only", "-q")
    ids = [line for line in collected.outlines if "::" in line]
    assert len(ids) == 12 and sum("TestTiny::test_" in i for i in ids) == 9
    assert not [i for i in ids if "simulator" in i]  # no simulator: not collected, not skipped


def test_hub_factory_serves_simulators_and_replays_polling_without_sleeping(
    hub_factory: Callable[..., Any], fake_sleeper: FakeSleeper
) -> None:
    simulator = KitSimulator()
    hub = hub_factory(simulators=[simulator], plugins=[KitPlugin()])
    job = hub.submit("kit.job", {"rows": 2}, profile="kit")
    simulator.clock.advance(25)
    assert hub.get("kit.job", job.id, profile="kit").status is JobStatus.SUCCEEDED
    assert fake_sleeper.total == 0


@pytest.mark.usefixtures("no_record_env")
def test_jobadapter_vcr_fixture_replays_only_from_the_test_folder_cassettes(
    jobadapter_vcr: Any, jobadapter_cassette_dir: Path
) -> None:
    assert jobadapter_cassette_dir.parts[-2:] == ("cassettes", "kit")
    assert jobadapter_vcr.record_mode == "none"
    assert jobadapter_vcr.cassette_library_dir == str(jobadapter_cassette_dir)
