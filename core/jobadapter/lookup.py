"""The hub's lookups: which adapter class, which profile, which connection.

Every verb starts here: the adapter named, the profile asked for (or the one
profile for its provider), the hub's adapter instance and connection for them,
each built once and found again by identity. A base class of
:class:`~jobadapter.hub.Hub`, so the hub's public names stay where they were.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Literal

from jobadapter.adapter import Adapter
from jobadapter.config import Profile, default_config_path, load_config, sourced_profile
from jobadapter.connection import Connection
from jobadapter.errors import ConfigError, PluginError, UnknownAdapter
from jobadapter.plugins import PluginHost, PluginInfo, install_hint
from jobadapter.provider import Provider
from jobadapter.redact import get_logger
from jobadapter.transport import Transport

__all__ = ["HubLookups", "profiles_by_name"]

log = get_logger("hub")


class HubLookups:
    """Adapters, profiles and connections of one hub (set up by ``Hub.__init__``)."""

    plugins: PluginHost
    transport: Transport
    _config_path: str | Path | Literal[False] | None
    _profiles: dict[str, Profile] | None
    _given_profiles: dict[str, Profile]
    _connections: dict[str, Connection]
    _instances: dict[tuple[str, str], tuple[type[Adapter], Profile, Adapter]]
    _zone_warned: set[str]
    _lock: threading.RLock

    # -- registry --------------------------------------------------------------

    def adapters(self) -> list[str]:
        """Names of every adapter the loaded plugins provide."""
        return sorted(self.plugins.registry.adapters)

    def adapter(self, name: str, *, profile: str | Profile | None = None) -> Adapter:
        """An adapter instance (set up with the profile's timezone, when given)."""
        cls = self._adapter_class(name)
        prof = self._resolve_profile(cls, profile) if profile is not None else None
        if prof is not None:
            self._say_if_zone_assumed(cls, prof)
        return cls(timezone=prof.timezone if prof else None)

    def _say_if_zone_assumed(self, cls: type[Adapter], profile: Profile) -> None:
        """Warn once per profile when an adapter reads zoneless times as UTC by default."""
        if not cls.naive_timestamps or profile.timezone is not None:
            return
        if profile.name in self._zone_warned:
            return
        self._zone_warned.add(profile.name)
        log.warning(
            "profile %r sets no `timezone`: %s answers carry times with no zone, so they "
            "are read as UTC and may be hours off; set `timezone` (your tenant's zone, "
            'e.g. "America/Los_Angeles") in the profile (%s)',
            profile.name,
            cls.name,
            profile.source,
        )

    def _adapter_class(self, name: str) -> type[Adapter]:
        cls = self.plugins.registry.adapters.get(name)
        if cls is None:
            reason = self.plugins.registry.unavailable.get(name)
            if reason is not None:
                raise PluginError(reason)
            known = ", ".join(self.adapters()) or "none"
            raise UnknownAdapter(
                f"no adapter named {name!r}; installed: {known}; {install_hint(name)}"
            )
        return cls

    def _adapter_for(
        self, name: str, profile: Profile, cls: type[Adapter] | None = None
    ) -> Adapter:
        """The hub's own instance of ``name`` for ``profile``, built once, not per call
        (an adapter holds nothing but its timezone; its status table's memory is on the class)."""
        if cls is None:
            cls = self._adapter_class(name)
        key = (name, profile.name)
        cached = self._instances.get(key)
        if cached is not None and cached[0] is cls and cached[1] is profile:
            return cached[2]
        self._say_if_zone_assumed(cls, profile)
        instance = cls(timezone=profile.timezone)
        self._instances[key] = (cls, profile, instance)
        return instance

    def provider(self, name: str) -> Provider:
        try:
            return self.plugins.registry.providers[name]
        except KeyError:
            raise ConfigError(f"no plugin provides provider {name!r}") from None

    def plugin_infos(self) -> list[PluginInfo]:
        return self.plugins.infos()

    # -- profiles ----------------------------------------------------------------

    @property
    def profiles(self) -> dict[str, Profile]:
        profiles = self._profiles  # loaded once, never unset: read without the lock
        if profiles is not None:
            return profiles
        with self._lock:
            if self._profiles is None:
                loaded = {} if self._config_path is False else load_config(self._config_path)
                loaded.update(self._given_profiles)
                self._profiles = loaded
            return self._profiles

    def add_profile(self, profile: Profile) -> None:
        with self._lock:
            self.profiles[profile.name] = profile
            self._connections.pop(profile.name, None)

    def _resolve_profile(self, cls: type[Adapter], profile: str | Profile | None) -> Profile:
        if isinstance(profile, Profile):
            return profile
        profiles = self.profiles
        if profile is not None:
            found = profiles.get(profile) or self._sourced_profile(profile)
            if found is None:
                known = ", ".join(sorted(profiles)) or "none"
                raise ConfigError(
                    f"no profile named {profile!r} (known: {known}; no profile_source plugin "
                    "supplied one)"
                )
            if found.provider != cls.provider:
                raise ConfigError(
                    f"profile {profile!r} is for provider {found.provider!r}, "
                    f"but {cls.name} needs a {cls.provider!r} profile"
                )
            return found
        matching = [p for p in profiles.values() if p.provider == cls.provider]
        if len(matching) == 1:
            return matching[0]
        if not matching:
            raise ConfigError(
                f"{cls.name} needs a profile with provider = {cls.provider!r}; none is "
                f"configured ({self._config_source()}); add one (docs/configuration.md), or "
                "try it locally: `jobadapter sandbox` prints profiles for its simulators"
            )
        names = ", ".join(sorted(p.name for p in matching))
        raise ConfigError(f"several {cls.provider!r} profiles ({names}): choose one with profile=")

    def _config_source(self) -> str:
        """Where this hub's profiles come from, for messages."""
        if self._config_path is False:
            return "no config file is read"
        path = default_config_path() if self._config_path is None else self._config_path
        return f"looked in {path}" + ("" if Path(path).exists() else ", which does not exist")

    def _sourced_profile(self, name: str) -> Profile | None:
        """The profile a ``profile_source`` plugin supplies for ``name`` (kept once found)."""
        supplied = self.plugins.pm.hook.profile_source(name=name)
        if supplied is None:
            return None
        found = sourced_profile(name, supplied)
        self.add_profile(found)
        return found

    def connection(self, adapter: str, profile: str | Profile | None = None) -> Connection:
        """The (cached) connection for ``adapter`` under ``profile``."""
        return self._connection_for(self._resolve_profile(self._adapter_class(adapter), profile))

    def _connection_for(self, prof: Profile) -> Connection:
        conn = self._connections.get(prof.name)  # the usual case, without the lock
        if conn is not None and conn.profile is prof:
            return conn
        with self._lock:
            conn = self._connections.get(prof.name)
            if conn is None or conn.profile is not prof:
                conn = Connection(
                    profile=prof, provider=self.provider(prof.provider), transport=self.transport
                )
                self._connections[prof.name] = conn
            return conn


def profiles_by_name(
    profiles: Mapping[str, Profile] | Iterable[Profile] | None,
) -> dict[str, Profile]:
    if profiles is None:
        return {}
    if isinstance(profiles, Mapping):
        return dict(profiles)
    return {p.name: p for p in profiles}
