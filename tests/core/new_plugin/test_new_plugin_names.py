"""``new-plugin``'s names: derived from name, provider and kind; bad or taken ones refused."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from generated_plugin import DISTRIBUTION, NAME, invoke
from jobadapter.cli.main import cli
from jobadapter.cli.new_plugin_cmd import MAX_NAME, PluginNames, plugin_names


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (("acme_export", None, None), ("acme_export", "acme", "export")),
        (("Acme-Export", None, None), ("acme_export", "acme", "export")),
        (("acme", None, None), ("acme", "acme", "job")),
        (("bulk-write", "zoho", None), ("bulk_write", "zoho", "bulk_write")),
        (("zoho_bulk_write", "zoho", None), ("zoho_bulk_write", "zoho", "bulk_write")),
        (("acme_export", None, "nightly_export"), ("acme_export", "acme", "nightly_export")),
    ],
)
def test_names_come_from_name_provider_and_kind(
    args: tuple[str, str | None, str | None], expected: tuple[str, str, str]
) -> None:
    name, provider, kind = args
    names = plugin_names(name, provider=provider, kind=kind)
    assert (names.name, names.provider, names.kind) == expected


def test_every_derived_name_follows_the_conventions() -> None:
    names = PluginNames(name="acme_export", provider="acme", kind="bulk_export")
    assert names.package == "jobadapter_acme_export"
    assert names.distribution == "jobadapter-acme-bulk-export"
    assert names.adapter == "acme.bulk_export"
    assert (names.adapter_class, names.provider_class) == ("AcmeBulkExport", "Acme")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["1acme"], "must be lower-case"),
        (["acme export"], "must be lower-case"),
        (["acme__export"], "must be lower-case"),
        (["generic_export"], "the core's own"),
        (["x" * (MAX_NAME + 1)], "at most"),
        (["acme", "--kind", "k" * MAX_NAME], "at most"),
    ],
)
def test_bad_names_are_usage_errors(args: list[str], message: str, tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["new-plugin", *args, "--dir", str(tmp_path)])
    assert result.exit_code == 2
    assert message in result.output
    assert not any(tmp_path.iterdir())


def test_refuses_a_non_empty_folder_and_a_core_that_is_no_checkout(tmp_path: Path) -> None:
    (tmp_path / DISTRIBUTION).mkdir()
    (tmp_path / DISTRIBUTION / "keep.txt").write_text("mine", encoding="utf-8")
    taken = CliRunner().invoke(cli, ["new-plugin", NAME, "--dir", str(tmp_path / DISTRIBUTION)])
    assert taken.exit_code == 2 and "not empty" in taken.output
    assert [p.name for p in (tmp_path / DISTRIBUTION).iterdir()] == ["keep.txt"]
    elsewhere = tmp_path / "other"
    args = ["new-plugin", NAME, "--dir", str(elsewhere), "--core", str(tmp_path)]
    not_core = CliRunner().invoke(cli, args)
    assert not_core.exit_code == 2 and "no jobadapter checkout" in not_core.output


def test_a_provider_an_installed_plugin_registers_is_not_taken(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("JOBADAPTER_PLUGINS", "zoho_common,zoho_mass_update")  # installed
    result = invoke("new-plugin", "zoho_bulk_write", "--dir", str(tmp_path))
    assert result.exit_code == 0, result.output
    assert "provider 'zoho_bulk', not 'zoho'" in result.output
    assert "To reuse the installed 'zoho' provider (plugin 'zoho_common')" in result.output
    assert (tmp_path / "Makefile").is_file()  # --dir is the plugin's folder itself
    adapter = (tmp_path / "jobadapter_zoho_bulk_write" / "adapter.py").read_text("utf-8")
    assert 'provider: ClassVar[str] = "zoho_bulk"' in adapter
    explicit = CliRunner().invoke(
        cli, ["new-plugin", "zoho_x", "--provider", "zoho", "--dir", str(tmp_path / "x")]
    )
    assert explicit.exit_code == 2 and "To reuse the installed 'zoho' provider" in explicit.output
    assert not (tmp_path / "x").exists()


def test_asks_for_the_provider_name_at_a_terminal(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("JOBADAPTER_PLUGINS", "zoho_common")
    monkeypatch.setattr("jobadapter.cli.new_plugin_cmd.interactive", lambda: True)
    result = CliRunner().invoke(
        cli, ["new-plugin", "zoho_bulk_write", "--dir", str(tmp_path)], input="crm_files\n"
    )
    assert result.exit_code == 0, result.output
    assert "provider name for this plugin [zoho_bulk]" in result.output
    assert "crm_files.bulk_write" in result.output
