"""docs/plugin-guide.md: the tutorial's code runs as written.

Every fenced block with a ``title="path"`` is part of the tutorial plugin; blocks
with the same path are joined in order (a block starting indented continues the
class above it). The test writes them out as a package, checks that its names are
the ones ``jobadapter new-plugin mailchimp_batch`` gives, lints and type-checks it,
drives it against its own simulator and runs its own tests (recording its
cassette, then replaying it).
"""

from __future__ import annotations

import importlib
import importlib.util
import re
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import attrs
import pytest
from child_process import child_env, run
from jobadapter import HOOK_API_VERSION, Hub, JobStatus
from jobadapter.cli.new_plugin_cmd import plugin_names
from jobadapter.config import profile_from_mapping
from jobadapter.errors import AuthError, NotFound, NotSupported, ProviderResponseError
from jobadapter.sandbox import SandboxServer, SimClock
from jobadapter.testing import SimulatedTime

if sys.version_info >= (3, 11):
    import tomllib
else:
    import tomli as tomllib

ROOT = Path(__file__).resolve().parents[2]
GUIDE = ROOT / "docs" / "plugin-guide.md"
NAME = "mailchimp_batch"
PACKAGE = "jobadapter_mailchimp_batch"
ADAPTER = "mailchimp.batch"
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
    "tests/test_watch.py",
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


# -- the text --------------------------------------------------------------------------


def test_the_guide_holds_the_whole_tutorial_package() -> None:
    files = tutorial_files()
    assert set(files) == FILES
    project = tomllib.loads(files["pyproject.toml"])["project"]
    assert project["name"] == "jobadapter-mailchimp-batch"
    assert project["entry-points"]["jobadapter"] == {NAME: f"{PACKAGE}.plugin"}
    assert "Framework :: jobadapter" in project["classifiers"]


def test_the_tutorial_uses_the_names_new_plugin_gives() -> None:
    names = plugin_names(NAME)
    files = tutorial_files()
    assert names.package == PACKAGE and names.adapter == ADAPTER
    assert tomllib.loads(files["pyproject.toml"])["project"]["name"] == names.distribution
    assert f"class {names.adapter_class}Adapter(Adapter):" in files[f"{PACKAGE}/adapter.py"]
    assert f'provider: ClassVar[str] = "{names.provider}"' in files[f"{PACKAGE}/adapter.py"]
    assert f"class {names.provider_class}Provider(Provider):" in files[f"{PACKAGE}/provider.py"]
    simulator = files[f"{PACKAGE}/simulator.py"]
    assert f"class {names.provider_class}Simulator(Simulator):" in simulator
    assert f'name: ClassVar[str] = "{names.name}"' in simulator
    assert f"jobadapter new-plugin {NAME}" in GUIDE.read_text(encoding="utf-8")


def test_the_tutorial_is_no_copy_of_a_shipped_plugin() -> None:
    shipped = {p.name for p in (ROOT / "plugins").iterdir()}
    assert NAME not in shipped and "mailchimp" not in {s.split("_")[0] for s in shipped}


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


def test_the_tutorial_adapter_maps_the_samples(tutorial: Tutorial) -> None:
    adapter = tutorial.module("adapter").MailchimpBatchAdapter()
    samples = tutorial.samples
    expected = {
        "PENDING": JobStatus.PENDING,
        "PREPROCESSING": JobStatus.PENDING,
        "STARTED": JobStatus.RUNNING,
        "FINALIZING": JobStatus.RUNNING,
        "FINISHED": JobStatus.SUCCEEDED,
    }
    jobs = {name: adapter.parse(getattr(samples, name)) for name in expected}
    assert {name: job.status for name, job in jobs.items()} == expected
    done = jobs["FINISHED"]
    assert (done.counts.total, done.counts.processed, done.counts.succeeded) == (20, 20, 18)
    assert done.counts.failed == 2 and done.has_row_failures
    assert (
        done.created_at is not None and done.created_at.isoformat() == "2024-05-01T10:00:00+00:00"
    )
    assert jobs["STARTED"].ended_at is None and jobs["STARTED"].result_url is None  # "" is none
    for junk in [None, [], {"status": 7}, {"status": "started", "total_operations": "x"}]:
        with pytest.raises(ProviderResponseError, match=ADAPTER):
            adapter.parse(junk, job_id="1")


def test_the_tutorial_plugin_works_against_its_simulator(tutorial: Tutorial) -> None:
    sim_clock = SimClock(speed=0)
    simulator = tutorial.module("simulator").MailchimpSimulator(clock=sim_clock)
    (demo,) = simulator.demo_requests()
    with SandboxServer(simulator):
        profile = profile_from_mapping("mc", simulator.profile())
        wrong = profile_from_mapping("bad", {**simulator.profile(), "token": "nope-us0"})
        with Hub(
            config=False,
            profiles=[profile, wrong],
            plugins=[tutorial.plugin],
            load_entrypoints=False,
            clock=SimulatedTime(sim_clock),
        ) as hub:
            (info,) = [i for i in hub.plugin_infos() if i.name == tutorial.plugin.__name__]
            assert (info.adapters, info.providers) == ((ADAPTER,), ("mailchimp",))
            first = hub.submit(ADAPTER, demo.request, profile="mc")
            second = hub.submit(ADAPTER, demo.request, profile="mc")
            assert first.status is JobStatus.PENDING and first.counts.total == 4
            stopped = hub.cancel(ADAPTER, second.id, profile="mc")
            result = hub.track([(ADAPTER, first.id, "mc")], deadline=600, workers=0)
            listed = {job.id for job in hub.list_jobs(ADAPTER, profile="mc", count=1)}
            with pytest.raises(NotFound, match="could not be found"):
                hub.get(ADAPTER, second.id, profile="mc")
            with pytest.raises(AuthError):
                hub.get(ADAPTER, first.id, profile="bad")
            with pytest.raises(NotSupported, match="tar.gz"):
                list(hub.results(ADAPTER, first.id, profile="mc"))
    assert stopped.status is JobStatus.CANCELLED
    finished = result.jobs[first.key]
    assert finished.status is JobStatus.SUCCEEDED and finished.native_status == "finished"
    assert (finished.counts.total, finished.counts.succeeded, finished.counts.failed) == (4, 3, 1)
    assert finished.result_url is not None and finished.result_url.endswith(".tar.gz")
    assert first.id in listed


def test_the_tutorials_own_tests_pass_recording_then_replaying(tutorial: Tutorial) -> None:
    env = {"PYTHONPATH": str(tutorial.path)}
    tests = ("-m", "pytest", "-q", "-p", "no:cacheprovider", "tests")
    recorded = run(
        sys.executable, *tests, cwd=tutorial.path, env=child_env(JOBADAPTER_RECORD="1", **env)
    )
    cassette = tutorial.path / "tests" / "cassettes" / "batch.yaml"
    assert "passed" in recorded and cassette.is_file()
    assert "http://sandbox.invalid/3.0/batches" in cassette.read_text(encoding="utf-8")
    replayed = run(sys.executable, *tests, cwd=tutorial.path, env=child_env(CI="1", **env))
    assert "passed" in replayed and "failed" not in replayed and "skipped" not in replayed
