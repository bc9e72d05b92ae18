"""``jobadapter new-plugin``: the generated plugin is complete, loads in a hub, passes its
own tests, lints and type-checks clean, works in ``submit``/``watch`` against its own
simulator, and, once really pip-installed, shows in ``jobadapter plugins``."""

from __future__ import annotations

import importlib
import importlib.util
import json
import os
import shutil
import sys
import sysconfig
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import attrs
import pytest
from child_process import child_env, run
from click.testing import CliRunner, Result
from jobadapter.cli.main import State, cli
from jobadapter.cli.new_plugin_cmd import (
    MAX_NAME,
    PluginNames,
    core_checkout,
    plugin_names,
    template_files,
)
from jobadapter.cli.sandbox_cmd import profiles_toml
from jobadapter.clock import FakeClock
from jobadapter.hub import Hub
from jobadapter.sandbox import SandboxServer, SimClock

if sys.version_info >= (3, 11):
    import tomllib
else:
    import tomli as tomllib

ROOT = Path(__file__).resolve().parents[2]
NAME = "acme_export"
PACKAGE = "jobadapter_acme_export"
DISTRIBUTION = "jobadapter-acme-export"
ADAPTER = "acme.export"
PLUGIN_MODULE = f"{PACKAGE}.plugin"

EXPECTED_FILES = {
    ".gitignore",
    "Makefile",
    "README.md",
    "pyproject.toml",
    f"{PACKAGE}/__init__.py",
    f"{PACKAGE}/adapter.py",
    f"{PACKAGE}/plugin.py",
    f"{PACKAGE}/provider.py",
    f"{PACKAGE}/py.typed",
    f"{PACKAGE}/simulator.py",
    "tests/cassettes/README.md",
    "tests/cassettes/flow.yaml",
    "tests/test_cassette.py",
    "tests/test_contract.py",
    "tests/test_discovery.py",
    "tests/test_watch.py",
}


@attrs.frozen
class Generated:
    path: Path
    plugin: ModuleType


def invoke(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Generated]:
    """One plugin generated with the real command, importable from its folder."""
    base = tmp_path_factory.mktemp("plugins")
    path = base / DISTRIBUTION
    result = invoke("new-plugin", NAME, "--dir", str(path))
    assert result.exit_code == 0, result.output
    sys.path.insert(0, str(path))
    try:
        yield Generated(path, importlib.import_module(PLUGIN_MODULE))
    finally:
        sys.path.remove(str(path))
        for name in [m for m in sys.modules if m == PACKAGE or m.startswith(PACKAGE + ".")]:
            del sys.modules[name]


def trailing_json(text: str) -> Any:
    """The JSON document that ends ``text``. ``watch --json`` prints its plain progress
    lines on stdout before the JSON (a core bug, reported), so skip to the document."""
    lines = text.splitlines()
    start = lines.index("{")
    return json.loads("\n".join(lines[start:]))


# -- names ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (("acme_export", None, None), ("acme_export", "acme", "export")),
        (("Acme-Export", None, None), ("acme_export", "acme", "export")),
        (("acme", None, None), ("acme", "acme", "job")),
        (("bulk-write", "zoho", None), ("bulk_write", "zoho", "bulk_write")),
        (("zoho_bulk_write", "zoho", None), ("zoho_bulk_write", "zoho", "bulk_write")),
        (("acme_export", None, "nightly_export"), ("acme_export", "acme", "nightly_export")),
    ],
)
def test_names_come_from_name_provider_and_kind(
    args: tuple[str, str | None, str | None], expected: tuple[str, str, str]
) -> None:
    name, provider, kind = args
    names = plugin_names(name, provider=provider, kind=kind)
    assert (names.name, names.provider, names.kind) == expected


def test_every_derived_name_follows_the_conventions() -> None:
    names = PluginNames(name="acme_export", provider="acme", kind="bulk_export")
    assert names.package == "jobadapter_acme_export"
    assert names.distribution == "jobadapter-acme-bulk-export"
    assert names.adapter == "acme.bulk_export"
    assert (names.adapter_class, names.provider_class) == ("AcmeBulkExport", "Acme")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["1acme"], "must be lower-case"),
        (["acme export"], "must be lower-case"),
        (["acme__export"], "must be lower-case"),
        (["generic_export"], "the core's own"),
        (["x" * (MAX_NAME + 1)], "at most"),
        (["acme", "--kind", "k" * MAX_NAME], "at most"),
    ],
)
def test_bad_names_are_usage_errors(args: list[str], message: str, tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["new-plugin", *args, "--dir", str(tmp_path)])
    assert result.exit_code == 2
    assert message in result.output
    assert not any(tmp_path.iterdir())


def test_refuses_a_non_empty_folder_and_a_core_that_is_no_checkout(tmp_path: Path) -> None:
    (tmp_path / DISTRIBUTION).mkdir()
    (tmp_path / DISTRIBUTION / "keep.txt").write_text("mine", encoding="utf-8")
    taken = CliRunner().invoke(cli, ["new-plugin", NAME, "--dir", str(tmp_path / DISTRIBUTION)])
    assert taken.exit_code == 2 and "not empty" in taken.output
    assert [p.name for p in (tmp_path / DISTRIBUTION).iterdir()] == ["keep.txt"]
    elsewhere = tmp_path / "other"
    args = ["new-plugin", NAME, "--dir", str(elsewhere), "--core", str(tmp_path)]
    not_core = CliRunner().invoke(cli, args)
    assert not_core.exit_code == 2 and "no jobadapter checkout" in not_core.output


def test_a_provider_an_installed_plugin_registers_is_not_taken(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("JOBADAPTER_PLUGINS", "zoho_common,zoho_mass_update")  # installed
    result = invoke("new-plugin", "zoho_bulk_write", "--dir", str(tmp_path))
    assert result.exit_code == 0, result.output
    assert "provider 'zoho_bulk', not 'zoho'" in result.output
    assert "To reuse the installed 'zoho' provider (plugin 'zoho_common')" in result.output
    assert (tmp_path / "Makefile").is_file()  # --dir is the plugin's folder itself
    adapter = (tmp_path / "jobadapter_zoho_bulk_write" / "adapter.py").read_text("utf-8")
    assert 'provider: ClassVar[str] = "zoho_bulk"' in adapter
    explicit = CliRunner().invoke(
        cli, ["new-plugin", "zoho_x", "--provider", "zoho", "--dir", str(tmp_path / "x")]
    )
    assert explicit.exit_code == 2 and "To reuse the installed 'zoho' provider" in explicit.output
    assert not (tmp_path / "x").exists()


def test_asks_for_the_provider_name_at_a_terminal(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("JOBADAPTER_PLUGINS", "zoho_common")
    monkeypatch.setattr("jobadapter.cli.new_plugin_cmd.interactive", lambda: True)
    result = CliRunner().invoke(
        cli, ["new-plugin", "zoho_bulk_write", "--dir", str(tmp_path)], input="crm_files\n"
    )
    assert result.exit_code == 0, result.output
    assert "provider name for this plugin [zoho_bulk]" in result.output
    assert "crm_files.bulk_write" in result.output


# -- the files -------------------------------------------------------------------------


def test_the_template_ships_as_tmpl_files_only() -> None:
    paths = [str(path) for path, _ in template_files()]
    assert paths and all(p.endswith(".tmpl") for p in paths)
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert "templates/**/*" in pyproject["tool"]["setuptools"]["package-data"]["jobadapter"]


def test_the_generated_package_is_complete(generated: Generated) -> None:
    files = {p.relative_to(generated.path).as_posix() for p in generated.path.rglob("*")}
    files = {f for f in files if (generated.path / f).is_file() and "__pycache__" not in f}
    assert files == EXPECTED_FILES
    for name in files:
        assert "{{" not in (generated.path / name).read_text(encoding="utf-8"), name


def test_the_generated_pyproject_follows_the_plugin_conventions(generated: Generated) -> None:
    data = tomllib.loads((generated.path / "pyproject.toml").read_text(encoding="utf-8"))
    project = data["project"]
    assert project["name"] == DISTRIBUTION
    assert "Framework :: jobadapter" in project["classifiers"]
    assert project["dependencies"][0] == "jobadapter>=0.1.0"
    assert project["entry-points"]["jobadapter"] == {NAME: PLUGIN_MODULE}
    assert {"pytest>=8", "vcrpy>=6", "mypy>=1.10", "ruff>=0.5"} <= set(
        project["optional-dependencies"]["test"]
    )
    repo = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]
    assert data["tool"]["ruff"] == repo["ruff"] | {"lint": data["tool"]["ruff"]["lint"]}
    for key in ("select", "ignore"):
        assert data["tool"]["ruff"]["lint"][key] == repo["ruff"]["lint"][key]
    assert data["tool"]["mypy"]["strict"] is True
    assert data["tool"]["mypy"]["python_version"] == repo["mypy"]["python_version"]


def test_the_makefile_installs_the_core_from_this_checkout(generated: Generated) -> None:
    assert core_checkout() == ROOT  # the tests run from an editable install of this tree
    makefile = (generated.path / "Makefile").read_text(encoding="utf-8")
    assert f"JOBADAPTER_CORE ?= {ROOT}\n" in makefile
    assert "-e '.[test]'" in makefile
    for target in ("test: lint typecheck pytest", "mypy --strict", "ruff format --check"):
        assert target in makefile
    assert "\n\t$(BIN)/pytest -q\n" in makefile  # recipes are indented with tabs


# -- the generated plugin at work ------------------------------------------------------


def test_the_plugin_module_loads_in_a_hub(generated: Generated) -> None:
    with Hub(config=False, load_entrypoints=False, plugins=[generated.plugin]) as hub:
        assert ADAPTER in hub.adapters()
        (info,) = [i for i in hub.plugin_infos() if i.name == PLUGIN_MODULE]
    assert info.adapters == (ADAPTER,)
    assert info.providers == ("acme",) and info.simulators == (NAME,)
    assert info.api_version == "1.0"
    assert info.hooks == ("register_adapters", "register_providers", "register_simulators")


class SimulatedTime(FakeClock):
    """A hub clock whose waits move the simulator's clock: a watch runs without sleeping."""

    def __init__(self, simulator_clock: SimClock) -> None:
        super().__init__(start=simulator_clock.now())
        self.simulator_clock = simulator_clock

    def sleep(self, seconds: float) -> None:
        super().sleep(seconds)
        if seconds > 0:
            self.simulator_clock.advance(seconds)


def use_hub(monkeypatch: pytest.MonkeyPatch, plugin: ModuleType, **kwargs: Any) -> list[Hub]:
    """Make the CLI build its hub (and so its plugins) from ``plugin`` only (and
    ``kwargs``); returns the hubs built."""
    built: list[Hub] = []

    def hub(state: State) -> Hub:
        if state._hub is None:
            state._hub = Hub(
                config=state.config,
                store=state.store,
                plugins=[plugin],
                load_entrypoints=False,
                **kwargs,
            )
            built.append(state._hub)
        return state._hub  # type: ignore[no-any-return]

    monkeypatch.setattr(State, "hub", property(hub))
    # Commands that need no hub (plugins, report) take its plugins alone.
    monkeypatch.setattr(State, "plugins", property(lambda state: hub(state).plugins))
    monkeypatch.setenv("NO_COLOR", "1")
    return built


def test_jobadapter_plugins_lists_it(generated: Generated, monkeypatch: pytest.MonkeyPatch) -> None:
    hubs = use_hub(monkeypatch, generated.plugin)
    result = invoke("--config", os.devnull, "--no-store", "plugins", "--json")
    for hub in hubs:
        hub.close()
    assert result.exit_code == 0, result.output
    (row,) = [r for r in json.loads(result.output) if r["name"] == PLUGIN_MODULE]
    assert row["adapters"] == [ADAPTER]
    assert row["capabilities"] == {ADAPTER: ["get", "submit"]}
    assert row["api_version"] == "1.0"


def test_its_adapter_works_in_submit_and_watch_against_its_simulator(
    generated: Generated, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sim_clock = SimClock(speed=0)
    simulator = importlib.import_module(f"{PACKAGE}.simulator").AcmeSimulator(clock=sim_clock)
    config = tmp_path / "config.toml"
    rows = [{"email": f"p{n}@example.com", "_fail": n == 3} for n in range(8)]
    (tmp_path / "some.json").write_text(json.dumps(rows), encoding="utf-8")
    (tmp_path / "none.json").write_text(json.dumps([{"_fail": True}] * 2), encoding="utf-8")
    hubs = use_hub(monkeypatch, generated.plugin, clock=SimulatedTime(sim_clock))
    common = ["--config", str(config), "--store", str(tmp_path / "jobs.sqlite3")]
    try:
        with SandboxServer(simulator):
            config.write_text(profiles_toml({"acme": simulator.profile()}), encoding="utf-8")
            ids = []
            for name in ("some.json", "none.json"):
                args = ["submit", ADAPTER, "--object", "contacts", "--file", str(tmp_path / name)]
                submitted = invoke(*common, *args, "--json")
                assert submitted.exit_code == 0, submitted.output
                (job,) = json.loads(submitted.output)
                assert job["status"] == "pending"
                ids.append(job["id"])
            watched = invoke(*common, "watch", ADAPTER, *ids, "--json")
    finally:
        for hub in hubs:
            hub.close()
    assert watched.exit_code == 1, watched.output  # one job failed
    jobs = {job["id"]: job for job in trailing_json(watched.stdout)["jobs"]}
    some, none = jobs[ids[0]], jobs[ids[1]]
    assert some["status"] == "succeeded" and some["native_status"] == "completed"
    assert some["counts"] == {"total": 8, "processed": 8, "succeeded": 7, "failed": 1}
    assert none["status"] == "failed" and none["errors"][0]["code"] == "NO_RECORD_WRITTEN"
    assert sim_clock.now() > simulator.jobs[ids[0]].created  # time moved only by the watch


def test_the_generated_tests_pass(generated: Generated) -> None:
    env = child_env(CI="1", PYTHONPATH=str(generated.path))
    out = run(
        sys.executable, "-m", "pytest", "-q", "-m", "not installed", "tests",
        cwd=generated.path, env=env,
    )  # fmt: skip
    assert "passed" in out and "failed" not in out and "skipped" not in out


def test_the_generated_code_passes_ruff_and_mypy_strict(
    generated: Generated, tmp_path: Path
) -> None:
    paths = (PACKAGE, "tests")
    run(sys.executable, "-m", "ruff", "check", "--no-cache", *paths, cwd=generated.path)
    run(sys.executable, "-m", "ruff", "format", "--check", "--no-cache", *paths, cwd=generated.path)
    run(
        sys.executable, "-m", "mypy", "--strict", "--cache-dir", tmp_path / "mypy", *paths,
        cwd=generated.path,
    )  # fmt: skip


def can_build_wheels_offline() -> bool:
    """setuptools builds wheels by itself from 70.1 on; before, it needs ``wheel``."""
    from importlib.metadata import version

    major, minor = (int(part) for part in version("setuptools").split(".")[:2])
    return (major, minor) >= (70, 1) or importlib.util.find_spec("wheel") is not None


def test_pip_installed_it_shows_in_jobadapter_plugins(generated: Generated, tmp_path: Path) -> None:
    """A real ``pip install`` (no index, no build isolation) into a throwaway venv that
    sees this environment's packages; then the installed CLI lists the plugin and the
    plugin's whole test suite passes, entry-point test included."""
    assert can_build_wheels_offline(), (
        "building a wheel without the network needs setuptools>=70.1 (or the 'wheel' "
        "package) in this environment: add it to jobadapter's test extra"
    )
    source = tmp_path / DISTRIBUTION
    shutil.copytree(generated.path, source, ignore=shutil.ignore_patterns("__pycache__"))
    venv = tmp_path / "venv"
    run(sys.executable, "-m", "venv", "--without-pip", venv, cwd=tmp_path)
    python = venv / "bin" / "python"
    site = Path(
        run(
            python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])", cwd=tmp_path
        ).strip()
    )
    parent = sysconfig.get_paths()["purelib"]
    (site / "_jobadapter_parent.pth").write_text(
        f"import site; site.addsitedir({parent!r})\n", encoding="utf-8"
    )
    run(
        python, "-m", "pip", "install", "--quiet", "--no-deps", "--no-build-isolation",
        "--no-index", source, cwd=tmp_path,
    )  # fmt: skip
    assert (site / f"{PACKAGE}").is_dir() and not (site / f"{PACKAGE}").is_symlink()
    env = child_env(CI="1", JOBADAPTER_CONFIG=os.devnull, JOBADAPTER_HOME=str(tmp_path / "home"))
    listed = run(
        python, "-c", "from jobadapter.cli import main; main()", "--no-store", "plugins", "--json",
        cwd=tmp_path, env=env,
    )  # fmt: skip
    (row,) = [r for r in json.loads(listed) if r["name"] == NAME]
    assert row["distribution"] == DISTRIBUTION and row["version"] == "0.1.0"
    assert row["adapters"] == [ADAPTER] and row["api_version"] == "1.0"
    # Run from elsewhere, so the package imported is the installed one, not the source folder.
    out = run(python, "-m", "pytest", "-q", source / "tests", cwd=tmp_path, env=env)
    assert "passed" in out and "deselected" not in out and "skipped" not in out
