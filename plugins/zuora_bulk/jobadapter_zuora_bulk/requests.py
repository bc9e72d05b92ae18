"""What a caller submits: one small request class per job kind, checked on creation.

Submit also takes a plain mapping (what the CLI builds from options); both
paths go through the same checks, so a bad action type or job type is an
InvalidRequest before any request leaves the machine.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

import attrs
from jobadapter.errors import InvalidRequest

#: The six documented ``actionType`` values of ``POST /v1/bulk``.
ACTION_TYPES = (
    "UpdateAccountingCode",
    "CreateRevenueSchedule",
    "UpdateRevenueSchedule",
    "DeleteRevenueSchedule",
    "ImportFXRate",
    "MPU",
)

#: Documented Bulk Data ``jobType`` and ``fileType`` values.
JOB_TYPES = ("Import", "Delete", "Update", "Cancel")
FILE_TYPES = ("csv", "jsonl")


def _canonical(value: Any, allowed: Sequence[str], what: str) -> str:
    """``value`` spelled as Zuora documents it (matched ignoring case)."""
    if isinstance(value, str):
        for word in allowed:
            if value.strip().lower() == word.lower():
                return word
    raise InvalidRequest(f"{what} {value!r} is not one of: {', '.join(allowed)}")


def _action_type(value: Any) -> str:
    return _canonical(value, ACTION_TYPES, "actionType")


def _optional_str(value: Any, what: str, limit: int = 255) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise InvalidRequest(f"{what} must be text, not {type(value).__name__}")
    if len(value) > limit:
        raise InvalidRequest(f"{what} is longer than {limit} characters")
    return value


def _checksum(value: Any) -> str | None:
    if value is None:
        return None
    text = value.strip().lower() if isinstance(value, str) else ""
    if len(text) != 32 or any(c not in "0123456789abcdef" for c in text):
        raise InvalidRequest("checksum must be the 32-character hex MD5 of the file")
    return text


class _Options:
    """Options being read: remembers every name asked for, so that an option no
    field reads (``--module`` on a mass action) is refused, not silently dropped."""

    def __init__(self, options: Mapping[str, Any]) -> None:
        self.given = {k: v for k, v in options.items() if v is not None}
        self.read: set[str] = set()

    def pick(self, *names: str) -> Any:
        self.read.update(names)
        for name in names:
            value = self.given.get(name)
            if value is not None:
                return value
        return None

    def refuse_unread(self, what: str) -> None:
        unknown = sorted(set(self.given) - self.read)
        if unknown:
            takes = sorted(n for n in self.read if n.islower())
            raise InvalidRequest(
                f"{what} does not take {', '.join(unknown)}; it takes {', '.join(takes)}"
            )


@attrs.frozen
class MassUpdateRequest:
    """A Mass Updater action: a .csv (or zipped .csv) ``file`` and its ``action_type``.

    ``checksum`` (MD5 hex) is computed when not given; given, it must match.
    ``idempotency_key`` is generated once per submission when not given.
    """

    file: Any = attrs.field(repr=False)
    action_type: str = attrs.field(converter=_action_type)
    checksum: str | None = attrs.field(default=None, converter=_checksum)
    idempotency_key: str | None = None
    filename: str | None = None

    @classmethod
    def from_mapping(cls, options: Mapping[str, Any]) -> MassUpdateRequest:
        """From CLI options or a dict: ``file``, ``action``/``action_type``/``actionType``, ..."""
        opts = _Options(options)
        file = opts.pick("file", "path")
        if file is None:
            raise InvalidRequest("a mass action needs a file (--file PATH)")
        action = opts.pick("action_type", "actionType", "action")
        if action is None:
            raise InvalidRequest(
                f"a mass action needs an actionType (--action), one of: {', '.join(ACTION_TYPES)}"
            )
        request = cls(
            file=file,
            action_type=action,
            checksum=opts.pick("checksum"),
            idempotency_key=opts.pick("idempotency_key", "idempotencyKey"),
            filename=opts.pick("filename"),
        )
        opts.refuse_unread("zuora.mass_updater")
        return request


def _job_type(value: Any) -> str:
    return _canonical(value, JOB_TYPES, "jobType")


def _file_type(value: Any) -> str | None:
    return None if value is None else _canonical(value, FILE_TYPES, "fileType")


def _required(value: Any, what: str) -> str:
    text = _optional_str(value, what)
    if not text or not text.strip():
        raise InvalidRequest(f"{what} is required")
    return text


def _mappings(value: Any) -> tuple[Mapping[str, Any], ...] | None:
    if value is None:
        return None
    if isinstance(value, str):  # from the command line: --option 'mappings=[{...}]'
        try:
            value = json.loads(value)
        except ValueError:
            raise InvalidRequest("mappings must be JSON: a list of {source, target}") from None
    if isinstance(value, Mapping) or not isinstance(value, Sequence) or isinstance(value, str):
        raise InvalidRequest("mappings must be a list of {source, target, type?, arrayType?}")
    result = []
    for item in value:
        if not isinstance(item, Mapping) or not item.get("source") or not item.get("target"):
            raise InvalidRequest("each mapping needs a 'source' and a 'target'")
        result.append(dict(item))
    return tuple(result)


def _headers(value: Any) -> tuple[str, ...] | None:
    if value is None:
        return None
    if isinstance(value, str):
        value = [part.strip() for part in value.split(",")]
    if not isinstance(value, Sequence) or not all(isinstance(v, str) and v for v in value):
        raise InvalidRequest("headers must be a list of column names")
    return tuple(value)


def _bool(value: Any, what: str) -> bool | None:
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false", "yes", "no", "1", "0"):
        return value.strip().lower() in ("true", "yes", "1")
    raise InvalidRequest(f"{what} must be true or false")


def _name(value: Any) -> str:
    return _required(value, "name")


def _object_type(value: Any) -> str:
    return _required(value, "objectType")


def _description(value: Any) -> str | None:
    return _optional_str(value, "description", 4000)


def _has_headers(value: Any) -> bool | None:
    return _bool(value, "hasHeaders")


def _is_custom_object(value: Any) -> bool | None:
    return _bool(value, "isCustomObject")


@attrs.frozen
class BulkJobRequest:
    """A Bulk Data job: create it, upload ``file`` to the presigned target, submit it."""

    file: Any = attrs.field(repr=False)
    name: str = attrs.field(converter=_name)
    object_type: str = attrs.field(converter=_object_type)
    job_type: str = attrs.field(default="Import", converter=_job_type)
    file_type: str | None = attrs.field(default=None, converter=_file_type)
    description: str | None = attrs.field(default=None, converter=_description)
    mappings: tuple[Mapping[str, Any], ...] | None = attrs.field(default=None, converter=_mappings)
    headers: tuple[str, ...] | None = attrs.field(default=None, converter=_headers)
    row_id_header: str | None = None
    delimiter: str | None = None
    has_headers: bool | None = attrs.field(default=None, converter=_has_headers)
    is_custom_object: bool | None = attrs.field(default=None, converter=_is_custom_object)
    custom_object_namespace: str | None = None
    idempotency_key: str | None = None
    filename: str | None = None

    def body(self, file_type: str) -> dict[str, Any]:
        """The JSON body of ``POST /bulk-data/bulk-jobs`` (unset fields left out)."""
        fields: dict[str, Any] = {
            "name": self.name,
            "objectType": self.object_type,
            "jobType": self.job_type,
            "fileType": file_type,
            "description": self.description,
            "mappings": [dict(m) for m in self.mappings] if self.mappings is not None else None,
            "headers": list(self.headers) if self.headers is not None else None,
            "rowIdHeader": self.row_id_header,
            "delimiter": self.delimiter,
            "hasHeaders": self.has_headers,
            "isCustomObject": self.is_custom_object,
            "customObjectNamespace": self.custom_object_namespace,
        }
        return {k: v for k, v in fields.items() if v is not None}

    @classmethod
    def from_mapping(cls, options: Mapping[str, Any]) -> BulkJobRequest:
        """From CLI options or a dict (snake_case or Zuora's camelCase keys)."""
        opts = _Options(options)
        file = opts.pick("file", "path")
        if file is None:
            raise InvalidRequest("a bulk job needs a file (--file PATH)")
        object_type = opts.pick("object_type", "objectType", "object", "module")
        if object_type is None:
            raise InvalidRequest("a bulk job needs an objectType (--object, e.g. Account)")
        name = opts.pick("name") or f"jobadapter {object_type} job"
        job_type = opts.pick("job_type", "jobType", "action", "operation") or "Import"
        request = cls(
            file=file,
            name=name,
            object_type=object_type,
            job_type=job_type,
            file_type=opts.pick("file_type", "fileType"),
            description=opts.pick("description"),
            mappings=opts.pick("mappings"),
            headers=opts.pick("headers"),
            row_id_header=opts.pick("row_id_header", "rowIdHeader"),
            delimiter=opts.pick("delimiter"),
            has_headers=opts.pick("has_headers", "hasHeaders"),
            is_custom_object=opts.pick("is_custom_object", "isCustomObject"),
            custom_object_namespace=opts.pick(
                "custom_object_namespace", "customObjectNamespace", "namespace"
            ),
            idempotency_key=opts.pick("idempotency_key", "idempotencyKey"),
            filename=opts.pick("filename"),
        )
        opts.refuse_unread("zuora.bulk_job")
        return request
