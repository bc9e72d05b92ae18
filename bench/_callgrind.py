"""Instructions a whole command executes, under ``valgrind --tool=callgrind``.

The one figure a busy machine does not move (to within about 1 %): what the
benches quote beside their CPU times when the load is high."""

from __future__ import annotations

import os
import re
import subprocess
from collections.abc import Mapping, Sequence


def callgrind_instructions(argv: Sequence[str], env: Mapping[str, str] | None = None) -> int:
    """Instructions ``argv`` executes in total (``PYTHONHASHSEED=0`` for repeatable runs)."""
    result = subprocess.run(
        ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", *argv],
        capture_output=True,
        text=True,
        env={**(os.environ if env is None else env), "PYTHONHASHSEED": "0"},
        check=False,
    )
    found = re.search(r"Collected : (\d+)", result.stderr)
    if result.returncode != 0 or found is None:
        raise RuntimeError(f"callgrind run failed for {list(argv)}:\n{result.stderr[-2000:]}")
    return int(found.group(1))
