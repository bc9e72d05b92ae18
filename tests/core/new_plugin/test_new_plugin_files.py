"""``new-plugin``'s files: the template ships whole, the package is complete and conventional."""

from __future__ import annotations

import sys
from pathlib import Path

from generated_plugin import DISTRIBUTION, NAME, PACKAGE, PLUGIN_MODULE, Generated
from jobadapter.cli.new_plugin_cmd import core_checkout, template_files

if sys.version_info >= (3, 11):
    import tomllib
else:
    import tomli as tomllib

ROOT = Path(__file__).resolve().parents[3]

EXPECTED_FILES = {
    ".gitignore",
    "Makefile",
    "README.md",
    "pyproject.toml",
    f"{PACKAGE}/__init__.py",
    f"{PACKAGE}/adapter.py",
    f"{PACKAGE}/plugin.py",
    f"{PACKAGE}/provider.py",
    f"{PACKAGE}/py.typed",
    f"{PACKAGE}/simulator.py",
    "tests/cassettes/README.md",
    "tests/cassettes/flow.yaml",
    "tests/test_cassette.py",
    "tests/test_contract.py",
    "tests/test_discovery.py",
    "tests/test_watch.py",
}


def test_the_template_ships_as_tmpl_files_only() -> None:
    paths = [str(path) for path, _ in template_files()]
    assert paths and all(p.endswith(".tmpl") for p in paths)
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert "templates/**/*" in pyproject["tool"]["setuptools"]["package-data"]["jobadapter"]


def test_the_generated_package_is_complete(generated: Generated) -> None:
    files = {p.relative_to(generated.path).as_posix() for p in generated.path.rglob("*")}
    files = {f for f in files if (generated.path / f).is_file() and "__pycache__" not in f}
    assert files == EXPECTED_FILES
    for name in files:
        assert "{{" not in (generated.path / name).read_text(encoding="utf-8"), name


def test_the_generated_pyproject_follows_the_plugin_conventions(generated: Generated) -> None:
    data = tomllib.loads((generated.path / "pyproject.toml").read_text(encoding="utf-8"))
    project = data["project"]
    assert project["name"] == DISTRIBUTION
    assert "Framework :: jobadapter" in project["classifiers"]
    assert project["dependencies"][0] == "jobadapter>=0.1.0"
    assert project["entry-points"]["jobadapter"] == {NAME: PLUGIN_MODULE}
    assert {"pytest>=8", "vcrpy>=6", "mypy>=1.10", "ruff>=0.5"} <= set(
        project["optional-dependencies"]["test"]
    )
    repo = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]
    assert data["tool"]["ruff"] == repo["ruff"] | {"lint": data["tool"]["ruff"]["lint"]}
    for key in ("select", "ignore"):
        assert data["tool"]["ruff"]["lint"][key] == repo["ruff"]["lint"][key]
    assert data["tool"]["mypy"]["strict"] is True
    assert data["tool"]["mypy"]["python_version"] == repo["mypy"]["python_version"]


def test_the_makefile_installs_the_core_from_this_checkout(generated: Generated) -> None:
    assert core_checkout() == ROOT  # the tests run from an editable install of this tree
    makefile = (generated.path / "Makefile").read_text(encoding="utf-8")
    assert f"JOBADAPTER_CORE ?= {ROOT}\n" in makefile
    assert "-e '.[test]'" in makefile
    for target in ("test: lint typecheck pytest", "mypy --strict", "ruff format --check"):
        assert target in makefile
    assert "\n\t$(BIN)/pytest -q\n" in makefile  # recipes are indented with tabs
