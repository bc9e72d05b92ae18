"""The ``jobadapter`` command line."""

from __future__ import annotations

from jobadapter.cli.main import cli, main

__all__ = ["cli", "main"]
