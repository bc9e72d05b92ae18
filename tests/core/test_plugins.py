"""Plugin loading: hooks, duplicates named, allow/block lists, API versions."""

from __future__ import annotations

import importlib.metadata as metadata
import types
from collections.abc import Callable
from typing import Any

import pytest
from jobadapter import Adapter, Hub, Job, JobStatus, PluginError, StatusTable, hookimpl
from jobadapter import plugins as plugins_module


def make_adapter(adapter_name: str) -> type[Adapter]:
    class Made(Adapter):
        name = adapter_name
        provider = "generic"
        statuses = StatusTable({JobStatus.SUCCEEDED: ("done",)}, owner=adapter_name)

        def build_job(self, payload: Any, *, job_id: str | None) -> Job:
            return Job(adapter=self.name, id=job_id or "1", status=self.status_of(payload["s"]))

        def get(self, conn: Any, job_id: str) -> Job:
            raise NotImplementedError

    return Made


def plugin_with(name: str, *adapters: str, api: str | None = "1.0") -> types.ModuleType:
    module = types.ModuleType(name)
    classes = [make_adapter(a) for a in adapters]

    @hookimpl
    def register_adapters(register: Callable[[type[Adapter]], None]) -> None:
        for cls in classes:
            register(cls)

    module.register_adapters = register_adapters  # type: ignore[attr-defined]
    if api is not None:
        module.JOBADAPTER_API_VERSION = api  # type: ignore[attr-defined]
    return module


def test_registered_adapter_is_listed() -> None:
    hub = Hub(load_entrypoints=False, plugins=[plugin_with("p1", "acme.export")])
    assert "acme.export" in hub.adapters()
    assert hub.adapter("acme.export").parse({"s": "DONE"}).status is JobStatus.SUCCEEDED


def test_same_adapter_from_two_plugins_names_both() -> None:
    with pytest.raises(PluginError) as info:
        Hub(
            load_entrypoints=False,
            plugins=[plugin_with("first", "acme.x"), plugin_with("second", "acme.x")],
        )
    assert "'first'" in str(info.value) and "'second'" in str(info.value)


def test_incompatible_api_major_refused() -> None:
    with pytest.raises(PluginError, match="hook API 2.0"):
        Hub(load_entrypoints=False, plugins=[plugin_with("future", "acme.y", api="2.0")])


def test_misspelt_hook_is_caught() -> None:
    module = types.ModuleType("typo")

    @hookimpl
    def register_adaptors(register: Any) -> None:
        """misspelt on purpose"""

    module.register_adaptors = register_adaptors  # type: ignore[attr-defined]
    with pytest.raises(PluginError, match="register_adaptors") as info:
        Hub(load_entrypoints=False, plugins=[module])
    assert "'typo'" in str(info.value) and "docs/hooks.md" in str(info.value)


def test_adapter_needing_a_missing_provider_is_set_aside_and_the_rest_work() -> None:
    """Uninstalling a provider's plugin (a -common package) must not take the others down."""
    module = plugin_with("p", "acme.z")
    cls = make_adapter("acme.other")
    cls.provider = "nowhere"

    @hookimpl
    def register_adapters(register: Callable[[type[Adapter]], None]) -> None:
        register(cls)

    other = types.ModuleType("other")
    other.register_adapters = register_adapters  # type: ignore[attr-defined]
    other.JOBADAPTER_API_VERSION = "1.0"  # type: ignore[attr-defined]
    hub = Hub(load_entrypoints=False, plugins=[module, other])
    assert hub.adapters() == ["acme.z"]
    with pytest.raises(PluginError, match="needs provider 'nowhere'"):
        hub.adapter("acme.other")


class FakeEntryPoint:
    def __init__(self, name: str, module: types.ModuleType) -> None:
        self.name = name
        self.module = module
        self.dist = types.SimpleNamespace(name=f"jobadapter-{name}", version="9.9")

    def load(self) -> types.ModuleType:
        return self.module


@pytest.fixture
def fake_entry_points(monkeypatch: pytest.MonkeyPatch) -> None:
    points = [
        FakeEntryPoint("alpha", plugin_with("alpha", "alpha.job")),
        FakeEntryPoint("beta", plugin_with("beta", "beta.job")),
    ]

    def entry_points(*, group: str) -> list[FakeEntryPoint]:
        return points if group == "jobadapter" else []

    monkeypatch.setattr(plugins_module.metadata, "entry_points", entry_points)


@pytest.mark.usefixtures("fake_entry_points")
@pytest.mark.parametrize(
    ("environ", "expected"),
    [
        ({}, {"alpha.job", "beta.job"}),
        ({"JOBADAPTER_PLUGINS": "alpha"}, {"alpha.job"}),
        ({"JOBADAPTER_PLUGINS": "jobadapter-beta"}, {"beta.job"}),
        ({"JOBADAPTER_PLUGINS": ""}, set()),
        ({"JOBADAPTER_DISABLE_PLUGINS": "alpha"}, {"beta.job"}),
    ],
)
def test_allow_and_block_lists(environ: dict[str, str], expected: set[str]) -> None:
    hub = Hub(environ=environ)
    assert set(hub.adapters()) == expected


@pytest.mark.usefixtures("fake_entry_points")
def test_plugin_infos_list_versions_and_hooks() -> None:
    infos = {i.name: i for i in Hub(environ={}).plugin_infos()}
    assert infos["alpha"].version == "9.9" and infos["alpha"].adapters == ("alpha.job",)
    assert "register_adapters" in infos["alpha"].hooks
    assert "jobadapter.builtins" in infos


def test_broken_entry_point_says_how_to_disable(monkeypatch: pytest.MonkeyPatch) -> None:
    class Broken(FakeEntryPoint):
        def load(self) -> types.ModuleType:
            raise ImportError("no module named nothing")

    monkeypatch.setattr(
        plugins_module.metadata,
        "entry_points",
        lambda *, group: [Broken("bad", types.ModuleType("bad"))],
    )
    with pytest.raises(PluginError, match="JOBADAPTER_DISABLE_PLUGINS"):
        Hub(environ={})


def test_real_entry_points_are_read() -> None:
    # Whatever is installed, loading through importlib.metadata must not fail.
    names = {ep.name for ep in metadata.entry_points(group="jobadapter")}
    hub = Hub()
    loaded = {i.name for i in hub.plugin_infos()}
    assert names <= loaded


def test_simulators_registered_by_path_load_only_when_used() -> None:
    """register(name, "module:Class"): listed without importing, imported when served."""
    import sys

    module = types.ModuleType("lazy_sim_plugin")

    @hookimpl
    def register_simulators(register: Callable[..., None]) -> None:
        register("lazy", "lazy_sim_target:LazySimulator")

    module.register_simulators = register_simulators  # type: ignore[attr-defined]
    target = types.ModuleType("lazy_sim_target")
    target.LazySimulator = type("LazySimulator", (), {"name": "lazy"})  # type: ignore[attr-defined]
    hub = Hub(load_entrypoints=False, plugins=[module])
    infos = {i.name: i for i in hub.plugin_infos()}
    assert infos["lazy_sim_plugin"].simulators == ("lazy",)
    sys.modules["lazy_sim_target"] = target
    try:
        assert hub.plugins.registry.simulators["lazy"] is target.LazySimulator  # type: ignore[attr-defined]
    finally:
        del sys.modules["lazy_sim_target"]


def test_a_simulator_path_that_does_not_import_is_a_plugin_error() -> None:
    module = types.ModuleType("broken_sim_plugin")

    @hookimpl
    def register_simulators(register: Callable[..., None]) -> None:
        register("ghost", "no_such_module_anywhere:Ghost")

    module.register_simulators = register_simulators  # type: ignore[attr-defined]
    hub = Hub(load_entrypoints=False, plugins=[module])
    with pytest.raises(PluginError, match="cannot be imported"):
        hub.plugins.registry.simulators  # noqa: B018
