"""Fault settings: parsed strictly, and decided the same way under the same seed."""

from __future__ import annotations

from typing import Any

import attrs
import pytest
from jobadapter.sandbox import FaultInjector, FaultKind, Faults
from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Request

# -- faults: settings -------------------------------------------------------------------


def test_faults_parse() -> None:
    faults = Faults.parse("rate_limit=0.1, server_error=0.05,seed=3,exempt_paths=/upload|/oauth")
    assert faults == Faults(
        rate_limit=0.1, server_error=0.05, seed=3, exempt_paths=("/upload", "/oauth")
    )
    assert faults.any
    assert Faults.parse("") == Faults()
    assert not Faults().any
    assert Faults(latency=0.1).any


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("rate_limt=0.1", "valid keys: latency, rate_limit"),
        ("rate_limit", "valid keys"),
        ("rate_limit=lots", "not a number"),
        ("drop=1.5", "between 0 and 1"),
        ("drop=0.6,html=0.6", "add up to"),
        ("latency=-1", ">= 0"),
        ("exempt_paths=upload", "starting with '/'"),
    ],
)
def test_faults_parse_refuses_bad_specs(spec: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        Faults.parse(spec)


def _requests(n: int) -> list[Request]:
    return [EnvironBuilder(path=f"/items/{i}").get_request() for i in range(n)]


def test_injector_is_deterministic_under_the_seed() -> None:
    faults = Faults(rate_limit=0.2, server_error=0.2, drop=0.1, truncate=0.1, html=0.1, seed=7)
    requests = _requests(200)
    one = [FaultInjector(faults).decide(r) for r in requests[:1]]
    first, second = FaultInjector(faults), FaultInjector(faults)
    a = [first.decide(r) for r in requests]
    b = [second.decide(r) for r in requests]
    assert a == b and a[:1] == one
    other = FaultInjector(attrs_evolve(faults, seed=8))
    assert [other.decide(r) for r in requests] != a
    kinds = {d.kind for d in a if d is not None}
    assert kinds == {
        FaultKind.RATE_LIMIT,
        FaultKind.SERVER_ERROR,
        FaultKind.DROP,
        FaultKind.TRUNCATE,
        FaultKind.HTML,
    }
    assert {d.status for d in a if d is not None and d.kind is FaultKind.SERVER_ERROR} == {
        500,
        502,
        503,
    }
    stats = first.stats()
    assert stats["requests"] == 200
    assert sum(stats[k.value] for k in FaultKind) == sum(d is not None for d in a)
    assert stats["malformed"] == 0
    first.reset()
    assert first.stats()["requests"] == 0
    assert [first.decide(r) for r in requests] == a


def attrs_evolve(faults: Faults, **changes: Any) -> Faults:
    return attrs.evolve(faults, **changes)
