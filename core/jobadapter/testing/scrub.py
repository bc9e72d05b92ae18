"""Scrubbing for cassettes: secrets redacted and loopback URLs normalised, both ways.

Everything here runs in vcrpy's ``before_record_request`` /
``before_record_response`` (see :mod:`jobadapter.testing.vcr`), which vcrpy
applies when it records *and* (for requests) when it matches, so the scrubbed,
normalised form is what gets compared on replay.

Port normalisation (decision): a request to a loopback host (``127.0.0.1``,
``localhost``, ``::1``) on any port is rewritten to ``http://sandbox.invalid``
(scheme kept), and loopback origins inside recorded answers (bodies and
``Location``) are rewritten the same way. Simulators bind a random free port,
so without this a cassette would only replay against the port it was recorded
on. ``.invalid`` can never resolve (RFC 2606), so a rewritten URL can never
reach anything real. Two simulators recorded in one cassette must therefore be
told apart by path (``SandboxServer`` mounts several under ``/<name>``), not by port.
"""

from __future__ import annotations

import gzip
import json
import re
import zlib
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from jobadapter.redact import (
    MASK,
    REQUEST_SECRET_HEADERS,
    RESPONSE_SECRET_HEADERS,
    redact_text,
)

__all__ = [
    "BODY_SECRET_FIELDS",
    "FORM_SECRET_FIELDS",
    "QUERY_SECRET_FIELDS",
    "REDACTED",
    "REQUEST_SECRET_HEADERS",
    "RESPONSE_SECRET_FIELDS",
    "RESPONSE_SECRET_HEADERS",
    "SANDBOX_HOST",
    "body_bytes",
    "header",
    "scrub_request",
    "scrub_response",
]

#: What every scrubbed value becomes (the repo's cassette leak check ignores it).
REDACTED = "<redacted>"

#: The host loopback requests are rewritten to, on record and on match.
SANDBOX_HOST = "sandbox.invalid"

_LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1"})

#: Form-encoded (and multipart) request fields that are credentials.
FORM_SECRET_FIELDS = frozenset(
    {
        "client_id",
        "client_secret",
        "refresh_token",
        "access_token",
        "id_token",
        "code",
        "password",
        "token",
        "api_key",
        "apikey",
        "secret",
        *(
            # presigned storage uploads (Zuora Bulk Data): live, short-lived credentials
            "x-amz-security-token",
            "x-amz-signature",
            "x-amz-credential",
            "policy",
            "signature",
        ),
    }
)

#: JSON request body keys that are credentials, at any depth. ``code`` is left
#: out on purpose: in JSON it is usually data (a product code), not an OAuth code.
BODY_SECRET_FIELDS = FORM_SECRET_FIELDS - {"code"}

#: Query parameters that are credentials.
QUERY_SECRET_FIELDS = frozenset(
    {
        "access_token",
        "client_secret",
        "client_id",
        "refresh_token",
        "token",
        "code",
        "password",
        "x-amz-signature",
        "x-amz-security-token",
        "x-amz-credential",
        "signature",
    }
)

#: JSON answer keys that are credentials, at any depth.
RESPONSE_SECRET_FIELDS = frozenset(
    {
        "access_token",
        "refresh_token",
        "id_token",
        "jti",
        "client_secret",
        "password",
        "token",
        "x-amz-security-token",
        "x-amz-signature",
        "x-amz-credential",
        "policy",
        "signature",
    }
)

_TOKEN_VALUE = re.compile(r"(?i)^\s*(bearer|zoho-oauthtoken|basic|token)\s+\S+")
_LOOPBACK_ORIGIN = re.compile(
    r"(https?)://(?:127\.0\.0\.1|localhost|\[::1\])(?::\d+)?", flags=re.IGNORECASE
)
_FIXED_BOUNDARY = "jobadapter-cassette-boundary"
# -- requests ---------------------------------------------------------------


def _scrub_header_value(name: str, value: str, secret_names: frozenset[str]) -> str:
    """A credential scheme keeps its name (``Bearer <redacted>``); other secrets go whole."""
    match = _TOKEN_VALUE.match(value)
    if match:
        return f"{match.group(1)} {REDACTED}"
    return REDACTED if name.lower() in secret_names else value


def _is_loopback(host: str | None) -> bool:
    return (host or "").lower() in _LOOPBACK


def _normalise_url(uri: str) -> str:
    parts = urlsplit(uri)
    netloc = parts.netloc
    if _is_loopback(parts.hostname):
        netloc = SANDBOX_HOST
    elif "@" in netloc:
        netloc = netloc.rsplit("@", 1)[1]  # never keep user:password@
    query = parts.query
    if query:
        pairs = parse_qsl(query, keep_blank_values=True)
        if any(k.lower() in QUERY_SECRET_FIELDS for k, _ in pairs):
            query = urlencode(
                [(k, REDACTED if k.lower() in QUERY_SECRET_FIELDS else v) for k, v in pairs],
                safe="<>",
            )
    return urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))


def _scrub_json(value: Any, fields: frozenset[str]) -> tuple[Any, bool]:
    """``value`` with every key in ``fields`` (at any depth) set to REDACTED."""
    if isinstance(value, dict):
        changed = False
        out: dict[Any, Any] = {}
        for key, item in value.items():
            if isinstance(key, str) and key.lower() in fields and item is not None:
                out[key] = REDACTED
                changed = True
            else:
                out[key], sub = _scrub_json(item, fields)
                changed = changed or sub
        return out, changed
    if isinstance(value, list):
        items = [_scrub_json(item, fields) for item in value]
        return [item for item, _ in items], any(sub for _, sub in items)
    return value, False


def _scrub_form(text: str, fields: frozenset[str]) -> str | None:
    """A form body with secret fields redacted, or None when nothing changed."""
    pairs = parse_qsl(text, keep_blank_values=True)
    if not any(k.lower() in fields for k, _ in pairs):
        return None
    return urlencode([(k, REDACTED if k.lower() in fields else v) for k, v in pairs], safe="<>")


def _scrub_multipart(body: bytes, content_type: str) -> tuple[bytes, str]:
    """Fix the random boundary (so bodies match on replay) and redact secret fields."""
    match = re.search(r'boundary="?([^";]+)"?', content_type, flags=re.IGNORECASE)
    if not match:
        return body, content_type
    boundary = match.group(1)
    body = body.replace(b"--" + boundary.encode("latin-1"), b"--" + _FIXED_BOUNDARY.encode())
    content_type = content_type.replace(boundary, _FIXED_BOUNDARY)
    delimiter = b"--" + _FIXED_BOUNDARY.encode()
    parts = body.split(delimiter)
    for index, part in enumerate(parts):
        head, sep, content = part.partition(b"\r\n\r\n")
        name = re.search(rb';\s*name="([^"]*)"', head)
        if sep and name and name.group(1).decode("latin-1").lower() in FORM_SECRET_FIELDS:
            ending = b"\r\n" if content.endswith(b"\r\n") else b""
            parts[index] = head + sep + REDACTED.encode() + ending
    return delimiter.join(parts), content_type


def _decompress(body: bytes, encoding: str) -> bytes | None:
    try:
        if encoding == "gzip":
            return gzip.decompress(body)
        if encoding == "deflate":
            return zlib.decompress(body)
    except (OSError, zlib.error, EOFError):
        return None
    return None


def body_bytes(body: Any) -> bytes | None:
    if isinstance(body, bytes):
        return body
    if isinstance(body, bytearray):
        return bytes(body)
    if isinstance(body, str):
        return body.encode("utf-8")
    return None


def _set_header(headers: Any, name: str, value: str | None) -> None:
    """Set (or delete, with None) a header, whatever case the existing key has."""
    for key in [k for k in headers if k.lower() == name.lower()]:
        del headers[key]
    if value is not None:
        headers[name] = value


def header(headers: Any, name: str) -> str:
    for key, value in headers.items():
        if key.lower() == name.lower():
            return str(value[0] if isinstance(value, list) and value else value)
    return ""


def _scrub_request_body(request: Any) -> None:
    body = body_bytes(request.body)
    if not body:
        return
    headers = request.headers
    encoding = header(headers, "Content-Encoding").strip().lower()
    if encoding:
        plain = _decompress(body, encoding)
        if plain is None:
            return  # not something we can read: leave it as sent
        body = plain
        _set_header(headers, "Content-Encoding", None)
        _set_header(headers, "Content-Length", str(len(body)))
    content_type = header(headers, "Content-Type").lower()
    new: bytes | None = None
    if "json" in content_type:
        try:
            data = json.loads(body)
        except ValueError:
            data = None
        if data is not None:
            scrubbed, changed = _scrub_json(data, BODY_SECRET_FIELDS)
            if changed:
                new = json.dumps(scrubbed).encode("utf-8")
    elif "x-www-form-urlencoded" in content_type:
        try:
            form = _scrub_form(body.decode("utf-8"), FORM_SECRET_FIELDS)
        except UnicodeDecodeError:
            form = None
        if form is not None:
            new = form.encode("utf-8")
    elif content_type.startswith("multipart/"):
        new, fixed_type = _scrub_multipart(body, header(headers, "Content-Type"))
        _set_header(headers, "Content-Type", fixed_type)
    if new is not None:
        body = new
        if header(headers, "Content-Length"):
            _set_header(headers, "Content-Length", str(len(body)))
    request.body = body


def scrub_request(request: Any) -> Any:
    """The vcrpy request with secrets redacted and loopback URLs normalised.

    vcrpy hands this hook a deep copy and applies it to both the recorded
    request and every request it tries to match, so it must be deterministic.
    """
    request.uri = _normalise_url(request.uri)
    headers = request.headers
    for name in list(headers):
        value = headers[name]
        if name.lower() == "host":
            if _is_loopback(urlsplit(f"//{value}").hostname):
                headers[name] = SANDBOX_HOST
            continue
        headers[name] = _scrub_header_value(name, str(value), REQUEST_SECRET_HEADERS)
    _scrub_request_body(request)
    return request


# -- responses --------------------------------------------------------------


def _sandbox_origins(text: str) -> str:
    """``text`` with every loopback origin (any port) replaced by the sandbox host."""
    return _LOOPBACK_ORIGIN.sub(lambda m: f"{m.group(1)}://{SANDBOX_HOST}", text)


def _scrub_response_text(text: str) -> str:
    text = _sandbox_origins(text)
    stripped = text.strip()
    if stripped[:1] in ("{", "["):
        try:
            scrubbed, changed = _scrub_json(json.loads(text), RESPONSE_SECRET_FIELDS)
        except ValueError:
            changed = False
        if changed:
            text = json.dumps(scrubbed)
    elif "=" in stripped and not any(c in stripped for c in " \n<"):
        # A form-encoded answer (some OAuth servers still send one).
        text = _scrub_form(stripped, RESPONSE_SECRET_FIELDS) or text
    # Last sweep: credential-looking text and every secret the config registered.
    swept = redact_text(text)
    return text if swept == text else swept.replace(MASK, REDACTED)


def scrub_response(response: dict[str, Any]) -> dict[str, Any]:
    """The vcrpy response dict with secret headers and token fields redacted.

    Runs after vcrpy's ``decode_compressed_response`` filter, so the body is
    already plain; it stays readable text in the cassette.
    """
    headers: dict[str, Any] = response.get("headers") or {}
    for name in list(headers):
        values = headers[name]
        items: list[Any] = values if isinstance(values, list) else [values]
        lower = name.lower()
        if lower == "location":
            items = [_sandbox_origins(str(v)) for v in items]
        else:
            items = [_scrub_header_value(name, str(v), RESPONSE_SECRET_HEADERS) for v in items]
        headers[name] = items
    body = response.get("body") or {}
    raw = body.get("string")
    data = body_bytes(raw)
    if not data:
        return response
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return response  # binary (a results file): nothing textual to scrub
    clean = _scrub_response_text(text)
    if clean != text:
        encoded = clean.encode("utf-8")
        body["string"] = encoded if isinstance(raw, (bytes, bytearray)) else clean
        for name in list(headers):
            if name.lower() == "content-length":
                headers[name] = [str(len(encoded))]
    return response
