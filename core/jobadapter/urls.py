"""Build URLs from untrusted pieces without letting them change where a request goes.

Job ids come from providers and users; an id like ``../../v1/accounts`` or
``x?delete=1`` must stay one path segment. Logged URLs must not leak the
signatures of presigned download links.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Mapping
from urllib.parse import quote, unquote, urlsplit, urlunsplit

from jobadapter.errors import InvalidRequest
from jobadapter.redact import MASK, SECRET_FIELDS, redact_text

__all__ = [
    "PLAIN_URL",
    "SentURL",
    "has_control_chars",
    "join_url",
    "path_segment",
    "plain_url",
    "safe_url",
    "same_origin",
]

_DEFAULT_PORTS = {"http": 80, "https": 443}

#: Query parameters that carry credentials in presigned URLs (S3, GCS, Azure).
_SECRET_QUERY = SECRET_FIELDS | {
    "x-amz-signature",
    "x-amz-credential",
    "x-amz-security-token",
    "x-goog-signature",
    "x-goog-credential",
    "signature",
    "sig",
    "authorization",
}


#: Unicode category Cc is exactly C0, DEL and C1: one regex search instead of a
#: category lookup per character (this runs several times on every request).
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")


#: An absolute http(s) URL that parsers leave as it is: lower-case scheme and host, no
#: userinfo or fragment, only characters RFC 3986 allows unescaped, upper-case percent
#: escapes. Groups: scheme, host, port, path, query (None without ``?``). The URLs the
#: adapters build from a base URL and quoted ids are such URLs, so the hot paths
#: (``safe_url``, the transport's request target) can skip the general parsers for them.
PLAIN_URL = re.compile(
    r"(https?)://([a-z0-9.-]++)(?::([1-9][0-9]{0,4}))?"
    r"((?:/(?:[A-Za-z0-9._~!$&'()*+,;=:@-]++|%[0-9A-F]{2})*+)*+)"
    r"(?:\?((?:[A-Za-z0-9._~!$&'()*+,;=:@/?-]++|%[0-9A-F]{2})*+))?"
)


#: A relative path urlsplit reads as nothing but a path: no scheme (no ``:``), no
#: netloc (no leading ``//``), no query or fragment.
_PLAIN_PATH = re.compile(r"(?!//)[A-Za-z0-9._~!$&'()*+,;=@%/-]*+")


_last_plain: tuple[str, re.Match[str] | None] = ("", None)


def plain_url(url: str) -> re.Match[str] | None:
    """``PLAIN_URL.fullmatch(url)``, matched once for the several checks of one request.

    The last URL's match is kept and reused for the very same string object (a
    request's URL goes through the transport's checks and ``safe_url``); threads
    overwriting each other only cost a new match.
    """
    global _last_plain
    last = _last_plain
    if last[0] is url:
        return last[1]
    match = PLAIN_URL.fullmatch(url)
    _last_plain = (url, match)
    return match


def has_control_chars(value: str) -> bool:
    """True when ``value`` holds a control character (CR, LF, NUL, DEL, C1...)."""
    if value.isascii():  # the usual case: ASCII's only unprintable characters are Cc
        return not value.isprintable()
    return _CONTROL.search(value) is not None


#: The characters ``quote`` never encodes (RFC 3986's unreserved set).
_UNRESERVED = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-~"


def path_segment(value: str, *, what: str = "job id") -> str:
    """``value`` as exactly one percent-encoded path segment.

    Raises InvalidRequest for empty values, ``.``/``..`` and control characters,
    which no provider id contains and which could otherwise walk the path.
    """
    if not isinstance(value, str):
        raise InvalidRequest(f"{what} must be a string, got {type(value).__name__}")
    if not value:
        raise InvalidRequest(f"{what} is empty")
    if value in {".", ".."}:
        raise InvalidRequest(f"{what} {value!r} is not a valid path segment")
    if not value.strip(_UNRESERVED):  # nothing to encode (and so no control character)
        return value
    if has_control_chars(value):
        raise InvalidRequest(f"{what} contains a control character (CR, LF or similar)")
    return quote(value, safe="")


def _query_text(query: Mapping[str, str | int | None]) -> str:
    """``urlencode(pairs, quote_via=quote)``, without quoting what needs none (ids, numbers)."""
    items: list[str] = []
    for key, value in query.items():
        if value is None:
            continue
        key = str(key)
        text = ("true" if value else "false") if isinstance(value, bool) else str(value)
        if key.strip(_UNRESERVED) or text.strip(_UNRESERVED):  # else quote would keep both
            key, text = quote(key, safe=""), quote(text, safe="")
        items.append(f"{key}={text}")
    return "&".join(items)


@functools.lru_cache(maxsize=64)
def _base_parts(base: str) -> tuple[str, str, str]:
    """``scheme://netloc``, path and query of an API root, checked once: a process
    joins thousands of paths to the same few roots."""
    parts = urlsplit(base)
    if parts.scheme.lower() not in _DEFAULT_PORTS or not parts.netloc:
        raise InvalidRequest(f"base URL must be an absolute http(s) URL, got {safe_url(base)!r}")
    if has_control_chars(base):
        raise InvalidRequest("URL contains a control character (CR, LF or similar)")
    return f"{parts.scheme}://{parts.netloc}", parts.path, parts.query


def join_url(base: str, path: str, query: Mapping[str, str | int | None] | None = None) -> str:
    """``base`` (which may carry a path prefix and a query) + ``path`` + ``query``.

    ``path`` is relative to ``base`` even when it starts with ``/``; an empty
    ``path`` leaves the base path alone. ``None`` query values are dropped.
    """
    root, base_path, base_query = _base_parts(base)
    if _PLAIN_PATH.fullmatch(path):  # what urlsplit would make of it: all path
        extra_path, extra_query = path, ""  # (and no control character in it)
    else:
        if has_control_chars(path):
            raise InvalidRequest("URL contains a control character (CR, LF or similar)")
        try:
            extra = urlsplit(path)
        except ValueError as exc:  # e.g. "//[": an unclosed IPv6 netloc
            raise InvalidRequest(
                f"join_url takes a relative path; this one does not parse ({exc})"
            ) from None
        if extra.scheme or extra.netloc:
            raise InvalidRequest("join_url takes a relative path; pass absolute URLs as the base")
        if extra.fragment:
            raise InvalidRequest("a URL path must not carry a fragment ('#')")
        extra_path, extra_query = extra.path, extra.query
    # urlunsplit's result for a netloc and a path that is empty or starts with "/"
    if extra_path:
        joined = f"{root}{base_path.rstrip('/')}/{extra_path.lstrip('/')}"
    else:
        joined = root + base_path
    query_text = _query_text(query) if query else ""
    if not (base_query or extra_query or query_text):
        return joined
    return joined + "?" + "&".join(q for q in (base_query, extra_query, query_text) if q)


def origin_key(url: str) -> str | None:
    """``url``'s origin as ``scheme://host:port`` (default port filled in), or None."""
    origin = _origin(url)
    return None if origin is None else f"{origin[0]}://{origin[1]}:{origin[2]}"


def _origin(url: str) -> tuple[str, str, int] | None:
    try:
        parts = urlsplit(url)
        scheme = parts.scheme.lower()
        host = (parts.hostname or "").rstrip(".")
        port = parts.port or _DEFAULT_PORTS.get(scheme)
    except ValueError:
        return None
    if not host or port is None:
        return None
    return scheme, host, port


def same_origin(a: str, b: str) -> bool:
    """True when ``a`` and ``b`` share scheme, host and port (default ports filled in)."""
    origin = _origin(a)
    return origin is not None and origin == _origin(b)


def _masked_query(query: str) -> str:
    items = []
    for item in query.split("&") if query else []:
        name, sep, _value = item.partition("=")
        if sep and unquote(name).lower() in _SECRET_QUERY:
            item = f"{name}={MASK}"
        items.append(item)
    return "&".join(items)


class SentURL:
    """A URL a request went to: kept as sent, but shown only made safe.

    ``safe()`` (and ``repr``, and a pickle) give ``safe_url`` of it, made on first
    use: most answers are never shown, so most never pay for it. Equal when the
    URLs as sent are equal.
    """

    __slots__ = ("_safe", "raw")

    def __init__(self, raw: str) -> None:
        self.raw = raw
        self._safe: str | None = None

    def safe(self) -> str:
        made = self._safe
        if made is None:
            made = self._safe = safe_url(self.raw)
        return made

    def __repr__(self) -> str:
        return repr(self.safe())

    def __eq__(self, other: object) -> bool:
        return isinstance(other, SentURL) and other.raw == self.raw

    def __hash__(self) -> int:
        return hash(self.raw)

    def __reduce__(self) -> tuple[Callable[[str], SentURL], tuple[str]]:
        return _unpickled_url, (self.safe(),)  # a pickle holds the safe URL only


def _unpickled_url(safe: str) -> SentURL:
    """A SentURL from a pickle: only its safe form was kept, and it shows as before."""
    url = SentURL(safe)
    url._safe = safe
    return url


def safe_url(url: str) -> str:
    """``url`` fit for logs and errors: no userinfo, secret query values masked."""
    plain = plain_url(url)
    if plain is not None:  # split/unsplit would give it back unchanged: skip them
        query = plain.group(5)
        if query is None:
            return redact_text(url)
        if query:
            return redact_text(url[: plain.start(5)] + _masked_query(query))
    try:
        parts = urlsplit(url)
    except ValueError:
        return redact_text(url)
    netloc = parts.netloc.rpartition("@")[2]
    query = _masked_query(parts.query)
    return redact_text(urlunsplit((parts.scheme, netloc, parts.path, query, "")))
