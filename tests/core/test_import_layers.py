"""No import circle through the Hub: the parts that need one thing from it
take a narrow port (:mod:`jobadapter.tracker.ports`, reconcile's ``Hub``
protocol) instead of importing it. Checked on the source, counting every
import (also those inside functions and under TYPE_CHECKING)."""

from __future__ import annotations

from import_graph import CORE, import_graph, reachable


def _imports() -> dict[str, set[str]]:
    return import_graph([CORE], module_level_only=False)


def test_the_tracker_and_reconcile_do_not_import_the_hub() -> None:
    graph = _imports()
    layers = [name for name in graph if name.startswith(("jobadapter.tracker", "jobadapter.fleet"))]
    layers.append("jobadapter.reconcile")
    leaks = {
        name: "jobadapter.hub" for name in layers if "jobadapter.hub" in reachable(graph, name)
    }
    assert leaks == {}


def test_the_import_walk_sees_a_known_import() -> None:
    # Guards the check above against passing because the walk finds nothing.
    assert "jobadapter.hub" in reachable(_imports(), "jobadapter.testing.scripted")
