"""What every command shares: the global options and a lazily built Hub.

Command modules import ``State`` from here, never the group in ``main``:
the group imports the commands (through ``commands.BUILTIN``), not the other way.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any


class State:
    """What every command shares: options and a lazily built Hub."""

    def __init__(
        self,
        config: Path | None,
        debug: bool,
        *,
        store_url: str | None = None,
        use_store: bool = True,
    ) -> None:
        self.config = config
        self.debug = debug
        self.store_url = store_url
        self.use_store = use_store
        self._hub: Any = None
        self._store: Any = None
        #: The transport the hub is built with (None: the hub's own); set before ``hub``.
        self.transport: Any = None

    @property
    def store(self) -> Any:
        """The job store (opened on first use), or None with ``--no-store``."""
        if not self.use_store:
            return None
        if self._store is None:
            from jobadapter.store import open_store

            self._store = open_store(self.store_url)
        return self._store

    @property
    def hub(self) -> Any:
        if self._hub is None:
            from jobadapter.hub import Hub

            self._hub = Hub(config=self.config, store=self.store, transport=self.transport)
        return self._hub
