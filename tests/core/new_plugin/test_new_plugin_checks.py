"""The generated plugin passes its own tests, ruff and mypy --strict, and a real pip install."""

from __future__ import annotations

import importlib
import importlib.util
import json
import os
import shutil
import sys
import sysconfig
from pathlib import Path

from child_process import child_env, run
from generated_plugin import ADAPTER, DISTRIBUTION, NAME, PACKAGE, Generated


def test_the_generated_tests_pass(generated: Generated) -> None:
    env = child_env(CI="1", PYTHONPATH=str(generated.path))
    out = run(
        sys.executable, "-m", "pytest", "-q", "-m", "not installed", "tests",
        cwd=generated.path, env=env,
    )  # fmt: skip
    assert "passed" in out and "failed" not in out and "skipped" not in out


def test_the_generated_code_passes_ruff_and_mypy_strict(
    generated: Generated, tmp_path: Path
) -> None:
    paths = (PACKAGE, "tests")
    run(sys.executable, "-m", "ruff", "check", "--no-cache", *paths, cwd=generated.path)
    run(sys.executable, "-m", "ruff", "format", "--check", "--no-cache", *paths, cwd=generated.path)
    run(
        sys.executable, "-m", "mypy", "--strict", "--cache-dir", tmp_path / "mypy", *paths,
        cwd=generated.path,
    )  # fmt: skip


def can_build_wheels_offline() -> bool:
    """setuptools builds wheels by itself from 70.1 on; before, it needs ``wheel``."""
    from importlib.metadata import version

    major, minor = (int(part) for part in version("setuptools").split(".")[:2])
    return (major, minor) >= (70, 1) or importlib.util.find_spec("wheel") is not None


def test_pip_installed_it_shows_in_jobadapter_plugins(generated: Generated, tmp_path: Path) -> None:
    """A real ``pip install`` (no index, no build isolation) into a throwaway venv that
    sees this environment's packages; then the installed CLI lists the plugin and the
    plugin's whole test suite passes, entry-point test included."""
    assert can_build_wheels_offline(), (
        "building a wheel without the network needs setuptools>=70.1 (or the 'wheel' "
        "package) in this environment: add it to jobadapter's test extra"
    )
    source = tmp_path / DISTRIBUTION
    shutil.copytree(generated.path, source, ignore=shutil.ignore_patterns("__pycache__"))
    venv = tmp_path / "venv"
    run(sys.executable, "-m", "venv", "--without-pip", venv, cwd=tmp_path)
    python = venv / "bin" / "python"
    site = Path(
        run(
            python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])", cwd=tmp_path
        ).strip()
    )
    parent = sysconfig.get_paths()["purelib"]
    (site / "_jobadapter_parent.pth").write_text(
        f"import site; site.addsitedir({parent!r})\n", encoding="utf-8"
    )
    run(
        python, "-m", "pip", "install", "--quiet", "--no-deps", "--no-build-isolation",
        "--no-index", source, cwd=tmp_path,
    )  # fmt: skip
    assert (site / f"{PACKAGE}").is_dir() and not (site / f"{PACKAGE}").is_symlink()
    env = child_env(CI="1", JOBADAPTER_CONFIG=os.devnull, JOBADAPTER_HOME=str(tmp_path / "home"))
    listed = run(
        python, "-c", "from jobadapter.cli import main; main()", "--no-store", "plugins", "--json",
        cwd=tmp_path, env=env,
    )  # fmt: skip
    (row,) = [r for r in json.loads(listed) if r["name"] == NAME]
    assert row["distribution"] == DISTRIBUTION and row["version"] == "0.1.0"
    assert row["adapters"] == [ADAPTER] and row["api_version"] == "1.0"
    # Run from elsewhere, so the package imported is the installed one, not the source folder.
    out = run(python, "-m", "pytest", "-q", source / "tests", cwd=tmp_path, env=env)
    assert "passed" in out and "deselected" not in out and "skipped" not in out
