"""What the two bulk adapters submit, checked before anything is sent.

Built from Python (``BulkReadRequest("Leads", fields=("Last_Name",))``), from a
mapping, or from ``jobadapter submit`` options (:func:`read_from_options`,
:func:`write_from_options`); ``body()`` is Zoho's own JSON body.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import attrs
from jobadapter.errors import InvalidRequest
from jobadapter_zoho_common.settings import check_module

#: Bulk read pages hold 200,000 records; ``page`` beyond what Zoho allows is refused
#: by Zoho (PAGE_RANGE_EXCEEDED), which says to go on with ``page_token``.
READ_FILE_TYPES = ("csv", "ics")
WRITE_OPERATIONS = ("insert", "update", "upsert")


def _callback(url: str | None) -> dict[str, str] | None:
    """Zoho's ``callback`` object: the URL, called with ``post`` (the one method documented)."""
    if url is None:
        return None
    parts = urlsplit(url) if isinstance(url, str) else None
    if parts is None or parts.scheme not in ("http", "https") or not parts.netloc:
        raise InvalidRequest(f"callback_url {str(url)[:80]!r} is not an http(s) URL")
    return {"url": url, "method": "post"}


def _fields(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    items = value.replace(",", " ").split() if isinstance(value, str) else list(value)
    if not all(isinstance(i, str) and i for i in items):
        raise InvalidRequest("fields must be field API names, e.g. ('Last_Name', 'Email')")
    return tuple(items)


def _bool(value: Any, name: str) -> bool | None:
    if value is None or isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("true", "1", "yes"):
        return True
    if text in ("false", "0", "no"):
        return False
    raise InvalidRequest(f"{name} must be true or false, not {str(value)[:20]!r}")


@attrs.frozen
class BulkReadRequest:
    """An export of ``module``: the fields to read, an optional filter and page."""

    module: str = attrs.field(validator=lambda _i, _a, v: check_module(v))
    fields: tuple[str, ...] = attrs.field(default=(), converter=_fields)
    criteria: Mapping[str, Any] | None = None
    cvid: str | None = None
    page: int | None = None
    page_token: str | None = None
    file_type: str = "csv"
    callback_url: str | None = None

    def __attrs_post_init__(self) -> None:
        if self.page is not None and (
            isinstance(self.page, bool) or not isinstance(self.page, int) or self.page < 1
        ):
            raise InvalidRequest(f"page must be a whole number from 1, not {self.page!r}")
        if self.page is not None and self.page_token is not None:
            raise InvalidRequest("give page or page_token, not both")
        if self.file_type not in READ_FILE_TYPES:
            raise InvalidRequest(f"file_type must be one of {', '.join(READ_FILE_TYPES)}")
        if self.criteria is not None and not isinstance(self.criteria, Mapping):
            raise InvalidRequest("criteria must be Zoho's criteria object (a mapping)")
        _callback(self.callback_url)

    def body(self) -> dict[str, Any]:
        query: dict[str, Any] = {"module": {"api_name": self.module}}
        if self.fields:
            query["fields"] = list(self.fields)
        for key in ("criteria", "cvid", "page", "page_token"):
            value = getattr(self, key)
            if value is not None:
                query[key] = dict(value) if key == "criteria" else value
        body: dict[str, Any] = {"query": query}
        if self.file_type != "csv":
            body["file_type"] = self.file_type
        callback = _callback(self.callback_url)
        if callback:
            body["callback"] = callback
        return body

    def next_page(self, *, page: int | None, next_page_token: str | None) -> BulkReadRequest:
        """The same export, for the page after one whose result said ``more_records``."""
        if next_page_token:
            return attrs.evolve(self, page=None, page_token=next_page_token)
        return attrs.evolve(self, page=(page or self.page or 1) + 1, page_token=None)


def _rows(value: Iterable[Mapping[str, Any]] | None) -> tuple[Mapping[str, Any], ...] | None:
    return None if value is None else tuple(value)


def _mappings(value: Any) -> tuple[Mapping[str, Any], ...] | None:
    if value is None:
        return None
    if not isinstance(value, Sequence) or not all(isinstance(m, Mapping) for m in value):
        raise InvalidRequest("field_mappings must be a list of {api_name, index} objects")
    return tuple(dict(m) for m in value)


@attrs.frozen
class BulkWriteRequest:
    """An import into ``module``: the CSV (a file, rows, or an uploaded ``file_id``)
    and what to do with each row."""

    module: str = attrs.field(validator=lambda _i, _a, v: check_module(v))
    operation: str = "insert"
    file: Path | None = attrs.field(default=None, converter=attrs.converters.optional(Path))
    rows: tuple[Mapping[str, Any], ...] | None = attrs.field(default=None, converter=_rows)
    file_id: str | None = None
    find_by: str | None = None
    field_mappings: tuple[Mapping[str, Any], ...] | None = attrs.field(
        default=None, converter=_mappings
    )
    callback_url: str | None = None
    ignore_empty: bool | None = None
    character_encoding: str | None = None

    def __attrs_post_init__(self) -> None:
        if self.operation not in WRITE_OPERATIONS:
            raise InvalidRequest(
                f"operation must be one of {', '.join(WRITE_OPERATIONS)}, not {self.operation!r}"
            )
        given = [x is not None for x in (self.file, self.rows, self.file_id)]
        if sum(given) != 1:
            raise InvalidRequest("give exactly one of file, rows or file_id (an uploaded file)")
        if self.operation == "update" and not self.find_by:
            raise InvalidRequest(
                "an update needs find_by: the field that finds each row's record (e.g. id, Email)"
            )
        _callback(self.callback_url)

    def body(self, file_id: str, columns: Sequence[str] = ()) -> dict[str, Any]:
        """Zoho's create-job body for the uploaded ``file_id`` (mapped by ``columns``)."""
        resource: dict[str, Any] = {
            "type": "data",
            "module": {"api_name": self.module},
            "file_id": file_id,
        }
        if self.find_by:
            resource["find_by"] = self.find_by
        mappings = self.field_mappings or tuple(
            {"api_name": name, "index": index} for index, name in enumerate(columns)
        )
        if mappings:
            resource["field_mappings"] = [dict(m) for m in mappings]
        body: dict[str, Any] = {"operation": self.operation, "resource": [resource]}
        callback = _callback(self.callback_url)
        if callback:
            body["callback"] = callback
        if self.ignore_empty is not None:
            body["ignore_empty"] = self.ignore_empty
        if self.character_encoding:
            body["character_encoding"] = self.character_encoding
        return body


def _json_or_text(value: Any) -> Any:
    if isinstance(value, str) and value.strip()[:1] in ("{", "["):
        import json

        try:
            return json.loads(value)
        except ValueError:
            raise InvalidRequest(f"{value[:60]!r} looks like JSON but does not parse") from None
    return value


def read_from_options(options: Mapping[str, Any]) -> BulkReadRequest:
    """``jobadapter submit zoho.bulk_read --module Leads --option fields=A,B ...``."""
    page = options.get("page")
    return BulkReadRequest(
        module=options.get("module") or _missing("--module"),
        fields=options.get("fields"),
        criteria=_json_or_text(options.get("criteria")),
        cvid=options.get("cvid"),
        page=int(page) if isinstance(page, str) and page.isdigit() else page,
        page_token=options.get("page_token"),
        file_type=options.get("file_type", "csv"),
        callback_url=options.get("callback_url"),
    )


def write_from_options(options: Mapping[str, Any]) -> BulkWriteRequest:
    """``jobadapter submit zoho.bulk_write --module Leads --operation insert --file x.csv``."""
    return BulkWriteRequest(
        module=options.get("module") or _missing("--module"),
        operation=options.get("operation", "insert"),
        file=options.get("file"),
        rows=options.get("rows"),
        file_id=options.get("file_id"),
        find_by=options.get("find_by"),
        field_mappings=_json_or_text(options.get("field_mappings")),
        callback_url=options.get("callback_url"),
        ignore_empty=_bool(options.get("ignore_empty"), "ignore_empty"),
        character_encoding=options.get("character_encoding"),
    )


def _missing(option: str) -> Any:
    raise InvalidRequest(f"{option} is required (the module's API name, e.g. Leads)")
