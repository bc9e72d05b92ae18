"""CLI options to a :class:`MassUpdateRequest`: what ``jobadapter submit zoho.mass_update`` takes.

The command line gives text (``--set Field=value``, ``--ids 1,2``,
``--option over_write=true``) and maybe a JSON file holding Zoho's own request
body; this turns them into the typed request, so the adapter itself only ever
sees checked requests.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from jobadapter.errors import InvalidRequest

from jobadapter_zoho_mass_update.request import MassUpdateRequest


def _value(text: str) -> Any:
    """A ``--set`` value: JSON for lists, objects, true/false/null; text otherwise."""
    stripped = text.strip()
    if stripped[:1] in ("[", "{") or stripped in ("true", "false", "null"):
        try:
            return json.loads(stripped)
        except ValueError:
            raise InvalidRequest(
                f"value {text[:60]!r} looks like JSON but does not parse"
            ) from None
    return text


def _assignments(value: Any) -> dict[str, Any]:
    if isinstance(value, Mapping):
        return dict(value)
    items = [value] if isinstance(value, str) else list(value)
    out: dict[str, Any] = {}
    for item in items:
        name, sep, text = str(item).partition("=")
        if not sep or not name.strip():
            raise InvalidRequest(f"--set takes Field=value, got {str(item)[:60]!r}")
        out[name.strip()] = _value(text)
    return out


def _split_ids(value: Any) -> Any:
    """Ids from a list, or from comma or space separated text (also inside a list)."""
    if isinstance(value, str):
        return [part for part in value.replace(",", " ").split() if part]
    if isinstance(value, (list, tuple)):
        return [
            part
            for item in value
            for part in (_split_ids(item) if isinstance(item, str) else [item])
        ]
    return value


def _json_option(value: Any, what: str) -> Any:
    if not isinstance(value, str):
        return value
    try:
        return json.loads(value)
    except ValueError:
        raise InvalidRequest(f"{what} must be JSON, got {value[:60]!r}") from None


#: CLI option -> request field. ``set``/``field`` collect ``Field=value`` pairs.
_OPTION_NAMES = {
    "module": "module",
    "cvid": "cvid",
    "territory": "territory_id",
    "territory_id": "territory_id",
    "include_child": "include_child",
    "ids": "ids",
    "over_write": "over_write",
    "overwrite": "over_write",
    "criteria": "criteria",
    "data": "data",
}


def request_from_options(options: Mapping[str, Any]) -> MassUpdateRequest:
    """A request from CLI options; ``None`` values (options not given) are ignored.

    ``file``: a JSON file holding Zoho's own request body (``data``, ``cvid`` or
    ``ids``, ...); options given next to it win. ``data`` (a mapping of
    ``--set`` pairs, or JSON text) and ``set``/``field`` (``Field=value`` texts)
    add field values: text that looks like a JSON list, object, ``true``,
    ``false`` or ``null`` is sent as JSON. ``ids``: a list or comma/space
    separated text. ``over_write``/``include_child``: booleans or true/false text.
    ``criteria``: JSON text or an object.
    """
    given = {k: v for k, v in options.items() if v is not None and v != () and v != []}
    file = given.pop("file", None)
    fields: dict[str, Any] = _body_file(file) if file is not None else {}
    data = _file_record(fields.pop("data", None))
    if "data" in given:
        data.update(_option_record(given.pop("data")))
    for key in ("set", "field", "fields"):
        if key in given:
            data.update(_assignments(given.pop(key)))
    unknown = sorted(set(given) - set(_OPTION_NAMES))
    if unknown:
        names = ", ".join("--" + u.replace("_", "-") for u in unknown)
        raise InvalidRequest(
            f"zoho.mass_update does not take {names}; it takes --module, --cvid, --ids, "
            "--set Field=value, --file (a JSON body) and --option territory=, "
            "include_child=, over_write=, criteria="
        )
    for key, value in given.items():
        name = _OPTION_NAMES[key]
        if name in ("include_child", "over_write"):
            value = _flag_text(value, key)
        elif name == "criteria":
            value = _json_option(value, "criteria")
        elif name == "ids":
            value = _split_ids(value)
        elif name == "territory_id":
            fields.pop("territory", None)  # the option wins over the file's territory
        fields[name] = value
    if data:
        fields["data"] = data
    return MassUpdateRequest.from_mapping(fields)


def _file_record(value: Any) -> dict[str, Any]:
    """The file body's ``data``: Zoho's one-record list, or the record itself."""
    if value is None:
        return {}
    if isinstance(value, list) and len(value) == 1:
        value = value[0]
    if not isinstance(value, Mapping):
        raise InvalidRequest('data in the file must be one record: [{"Field": value}]')
    return dict(value)


def _option_record(value: Any) -> dict[str, Any]:
    """``data`` given as an option: JSON text, or ``--set`` pairs as a mapping of texts."""
    parsed = _json_option(value, "data")
    if isinstance(parsed, list) and len(parsed) == 1:
        parsed = parsed[0]
    if not isinstance(parsed, Mapping):
        raise InvalidRequest("data must be a JSON object of field API names to values")
    if isinstance(value, str):
        return dict(parsed)
    return {k: _value(v) if isinstance(v, str) else v for k, v in parsed.items()}


def _flag_text(value: Any, what: str) -> Any:
    if isinstance(value, str):
        text = value.strip().lower()
        if text in ("true", "yes", "1"):
            return True
        if text in ("false", "no", "0"):
            return False
    return value  # anything else is checked (and refused) by the request itself


def _body_file(file: Any) -> dict[str, Any]:
    path = Path(str(file))
    try:
        body = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise InvalidRequest(f"cannot read {path}: {exc.strerror or exc}") from None
    except ValueError as exc:
        raise InvalidRequest(f"{path} is not JSON: {exc}") from None
    if not isinstance(body, Mapping):
        raise InvalidRequest(f"{path} must hold a JSON object like Zoho's mass update body")
    return dict(body)
