"""No module over about 400 lines: past that, a module usually holds two ideas and
wants splitting along them. Test modules (``test_*.py``) are exempt: a test file's
length is its cases. Counted as ``wc -l`` does."""

from __future__ import annotations

from pathlib import Path

from import_graph import CORE

ROOT = CORE.parent.parent
#: "About 400": a module may run a little over while it still holds one idea.
LIMIT = 450

#: Modules over the limit that other branches split; the lead deletes an entry once merged.
KNOWN_LONG: dict[str, str] = {}


def _modules() -> list[Path]:
    found = [
        *(ROOT / "core").rglob("*.py"),
        *(ROOT / "plugins").rglob("*.py"),
        *(ROOT / "bench").rglob("*.py"),
        *(ROOT / "tests").rglob("*.py"),
    ]
    return [path for path in found if not path.name.startswith("test_")]


def test_no_module_is_much_over_400_lines() -> None:
    lengths = {
        path.relative_to(ROOT).as_posix(): path.read_bytes().count(b"\n") for path in _modules()
    }
    assert len(lengths) > 100, "the walk found too few modules to mean anything"
    long = {name: n for name, n in lengths.items() if n > LIMIT and name not in KNOWN_LONG}
    assert long == {}, f"split these along their ideas (limit {LIMIT} lines): {long}"
