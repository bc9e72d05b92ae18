"""vcrpy settings that keep secrets out of cassettes and never reach the network on replay.

Why one shared config: every plugin records against either its simulator or a
real sandbox tenant, and a single forgotten header filter leaks a token into
git. The scrubbers (:mod:`jobadapter.testing.scrub`) run on every request and
answer, recorded or matched; uploads are matched on their parts
(:mod:`jobadapter.testing.matching`), not their random boundary or zip times.

Record mode: ``none`` (replay only) unless ``JOBADAPTER_RECORD`` asks for
recording, and always ``none`` when ``CI`` is set. In ``none`` mode a request
that is not in the cassette raises vcrpy's ``CannotOverwriteExistingCassetteException``
and a missing cassette file raises :class:`CassetteMissingError` (see :func:`make_vcr`).
"""

from __future__ import annotations

import functools
import logging
import os
import zlib
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

import vcr
from vcr.cassette import Cassette
from vcr.persisters.filesystem import FilesystemPersister

from jobadapter.redact import install_log_redaction
from jobadapter.testing.matching import upload_body
from jobadapter.testing.scrub import body_bytes, scrub_request, scrub_response

__all__ = [
    "CassetteMissingError",
    "make_vcr",
    "record_mode",
    "vcr_config",
]

_RECORD_VALUES = {"1": "once", "true": "once", "yes": "once", "once": "once"}
_RECORD_VALUES.update({"new_episodes": "new_episodes", "all": "all"})
_OFF_VALUES = frozenset({"", "0", "false", "no", "none"})


class CassetteMissingError(FileNotFoundError):
    """A cassette was asked for in replay-only mode and does not exist.

    vcrpy would treat it as empty and fail on the first request with a
    confusing "can't overwrite" message; this says what to do instead.
    """


def record_mode(environ: Mapping[str, str] | None = None) -> str:
    """The vcrpy record mode for this run: ``none`` unless recording is asked for outside CI.

    ``JOBADAPTER_RECORD=1`` (or ``once``) records missing cassettes;
    ``all`` / ``new_episodes`` re-record. When ``CI`` is set (to anything but
    ``0``/``false``) the answer is always ``none``: CI must never reach a provider.
    """
    env = os.environ if environ is None else environ
    if env.get("CI", "").strip().lower() not in _OFF_VALUES:
        return "none"
    raw = env.get("JOBADAPTER_RECORD", "").strip().lower()
    if raw in _OFF_VALUES:
        return "none"
    try:
        return _RECORD_VALUES[raw]
    except KeyError:
        raise ValueError(
            f"JOBADAPTER_RECORD={raw!r} is not understood: use 1 (record missing cassettes), "
            "all (re-record everything) or leave it unset (replay only)"
        ) from None


# -- configuration ----------------------------------------------------------


def _chain(first: Callable[[Any], Any], extra: Any) -> Callable[[Any], Any]:
    """Run ``extra`` hooks (one or several) and then ``first``, which has the last word."""
    hooks: list[Callable[[Any], Any]] = []
    if extra is not None:
        hooks.extend(extra if isinstance(extra, Iterable) else [extra])

    def run(item: Any) -> Any:
        for hook in hooks:
            item = hook(item)
            if item is None:
                return None
        return first(item)

    return run


def vcr_config(**overrides: Any) -> dict[str, Any]:
    """Keyword arguments for ``vcr.VCR(...)`` (or a pytest-recording ``vcr_config`` fixture).

    Any key can be overridden. ``before_record_request`` and
    ``before_record_response`` overrides are *chained* before the scrubbers,
    never instead of them, so no hook can put a secret back.
    """
    config: dict[str, Any] = {
        "record_mode": record_mode(),
        "match_on": ("method", "scheme", "host", "port", "path", "query", "body"),
        "decode_compressed_response": True,
        "record_on_exception": False,
        "serializer": "yaml",
    }
    user_request = overrides.pop("before_record_request", None)
    user_response = overrides.pop("before_record_response", None)
    config.update(overrides)
    config["before_record_request"] = _chain(scrub_request, user_request)
    config["before_record_response"] = _chain(scrub_response, user_response)
    return config


class _QuietRecording(logging.Filter):
    """vcrpy logs each answer it records at INFO *before* our scrubbers run
    (``Appending request ... and response {...}``): keep the request, drop the answer."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str) and record.msg.startswith("Appending request"):
            request = record.args[0] if isinstance(record.args, tuple) and record.args else "?"
            record.msg, record.args = (
                "Appending request %s (answer scrubbed, not logged)",
                (request,),
            )
        return True


def _guard_vcr_logs() -> None:
    for name in ("vcr.cassette", "vcr.stubs", "vcr.matchers"):
        logger = logging.getLogger(name)
        if not any(isinstance(f, _QuietRecording) for f in logger.filters):
            logger.addFilter(_QuietRecording())
        install_log_redaction(logger)


_guard_vcr_logs()


class _ReplayOnlyPersister(FilesystemPersister):  # type: ignore[misc]
    """Refuses a missing (or empty) cassette instead of treating it as new."""

    @classmethod
    def load_cassette(cls, cassette_path: Any, serializer: Any) -> Any:
        path = Path(cassette_path)
        if not path.is_file() or not path.read_text(encoding="utf-8").strip():
            raise CassetteMissingError(
                f"cassette {str(path)!r} does not exist and replay mode never records. "
                "Record it against the simulator or a sandbox tenant with JOBADAPTER_RECORD=1 "
                "(never in CI), or fix the cassette name."
            )
        return super().load_cassette(cassette_path, serializer)


def _encoded_as_declared(body: bytes, encoding: str) -> bool:
    """Whether ``body`` really is in ``encoding`` (unknown encodings are trusted)."""
    if encoding in ("gzip", "x-gzip"):
        return body[:2] == b"\x1f\x8b"
    if encoding == "deflate":
        try:
            zlib.decompressobj(32 + zlib.MAX_WBITS).decompress(body[:64])
        except zlib.error:
            return False
    return True


class _Cassette(Cassette):  # type: ignore[misc]
    """Fixes the live answer vcrpy hands back while recording.

    vcrpy reads the real answer through urllib3 with ``decode_content`` left
    on (it drops the caller's ``decode_content=False``), so the client gets a
    decompressed body still labelled ``Content-Encoding: gzip`` and fails to
    decode it a second time. The same dict becomes the live answer, so the
    label is dropped here, before recording.
    """

    def append(self, request: Any, response: Any) -> None:
        headers = response.get("headers") or {}
        body = body_bytes((response.get("body") or {}).get("string"))
        for name in [k for k in headers if k.lower() == "content-encoding"]:
            values = headers[name] if isinstance(headers[name], list) else [headers[name]]
            encoding = str(values[0]).strip().lower() if values else ""
            if body is not None and encoding and not _encoded_as_declared(body, encoding):
                del headers[name]
                for length in [k for k in headers if k.lower() == "content-length"]:
                    headers[length] = [str(len(body))]
        super().append(request, response)


class _VCR(vcr.VCR):  # type: ignore[misc]
    """``vcr.VCR`` whose cassettes are :class:`_Cassette`."""

    def _use_cassette(self, with_current_defaults: bool = False, **kwargs: Any) -> Any:
        if with_current_defaults:
            return _Cassette.use(**self.get_merged_config(**kwargs))
        return _Cassette.use_arg_getter(functools.partial(self.get_merged_config, **kwargs))


def make_vcr(cassette_dir: str | os.PathLike[str], **overrides: Any) -> Any:
    """A ``vcr.VCR`` with :func:`vcr_config` whose cassettes live in ``cassette_dir``.

    In ``none`` mode a missing cassette raises :class:`CassetteMissingError`
    when it is opened, rather than failing on the first request.
    """
    config = vcr_config(**overrides)
    recorder = _VCR(cassette_library_dir=os.fspath(cassette_dir), **config)
    recorder.register_matcher("body", upload_body)  # uploads match on their parts
    if str(getattr(recorder.record_mode, "value", recorder.record_mode)) == "none":
        recorder.register_persister(_ReplayOnlyPersister)
    return recorder
