"""One access token per profile for the whole fleet, fetched by one worker at a time,
and kept sealed: the database alone gives no usable token."""

from __future__ import annotations

import sqlite3
import threading
from typing import Any

import pytest
from jobadapter.config import Profile, profile_from_mapping
from jobadapter.errors import ConfigError
from jobadapter.fleet import FleetDB, FleetTokens
from jobadapter.fleet.seal import FLEET_KEY_ENV, TokenSeal


def oauth_profile(name: str = "p", secret: str = "client-secret-1") -> Profile:
    table = {"provider": "zoho", "base_url": "https://api.example.test"}
    table |= {"client_id": "client-1", "client_secret": secret, "refresh_token": "refresh-1"}
    return profile_from_mapping(name, table)


def raw_rows(db: FleetDB) -> list[tuple[Any, ...]]:
    """Every column of every token row, as a reader of the database sees them."""

    def work(cur: Any) -> list[tuple[Any, ...]]:
        cur.execute("SELECT * FROM fleet_sealed_tokens")
        return [tuple(row) for row in cur.fetchall()]

    rows: list[tuple[Any, ...]] = db.run(work)
    return rows


def test_workers_share_one_token_and_refetch_only_after_a_refusal(store_url: str) -> None:
    fetched: list[int] = []
    lock = threading.Lock()

    def fetch() -> tuple[str, float, str | None]:
        with lock:
            fetched.append(1)
            return f"Bearer token-{len(fetched)}", 3600.0, "https://api.example.test"

    p = oauth_profile()
    workers = [FleetTokens(FleetDB(store_url)) for _ in range(4)]
    workers[0].create()
    got: list[tuple[str, float, str | None]] = []
    threads = [
        threading.Thread(target=lambda w=w: got.append(w.for_profile(p).refresh(fetch)))
        for w in workers
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert len(fetched) == 1
    assert {g[0] for g in got} == {"Bearer token-1"}
    assert {g[2] for g in got} == {"https://api.example.test"}
    read = workers[3].for_profile(p).read()
    assert read is not None and read[0] == "Bearer token-1" and 3500 < read[1] <= 3600
    assert workers[1].for_profile(oauth_profile("other")).read() is None

    workers[2].for_profile(p).drop("Bearer stale")  # not the live one: kept
    assert workers[0].for_profile(p).read() is not None
    workers[2].for_profile(p).drop("Bearer token-1")  # refused by the provider
    assert workers[0].for_profile(p).read() is None
    assert workers[1].for_profile(p).refresh(fetch)[0] == "Bearer token-2"


def test_the_database_holds_no_usable_token(store_url: str) -> None:
    token = "1000.live-access-token-f00d"
    db = FleetDB(store_url)
    tokens = FleetTokens(db)
    tokens.create()
    tokens.for_profile(oauth_profile()).refresh(lambda: (f"Zoho-oauthtoken {token}", 3600.0, None))

    rows = raw_rows(db)
    assert len(rows) == 1
    assert not any(token in str(cell) for cell in rows[0]), rows
    # A worker with another client secret (or none of the fleet's key) cannot open it,
    # and says why; it would fetch a token of its own rather than use this one.
    stranger = FleetTokens(FleetDB(store_url)).for_profile(
        oauth_profile(secret="client-secret-of-a-stranger")
    )
    assert stranger.read() is None
    # The fleet's own workers still can.
    assert FleetTokens(FleetDB(store_url)).for_profile(oauth_profile()).read() is not None


def test_a_profile_whose_secret_changed_is_sealed_with_its_new_key(store_url: str) -> None:
    # A profile source can hand a worker a rotated client secret: the worker must
    # seal with what the profile holds now, or the fleet's workers stop sharing.
    db = FleetDB(store_url)
    tokens = FleetTokens(db)
    tokens.create()
    tokens.for_profile(oauth_profile()).refresh(lambda: ("Bearer old", 0.0, None))  # expired
    rotated = oauth_profile(secret="client-secret-2")
    tokens.for_profile(rotated).refresh(lambda: ("Bearer new", 3600.0, None))
    restarted = FleetTokens(FleetDB(store_url)).for_profile(rotated).read()
    assert restarted is not None and restarted[0] == "Bearer new"


def test_a_worker_with_another_key_does_not_overwrite_the_fleets_token(store_url: str) -> None:
    # A misconfigured worker (another secret or JOBADAPTER_FLEET_KEY) gets a token of
    # its own; the row stays the one every rightly configured worker opens.
    db = FleetDB(store_url)
    FleetTokens(db).create()
    fleet = FleetTokens(db).for_profile(oauth_profile())
    fleet.refresh(lambda: ("Bearer shared", 3600.0, None))
    stranger = FleetTokens(FleetDB(store_url)).for_profile(
        oauth_profile(secret="client-secret-of-a-stranger")
    )
    assert stranger.refresh(lambda: ("Bearer own", 3600.0, None))[0] == "Bearer own"
    kept = FleetTokens(FleetDB(store_url)).for_profile(oauth_profile()).read()
    assert kept is not None and kept[0] == "Bearer shared"
    # Nor can it drop the fleet's token, whatever header it names.
    stranger.drop("Bearer shared")
    assert fleet.read() is not None


def test_a_sealed_token_is_bound_to_its_key_profile_and_expiry() -> None:
    seal = TokenSeal.for_profile(oauth_profile(), env={})
    sealed = seal.seal('["Bearer t", null]', 100.0)
    assert seal.open(sealed, 100.0) == '["Bearer t", null]'
    assert seal.open(sealed, 200.0) is None  # a later expiry written over it
    assert TokenSeal.for_profile(oauth_profile("q"), env={}).open(sealed, 100.0) is None
    with_key = TokenSeal.for_profile(oauth_profile(), env={FLEET_KEY_ENV: "k" * 32})
    assert with_key.open(sealed, 100.0) is None  # JOBADAPTER_FLEET_KEY is part of the key
    assert seal.open("v1:" + sealed[3:-4] + "AAAA", 100.0) is None  # damaged
    assert seal.fingerprint("Bearer t") == seal.fingerprint("Bearer t") != "Bearer t"


def test_a_profile_without_secrets_needs_the_fleet_key() -> None:
    bare = profile_from_mapping("bare", {"provider": "zoho", "base_url": "https://x.test"})
    with pytest.raises(ConfigError, match=FLEET_KEY_ENV):
        TokenSeal.for_profile(bare, env={})
    assert TokenSeal.for_profile(bare, env={FLEET_KEY_ENV: "k" * 32}).profile == "bare"


def test_an_earlier_versions_plaintext_tokens_are_removed(tmp_path: Any) -> None:
    from jobadapter.store import open_store

    path = tmp_path / "store.sqlite3"
    open_store(str(path)).close()
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE fleet_tokens (profile TEXT, header TEXT)")
        conn.execute("INSERT INTO fleet_tokens VALUES ('p', 'Bearer plain')")
    FleetTokens(FleetDB(str(path))).create()
    with sqlite3.connect(path) as conn:
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master")}
    assert "fleet_tokens" not in tables and "fleet_sealed_tokens" in tables
