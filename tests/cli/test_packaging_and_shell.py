"""What a newcomer meets around the commands: -v, shell completion, installing from a checkout."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from cli_process import cli_env, run_piped

ROOT = Path(__file__).resolve().parents[2]
PYPROJECTS = [ROOT / "pyproject.toml", *sorted(ROOT.glob("plugins/*/pyproject.toml"))]


def test_verbose_logs_at_info_and_default_does_not(tmp_path: Path) -> None:
    env = cli_env(tmp_path, JOBADAPTER_DISABLE_PLUGINS="zoho_bulk")
    quiet = run_piped(["plugins"], env)
    verbose = run_piped(["-v", "plugins"], env)
    assert quiet.returncode == 0 and verbose.returncode == 0, verbose.stderr
    assert "INFO" not in quiet.stderr
    assert "INFO: plugin zoho_bulk disabled by JOBADAPTER_DISABLE_PLUGINS" in verbose.stderr


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_completion_env_var_prints_a_completion_script(tmp_path: Path, shell: str) -> None:
    env = cli_env(tmp_path, _JOBADAPTER_COMPLETE=f"{shell}_source")
    result = subprocess.run(
        [str(Path(sys.executable).parent / "jobadapter")],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert "_JOBADAPTER_COMPLETE" in result.stdout
    assert "complete" in result.stdout


def test_user_guide_documents_completion_for_each_shell() -> None:
    guide = (ROOT / "docs" / "user-guide.md").read_text()
    for shell in ("bash", "zsh", "fish"):
        assert f"_JOBADAPTER_COMPLETE={shell}_source jobadapter" in guide


@pytest.mark.parametrize("pyproject", PYPROJECTS, ids=lambda p: p.parent.name)
def test_license_is_an_spdx_string(pyproject: Path) -> None:
    lines = pyproject.read_text().splitlines()
    assert 'license = "Apache-2.0"' in lines  # a table makes setuptools warn on every build
    assert 'requires = ["setuptools>=77", "wheel"]' in lines  # the first to take SPDX strings


def test_make_wheels_covers_every_distribution() -> None:
    """`make wheels` builds the core and each plugins/* (the common packages too) into dist/."""
    makefile = (ROOT / "Makefile").read_text()
    recipe = makefile.split("\nwheels:", 1)[1].split("\n\n", 1)[0]
    assert "pip wheel" in recipe and "--wheel-dir dist" in recipe
    assert ". $(PLUGIN_DIRS)" in recipe
    assert {p.parent.name for p in PYPROJECTS[1:]} >= {"zuora_common", "zoho_common"}
    readme = (ROOT / "README.md").read_text()
    assert "make wheels && pip install --find-links dist jobadapter-zuora-bulk" in readme
    assert "jobadapter-zuora-common" in readme and "jobadapter-zoho-common" in readme


def test_a_plugin_builds_as_a_wheel(tmp_path: Path) -> None:
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "-q",
            "--no-deps",
            "--no-build-isolation",
            "--wheel-dir",
            str(tmp_path),
            str(ROOT / "plugins" / "zuora_common"),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert [p.name for p in tmp_path.glob("*.whl")] == [
        "jobadapter_zuora_common-0.1.0-py3-none-any.whl"
    ]
