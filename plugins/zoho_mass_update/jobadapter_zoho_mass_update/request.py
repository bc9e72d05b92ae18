"""What a mass update asks Zoho to do, checked before anything is sent.

Zoho takes field values plus exactly one selector: a custom view (``cvid``,
optionally narrowed to a ``territory``), scheduled as a background job, or
up to 500 record ``ids``, applied at once. Mistakes Zoho would refuse anyway
(no selector, both, 501 ids, a territory without a view) are an
:class:`InvalidRequest` here, so nothing half-valid reaches the provider.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

import attrs
from jobadapter.errors import InvalidRequest
from jobadapter.urls import has_control_chars
from jobadapter_zoho_common.settings import check_module

#: Zoho's limit for ids-mode (non-scheduled) mass updates.
MAX_IDS = 500


def _id_text(value: Any, what: str) -> str:
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return str(value)
    if not isinstance(value, str) or not value.strip():
        raise InvalidRequest(f"{what} must be a non-empty string, got {value!r}"[:200])
    text = value.strip()
    if has_control_chars(text) or any(ch.isspace() for ch in text):
        raise InvalidRequest(f"{what} {text[:60]!r} contains spaces or control characters")
    return text


def _cvid(value: Any) -> str | None:
    return None if value is None else _id_text(value, "cvid")


def _territory_id(value: Any) -> str | None:
    return None if value is None else _id_text(value, "territory_id")


def _ids(value: Any) -> tuple[str, ...] | None:
    if value is None:
        return None
    if isinstance(value, (str, bytes)) or not isinstance(value, Iterable):
        raise InvalidRequest("ids must be a list of record ids")
    unique: dict[str, None] = {}
    for item in value:
        unique[_id_text(item, "a record id")] = None
    return tuple(unique)


def _flag(value: Any, what: str) -> bool | None:
    if value is None or isinstance(value, bool):
        return value
    raise InvalidRequest(f"{what} must be true or false, got {value!r}"[:200])


def _include_child(value: Any) -> bool | None:
    return _flag(value, "include_child")


def _over_write(value: Any) -> bool | None:
    return _flag(value, "over_write")


def _data(value: Any) -> dict[str, Any]:
    if not isinstance(value, Mapping) or not value:
        raise InvalidRequest(
            "data must map at least one field API name to its new value, e.g. "
            "{'Lead_Status': 'Contacted'}"
        )
    for key in value:
        if not isinstance(key, str) or not key.strip() or has_control_chars(key):
            raise InvalidRequest(f"field name {key!r} in data is not a field API name")
    try:
        json.dumps(dict(value), allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise InvalidRequest(f"data is not JSON-serialisable: {exc}") from None
    return dict(value)


@attrs.frozen
class MassUpdateRequest:
    """One mass update: ``data`` (field API name -> value) for ``module``, and one selector.

    ``module=None`` uses the profile's ``module``. Selectors: ``cvid`` (with an
    optional ``territory_id`` and ``include_child``) for a scheduled job, or
    ``ids`` (at most 500, duplicates dropped) for an update applied at once.
    ``idempotency_key`` is the hub's; it is never sent (see :meth:`body`).
    """

    module: str | None
    data: Mapping[str, Any] = attrs.field(converter=_data)
    cvid: str | None = attrs.field(default=None, converter=_cvid)
    territory_id: str | None = attrs.field(default=None, converter=_territory_id)
    include_child: bool | None = attrs.field(default=None, converter=_include_child)
    ids: tuple[str, ...] | None = attrs.field(default=None, converter=_ids)
    over_write: bool | None = attrs.field(default=None, converter=_over_write)
    criteria: Any = None
    #: The hub's key for this logical submission (its store records it). Not sent:
    #: Zoho documents no idempotency keys, so a submit POST is never retried blindly.
    idempotency_key: str | None = None

    def __attrs_post_init__(self) -> None:
        if self.module is not None:
            check_module(self.module)
        if self.ids is not None and self.cvid is not None:
            raise InvalidRequest(
                "give either cvid (a custom view, scheduled as a job) or ids (records updated "
                "at once), not both"
            )
        if self.ids is None and self.cvid is None:
            hint = " (a territory needs its custom view's cvid too)" if self.territory_id else ""
            raise InvalidRequest(
                "say which records to update: cvid (a custom view id) or ids (record ids)" + hint
            )
        if self.territory_id is None and self.include_child is not None:
            if self.include_child:
                raise InvalidRequest("include_child only applies with a territory_id")
            object.__setattr__(self, "include_child", None)  # an unset CLI flag: nothing to send
        if self.territory_id is not None and self.cvid is None:
            raise InvalidRequest("a territory needs the custom view's cvid as well")
        if self.ids is not None:
            if not self.ids:
                raise InvalidRequest("ids is empty: give at least one record id")
            if len(self.ids) > MAX_IDS:
                raise InvalidRequest(
                    f"{len(self.ids)} record ids: Zoho updates at most {MAX_IDS} ids per "
                    "request; split them, or use a custom view (cvid) for up to 50,000 records"
                )
        if self.criteria is not None and not isinstance(self.criteria, (Mapping, list)):
            raise InvalidRequest("criteria must be a JSON object or list, as Zoho documents it")

    @property
    def scheduled(self) -> bool:
        """True for a custom-view update (a Zoho job); False for ids (applied at once)."""
        return self.cvid is not None

    def with_module(self, module: str | None) -> MassUpdateRequest:
        """This request for ``module`` when it names none itself (InvalidRequest if neither)."""
        if self.module is not None:
            return self
        if module is None:
            raise InvalidRequest(
                "say which module to update (e.g. module='Leads'), or set module in the profile"
            )
        return attrs.evolve(self, module=module)

    def body(self) -> dict[str, Any]:
        """The JSON body Zoho's ``POST .../actions/mass_update`` takes."""
        body: dict[str, Any] = {"data": [dict(self.data)]}
        if self.cvid is not None:
            body["cvid"] = self.cvid
        if self.territory_id is not None:
            territory: dict[str, Any] = {"id": self.territory_id}
            if self.include_child is not None:
                territory["include_child"] = self.include_child
            body["territory"] = territory
        if self.ids is not None:
            body["ids"] = list(self.ids)
        if self.over_write is not None:
            body["over_write"] = self.over_write
        if self.criteria is not None:
            body["criteria"] = self.criteria
        return body

    @classmethod
    def from_mapping(cls, values: Mapping[str, Any]) -> MassUpdateRequest:
        """A request from plain keys (the attribute names; ``territory`` as in Zoho's body)."""
        known = {a.name for a in attrs.fields(cls)}
        fields = dict(values)
        territory = fields.pop("territory", None)
        if isinstance(territory, Mapping):
            fields.setdefault("territory_id", territory.get("id"))
            fields.setdefault("include_child", territory.get("include_child"))
        elif territory is not None:
            fields.setdefault("territory_id", territory)
        if isinstance(fields.get("data"), list) and len(fields["data"]) == 1:
            fields["data"] = fields["data"][0]  # Zoho's own body shape: a one-record list
        unknown = sorted(set(fields) - known)
        if unknown:
            raise InvalidRequest(
                f"unknown mass update option(s) {', '.join(unknown)}; known: {', '.join(sorted(known))}"
            )
        fields.setdefault("module", None)
        if "data" not in fields:
            raise InvalidRequest("give the field values to set (data, or --set Field=value)")
        return cls(**fields)
