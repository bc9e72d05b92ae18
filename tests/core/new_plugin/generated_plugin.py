"""The plugin the ``new-plugin`` tests generate: its names, where it was generated and
its loaded plugin module, and the CLI run in-process."""

from __future__ import annotations

from pathlib import Path
from types import ModuleType

import attrs
from click.testing import CliRunner, Result
from jobadapter.cli.main import cli

NAME = "acme_export"
PACKAGE = "jobadapter_acme_export"
DISTRIBUTION = "jobadapter-acme-export"
ADAPTER = "acme.export"
PLUGIN_MODULE = f"{PACKAGE}.plugin"


@attrs.frozen
class Generated:
    path: Path
    plugin: ModuleType


def invoke(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)
