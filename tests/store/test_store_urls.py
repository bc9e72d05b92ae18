"""A store is chosen by URL, in one place, everywhere: open_store, Hub(store=...),
``--store`` and ``JOBADAPTER_STORE``; a mistyped URL is one typed line naming the forms."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from jobadapter.cli.exits import USAGE
from jobadapter.cli.main import cli
from jobadapter.errors import ConfigError
from jobadapter.hub import Hub
from jobadapter.model import Job
from jobadapter.status import JobStatus
from jobadapter.store import BadStoreURL, SqliteStore, open_store, store_kind
from jobadapter.store.postgres import PostgresStore

T0 = dt.datetime(2026, 3, 1, tzinfo=dt.timezone.utc)


def test_paths_and_sqlite_urls_open_sqlite(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JOBADAPTER_HOME", str(tmp_path / "home"))
    for url, path in (
        (None, tmp_path / "home" / "jobadapter.sqlite3"),
        ("", tmp_path / "home" / "jobadapter.sqlite3"),
        (str(tmp_path / "a.sqlite3"), tmp_path / "a.sqlite3"),
        (tmp_path / "b.sqlite3", tmp_path / "b.sqlite3"),
        (f"sqlite://{tmp_path}/c.sqlite3", tmp_path / "c.sqlite3"),
    ):
        with open_store(url) as store:
            assert isinstance(store, SqliteStore) and Path(store.path) == path, url
    with open_store("sqlite:///:memory:") as store:
        assert isinstance(store, SqliteStore) and store.path == ":memory:"
    assert store_kind("postgres://u@h/db") == store_kind("postgresql://u@h/db") == "postgresql"
    assert store_kind("relative/dir/jobs.sqlite3") == "sqlite"


@pytest.mark.parametrize(
    "url",
    [
        "postgressql://postgres@127.0.0.1/db",
        "mysql://root@localhost/jobs",
        "sqlite:/tmp/x.sqlite3",
        "sqlite://",
        "postgresql:/postgres@127.0.0.1/db",
    ],
)
def test_a_mistyped_url_names_the_accepted_forms(url: str) -> None:
    with pytest.raises(
        BadStoreURL, match="sqlite:///path/to/file.sqlite3 or postgresql://"
    ) as info:
        open_store(url)
    assert isinstance(info.value, ConfigError)  # a usage error: exit code 2 on the CLI
    assert "\n" not in str(info.value)


def test_a_password_in_a_mistyped_url_is_not_repeated() -> None:
    with pytest.raises(BadStoreURL) as info:
        open_store("postgresq://ops:hunter2@db/jobs")
    assert "hunter2" not in str(info.value)


def test_hub_opens_and_closes_a_store_given_by_url(pg_schema_url: str) -> None:
    hub = Hub(config=False, load_entrypoints=False, store=pg_schema_url)
    try:
        assert isinstance(hub.store, PostgresStore)
        hub.store.observe(Job(adapter="zuora.bulk_job", id="1", status=JobStatus.RUNNING))
    finally:
        hub.close()
    assert hub.store._pool is None  # type: ignore[union-attr]  # the hub opened it, so it closed it
    given = open_store(pg_schema_url)
    with Hub(config=False, load_entrypoints=False, store=given) as hub:
        assert hub.store is given
    assert given.get("zuora.bulk_job", "1") is not None  # a store handed in stays open
    given.close()


def test_cli_store_option_and_environment_choose_the_store(
    pg_schema_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("JOBADAPTER_HOME", str(tmp_path / "home"))
    with open_store(pg_schema_url) as store:
        store.observe(
            Job(adapter="zoho.mass_update", id="z1", status=JobStatus.SUCCEEDED), observed_at=T0
        )
    runner = CliRunner()
    by_option = runner.invoke(cli, ["--store", pg_schema_url, "report", "--format", "json"])
    assert by_option.exit_code == 0, by_option.output
    assert json.loads(by_option.output)["total"]["jobs"] == 1
    monkeypatch.setenv("JOBADAPTER_STORE", pg_schema_url)
    by_env = runner.invoke(cli, ["report", "--format", "json"])
    assert by_env.exit_code == 0, by_env.output
    assert json.loads(by_env.output)["total"]["jobs"] == 1
    monkeypatch.setenv("JOBADAPTER_STORE", "postgress://oops")
    bad = runner.invoke(cli, ["report", "--format", "json"])
    assert bad.exit_code == USAGE
    error = json.loads(bad.stdout)["error"]  # --format json: the error is JSON too
    assert error["message"].startswith("no store for URL scheme 'postgress'")
    assert not (tmp_path / "home").exists()  # nothing fell back to the default file
