"""A plugin's replacement of the ``table`` format draws every table, ``--wide`` ones too."""

from __future__ import annotations

from typing import Any

import jobadapter.reports.formats as formats
import pytest
from jobadapter.reports.model import Report


def test_wide_report_goes_through_the_registered_table_format(
    run: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[bool] = []

    def plugin_table(report: Report, *, wide: bool = False) -> str:
        calls.append(wide)
        return f"PLUGIN TABLE groups={len(report.groups)} wide={wide}\n"

    # The built-in plugin registers formats.render_table, imported on first use:
    # this replaces the table it draws.
    monkeypatch.setattr(formats, "render_table", plugin_table)
    assert run("report").output == "PLUGIN TABLE groups=0 wide=False\n"
    assert run("report", "--wide").output == "PLUGIN TABLE groups=0 wide=True\n"
    assert calls == [False, True]


def test_a_table_format_without_a_width_option_still_draws_wide_reports(
    run: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(formats, "render_table", lambda report: "PLAIN PLUGIN TABLE\n")
    assert run("report", "--wide").output == "PLAIN PLUGIN TABLE\n"
