"""What a custom object bulk job needs, checked before anything is sent.

Zuora refuses a bad filter or an oversized file only after the job exists,
and a job left waiting for its file counts against the tenant's five
concurrent jobs; so every rule the docs state is checked here, first.
"""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Iterable, Mapping
from typing import IO, Any, Union

import attrs
from jobadapter.errors import InvalidRequest
from jobadapter.urls import has_control_chars
from jobadapter_zuora_common import check_idempotency_key

ADAPTER = "zuora.custom_object_job"
OPERATIONS = ("create", "update", "delete")
NAMESPACES = ("default", "com_zuora")
OPERATORS = ("EQ", "GT", "LT", "GE", "LE")
MAX_CONDITIONS = 2
#: Zuora's documented upload limit ("15 MB"), read generously as MiB.
MAX_FILE_BYTES = 15 * 1024 * 1024

#: A CSV given as a path, its bytes, or an open file (binary or text).
FileSource = Union[str, "os.PathLike[str]", bytes, bytearray, memoryview, IO[bytes], IO[str]]


def _invalid(message: str) -> InvalidRequest:
    return InvalidRequest(message, adapter=ADAPTER)


def _name(value: Any, what: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise _invalid(f"{what} must be a non-empty string, got {value!r}")
    text = value.strip()
    if has_control_chars(text) or any(ch.isspace() for ch in text):
        raise _invalid(f"{what} {text[:60]!r} must not contain spaces or control characters")
    return text


def _field_name(value: Any) -> str:
    return _name(value, "filter field")


def _object_name(value: Any) -> str:
    return _name(value, "object")


def _upper(value: Any) -> Any:
    return value.strip().upper() if isinstance(value, str) else value


@attrs.frozen
class FilterCondition:
    """One ``field OPERATOR value`` condition of a bulk delete filter."""

    field: str = attrs.field(converter=_field_name)
    operator: str = attrs.field(converter=_upper)
    value: str | int | float | bool = attrs.field()

    @operator.validator
    def _check_operator(self, _attr: attrs.Attribute[str], value: str) -> None:
        if value not in OPERATORS:
            raise _invalid(
                f"filter operator {value!r} is not one of {', '.join(OPERATORS)} "
                "(Zuora's bulk delete filter supports only these)"
            )

    @value.validator
    def _check_value(self, _attr: attrs.Attribute[Any], value: Any) -> None:
        if value is None or not isinstance(value, (str, int, float, bool)):
            raise _invalid(
                f"filter value for {self.field!r} must be a string, number or boolean, "
                f"got {type(value).__name__}"
            )

    def to_json(self) -> dict[str, Any]:
        return {"field": self.field, "operator": self.operator, "value": self.value}

    @classmethod
    def from_any(cls, item: Any) -> FilterCondition:
        """A condition from a condition, a ``{field, operator, value}`` mapping or
        the text ``"field OP value"``."""
        if isinstance(item, FilterCondition):
            return item
        if isinstance(item, Mapping):
            extra = set(item) - {"field", "operator", "value"}
            missing = {"field", "operator", "value"} - set(item)
            if extra or missing:
                raise _invalid(
                    "a filter condition has exactly the keys field, operator and value"
                    f"{f'; missing {sorted(missing)}' if missing else ''}"
                    f"{f'; unknown {sorted(extra)}' if extra else ''}"
                )
            return cls(item["field"], item["operator"], item["value"])
        if isinstance(item, str):
            parts = item.split(None, 2)
            if len(parts) != 3:
                raise _invalid(
                    f"filter {item[:80]!r} must read 'field OPERATOR value', "
                    "e.g. 'CreatedDate LT 2020-01-01T00:00:00.000Z'"
                )
            return cls(parts[0], parts[1], parts[2])
        raise _invalid(f"a filter condition cannot be a {type(item).__name__}")


def _conditions(value: Any) -> tuple[FilterCondition, ...]:
    if value is None:
        return ()
    if isinstance(value, Mapping) and "conditions" in value:
        value = value["conditions"]
    if isinstance(value, (str, Mapping, FilterCondition)):
        value = [value]
    if not isinstance(value, Iterable):
        raise _invalid(f"filter must be a list of conditions, got {type(value).__name__}")
    return tuple(FilterCondition.from_any(item) for item in value)


def _operation(value: Any) -> str:
    text = value.strip().lower() if isinstance(value, str) else value
    if text not in OPERATIONS:
        raise _invalid(f"operation {value!r} is not one of {', '.join(OPERATIONS)}")
    return str(text)


def _namespace(value: Any) -> str:
    text = "default" if value is None else value
    if text not in NAMESPACES:
        raise _invalid(
            f"namespace {value!r} is not one of {', '.join(NAMESPACES)} "
            "(custom objects live in 'default')"
        )
    return str(text)


@attrs.frozen
class CustomObjectJobRequest:
    """A custom object bulk job: what to do, to which object, with which rows.

    ``create`` and ``update`` need ``file`` (a UTF-8 CSV, ``update`` with an
    ``id`` column); ``delete`` takes ``filter`` (1-2 conditions, ANDed) and
    never a file: the spec uploads files for create and update only. ``idempotency_key`` is sent on
    the create call and reused on each of its retries (generated when not given).
    """

    object: str = attrs.field(converter=_object_name)
    operation: str = attrs.field(converter=_operation)
    file: FileSource | None = attrs.field(default=None, eq=False, repr=False)
    namespace: str = attrs.field(default="default", converter=_namespace)
    filter: tuple[FilterCondition, ...] = attrs.field(default=(), converter=_conditions)
    idempotency_key: str | None = attrs.field(default=None, repr=False)

    def __attrs_post_init__(self) -> None:
        if self.filter and self.operation != "delete":
            raise _invalid(f"a filter applies to delete jobs only, not to {self.operation!r}")
        if len(self.filter) > MAX_CONDITIONS:
            raise _invalid(
                f"a delete filter takes 1 or {MAX_CONDITIONS} conditions, got {len(self.filter)}"
            )
        if self.operation == "delete":
            # The spec uploads a file only for create and update jobs: a delete job
            # created without a filter and then sent a file would be a filterless delete.
            if self.file is not None:
                raise _invalid(
                    "a delete job takes a filter, not a file (Zuora documents file uploads "
                    "for create and update jobs only); give 1-2 filter conditions, e.g. "
                    "filter=['Id = 8a8aa0...'] or --filter 'Name = old'"
                )
            if not self.filter:
                raise _invalid("a delete job needs a filter of 1-2 conditions")
        elif self.file is None:
            raise _invalid(f"a {self.operation} job needs a CSV file (path, bytes or file object)")
        if self.idempotency_key is not None:
            try:
                check_idempotency_key(self.idempotency_key)
            except InvalidRequest as exc:
                raise exc.with_context(adapter=ADAPTER) from None

    @property
    def needs_upload(self) -> bool:
        return self.file is not None

    def create_body(self) -> dict[str, Any]:
        """The JSON body of ``POST /objects/jobs``."""
        body: dict[str, Any] = {
            "namespace": self.namespace,
            "object": self.object,
            "operation": self.operation,
        }
        if self.filter:
            body["filter"] = {"conditions": [c.to_json() for c in self.filter]}
        return body

    def read_file(self) -> bytes:
        """The CSV bytes to upload, checked (size, UTF-8, header) before any request."""
        if self.file is None:
            raise _invalid(f"this {self.operation} job has no file to upload")
        data = read_source(self.file)
        check_csv(data, operation=self.operation)
        return data


def read_source(source: FileSource, *, limit: int = MAX_FILE_BYTES) -> bytes:
    """The bytes of ``source``; InvalidRequest when it holds more than ``limit``."""
    too_big = (
        f"the CSV is larger than {limit // (1024 * 1024)} MB, Zuora's limit for one "
        "custom object bulk job: split it into several jobs"
    )
    if isinstance(source, (bytes, bytearray, memoryview)):
        data = bytes(source)
    elif isinstance(source, (str, os.PathLike)):
        path = os.fspath(source)
        try:
            if os.stat(path).st_size > limit:
                raise _invalid(f"{too_big} ({path})")
            with open(path, "rb") as handle:
                data = handle.read(limit + 1)
        except OSError as exc:
            raise _invalid(f"cannot read the CSV file {path!r}: {exc.strerror or exc}") from None
    elif hasattr(source, "read"):
        chunk = source.read(limit + 1)
        data = chunk.encode("utf-8") if isinstance(chunk, str) else bytes(chunk)
    else:
        raise _invalid(f"file must be a path, bytes or an open file, got {type(source).__name__}")
    if len(data) > limit:
        raise _invalid(too_big)
    return data


def check_csv(data: bytes, *, operation: str) -> None:
    """Refuse what Zuora would refuse only after the job exists: an empty or
    non-UTF-8 file, or an update without an ``id`` column."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise _invalid(
            f"the CSV is not UTF-8 (byte {exc.start}); Zuora accepts UTF-8 files only: "
            "re-save it as UTF-8"
        ) from None
    first = text.split("\n", 1)[0]
    header = next(csv.reader(io.StringIO(first)), [])
    columns = [c.strip() for c in header if c.strip()]
    if not columns:
        raise _invalid("the CSV is empty or has no header row; the first row names the fields")
    if operation == "update" and "id" not in {c.lower() for c in columns}:
        raise _invalid("an update job's CSV needs an 'id' column naming each record to update")


def data_rows(data: bytes) -> int | None:
    """How many records a checked CSV holds after its header (blank lines are
    not records), or None when it does not read as CSV: Zuora reports only
    ``recordsProcessed``, so this count is the one honest total a job has."""
    try:
        reader = csv.reader(io.StringIO(data.decode("utf-8-sig"), newline=""))
        return max(0, sum(1 for record in reader if record) - 1)
    except (UnicodeDecodeError, csv.Error):
        return None


def request_from_options(options: Mapping[str, Any]) -> CustomObjectJobRequest:
    """A request from CLI options: ``object``, ``operation`` (or ``action``), ``file``,
    ``namespace``, ``filter`` ("field OP value", repeatable), ``idempotency_key``."""
    given = {k: v for k, v in options.items() if v is not None and v != () and v != []}
    if "action" in given and "operation" not in given:
        given["operation"] = given.pop("action")
    known = {"object", "operation", "file", "namespace", "filter", "idempotency_key"}
    unknown = sorted(set(given) - known)
    if unknown:
        raise _invalid(
            f"option(s) {', '.join(unknown)} do not apply to {ADAPTER}; "
            f"it takes {', '.join(sorted(known))}"
        )
    for key in ("object", "operation"):
        if key not in given:
            raise _invalid(f"{ADAPTER} needs --{key}")
    return CustomObjectJobRequest(**given)
