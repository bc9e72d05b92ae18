"""One access token per profile for the whole fleet, fetched by one worker at a time."""

from __future__ import annotations

import threading

from jobadapter.fleet import FleetDB, FleetTokens


def test_workers_share_one_token_and_refetch_only_after_a_refusal(store_url: str) -> None:
    fetched: list[int] = []
    lock = threading.Lock()

    def fetch() -> tuple[str, float, str | None]:
        with lock:
            fetched.append(1)
            return f"Bearer token-{len(fetched)}", 3600.0, "https://api.example.test"

    workers = [FleetTokens(FleetDB(store_url)) for _ in range(4)]
    workers[0].create()
    got: list[tuple[str, float, str | None]] = []
    threads = [
        threading.Thread(target=lambda w=w: got.append(w.for_profile("p").refresh(fetch)))
        for w in workers
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert len(fetched) == 1
    assert {g[0] for g in got} == {"Bearer token-1"}
    assert {g[2] for g in got} == {"https://api.example.test"}
    read = workers[3].for_profile("p").read()
    assert read is not None and read[0] == "Bearer token-1" and 3500 < read[1] <= 3600
    assert workers[1].for_profile("other").read() is None

    workers[2].for_profile("p").drop("Bearer stale")  # not the live one: kept
    assert workers[0].for_profile("p").read() is not None
    workers[2].for_profile("p").drop("Bearer token-1")  # refused by the provider
    assert workers[0].for_profile("p").read() is None
    assert workers[1].for_profile("p").refresh(fetch)[0] == "Bearer token-2"
