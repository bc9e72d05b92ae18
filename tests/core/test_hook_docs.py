"""docs/hooks.md documents every hookspec, and nothing else (datasette-style)."""

from __future__ import annotations

import inspect
import re
from pathlib import Path

from jobadapter import hookspecs

DOC = Path(__file__).resolve().parents[2] / "docs" / "hooks.md"


def hookspec_names() -> set[str]:
    return {
        name
        for name, fn in inspect.getmembers(hookspecs, inspect.isfunction)
        if hasattr(fn, "jobadapter_spec")
    }


def documented() -> dict[str, str]:
    headings = re.findall(r"^## (\w+)\((.*?)\)$", DOC.read_text(encoding="utf-8"), re.M)
    return dict(headings)


def test_every_hookspec_is_documented() -> None:
    assert hookspec_names() - set(documented()) == set()


def test_every_documented_hook_exists() -> None:
    assert set(documented()) - hookspec_names() == set()


def test_documented_signatures_match() -> None:
    for name, args in documented().items():
        params = list(inspect.signature(getattr(hookspecs, name)).parameters)
        assert [a.strip() for a in args.split(",") if a.strip()] == params, name
