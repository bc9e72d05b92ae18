"""Sending, part one: a request checked and built before it leaves us.

Methods, header names and values, and URLs are refused here (header injection,
control characters, non-http schemes) so nothing malformed reaches the wire,
and bodies (JSON, form, multipart, raw bytes) are encoded one way for everyone.
"""

from __future__ import annotations

import json as _json
import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode, urlsplit

from urllib3.util import parse_url

from jobadapter.errors import InvalidRequest
from jobadapter.redact import redact_text
from jobadapter.transport.headers import RequestHeaders
from jobadapter.transport.multipart import encode_multipart
from jobadapter.urls import has_control_chars, plain_url, safe_url

__all__ = [
    "UNSET",
    "check_header",
    "check_method",
    "check_url",
    "encode_payload",
    "prepare_headers",
    "split_target",
]

#: "No JSON body given" (``None`` is a JSON value).
UNSET: Any = object()
#: An HTTP token (RFC 9110), matched whole: ``$`` would let a trailing newline through.
_TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
#: Header names already found valid (a valid name stays valid): most requests send the
#: same few, so the name check is a set lookup. Bounded, should callers invent names.
_VALID_NAMES: set[str] = set()
_STANDARD_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


def check_header(name: Any, value: Any) -> None:
    """Refuse a header name that is no HTTP token or a value that could inject headers."""
    if (
        name.__class__ is str
        and name in _VALID_NAMES
        and value.__class__ is str
        and value.isascii()
        and value.isprintable()  # printable ASCII: no CR, LF or NUL, and all latin-1
    ):
        return
    if not isinstance(name, str) or not _TOKEN.fullmatch(name):
        raise InvalidRequest(f"invalid header name {redact_text(str(name))!r}")
    if not isinstance(value, str):
        raise InvalidRequest(f"header {name!r} must be a string, got {type(value).__name__}")
    if "\r" in value or "\n" in value or "\0" in value:
        raise InvalidRequest(
            f"header {name!r} contains CR, LF or NUL (header injection); refusing to send it"
        )
    try:
        value.encode("latin-1")
    except UnicodeEncodeError:
        raise InvalidRequest(
            f"header {name!r} holds characters HTTP headers cannot carry"
        ) from None
    if name.__class__ is str and len(_VALID_NAMES) < 256:
        _VALID_NAMES.add(name)


def check_url(url: str) -> None:
    """Refuse anything but an absolute http(s) URL free of control characters."""
    if isinstance(url, str) and plain_url(url) is not None:
        return  # absolute http(s), and no character outside RFC 3986's: nothing to refuse
    if not isinstance(url, str) or has_control_chars(url):
        raise InvalidRequest("URL contains a control character (CR, LF or similar)")
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        raise InvalidRequest(f"not an absolute http(s) URL: {safe_url(url)!r}")


def split_target(url: str) -> tuple[str | None, str | None, int | None, str]:
    """Scheme, host, port and request target of ``url``, as urllib3's ``parse_url`` gives them.

    A plain URL (see ``PLAIN_URL``) without dot segments is one ``parse_url`` leaves
    as it is, so its parts are read from the match; any other goes through ``parse_url``.
    """
    plain = plain_url(url)
    if plain is not None:
        scheme, host, port, path, query = plain.groups()
        number = int(port) if port else None
        if "/." not in path and (number is None or number <= 65535):
            target = path or "/"
            return scheme, host, number, target if query is None else f"{target}?{query}"
    parsed = parse_url(url)
    return parsed.scheme, parsed.host, parsed.port, parsed.request_uri


def check_method(method: str) -> str:
    """``method`` as it goes on the wire; InvalidRequest when it is not an HTTP token."""
    if method.__class__ is str and method in _STANDARD_METHODS:
        return method
    if not isinstance(method, str) or not _TOKEN.fullmatch(method):
        raise InvalidRequest(f"invalid HTTP method {method!r}")
    return method.upper()


def prepare_headers(user_agent: str, headers: Mapping[str, str] | None) -> RequestHeaders:
    """The headers to send: ours, then the caller's (each checked; a name in any case
    replaces the same name set before it), and our Accept-Encoding last."""
    pairs = [("User-Agent", user_agent)]
    if headers:
        valid = _VALID_NAMES
        for name, value in headers.items():
            if not (  # check_header's own first test, inline: it runs for every header
                name.__class__ is str
                and name in valid
                and value.__class__ is str
                and value.isascii()
                and value.isprintable()
            ):
                check_header(name, value)
            pairs.append((name, value))
    pairs.append(("Accept-Encoding", "gzip"))  # we decode (and cap) it ourselves
    return RequestHeaders.of(pairs)


def encode_payload(
    headers: RequestHeaders,
    body: bytes | None,
    json: Any,
    form: Mapping[str, str] | None,
    multipart: Mapping[str, Any] | None,
) -> bytes | None:
    """The request body from whichever one form the caller gave; sets its Content-Type."""
    if body is None and json is UNSET and form is None and multipart is None:
        return None  # no body: a GET
    given = [body is not None, json is not UNSET, form is not None, multipart is not None]
    if sum(given) > 1:
        raise InvalidRequest("pass only one of body, json, form and multipart")
    if json is not UNSET:
        try:
            text = _json.dumps(json, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
        except (TypeError, ValueError) as exc:
            raise InvalidRequest(f"request body is not JSON-serialisable: {exc}") from None
        headers.put_default("Content-Type", "application/json")
        return text.encode("utf-8")
    if form is not None:
        headers.put_default("Content-Type", "application/x-www-form-urlencoded")
        return urlencode(list(form.items())).encode("ascii")
    if multipart is not None:
        data, content_type = encode_multipart(multipart)
        headers.put("Content-Type", content_type)
        return data
    if body is not None and not isinstance(body, bytes):
        raise InvalidRequest(f"body must be bytes, got {type(body).__name__}")
    return body
