"""A provider's answer, fully read: status, headers, body, and its JSON decoded once.

The JSON decoder never lets a bare ``ValueError`` out: whatever a provider sends,
a caller sees :class:`~jobadapter.errors.ProviderResponseError`.
"""

from __future__ import annotations

import json as _json
import re
from collections.abc import Mapping
from typing import Any

import attrs
from urllib3._collections import HTTPHeaderDict

from jobadapter.errors import (
    ProviderError,
    ProviderResponseError,
    RateLimited,
    error_class_for_status,
    request_id_from,
)
from jobadapter.retry import wait_hint
from jobadapter.urls import SentURL

__all__ = ["Response", "status_error"]

_UNSET: Any = object()
_new = object.__new__
#: ``json.loads``'s own default decoder settings.
_DECODER = _json.JSONDecoder()


def _header_dict(headers: Mapping[str, str]) -> Mapping[str, str]:
    """Case-insensitive headers, whatever mapping the caller built the Response with."""
    return headers if isinstance(headers, HTTPHeaderDict) else HTTPHeaderDict(headers)


def _sent_url(url: str | SentURL) -> SentURL:
    """The URL a Response was built with (``attrs.evolve`` passes the kept one back)."""
    return url if isinstance(url, SentURL) else SentURL(url)


@attrs.frozen(repr=False, slots=False)
class Response:
    """A fully read answer. ``url`` is the final URL, safe to log.

    Not slotted: a frozen slotted class sets each field through ``object.__setattr__``
    (~2.5k instructions more per answer), and an answer lives only as long as a call.
    """

    status: int
    headers: Mapping[str, str] = attrs.field(converter=_header_dict)
    data: bytes
    method: str
    #: The URL as sent, shown only made safe (in ``url``, a repr, a pickle or a test's
    #: diff). Only errors and logs read ``url``, so most answers never pay for it.
    _sent: SentURL = attrs.field(alias="url", converter=_sent_url)
    #: The decoded JSON, once ``json()`` has parsed it: the provider's error check and
    #: the adapter both read the body, and it is decoded only once.
    _json: Any = attrs.field(default=_UNSET, init=False, eq=False)

    @classmethod
    def from_wire(
        cls, status: int, headers: HTTPHeaderDict, data: bytes, method: str, url: str
    ) -> Response:
        """What ``Response(...)`` makes of an answer urllib3 read (its headers are an
        ``HTTPHeaderDict`` already), in one step: the transport builds one per answer.
        The same attributes in the same order (a test holds the two equal)."""
        if headers.__class__ is not HTTPHeaderDict:
            return cls(status=status, headers=headers, data=data, method=method, url=url)
        made = _new(cls)
        made.__dict__.update(
            status=status,
            headers=headers,
            data=data,
            method=method,
            _sent=SentURL(url),
            _json=_UNSET,
        )
        return made

    def __repr__(self) -> str:
        return f"Response(status={self.status!r}, method={self.method!r}, url={self.url!r})"

    @property
    def url(self) -> str:
        """The final URL, without userinfo and with secret query values masked."""
        return self._sent.safe()

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300

    @property
    def request_id(self) -> str | None:
        return request_id_from(self.headers)

    @property
    def text(self) -> str:
        charset = "utf-8"
        match = re.search(r"charset=([\w.:-]+)", self.headers.get("Content-Type", ""), re.I)
        if match:
            charset = match.group(1)
        try:
            return self.data.decode(charset, "replace")
        except LookupError:
            return self.data.decode("utf-8", "replace")

    def json(self) -> Any:
        """The body as JSON; ProviderResponseError (never a bare ValueError) when it is not.

        Parsed once per response: later calls return the same (shared) object.
        """
        if self._json is not _UNSET:
            return self._json
        value = self._parse_json()
        object.__setattr__(self, "_json", value)  # frozen: a memo, not a field of the answer
        return value

    def _parse_json(self) -> Any:
        html = "an HTML page where JSON was expected (a proxy, login or error page?)"
        if self.data[:1] not in (b"{", b"["):  # else neither empty nor a page: no copies
            if not self.data.strip():
                raise self._bad("empty body where JSON was expected")
            if self.data.lstrip()[:1] == b"<":
                raise self._bad(html)
        elif self.data[1:2] != b"\0":  # UTF-8 (UTF-16 and -32 put a NUL next to the "{")
            # ``json.loads`` of bytes, without its encoding sniffing and Python-level steps:
            # about half its time for a status answer. Anything unusual (a bad byte,
            # bad JSON, data after the value) goes the full way below, for its error.
            try:
                text = self.data.decode("utf-8")
                value, end = _DECODER.raw_decode(text)
                if end == len(text) or not text[end:].strip(" \t\n\r"):
                    return value
            except (ValueError, RecursionError):
                pass
        try:
            return _json.loads(self.data)
        except UnicodeDecodeError:
            raise self._bad("malformed JSON: not valid UTF-8") from None
        except RecursionError:
            raise self._bad("malformed JSON: nested too deeply") from None
        except _json.JSONDecodeError as exc:
            if "html" in self.headers.get("Content-Type", "").lower():
                raise self._bad(html) from None
            at_end = exc.pos >= len(exc.doc.rstrip()) or exc.msg.startswith("Unterminated")
            reason = (
                "truncated JSON (the body ends mid-document)"
                if at_end
                else f"malformed JSON ({exc.msg} at character {exc.pos})"
            )
            raise self._bad(reason) from None
        except ValueError:  # the only other: an integer past Python's 4,300-digit limit
            raise self._bad("malformed JSON: a number of more than 4,300 digits") from None

    def _bad(self, reason: str) -> ProviderResponseError:
        return ProviderResponseError(
            f"{reason}; {len(self.data)} bytes of {self.headers.get('Content-Type') or 'no type'}",
            status=self.status,
            request_id=self.request_id,
            method=self.method,
            url=self.url,
        )


def status_error(response: Response) -> ProviderError:
    """The typed error for a failed download (no provider body mapping applies to files)."""
    cls = error_class_for_status(response.status)
    kwargs: dict[str, Any] = dict(
        status=response.status,
        request_id=response.request_id,
        method=response.method,
        url=response.url,
    )
    message = f"download failed with HTTP {response.status}"
    if cls is RateLimited:
        return RateLimited(message, retry_after=wait_hint(response.headers), **kwargs)
    return cls(message, **kwargs)
