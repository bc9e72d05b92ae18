"""Profiles as a user meets them: one unset secret blocks only its own profile."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from jobadapter.cli import exits

ZUORA_PROD = """
[profiles.zuora-prod]
provider = "zuora"
base_url = "https://rest.zuora.com"
client_id_env = "ZUORA_CLIENT_ID_NOT_SET_FOR_TEST"
client_secret_env = "ZUORA_CLIENT_SECRET_NOT_SET_FOR_TEST"
"""


def test_an_unset_secret_blocks_only_the_profile_that_uses_it(
    run: Any, sandbox: Any, home: Path
) -> None:
    config, _ = sandbox
    mixed = home / "mixed.toml"
    mixed.write_text(config.read_text() + ZUORA_PROD)
    other = run("status", "zoho.mass_update", "Leads:1", "-p", "zoho_mass_update", config=mixed)
    assert "NOT_SET_FOR_TEST" not in other.output, other.output
    assert other.exit_code != exits.USAGE, other.output
    used = run("status", "zuora.bulk_job", "x" * 32, "-p", "zuora-prod", config=mixed)
    assert used.exit_code == exits.USAGE
    assert "$ZUORA_CLIENT_ID_NOT_SET_FOR_TEST, which is not set" in used.output
