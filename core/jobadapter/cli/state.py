"""What every command shares: the global options, a lazily built Hub, and the
plugins alone for the commands that need no Hub.

Command modules import ``State`` from here, never the group in ``main``:
the group imports the commands (through ``commands.BUILTIN``), not the other way.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from jobadapter.errors import ConfigError


class State:
    """What every command shares: options and a lazily built Hub.

    ``verbosity``: -1 with ``-q`` (results and errors only), 0 by default,
    1 or more with ``-v``.
    """

    def __init__(
        self,
        config: Path | None,
        debug: bool,
        *,
        store_url: str | None = None,
        use_store: bool = True,
        verbosity: int = 0,
    ) -> None:
        self.config = config
        self.debug = debug
        self.store_url = store_url
        self.use_store = use_store
        self.verbosity = verbosity
        self._hub: Any = None
        self._plugins: Any = None
        self._store: Any = None
        #: The transport the hub is built with (None: the hub's own); set before ``hub``.
        self.transport: Any = None

    @property
    def quiet(self) -> bool:
        return self.verbosity < 0

    @property
    def store(self) -> Any:
        """The job store (opened on first use), or None with ``--no-store``."""
        if not self.use_store:
            return None
        if self._store is None:
            from jobadapter.store import open_store
            from jobadapter.store.urls import sqlite_path

            path = sqlite_path(self.store_url)
            if path is not None and not Path(path).parent.is_dir():
                raise ConfigError(
                    f"--store {self.store_url}: folder {Path(path).parent} does not exist; "
                    "create it first or pick another path"
                )
            self._store = open_store(self.store_url)
        return self._store

    @property
    def hub(self) -> Any:
        if self._hub is None:
            from jobadapter.hub import Hub

            self._hub = Hub(config=self.config, store=self.store, transport=self.transport)
        return self._hub

    @property
    def plugins(self) -> Any:
        """The loaded plugins (a :class:`~jobadapter.plugins.PluginHost`): the hub's
        once it is built, else loaded on their own, as the hub would load them.

        For commands that only list plugins or read the store (``plugins``,
        ``report``): a hub also builds its transport, which imports urllib3 and
        the transport and connection code, none of which they use. A command
        that needs the hub too asks for ``hub`` first (asked later, the hub
        loads the plugins again, for itself).
        """
        if self._hub is not None:
            return self._hub.plugins
        if self._plugins is None:
            from jobadapter.plugins import PluginHost

            self._plugins = PluginHost()
        return self._plugins

    def profile_for(self, adapter: str, given: str | None) -> str | None:
        """The profile a command uses: ``--profile``, else the default profile
        (``$JOBADAPTER_PROFILE`` or the config's ``default_profile``) when it is for
        this adapter's provider, else None (the one profile of that provider)."""
        if given is not None:
            return given
        from jobadapter.config import default_profile_name

        default = default_profile_name(self.config)
        if default is None:
            return None
        hub = self.hub
        profiles = hub.profiles
        if default not in profiles:
            known = ", ".join(sorted(profiles)) or "none"
            raise ConfigError(f"default profile {default!r} is not configured (known: {known})")
        if profiles[default].provider != hub.adapter(adapter).provider:
            return None
        return default
