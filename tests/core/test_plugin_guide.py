"""docs/plugin-guide.md: the tutorial's code runs as written.

Every fenced block with a ``title="path"`` is part of the tutorial plugin; blocks
with the same path are joined in order (a block starting indented continues the
class above it). The test writes them out as a package, checks it against the
Zoho Bulk Write spec's schemas, lints and type-checks it, drives it against its own
simulator and runs its own tests (recording its cassette, then replaying it).
"""

from __future__ import annotations

import importlib
import importlib.util
import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import attrs
import jsonschema
import pytest
from jobadapter import HOOK_API_VERSION, Hub, JobStatus
from jobadapter.clock import FakeClock
from jobadapter.config import profile_from_mapping
from jobadapter.errors import InvalidRequest, NotFound, NotSupported, ProviderResponseError
from jobadapter.sandbox import SandboxServer, SimClock

if sys.version_info >= (3, 11):
    import tomllib
else:
    import tomli as tomllib

ROOT = Path(__file__).resolve().parents[2]
GUIDE = ROOT / "docs" / "plugin-guide.md"
SPEC = Path(__file__).resolve().parent / "data" / "zoho-crm-v8-bulk_write.json"
PACKAGE = "jobadapter_zoho_bulk_write"
ADAPTER = "zoho.bulk_write"
FENCE = re.compile(r'^```(\w+) title="([^"]+)"\n(.*?)^```$', re.M | re.S)

FILES = {
    "pyproject.toml",
    f"{PACKAGE}/__init__.py",
    f"{PACKAGE}/adapter.py",
    f"{PACKAGE}/provider.py",
    f"{PACKAGE}/simulator.py",
    f"{PACKAGE}/plugin.py",
    "tests/samples.py",
    "tests/test_contract.py",
    "tests/test_cassette.py",
}


def tutorial_files() -> dict[str, str]:
    """The tutorial's files, assembled from the guide's titled code blocks."""
    files: dict[str, str] = {}
    for _lang, path, text in FENCE.findall(GUIDE.read_text(encoding="utf-8")):
        if path not in files:
            files[path] = text
        else:  # one blank line inside a class, two before a new top-level statement
            files[path] += ("\n" if text[:1].isspace() else "\n\n") + text
    return files


@attrs.frozen
class Tutorial:
    path: Path
    plugin: ModuleType
    samples: ModuleType

    def module(self, name: str) -> Any:
        return importlib.import_module(f"{PACKAGE}.{name}")


@pytest.fixture(scope="module")
def tutorial(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Tutorial]:
    path = tmp_path_factory.mktemp("tutorial")
    for name, text in tutorial_files().items():
        (path / name).parent.mkdir(parents=True, exist_ok=True)
        (path / name).write_text(text, encoding="utf-8")
    # The samples module is loaded under a private name: "samples" may be taken.
    spec = importlib.util.spec_from_file_location("_guide_samples", path / "tests" / "samples.py")
    assert spec is not None and spec.loader is not None
    samples = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(samples)
    sys.path.insert(0, str(path))
    try:
        yield Tutorial(path, importlib.import_module(f"{PACKAGE}.plugin"), samples)
    finally:
        sys.path.remove(str(path))
        for name in [m for m in sys.modules if m == PACKAGE or m.startswith(PACKAGE + ".")]:
            del sys.modules[name]


def spec_validator(schema_name: str) -> jsonschema.Draft7Validator:
    """A validator for one of the spec's component schemas (refs to other files: anything)."""
    spec = json.loads(SPEC.read_text(encoding="utf-8"))

    def local(node: Any) -> Any:
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str) and not ref.startswith("#"):
                return {}
            return {k: local(v) for k, v in node.items()}
        if isinstance(node, list):
            return [local(v) for v in node]
        return node

    root = {"$ref": f"#/components/schemas/{schema_name}", "components": local(spec["components"])}
    return jsonschema.Draft7Validator(root)


def assert_fits(schema_name: str, instance: Any) -> None:
    errors = [e.message for e in spec_validator(schema_name).iter_errors(instance)]
    assert not errors, f"{schema_name}: {errors}"


def child_env(**extra: str) -> dict[str, str]:
    drop = ("JOBADAPTER_RECORD", "PYTHONPATH", "CI")
    env = {k: v for k, v in os.environ.items() if k not in drop}
    env.update(extra)
    return env


def run(*argv: str | Path, cwd: Path, env: dict[str, str] | None = None) -> str:
    done = subprocess.run(
        [str(a) for a in argv],
        cwd=cwd,
        env=env or child_env(),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, f"{argv} failed:\n{done.stdout}\n{done.stderr}"
    return done.stdout


# -- the text --------------------------------------------------------------------------


def test_the_guide_holds_the_whole_tutorial_package() -> None:
    files = tutorial_files()
    assert set(files) == FILES
    pyproject = tomllib.loads(files["pyproject.toml"])
    project = pyproject["project"]
    assert project["name"] == "jobadapter-zoho-bulk-write"
    assert project["entry-points"]["jobadapter"] == {"zoho_bulk_write": f"{PACKAGE}.plugin"}
    assert "Framework :: jobadapter" in project["classifiers"]


def test_the_guide_states_the_current_hook_api_and_links_the_hook_reference() -> None:
    text = GUIDE.read_text(encoding="utf-8")
    assert f'JOBADAPTER_API_VERSION = "{HOOK_API_VERSION}"' in text
    assert "(hooks.md)" in text and (GUIDE.parent / "hooks.md").is_file()
    for promise in ("jobadapter new-plugin", "Framework :: jobadapter", "JOBADAPTER_RECORD"):
        assert promise in text
    for anchor in re.findall(r"\]\(#([a-z0-9-]+)\)", text):
        headings = re.findall(r"^#+ (.+)$", text, re.M)
        slugs = {re.sub(r"[^a-z0-9 -]", "", h.lower()).replace(" ", "-") for h in headings}
        assert anchor in slugs, f"link to a missing section: #{anchor}"


# -- the code ----------------------------------------------------------------------------


def test_the_tutorial_code_is_ruff_and_mypy_strict_clean(
    tutorial: Tutorial, tmp_path: Path
) -> None:
    config = ROOT / "pyproject.toml"
    paths = (PACKAGE, "tests")
    ruff = (sys.executable, "-m", "ruff")
    run(*ruff, "check", "--no-cache", "--config", config, *paths, cwd=tutorial.path)
    run(*ruff, "format", "--check", "--no-cache", "--config", config, *paths, cwd=tutorial.path)
    run(
        sys.executable, "-m", "mypy", "--strict", "--config-file", config,
        "--cache-dir", tmp_path / "mypy", *paths,
        cwd=tutorial.path,
    )  # fmt: skip


def test_the_samples_and_requests_fit_the_specs_schemas(tutorial: Tutorial) -> None:
    samples = tutorial.samples
    for name in ("ADDED", "IN_PROGRESS", "COMPLETED", "FAILED", "SKIPPED"):
        assert_fits("Bulk_Write_Response", getattr(samples, name))
    assert_fits("Success_Response", samples.CREATED)
    request = tutorial.module("adapter").BulkWriteRequest
    assert_fits("Request_Wrapper", request("Leads", "4150868000001").body())
    assert_fits("Request_Wrapper", request("Leads", "1", "upsert", find_by="Email").body())


def test_the_tutorial_adapter_maps_the_samples(tutorial: Tutorial) -> None:
    adapter = tutorial.module("adapter").BulkWriteAdapter()
    samples = tutorial.samples
    expected = {
        "ADDED": JobStatus.PENDING,
        "IN_PROGRESS": JobStatus.RUNNING,
        "COMPLETED": JobStatus.SUCCEEDED,
        "FAILED": JobStatus.FAILED,
        "SKIPPED": JobStatus.FAILED,
    }
    jobs = {name: adapter.parse(getattr(samples, name)) for name in expected}
    assert {name: job.status for name, job in jobs.items()} == expected
    done = jobs["COMPLETED"]
    assert (done.counts.total, done.counts.processed, done.counts.succeeded) == (20, 20, 18)
    assert done.counts.failed == 2 and done.has_row_failures
    assert (
        done.created_at is not None and done.created_at.isoformat() == "2024-05-01T10:00:00+00:00"
    )
    assert (done.target, done.operation, done.submitted_by) == ("Leads", "insert", "Patricia Boyle")
    assert jobs["ADDED"].counts.total is None  # not said yet: unknown, not 0
    assert [e.code for e in jobs["FAILED"].errors] == ["INVALID_FILE_FORMAT"]
    assert [e.code for e in jobs["SKIPPED"].errors] == ["SKIPPED"]
    junks: list[Any] = [None, [], {"status": 7}, {"status": "ADDED", "resource": "x"}]
    for junk in junks:
        with pytest.raises(ProviderResponseError, match="zoho.bulk_write"):
            adapter.parse(junk, job_id="1")


class SimulatedTime(FakeClock):
    """A hub clock whose waits move the simulator's clock: watching runs without sleeping."""

    def __init__(self, simulator_clock: SimClock) -> None:
        super().__init__(start=simulator_clock.now())
        self.simulator_clock = simulator_clock

    def sleep(self, seconds: float) -> None:
        super().sleep(seconds)
        if seconds > 0:
            self.simulator_clock.advance(seconds)


def test_the_tutorial_plugin_works_against_its_simulator(tutorial: Tutorial) -> None:
    request = tutorial.module("adapter").BulkWriteRequest
    sim_clock = SimClock(speed=0)
    simulator = tutorial.module("simulator").ZohoBulkWriteSimulator(clock=sim_clock)
    with SandboxServer(simulator):
        profile = profile_from_mapping("bulk", simulator.profile())
        with Hub(
            config=False,
            profiles=[profile],
            plugins=[tutorial.plugin],
            load_entrypoints=False,
            clock=SimulatedTime(sim_clock),
        ) as hub:
            (info,) = [i for i in hub.plugin_infos() if i.name == tutorial.plugin.__name__]
            assert (info.adapters, info.providers) == ((ADAPTER,), ("zoho_bulk",))
            good = hub.submit(ADAPTER, request("Leads", "4150868000001"))
            bad = hub.submit(ADAPTER, request("Leads", "4150868000002", "upsert"))
            assert good.status is bad.status is JobStatus.PENDING
            assert_fits("Success_Response", good.raw)
            result = hub.track([good, bad], deadline=600, workers=0)
            with pytest.raises(NotFound, match="RESOURCE_NOT_FOUND"):
                hub.get(ADAPTER, "4150868000000999999")
            with pytest.raises(InvalidRequest, match="INVALID_FILE_ID") as unknown_file:
                hub.submit(ADAPTER, request("Leads", "no-such-file"))
            with pytest.raises(NotSupported, match="documents no way to stop"):
                hub.cancel(ADAPTER, good.id)
    assert unknown_file.value.status == 400
    assert result.all_succeeded is False and not result.errors and not result.deadlines
    finished, failed = result.jobs[good.key], result.jobs[bad.key]
    assert finished.status is JobStatus.SUCCEEDED and finished.native_status == "COMPLETED"
    assert (finished.counts.total, finished.counts.succeeded, finished.counts.failed) == (20, 18, 2)
    assert finished.result_url is not None and finished.result_url.endswith(".zip")
    assert failed.status is JobStatus.FAILED and failed.errors[0].code == "INVALID_FILE_FORMAT"
    for job in (finished, failed):
        assert_fits("Bulk_Write_Response", job.raw)


def test_the_tutorials_own_tests_pass_recording_then_replaying(tutorial: Tutorial) -> None:
    env = {"PYTHONPATH": str(tutorial.path)}
    tests = ("-m", "pytest", "-q", "-p", "no:cacheprovider", "tests")
    recorded = run(
        sys.executable, *tests, cwd=tutorial.path, env=child_env(JOBADAPTER_RECORD="1", **env)
    )
    cassette = tutorial.path / "tests" / "cassettes" / "bulk_write.yaml"
    assert "passed" in recorded and cassette.is_file()
    assert "http://sandbox.invalid/crm/bulk/v8/write" in cassette.read_text(encoding="utf-8")
    replayed = run(sys.executable, *tests, cwd=tutorial.path, env=child_env(CI="1", **env))
    assert "passed" in replayed and "failed" not in replayed and "skipped" not in replayed
