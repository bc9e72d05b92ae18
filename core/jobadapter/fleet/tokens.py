"""One access token per profile for the whole fleet.

Every worker asking a provider for its own token would multiply the live
tokens by the number of processes (Zoho allows at most 30 per refresh
token) and the token requests with them. The token is kept in the shared
database instead: a worker reads it there, and when it is missing or about
to expire one worker at a time fetches a new one while holding the
profile's row locked; the others wait on the lock and then use what it
fetched. The database therefore holds live access tokens: protect it as
you protect the profiles' secrets.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from jobadapter.fleet.db import FleetDB

SCHEMA = (
    """
    CREATE TABLE IF NOT EXISTS fleet_tokens (
        profile TEXT PRIMARY KEY,
        header TEXT,
        expires DOUBLE PRECISION NOT NULL,
        api_base TEXT
    )
    """,
)

#: (Authorization header value, seconds it stays good, API base URL or None).
Token = tuple[str, float, "str | None"]


class SharedToken:
    """The fleet's token of one profile (implements ``jobadapter.auth.TokenShare``)."""

    def __init__(self, db: FleetDB, profile: str, *, wall: Callable[[], float] = time.time) -> None:
        self.db = db
        self.profile = profile
        self._wall = wall
        #: Tokens this process fetched for the fleet (diagnostics, tests).
        self.fetches = 0

    def __repr__(self) -> str:
        return f"<SharedToken {self.profile}>"

    def _select(self, cur: Any, *, lock: bool) -> Token | None:
        suffix = " FOR UPDATE" if lock and self.db.postgres else ""
        cur.execute(
            self.db.sql("SELECT header, expires, api_base FROM fleet_tokens WHERE profile = ?")
            + suffix,
            (self.profile,),
        )
        row = cur.fetchone()
        if row is None or row[0] is None:
            return None
        left = float(row[1]) - self._wall()
        return (str(row[0]), left, row[2]) if left > 0 else None

    def read(self) -> Token | None:
        """The fleet's token while it is good, else None."""
        found: Token | None = self.db.run(lambda cur: self._select(cur, lock=False))
        return found

    def refresh(self, fetch: Callable[[], Token]) -> Token:
        """The fleet's token if another worker has just fetched one, else
        ``fetch()``'s, stored for everyone; one worker at a time."""

        def work(cur: Any) -> Token:
            cur.execute(
                self.db.sql(
                    "INSERT INTO fleet_tokens (profile, header, expires, api_base) "
                    "VALUES (?, NULL, 0, NULL) ON CONFLICT (profile) DO NOTHING"
                ),
                (self.profile,),
            )
            current = self._select(cur, lock=True)
            if current is not None:
                return current
            token = fetch()
            self.fetches += 1
            cur.execute(
                self.db.sql(
                    "UPDATE fleet_tokens SET header = ?, expires = ?, api_base = ? WHERE profile = ?"
                ),
                (token[0], self._wall() + token[1], token[2], self.profile),
            )
            return token

        token: Token = self.db.run(work)
        return token

    def drop(self, header: str) -> None:
        """Forget the token after the provider refused it (only if it is still that one)."""
        self.db.run(
            lambda cur: cur.execute(
                self.db.sql(
                    "UPDATE fleet_tokens SET header = NULL, expires = 0 "
                    "WHERE profile = ? AND header = ?"
                ),
                (self.profile, header),
            )
        )


class FleetTokens:
    """Hands out each profile's :class:`SharedToken`."""

    def __init__(self, db: FleetDB) -> None:
        self.db = db
        self._tokens: dict[str, SharedToken] = {}

    def create(self) -> None:
        self.db.create(SCHEMA)

    def for_profile(self, profile: str) -> SharedToken:
        token = self._tokens.get(profile)
        if token is None:
            token = self._tokens[profile] = SharedToken(self.db, profile)
        return token
