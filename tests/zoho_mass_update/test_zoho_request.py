"""Mass update requests: checked before sending, and built from CLI options."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from jobadapter.errors import InvalidRequest
from jobadapter_zoho_mass_update import MassUpdateAdapter, MassUpdateRequest, request_from_options


def test_cvid_body_with_territory() -> None:
    request = MassUpdateRequest(
        "Accounts", {"Industry": "Education"}, cvid="554023000000091515",
        territory_id=554023000000430409, include_child=True,
    )  # fmt: skip
    assert request.scheduled
    assert request.body() == {
        "data": [{"Industry": "Education"}],
        "cvid": "554023000000091515",
        "territory": {"id": "554023000000430409", "include_child": True},
    }


def test_ids_body_with_over_write() -> None:
    request = MassUpdateRequest(
        "Deals",
        {"Lead_Source": "Advertisement", "Languages_Known": ["English", "Spanish"]},
        ids=["554023000000497007", 554023000000497021, "554023000000497007"],
        over_write=True,
    )
    assert not request.scheduled
    assert request.body() == {
        "data": [{"Lead_Source": "Advertisement", "Languages_Known": ["English", "Spanish"]}],
        "ids": ["554023000000497007", "554023000000497021"],  # strings, duplicates dropped
        "over_write": True,
    }


def test_criteria_passes_through() -> None:
    criteria = {"field": {"api_name": "Stage"}, "comparator": "equal", "value": "Won"}
    body = MassUpdateRequest("Deals", {"Stage": "Lost"}, cvid="1", criteria=criteria).body()
    assert body["criteria"] == criteria


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({}, "cvid (a custom view id) or ids"),
        ({"cvid": "1", "ids": ["2"]}, "not both"),
        ({"territory_id": "3"}, "a territory needs its custom view"),
        ({"ids": ["1"], "territory_id": "3"}, "a territory needs the custom view's cvid"),
        ({"cvid": "1", "include_child": True}, "include_child only applies"),
        ({"ids": []}, "ids is empty"),
        ({"ids": "123"}, "list of record ids"),
        ({"ids": ["1", ""]}, "non-empty string"),
        ({"ids": ["1 2"]}, "spaces"),
        ({"ids": ["1\n2"]}, "spaces or control characters"),
        ({"ids": ["12\x003"]}, "control characters"),
        ({"ids": [True]}, "non-empty string"),
        ({"cvid": ""}, "cvid must be"),
        ({"cvid": "1", "over_write": "yes"}, "over_write must be true or false"),
        ({"cvid": "1", "criteria": "Stage=Won"}, "criteria must be"),
    ],
)
def test_bad_requests(kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(InvalidRequest, match=re.escape(message)):
        MassUpdateRequest("Leads", {"Lead_Status": "Contacted"}, **kwargs)


def test_ids_limit_is_500() -> None:
    assert (
        len(MassUpdateRequest("Leads", {"A": 1}, ids=[str(i) for i in range(500)]).ids or ()) == 500
    )
    with pytest.raises(InvalidRequest, match="501 record ids: Zoho updates at most 500"):
        MassUpdateRequest("Leads", {"A": 1}, ids=[str(i) for i in range(501)])


@pytest.mark.parametrize(
    "data", [{}, None, [], "Lead_Status=x", {"": 1}, {1: "x"}, {"A": float("nan")}, {"A": object()}]
)
def test_bad_data(data: Any) -> None:
    with pytest.raises(InvalidRequest):
        MassUpdateRequest("Leads", data, cvid="1")


@pytest.mark.parametrize("module", ["Sales Orders", "../x", "1Leads"])
def test_bad_module(module: str) -> None:
    with pytest.raises(InvalidRequest, match="module API name"):
        MassUpdateRequest(module, {"A": 1}, cvid="1")


def test_unset_include_child_flag_is_dropped() -> None:
    request = MassUpdateRequest("Leads", {"A": 1}, cvid="1", include_child=False)
    assert request.include_child is None
    assert "territory" not in request.body()


def test_module_from_profile() -> None:
    request = MassUpdateRequest(None, {"A": 1}, cvid="1")
    assert request.with_module("Leads").module == "Leads"
    assert MassUpdateRequest("Deals", {"A": 1}, cvid="1").with_module("Leads").module == "Deals"
    with pytest.raises(InvalidRequest, match="say which module"):
        request.with_module(None)


def test_from_zoho_body_mapping() -> None:
    body = {
        "data": [{"Industry": "Education"}],
        "cvid": "554023000000091515",
        "territory": {"id": "554023000000430409", "include_child": True},
    }
    request = MassUpdateRequest.from_mapping({"module": "Accounts", **body})
    assert request.body() == body
    with pytest.raises(InvalidRequest, match="unknown mass update option"):
        MassUpdateRequest.from_mapping({"module": "Accounts", "colour": "red", **body})


# -- CLI options ---------------------------------------------------------------------


def test_options_with_set_pairs_and_ids_text() -> None:
    request = request_from_options(
        {
            "module": "Deals",
            "set": ["Stage=Closed Won", 'Languages_Known=["English"]', "Hot=true"],
            "ids": "111, 222 333",
            "over_write": True,
            "cvid": None,
            "file": None,
            "action": None,
        }
    )
    assert request.body() == {
        "data": [{"Stage": "Closed Won", "Languages_Known": ["English"], "Hot": True}],
        "ids": ["111", "222", "333"],
        "over_write": True,
    }


def test_options_cvid_territory_and_json_data() -> None:
    request = request_from_options(
        {
            "module": "Leads",
            "cvid": 42,
            "territory": "7",
            "include_child": True,
            "data": '{"Lead_Status": "Contacted"}',
        }
    )
    assert request.body() == {
        "data": [{"Lead_Status": "Contacted"}],
        "cvid": "42",
        "territory": {"id": "7", "include_child": True},
    }


def test_options_ids_as_list_of_texts() -> None:
    request = request_from_options({"module": "Leads", "set": {"A": "1"}, "ids": ["1,2", "3"]})
    assert request.ids == ("1", "2", "3")


def test_options_file_holds_zoho_body(tmp_path: Path) -> None:
    file = tmp_path / "input.json"
    file.write_text(
        json.dumps({"data": [{"Lead_Source": "Web"}], "ids": ["1", "2"], "over_write": False})
    )
    request = request_from_options({"module": "Leads", "file": str(file), "set": ["Rating=Hot"]})
    assert request.body() == {
        "data": [{"Lead_Source": "Web", "Rating": "Hot"}],
        "ids": ["1", "2"],
        "over_write": False,
    }


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (
            {"module": "Leads", "action": "MPU", "cvid": "1", "set": ["A=1"]},
            "does not take --action",
        ),
        ({"module": "Leads", "cvid": "1", "set": ["A"]}, "Field=value"),
        ({"module": "Leads", "cvid": "1", "set": ["A=[1,"]}, "does not parse"),
        ({"module": "Leads", "cvid": "1"}, "give the field values"),
        ({"module": "Leads", "cvid": "1", "data": "{nope"}, "data must be JSON"),
        (
            {"module": "Leads", "cvid": "1", "set": ["A=1"], "criteria": "{"},
            "criteria must be JSON",
        ),
        ({"module": "Leads", "file": "/nonexistent/zoho.json"}, "cannot read"),
    ],
)
def test_bad_options(options: dict[str, Any], message: str) -> None:
    with pytest.raises(InvalidRequest, match=message):
        request_from_options(options)


def test_bad_file_contents(tmp_path: Path) -> None:
    file = tmp_path / "x.json"
    file.write_text("[1, 2]")
    with pytest.raises(InvalidRequest, match="must hold a JSON object"):
        request_from_options({"file": str(file)})
    file.write_text("{")
    with pytest.raises(InvalidRequest, match="is not JSON"):
        request_from_options({"file": str(file)})


def test_adapter_request_from_options() -> None:
    request = MassUpdateAdapter().request_from_options(
        {"module": "Leads", "cvid": "1", "set": ["A=b"]}
    )
    assert isinstance(request, MassUpdateRequest)


def test_options_as_the_cli_passes_them() -> None:
    # jobadapter submit ... --ids 1,2 --set Stage=Won --set 'Langs=["a"]' --option over_write=true
    request = request_from_options(
        {
            "module": "Deals",
            "ids": ["1", "2"],
            "data": {"Stage": "Won", "Langs": '["a"]', "Hot": "false"},
            "over_write": "true",
        }
    )
    assert request.body() == {
        "data": [{"Stage": "Won", "Langs": ["a"], "Hot": False}],
        "ids": ["1", "2"],
        "over_write": True,
    }


def test_options_territory_and_include_child_as_text() -> None:
    request = request_from_options(
        {
            "module": "Leads",
            "cvid": "5",
            "data": {"A": "1"},
            "territory": "9",
            "include_child": "yes",
        }
    )
    assert request.body()["territory"] == {"id": "9", "include_child": True}
    with pytest.raises(InvalidRequest, match="include_child must be true or false"):
        request_from_options(
            {
                "module": "Leads",
                "cvid": "5",
                "data": {"A": "1"},
                "territory": "9",
                "include_child": "maybe",
            }
        )


def test_options_merge_with_the_file_body(tmp_path: Path) -> None:
    file = tmp_path / "body.json"
    body = {
        "data": [{"Stage": "Lost"}],
        "cvid": "7",
        "territory": {"id": "1", "include_child": True},
    }
    file.write_text(json.dumps(body))
    request = request_from_options(
        {"file": file, "module": "Deals", "data": {"Type": "New"}, "territory": "2"}
    )
    assert request.body() == {
        "data": [{"Stage": "Lost", "Type": "New"}],
        "cvid": "7",
        "territory": {"id": "2"},  # the option wins over the file's territory
    }
    file.write_text(json.dumps({"data": "Stage=Won", "cvid": "7"}))
    with pytest.raises(InvalidRequest, match="data in the file must be one record"):
        request_from_options({"file": file, "module": "Deals"})
    with pytest.raises(InvalidRequest, match="data must be a JSON object"):
        request_from_options({"module": "Deals", "cvid": "1", "data": "[1, 2]"})
