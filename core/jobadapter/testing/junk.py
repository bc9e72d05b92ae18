"""Bad answers to feed ``Adapter.parse``: fixed edge cases and hypothesis strategies.

Why both: the fixed cases walk every field of every sample through the same
list of wrong values (so a field the random search never picks is still
covered, the same way on every run); the strategies then explore shapes
nobody thought of. Everything here is data; the contract suite does the
asserting.
"""

from __future__ import annotations

import copy
import math
import reprlib
from collections.abc import Iterator, Sequence
from typing import Any

from hypothesis import strategies as st

__all__ = [
    "WRONG_VALUES",
    "deep_nesting",
    "describe",
    "edge_cases",
    "json_junk",
    "junk_payloads",
    "mutated",
    "paths",
]

#: A path into a payload: dict keys and list indexes from the root.
Path = tuple[Any, ...]

#: What every field of a sample is replaced by, one at a time.
WRONG_VALUES: tuple[tuple[str, Any], ...] = (
    ("null", None),
    ("empty string", ""),
    ("blank string", "   "),
    ("lone surrogate", "\ud800"),
    ("undecodable bytes as text", b"\xff\xfe\x80abc".decode("utf-8", "surrogateescape")),
    ("latin-1 text", "caf\xe9 \x00 \x1b[31m"),
    ("bytes", b"\xff\x00"),
    ("true", True),
    ("zero", 0),
    ("negative", -1),
    ("huge int", 10**400),
    ("int64 overflow", 2**63),
    ("nan", math.nan),
    ("infinity", math.inf),
    ("-infinity", -math.inf),
    ("huge float", 1e308),
    ("tiny float", 5e-324),
    ("empty list", []),
    ("empty object", {}),
    ("list of junk", [None, "x", 1]),
    ("object of junk", {"": None, "\ud800": [1]}),
    ("long string", "9" * 5000),
    ("date-like junk", "2024-13-45T99:99:99Z"),
)


def describe(value: Any) -> str:
    """A short, safe repr for failure messages (bounded depth and length)."""
    short = reprlib.Repr()
    short.maxlevel = 3
    short.maxstring = 60
    short.maxother = 60
    short.maxlist = short.maxdict = 6
    return short.repr(value)


def deep_nesting(depth: int, *, kind: str = "list") -> Any:
    """A value nested ``depth`` levels deep, built without recursion."""
    value: Any = "bottom"
    for _ in range(depth):
        value = [value] if kind == "list" else {"a": value}
    return value


def paths(payload: Any, *, limit: int = 400) -> list[Path]:
    """Paths to every node under ``payload`` (the root excluded), breadth first."""
    found: list[Path] = []
    queue: list[tuple[Path, Any]] = [((), payload)]
    while queue and len(found) < limit:
        path, node = queue.pop(0)
        children: list[tuple[Any, Any]] = []
        if isinstance(node, dict):
            children = list(node.items())
        elif isinstance(node, list):
            children = list(enumerate(node))
        for key, child in children:
            found.append((*path, key))
            queue.append(((*path, key), child))
    return found[:limit]


def _replace(payload: Any, path: Path, value: Any, *, delete: bool = False) -> Any:
    """A deep copy of ``payload`` with the node at ``path`` replaced by ``value`` (or deleted).

    ``value`` goes in as given (not copied: it may be nested too deep to copy).
    """
    result = copy.deepcopy(payload)
    parent = result
    for key in path[:-1]:
        parent = parent[key]
    if delete:
        del parent[path[-1]]
    else:
        parent[path[-1]] = value
    return result


def edge_cases(samples: Sequence[tuple[str, Any]]) -> Iterator[tuple[str, Any]]:
    """``(label, payload)``: whole-answer junk, then each field of each named sample broken."""
    for label, value in WRONG_VALUES:
        yield f"whole answer is {label}", copy.deepcopy(value)
    yield "deeply nested list", deep_nesting(5000)
    yield "deeply nested object", deep_nesting(5000, kind="dict")
    for name, sample in samples:
        yield f"{name}: wrapped in a list", [copy.deepcopy(sample)]
        for path in paths(sample):
            where = f"{name}: " + "/".join(str(p) for p in path)
            yield f"{where} deleted", _replace(sample, path, None, delete=True)
            for label, value in WRONG_VALUES:
                yield f"{where} is {label}", _replace(sample, path, copy.deepcopy(value))
            yield f"{where} nested deeply", _replace(sample, path, deep_nesting(3000))


def json_junk(*, max_leaves: int = 12) -> st.SearchStrategy[Any]:
    """Any JSON-ish value, and some that JSON cannot hold (bytes, NaN, surrogates)."""
    weird_text = st.one_of(
        st.text(max_size=20),
        st.text(st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF), min_size=1, max_size=3),
        st.binary(max_size=12).map(lambda b: b.decode("utf-8", "surrogateescape")),
        st.sampled_from(["", " ", "null", "0", "-1", "1e999", "NaN", "2024-02-30 25:61:00"]),
    )
    leaves = st.one_of(
        st.none(),
        st.booleans(),
        st.integers(min_value=-(10**30), max_value=10**30),
        st.sampled_from([10**400, -(10**400), 2**63, 2**64 + 1]),
        st.floats(allow_nan=True, allow_infinity=True),
        weird_text,
        st.binary(max_size=8),
    )
    return st.recursive(
        leaves,
        lambda children: st.one_of(
            st.lists(children, max_size=4),
            st.dictionaries(weird_text, children, max_size=4),
        ),
        max_leaves=max_leaves,
    )


def _retyped(value: Any) -> list[Any]:
    """Values of another type that a careless provider might send for ``value``."""
    if isinstance(value, bool):
        return [str(value).lower(), int(value), None]
    if isinstance(value, int):
        return [str(value), float(value) if abs(value) < 2**1000 else math.inf, -value - 1, [value]]
    if isinstance(value, float):
        return [str(value), int(value) if math.isfinite(value) else 0, math.nan]
    if isinstance(value, str):
        return [len(value), [value], {"value": value}, value.upper(), value + "\ud800"]
    if isinstance(value, list):
        return [{}, value[:1], "list", len(value)]
    if isinstance(value, dict):
        return [[value], list(value), str(value)[:40], None]
    return ["", 0, {}]


@st.composite
def mutated(draw: st.DrawFn, sample: Any) -> Any:
    """``sample`` with one to three fields deleted, replaced by junk or retyped."""
    payload = copy.deepcopy(sample)
    for _ in range(draw(st.integers(min_value=1, max_value=3))):
        where = paths(payload)
        if not where:
            break
        path = draw(st.sampled_from(where))
        action = draw(st.sampled_from(("delete", "junk", "retype")))
        if action == "delete":
            payload = _replace(payload, path, None, delete=True)
            continue
        node = payload
        for key in path:
            node = node[key]
        value = (
            draw(json_junk(max_leaves=6))
            if action == "junk"
            else draw(st.sampled_from(_retyped(node)))
        )
        payload = _replace(payload, path, value)
    return payload


def junk_payloads(samples: list[Any]) -> st.SearchStrategy[Any]:
    """Junk of any shape, and (mostly) the samples with fields broken."""
    if not samples:
        return json_junk()
    return st.one_of(
        json_junk(),
        st.sampled_from(samples).flatmap(mutated),
        st.sampled_from(samples).flatmap(mutated),
        st.sampled_from(samples).flatmap(mutated),
    )
