"""Plugin loading: pluggy, entry-point group ``jobadapter``, allow and block lists.

``JOBADAPTER_PLUGINS`` (comma separated) loads only the named plugins
(entry-point or distribution names; empty loads none);
``JOBADAPTER_DISABLE_PLUGINS`` skips the named ones. Registrations are
collected per plugin, so two plugins claiming one adapter name is an error
that names both.
"""

from __future__ import annotations

import importlib
import importlib.metadata as metadata
import os
import threading
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import attrs
import pluggy

import jobadapter.hookspecs as hookspecs
from jobadapter.adapter import Adapter
from jobadapter.errors import PluginError
from jobadapter.provider import Provider
from jobadapter.redact import get_logger

log = get_logger("plugins")

ENTRY_POINT_GROUP = "jobadapter"
BUILTIN_PLUGINS = ("jobadapter.builtins",)


@attrs.frozen
class PluginInfo:
    """What ``jobadapter plugins`` lists for one loaded plugin."""

    name: str
    version: str | None
    distribution: str | None
    hooks: tuple[str, ...]
    adapters: tuple[str, ...] = ()
    providers: tuple[str, ...] = ()
    simulators: tuple[str, ...] = ()
    report_formats: tuple[str, ...] = ()
    api_version: str | None = None


@attrs.define
class Registry:
    """Everything the loaded plugins registered, keyed by name.

    Simulators are collected on first use, and a plugin may register one by
    name and import path (``register("acme", "acme_plugin.simulator:AcmeSim")``):
    simulator modules pull in werkzeug, which only the sandbox needs, so
    listing plugins or watching jobs never pays for importing them.
    """

    adapters: dict[str, type[Adapter]] = attrs.Factory(dict)
    providers: dict[str, Provider] = attrs.Factory(dict)
    report_formats: dict[str, Callable[..., str]] = attrs.Factory(dict)
    owners: dict[tuple[str, str], str] = attrs.Factory(dict)
    #: Adapters set aside at load time (e.g. their provider's plugin is missing), and why.
    unavailable: dict[str, str] = attrs.Factory(dict)
    _refs: dict[str, type[Any] | str] | None = attrs.field(default=None, init=False)
    _simulators: dict[str, type[Any]] | None = attrs.field(default=None, init=False)
    _load_refs: Callable[[], dict[str, type[Any] | str]] | None = attrs.field(
        default=None, init=False, repr=False, eq=False
    )
    _lock: threading.RLock = attrs.field(factory=threading.RLock, init=False, repr=False, eq=False)

    def simulator_names(self) -> list[str]:
        """Names of the registered simulators, importing none of them."""
        with self._lock:
            if self._refs is None:
                load = self._load_refs
                self._refs = load() if load is not None else {}
            return sorted(self._refs)

    @property
    def simulators(self) -> dict[str, type[Any]]:
        """Simulator classes by name (imported now, once)."""
        with self._lock:
            if self._simulators is None:
                self.simulator_names()
                assert self._refs is not None
                self._simulators = {
                    name: _resolve_simulator(name, ref) for name, ref in self._refs.items()
                }
            return self._simulators

    def defer_simulators(self, load: Callable[[], dict[str, type[Any] | str]]) -> None:
        """Collect simulators with ``load`` when they are first asked for."""
        with self._lock:
            self._refs = None
            self._simulators = None
            self._load_refs = load


def _resolve_simulator(name: str, ref: type[Any] | str) -> type[Any]:
    if not isinstance(ref, str):
        return ref
    module_name, _, attr = ref.partition(":")
    try:
        cls: type[Any] = getattr(importlib.import_module(module_name), attr)
    except (ImportError, AttributeError) as exc:
        raise PluginError(
            f"simulator {name!r} names {ref!r}, which cannot be imported: {exc}"
        ) from exc
    if getattr(cls, "name", None) != name:
        raise PluginError(
            f"simulator {ref!r} is registered as {name!r} but names itself {cls.name!r}"
        )
    return cls


def _split_env(value: str | None) -> set[str] | None:
    if value is None:
        return None
    return {part.strip() for part in value.split(",") if part.strip()}


def _api_compatible(plugin: object, name: str) -> str | None:
    declared = getattr(plugin, "JOBADAPTER_API_VERSION", None)
    if declared is None:
        log.warning(
            "plugin %s does not declare JOBADAPTER_API_VERSION; assuming %s",
            name,
            hookspecs.HOOK_API_VERSION,
        )
        return None
    ours = hookspecs.HOOK_API_VERSION.split(".")[0]
    theirs = str(declared).split(".")[0]
    if theirs != ours:
        raise PluginError(
            f"plugin {name!r} was written for jobadapter hook API {declared}, but this core "
            f"implements {hookspecs.HOOK_API_VERSION}: upgrade the plugin (or jobadapter) so the "
            "major versions match, or disable it with JOBADAPTER_DISABLE_PLUGINS"
        )
    return str(declared)


class PluginHost:
    """The pluggy manager plus what the plugins registered."""

    def __init__(
        self,
        *,
        load_entrypoints: bool = True,
        plugins: Iterable[object] = (),
        environ: Mapping[str, str] | None = None,
    ) -> None:
        env = os.environ if environ is None else environ
        self.pm = pluggy.PluginManager(hookspecs.PROJECT)
        self.pm.add_hookspecs(hookspecs)
        self.distinfo: dict[str, tuple[str | None, str | None]] = {}
        self.api_versions: dict[str, str | None] = {}
        for module_name in BUILTIN_PLUGINS:
            module = __import__(module_name, fromlist=["_"])
            self.pm.register(module, name=module_name)
            self.distinfo[module_name] = ("jobadapter", _version("jobadapter"))
        if load_entrypoints:
            self._load_entrypoints(
                allow=_split_env(env.get("JOBADAPTER_PLUGINS")),
                block=_split_env(env.get("JOBADAPTER_DISABLE_PLUGINS")) or set(),
            )
        for plugin in plugins:
            name = getattr(plugin, "__name__", None) or type(plugin).__name__
            self.api_versions[name] = _api_compatible(plugin, name)
            self.pm.register(plugin, name=name)
        try:
            self.pm.check_pending()
        except pluggy.PluginValidationError as exc:
            name = self.pm.get_name(exc.plugin) or repr(exc.plugin)
            raise PluginError(
                f"plugin {name!r} implements a hook jobadapter does not define ({exc}); "
                "check the spelling against docs/hooks.md, or disable the plugin with "
                "JOBADAPTER_DISABLE_PLUGINS"
            ) from None
        self.registry = self._collect()

    def _load_entrypoints(self, *, allow: set[str] | None, block: set[str]) -> None:
        entry_points = metadata.entry_points(group=ENTRY_POINT_GROUP)
        _warn_unknown_names(entry_points, allow=allow, block=block)
        for ep in entry_points:
            dist = ep.dist.name if ep.dist is not None else None
            names = {ep.name, dist} - {None}
            if allow is not None and not names & allow:
                continue
            if names & block:
                log.info("plugin %s disabled by JOBADAPTER_DISABLE_PLUGINS", ep.name)
                continue
            if self.pm.get_plugin(ep.name) is not None:
                continue
            try:
                plugin = ep.load()
            except Exception as exc:
                raise PluginError(
                    f"plugin {ep.name!r} ({dist}) failed to import: {type(exc).__name__}: {exc}; "
                    "reinstall it or disable it with JOBADAPTER_DISABLE_PLUGINS"
                ) from exc
            self.api_versions[ep.name] = _api_compatible(plugin, ep.name)
            self.pm.register(plugin, name=ep.name)
            version = ep.dist.version if ep.dist is not None else None
            self.distinfo[ep.name] = (dist, version)

    def _call_register(self, hook_name: str, add: Callable[[str, Any], None]) -> None:
        """Call every implementation of a ``register_*`` hook, telling ``add`` who registered."""
        hook = getattr(self.pm.hook, hook_name)
        for impl in reversed(hook.get_hookimpls()):
            owner = impl.plugin_name

            def register(*args: Any, _owner: str = owner) -> None:
                add(_owner, args)

            impl.function(register=register)

    def _collect_simulators(self, registry: Registry) -> dict[str, type[Any] | str]:
        """Every registered simulator, a class or an import path, by name (ownership
        recorded only on success)."""
        simulators: dict[str, type[Any] | str] = {}
        owners: dict[tuple[str, str], str] = dict(registry.owners)

        def add_simulator(owner: str, args: Any) -> None:
            if len(args) == 2 and isinstance(args[0], str) and isinstance(args[1], str):
                name, ref = args
                if ":" not in ref:
                    raise PluginError(
                        f"plugin {owner!r} registered simulator {name!r} as {ref!r}; "
                        "give 'module:ClassName'"
                    )
            elif len(args) == 1:
                (ref,) = args
                name = getattr(ref, "name", None)
                if not isinstance(name, str):
                    raise PluginError(f"plugin {owner!r} registered a simulator without a 'name'")
            else:
                raise PluginError(
                    f"plugin {owner!r}: register a simulator as register(SimulatorClass) "
                    "or register(name, 'module:ClassName')"
                )
            self._claim(owners, "simulator", name, owner)
            simulators[name] = ref

        self._call_register("register_simulators", add_simulator)
        registry.owners.update(owners)
        return simulators

    def _collect(self) -> Registry:
        registry = Registry()
        call = self._call_register

        def add_adapter(owner: str, args: Any) -> None:
            (cls,) = args
            if not (isinstance(cls, type) and issubclass(cls, Adapter)):
                raise PluginError(
                    f"plugin {owner!r} registered {cls!r}, which is not an Adapter subclass"
                )
            self._claim(registry.owners, "adapter", cls.name, owner)
            registry.adapters[cls.name] = cls

        def add_provider(owner: str, args: Any) -> None:
            (provider,) = args
            if not isinstance(provider, Provider):
                raise PluginError(
                    f"plugin {owner!r} registered {provider!r}, which is not a Provider"
                )
            self._claim(registry.owners, "provider", provider.name, owner)
            registry.providers[provider.name] = provider

        def add_format(owner: str, args: Any) -> None:
            name, render = args
            self._claim(registry.owners, "report format", name, owner)
            registry.report_formats[name] = render

        call("register_providers", add_provider)
        call("register_adapters", add_adapter)
        call("register_report_formats", add_format)
        for name, cls in list(registry.adapters.items()):
            if cls.provider not in registry.providers:
                # One plugin's missing dependency must not take the others down:
                # this adapter is set aside, and using it says why.
                reason = (
                    f"adapter {name!r} (plugin {registry.owners[('adapter', name)]!r}) needs "
                    f"provider {cls.provider!r}, which no loaded plugin registers: install the "
                    "plugin that provides it (e.g. its -common package) or enable it"
                )
                log.warning("%s", reason)
                registry.unavailable[name] = reason
                del registry.adapters[name]
        registry.defer_simulators(lambda: self._collect_simulators(registry))
        return registry

    @staticmethod
    def _claim(owners: dict[tuple[str, str], str], kind: str, name: str, owner: str) -> None:
        key = (kind, name)
        previous = owners.get(key)
        if previous is not None:
            raise PluginError(
                f"{kind} {name!r} is registered by two plugins: {previous!r} and {owner!r}; "
                "uninstall one or disable it with JOBADAPTER_DISABLE_PLUGINS"
            )
        owners[key] = owner

    def infos(self) -> list[PluginInfo]:
        """One entry per loaded plugin, built-ins included (simulators collected first)."""
        self.registry.simulator_names()  # their owners are listed; nothing imported
        result = []
        for name, plugin in self.pm.list_name_plugin():
            if plugin is None:
                continue
            dist, version = self.distinfo.get(name, (None, None))

            def owned(kind: str, _name: str = name) -> tuple[str, ...]:
                return tuple(
                    sorted(
                        n for (k, n), o in self.registry.owners.items() if k == kind and o == _name
                    )
                )

            hooks = tuple(sorted(h.name for h in self.pm.get_hookcallers(plugin) or []))
            result.append(
                PluginInfo(
                    name=name,
                    version=version,
                    distribution=dist,
                    hooks=hooks,
                    adapters=owned("adapter"),
                    providers=owned("provider"),
                    simulators=owned("simulator"),
                    report_formats=owned("report format"),
                    api_version=self.api_versions.get(name, hookspecs.HOOK_API_VERSION),
                )
            )
        return result


def _version(dist: str) -> str | None:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return None


def _warn_unknown_names(
    entry_points: Iterable[metadata.EntryPoint], *, allow: set[str] | None, block: set[str]
) -> None:
    """A mistyped name in JOBADAPTER_PLUGINS or JOBADAPTER_DISABLE_PLUGINS would
    otherwise load (or skip) nothing without a word: say which names match no plugin."""
    if not allow and not block:
        return  # nothing named, nothing to check: no distribution's metadata read
    known: set[str] = set()
    for ep in entry_points:
        known.add(ep.name)
        if ep.dist is not None:
            known.add(ep.dist.name)
    for variable, names in (("JOBADAPTER_PLUGINS", allow), ("JOBADAPTER_DISABLE_PLUGINS", block)):
        unknown = sorted((names or set()) - known)
        if unknown:
            log.warning(
                "%s names %s, which no installed plugin has (installed: %s)",
                variable,
                ", ".join(unknown),
                ", ".join(sorted(ep.name for ep in entry_points)) or "none",
            )


#: The distribution that ships each first-party adapter, for "install it" hints.
FIRST_PARTY_DISTRIBUTIONS = {
    "zuora.mass_updater": "jobadapter-zuora-bulk",
    "zuora.bulk_job": "jobadapter-zuora-bulk",
    "zuora.custom_object_job": "jobadapter-zuora-custom-objects",
    "zoho.mass_update": "jobadapter-zoho-mass-update",
}


def install_hint(adapter: str) -> str:
    """What to install for an adapter that is not installed, naming the distribution."""
    dist = FIRST_PARTY_DISTRIBUTIONS.get(adapter)
    if dist is not None:
        return (
            f"install the {dist} distribution (from a checkout: make wheels, then "
            f"pip install --find-links dist {dist})"
        )
    return (
        "install the distribution that provides it (first-party plugins are named "
        "jobadapter-<provider>-<kind>; `jobadapter plugins` lists what is installed)"
    )
