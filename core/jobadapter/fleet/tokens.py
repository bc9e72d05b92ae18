"""One access token per profile for the whole fleet.

Every worker asking a provider for its own token would multiply the live
tokens by the number of processes (Zoho allows at most 30 per refresh
token) and the token requests with them. The token is kept in the shared
database instead: a worker reads it there, and when it is missing or about
to expire one worker at a time fetches a new one while holding the
profile's row locked; the others wait on the lock and then use what it
fetched. The row holds the token sealed (:mod:`jobadapter.fleet.seal`)
with a key derived from the profile's secrets, which the database never
sees: reading the database gives no usable token.

A worker whose key differs (another client secret or fleet key: a
misconfigured host, or one that already has a rotated secret) cannot open
the row. It fetches a token of its own but leaves the row alone while the
row's token is good, so the rightly keyed workers keep sharing theirs
instead of each side overwriting the other's at every refresh.
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
from collections.abc import Callable
from typing import Any

from jobadapter.config import Profile
from jobadapter.fleet.db import FleetDB
from jobadapter.fleet.seal import TokenSeal, key_material
from jobadapter.redact import get_logger

log = get_logger("fleet")

SCHEMA = (
    """
    CREATE TABLE IF NOT EXISTS fleet_sealed_tokens (
        profile TEXT PRIMARY KEY,
        sealed TEXT,
        fingerprint TEXT,
        expires DOUBLE PRECISION NOT NULL
    )
    """,
    # An earlier version kept tokens in plaintext here: never leave them at rest.
    "DROP TABLE IF EXISTS fleet_tokens",
)

#: (Authorization header value, seconds it stays good, API base URL or None).
Token = tuple[str, float, "str | None"]


class SharedToken:
    """The fleet's token of one profile (implements ``jobadapter.auth.TokenShare``)."""

    def __init__(
        self, db: FleetDB, seal: TokenSeal, *, wall: Callable[[], float] = time.time
    ) -> None:
        self.db = db
        self.seal = seal
        self.profile = seal.profile
        self._wall = wall
        #: Tokens this process fetched for the fleet (diagnostics, tests).
        self.fetches = 0

    def __repr__(self) -> str:
        return f"<SharedToken {self.profile}>"

    def _select(self, cur: Any, *, lock: bool) -> tuple[Token | None, bool]:
        """The row's token (None when missing, expired or not ours), and whether it
        is a good one sealed with another key."""
        suffix = " FOR UPDATE" if lock and self.db.postgres else ""
        cur.execute(
            self.db.sql("SELECT sealed, expires FROM fleet_sealed_tokens WHERE profile = ?")
            + suffix,
            (self.profile,),
        )
        row = cur.fetchone()
        if row is None or row[0] is None:
            return None, False
        expires = float(row[1])
        left = expires - self._wall()
        if left <= 0:
            return None, False
        opened = self.seal.open(str(row[0]), expires)
        if opened is None:
            log.warning(
                "%s: the fleet's token does not open with this worker's key (another "
                "client secret or JOBADAPTER_FLEET_KEY than the other workers?)",
                self.profile,
            )
            return None, True
        header, api_base = json.loads(opened)
        return (str(header), left, api_base), False

    def read(self) -> Token | None:
        """The fleet's token while it is good, else None."""
        found: Token | None = self.db.run(lambda cur: self._select(cur, lock=False)[0])
        return found

    def refresh(self, fetch: Callable[[], Token]) -> Token:
        """The fleet's token if another worker has just fetched one, else
        ``fetch()``'s, stored for everyone; one worker at a time."""

        def work(cur: Any) -> Token:
            cur.execute(
                self.db.sql(
                    "INSERT INTO fleet_sealed_tokens (profile, sealed, fingerprint, expires) "
                    "VALUES (?, NULL, NULL, 0) ON CONFLICT (profile) DO NOTHING"
                ),
                (self.profile,),
            )
            current, foreign = self._select(cur, lock=True)
            if current is not None:
                return current
            token = fetch()
            self.fetches += 1
            if foreign:
                return token  # ours alone: the row stays the one the others open
            header, good_for, api_base = token
            expires = self._wall() + good_for
            cur.execute(
                self.db.sql(
                    "UPDATE fleet_sealed_tokens SET sealed = ?, fingerprint = ?, expires = ? "
                    "WHERE profile = ?"
                ),
                (
                    self.seal.seal(json.dumps([header, api_base]), expires),
                    self.seal.fingerprint(header),
                    expires,
                    self.profile,
                ),
            )
            return token

        token: Token = self.db.run(work)
        return token

    def drop(self, header: str) -> None:
        """Forget the token after the provider refused it (only if it is still that one)."""
        self.db.run(
            lambda cur: cur.execute(
                self.db.sql(
                    "UPDATE fleet_sealed_tokens SET sealed = NULL, fingerprint = NULL, "
                    "expires = 0 WHERE profile = ? AND fingerprint = ?"
                ),
                (self.profile, self.seal.fingerprint(header)),
            )
        )


class FleetTokens:
    """Hands out each profile's :class:`SharedToken`."""

    def __init__(self, db: FleetDB) -> None:
        self.db = db
        self._tokens: dict[tuple[str, bytes], SharedToken] = {}
        self._lock = threading.Lock()

    def create(self) -> None:
        self.db.create(SCHEMA)

    def for_profile(self, profile: Profile) -> SharedToken:
        """The shared token of ``profile``, sealed with a key from its secrets as they
        are now: a profile whose secret changed gets a new seal (and a new share)."""
        material = key_material(profile)
        key = (profile.name, hashlib.sha256(material).digest())
        token = self._tokens.get(key)
        if token is None:
            with self._lock:
                token = self._tokens.get(key)
                if token is None:
                    for old in [k for k in self._tokens if k[0] == profile.name]:
                        del self._tokens[old]
                    token = SharedToken(self.db, TokenSeal(profile.name, material))
                    self._tokens[key] = token
        return token
