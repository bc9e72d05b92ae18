"""Zoho's documented answers for mass update: they live in the plugin's ``samples`` module."""

from __future__ import annotations

from jobadapter_zoho_mass_update.samples import *  # noqa: F403  (the tests' old import path)
