"""Built-in commands: importing each module registers its commands on the group."""

from __future__ import annotations

from jobadapter.cli import (  # noqa: F401
    demo_cmd,
    jobs_cmd,
    new_plugin_cmd,
    plugins_cmd,
    reconcile_cmd,
    report_cmd,
    sandbox_cmd,
    serve_cmd,
    watch_cmd,
)
