"""One cattrs converter: Job <-> JSON-safe dict, losslessly; and its JSON Schema.

cattrs is imported, and the converter built, on the first conversion: the
store's and the reports' modules import this one for its timestamps, and a
command that converts no job (``jobadapter report`` reads totals) need not
pay for cattrs.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from jobadapter.model import MAX_COUNT, Counts, Job, JobError
from jobadapter.status import JobStatus

if TYPE_CHECKING:
    import cattrs


def format_timestamp(value: dt.datetime) -> str:
    """ISO-8601 in UTC with a ``Z`` suffix (microseconds only when present)."""
    text = value.astimezone(dt.timezone.utc).replace(tzinfo=None).isoformat()
    return text + "Z"


def parse_iso_z(text: str) -> dt.datetime:
    """Read back what :func:`format_timestamp` wrote (any ISO-8601 with a zone)."""
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    value = dt.datetime.fromisoformat(text)
    if value.tzinfo is None:
        raise ValueError(f"timestamp {text!r} has no timezone")
    return value.astimezone(dt.timezone.utc)


def _make_converter() -> cattrs.Converter:
    import cattrs
    from cattrs.gen import make_dict_unstructure_fn, override

    conv = cattrs.Converter()
    conv.register_unstructure_hook(JobStatus, lambda s: s.value)
    conv.register_structure_hook(JobStatus, lambda v, _: JobStatus.from_name(v))
    conv.register_unstructure_hook(dt.datetime, format_timestamp)
    conv.register_structure_hook(dt.datetime, lambda v, _: parse_iso_z(v))
    # ``retryable`` only when set: a JobError's JSON stays {code, message} otherwise.
    conv.register_unstructure_hook(
        JobError,
        make_dict_unstructure_fn(JobError, conv, retryable=override(omit_if_default=True)),
    )
    # raw is the native payload: pass it through untouched both ways.
    conv.register_structure_hook(Any, lambda v, _: v)
    return conv


#: The one converter for the model, once built (``converter`` below builds it).
_converter: cattrs.Converter | None = None


def _built() -> cattrs.Converter:
    """The converter, built on first use. Two threads may both build one at first:
    they are alike, and one of them is kept."""
    global _converter
    conv = _converter
    if conv is None:
        conv = _converter = _make_converter()
    return conv


def __getattr__(name: str) -> Any:
    """``converter``: the one converter for the model (built on first use); use
    :func:`to_dict` / :func:`from_dict`."""
    if name == "converter":
        return _built()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def to_dict(job: Job) -> dict[str, Any]:
    """A JSON-safe dict of ``job`` (statuses lower-case, datetimes ISO-8601 ``Z``)."""
    conv = _converter if _converter is not None else _built()
    data: dict[str, Any] = conv.unstructure(job)
    return data


def from_dict(data: dict[str, Any]) -> Job:
    """The inverse of :func:`to_dict`."""
    conv = _converter if _converter is not None else _built()
    return conv.structure(data, Job)


def _make_encode(conv: cattrs.Converter) -> Callable[[Job], str]:
    """:func:`dumps` without a copy of ``raw``: the converter's own mapping of every
    other field, and ``raw`` handed to the JSON encoder as it is; a value in it that
    JSON does not know is converted where it sits (as :func:`to_dict` converts it)."""
    from cattrs.gen import make_dict_unstructure_fn, override

    fields = make_dict_unstructure_fn(Job, conv, raw=override(unstruct_hook=_as_is))

    def unknown(value: Any) -> Any:
        done = conv.unstructure(value)
        if type(done) is type(value):  # nothing JSON could take (a set, bytes...)
            raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")
        return done

    encode = json.JSONEncoder(separators=(",", ":"), sort_keys=True, default=unknown).encode
    return lambda job: encode(fields(job))


def _as_is(value: Any) -> Any:
    return value


#: :func:`dumps`' fast way, once built (with the converter, on first use).
_encode: Callable[[Job], str] | None = None


def dumps(job: Job) -> str:
    """The job as compact JSON text: :func:`to_dict`'s, keys sorted.

    ``raw`` is not copied first (a third of the work); a payload the encoder
    cannot take that way (keys JSON does not know, say) takes :func:`to_dict`'s,
    so the text, or the error, is always the same.
    """
    global _encode
    encode = _encode
    if encode is None:
        encode = _encode = _make_encode(_built())
    try:
        return encode(job)
    except (TypeError, ValueError):
        return json.dumps(to_dict(job), separators=(",", ":"), sort_keys=True)


def loads(text: str | bytes) -> Job:
    """The inverse of :func:`dumps`."""
    return from_dict(json.loads(text))


_NULLABLE_STRING = {"type": ["string", "null"]}
_NULLABLE_COUNT = {"type": ["integer", "null"], "minimum": 0, "maximum": MAX_COUNT}
_NULLABLE_TIME = {
    "type": ["string", "null"],
    "format": "date-time",
    "pattern": r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?Z$",
}


def schema() -> dict[str, Any]:
    """JSON Schema (draft 2020-12) of a serialised :class:`Job`."""
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "https://jobadapter.invalid/schema/job.json",
        "title": "jobadapter Job",
        "type": "object",
        "additionalProperties": False,
        "required": ["adapter", "id", "status"],
        "properties": {
            "adapter": {"type": "string", "minLength": 1},
            "id": {"type": "string", "minLength": 1},
            "status": {"enum": [s.value for s in JobStatus]},
            "native_status": _NULLABLE_STRING,
            "operation": _NULLABLE_STRING,
            "target": _NULLABLE_STRING,
            "counts": {
                "type": "object",
                "additionalProperties": False,
                "properties": {
                    name: _NULLABLE_COUNT for name in ("total", "processed", "succeeded", "failed")
                },
            },
            "created_at": _NULLABLE_TIME,
            "started_at": _NULLABLE_TIME,
            "ended_at": _NULLABLE_TIME,
            "updated_at": _NULLABLE_TIME,
            "submitted_by": _NULLABLE_STRING,
            "result_url": _NULLABLE_STRING,
            "callback_url": _NULLABLE_STRING,
            "errors": {
                "type": "array",
                "items": {
                    "type": "object",
                    "additionalProperties": False,
                    "required": ["code", "message"],
                    "properties": {
                        "code": _NULLABLE_STRING,
                        "message": {"type": "string"},
                        "retryable": {"type": "boolean"},
                    },
                },
            },
            "raw": {},
        },
    }


# ``converter`` comes from the module's ``__getattr__`` (built on first use).
__all__ = ["Counts", "JobError", "converter", "dumps", "from_dict", "loads", "schema", "to_dict"]  # noqa: F822
