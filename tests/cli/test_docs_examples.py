"""Every Python example in docs/ runs as written (the plugin guide's tutorial files,
its titled blocks, have their own test).

Examples that need a real provider account are fenced ```python account and are not
run; everything else must run against nothing but the installed plugins and their
simulators on loopback.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

DOCS = Path(__file__).resolve().parents[2] / "docs"
BLOCK = re.compile(r"^```python[ \t]*(\w*)[^\n]*\n(.*?)^```", re.S | re.M)


def examples() -> list[tuple[str, str]]:
    found = []
    for page in sorted([*DOCS.glob("*.md"), *DOCS.glob("adapters/*.md")]):
        for index, (tag, code) in enumerate(BLOCK.findall(page.read_text(encoding="utf-8"))):
            # the plugin guide's titled blocks are its tutorial's files (test_plugin_guide)
            if tag not in ("account", "title"):
                found.append((f"{page.relative_to(DOCS)}#{index}", code))
    return found


def test_the_docs_have_runnable_examples() -> None:
    pages = {name.split("#")[0] for name, _ in examples()}
    assert {
        "concepts.md",
        "configuration.md",
        "user-guide.md",
        "hooks.md",
        "plugin-guide.md",
    } <= pages


@pytest.mark.parametrize(("name", "code"), examples(), ids=[n for n, _ in examples()])
def test_example_runs(name: str, code: str, tmp_path: Path) -> None:
    env = {
        **os.environ,
        "JOBADAPTER_HOME": str(tmp_path / "home"),
        "XDG_CONFIG_HOME": str(tmp_path),
    }
    env.pop("JOBADAPTER_CONFIG", None)
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert result.returncode == 0, f"{name} failed:\n{result.stderr[-3000:]}"
