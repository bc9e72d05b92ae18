"""Credentials: static tokens and OAuth2 tokens, cached, refreshed early, thread-safe.

Providers limit token requests (Zuora: per IP; Zoho: 30 live tokens per
refresh token), so a token is fetched once per credentials object and shared
by every thread until shortly before it expires or a 401 proves it stale.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable
from urllib.parse import urlsplit

from jobadapter.errors import (
    AuthError,
    ProviderError,
    ProviderResponseError,
    RateLimited,
    TransientError,
)
from jobadapter.redact import get_logger, register_secret
from jobadapter.retry import wait_hint
from jobadapter.urls import safe_url

if TYPE_CHECKING:  # only annotations here: loading a provider's plugin imports no urllib3
    from jobadapter.transport import Response, Transport

__all__ = ["ClientCredentials", "Credentials", "RefreshToken", "StaticToken"]

log = get_logger("auth")

#: Lifetime assumed when a token answer gives none (both providers document 1 hour).
DEFAULT_LIFETIME = 3600.0


@runtime_checkable
class Credentials(Protocol):
    """What a connection needs from any credentials."""

    def auth_headers(self, transport: Transport) -> dict[str, str]:
        """Headers that authenticate a request (fetching or refreshing a token if needed)."""
        ...

    def invalidate(self, used: Mapping[str, str]) -> None:
        """After a 401: forget the cached token if it is the one in ``used``."""
        ...

    @property
    def api_base(self) -> str | None:
        """The API root the token answer named (Zoho's ``api_domain``), else None."""
        ...


def _check_value(what: str, value: str) -> None:
    if not isinstance(value, str) or not value:
        raise AuthError(f"{what} is empty; set it in the profile or its environment variable")
    if any(ch in value for ch in "\r\n\0"):
        raise AuthError(f"{what} contains a line break; check how it was pasted or exported")


class StaticToken:
    """A long-lived token sent as is (``Authorization: Bearer <token>`` by default).

    An empty ``scheme`` sends the bare token (API-key headers).
    """

    def __init__(
        self, token: str, *, scheme: str = "Bearer", header: str = "Authorization"
    ) -> None:
        _check_value("token", token)
        register_secret(token)
        self._value = f"{scheme} {token}" if scheme else token
        self._header = header

    def __repr__(self) -> str:
        return f"StaticToken(header={self._header!r})"

    def auth_headers(self, transport: Transport) -> dict[str, str]:
        return {self._header: self._value}

    def invalidate(self, used: Mapping[str, str]) -> None:
        """Nothing to refresh: a second 401 reaches the caller as an AuthError."""

    @property
    def api_base(self) -> str | None:
        return None


def _lifetime(answer: Mapping[str, Any]) -> float:
    """Seconds the token lives: ``expires_in_sec`` when present (then ``expires_in`` is ms)."""
    for key in ("expires_in_sec", "expires_in"):
        if key not in answer:
            continue
        try:
            value = float(answer[key])
        except (TypeError, ValueError, OverflowError):  # OverflowError: an int beyond float
            break
        if math.isfinite(value) and value > 0:
            return value
        break
    if "expires_in" in answer or "expires_in_sec" in answer:
        log.warning("token answer has an unreadable lifetime; assuming %ss", DEFAULT_LIFETIME)
    return DEFAULT_LIFETIME


class TokenShare(Protocol):
    """A token cache every process of a fleet sees (``jobadapter.fleet.tokens``).

    Tokens travel as (Authorization header value, seconds still good, API base or None).
    """

    def read(self) -> tuple[str, float, str | None] | None:
        """The shared token while it is good, else None."""

    def refresh(
        self, fetch: Callable[[], tuple[str, float, str | None]]
    ) -> tuple[str, float, str | None]:
        """The shared token if good, else ``fetch()``'s, stored; one process at a time."""

    def drop(self, header: str) -> None:
        """Forget the shared token if it is still ``header`` (the provider refused it)."""


class _OAuth:
    """Token cache and single-flight refresh shared by the OAuth grants."""

    _grant = ""
    _hint = "check the client id, client secret and token URL"

    def __init__(
        self,
        token_url: str,
        client_id: str,
        client_secret: str,
        *,
        scheme: str,
        refresh_margin: float,
        clock: Callable[[], float],
        api_base_key: str | None = None,
    ) -> None:
        _check_value("client_id", client_id)
        _check_value("client_secret", client_secret)
        register_secret(client_secret)
        self.token_url = token_url
        self.client_id = client_id
        self._client_secret = client_secret
        self._scheme = scheme
        self._margin = max(0.0, refresh_margin)
        self._clock = clock
        self._lock = threading.Lock()
        #: (header value, refresh at) swapped as one tuple so readers need no lock.
        self._cached: tuple[str, float] | None = None
        self._api_base: str | None = None
        #: The token answer's key naming the account's API root (Zoho: ``api_domain``;
        #: others call it ``instance_url``...); None: the answer names none.
        self.api_base_key = api_base_key
        #: Token requests sent so far (diagnostics, tests).
        self.fetches = 0
        self._share: TokenShare | None = None

    def __repr__(self) -> str:
        name = type(self).__name__
        return f"{name}(token_url={safe_url(self.token_url)!r})"

    @property
    def api_base(self) -> str | None:
        return self._api_base

    def share_tokens(self, share: TokenShare) -> None:
        """Use the fleet's token (one for every worker) instead of fetching our own.

        Handing over the share in use again keeps the token cached (a worker does it
        for every poll); another share (say, a rotated key's) is read afresh."""
        if share is self._share:
            return
        with self._lock:
            self._share = share
            self._cached = None

    def auth_headers(self, transport: Transport) -> dict[str, str]:
        cached = self._cached
        if cached is None or self._clock() >= cached[1]:
            with self._lock:  # one refresh at a time; the others wait, then reuse it
                cached = self._cached
                if cached is None or self._clock() >= cached[1]:
                    cached = self._refresh_shared(transport) if self._share else None
                    cached = cached or self._refresh(transport)
                    self._cached = cached
        return {"Authorization": cached[0]}

    def _refresh_shared(self, transport: Transport) -> tuple[str, float] | None:
        share = self._share
        if share is None:
            return None
        token = share.read()
        if token is None:

            def fetch() -> tuple[str, float, str | None]:
                header, refresh_at = self._refresh(transport)
                return header, refresh_at - self._clock(), self._api_base

            token = share.refresh(fetch)
        header, good_for, api_base = token
        register_secret(header.partition(" ")[2] or header)
        if api_base:
            self._api_base = api_base
        return header, self._clock() + good_for

    def invalidate(self, used: Mapping[str, str]) -> None:
        sent = next((v for k, v in used.items() if k.lower() == "authorization"), None)
        if sent is not None and self._share is not None:
            self._share.drop(sent)
        with self._lock:
            if self._cached is not None and (sent is None or sent == self._cached[0]):
                log.debug("%s: dropping the cached token after a 401", type(self).__name__)
                self._cached = None

    def _form(self) -> dict[str, str]:
        raise NotImplementedError

    def _refresh(self, transport: Transport) -> tuple[str, float]:
        self.fetches += 1
        log.debug("requesting a %s token from %s", self._grant, safe_url(self.token_url))
        response = transport.request(
            "POST",
            self.token_url,
            form=self._form(),
            headers={"Accept": "application/json"},
            retry_unsafe=True,  # a token request changes nothing worth protecting
        )
        answer = self._answer(response)
        token = answer.get("access_token")
        if not isinstance(token, str) or not token.strip() or any(c in token for c in "\r\n"):
            raise self._error(response, "the token answer has no usable access_token")
        register_secret(token)
        self.remember(answer)
        lifetime = _lifetime(answer)
        # Refresh early, but never so early that a short-lived token is refetched every call.
        margin = min(self._margin, lifetime / 2)
        return f"{self._scheme} {token}", self._clock() + lifetime - margin

    def remember(self, answer: Mapping[str, Any]) -> None:
        """Keep what a token answer says besides the token: the API root it names
        under :attr:`api_base_key`, which becomes :attr:`api_base` (the fallback of
        ``Provider.base_url``). Override it to read an answer of another shape."""
        key = self.api_base_key
        root = answer.get(key) if key else None
        if root is None:
            return
        parts = urlsplit(root) if isinstance(root, str) else None
        if parts is None or parts.scheme not in ("http", "https") or not parts.netloc:
            log.warning("ignoring an unusable %s in the token answer", key)
            return
        self._api_base = root.rstrip("/")

    def _answer(self, response: Response) -> Mapping[str, Any]:
        status = response.status
        if status == 429:
            raise RateLimited(
                "the token endpoint is rate limited; wait before asking for a token again",
                retry_after=wait_hint(response.headers),
                **self._context(response),
            )
        if status >= 500:
            raise TransientError(
                "the token endpoint failed; try again later", **self._context(response)
            )
        try:
            answer = response.json()
        except ProviderResponseError as exc:
            if not response.ok:
                raise self._error(response, f"token request refused (HTTP {status})") from None
            if response.data.lstrip()[:1] == b"<":  # a login or proxy page: not a token answer
                raise self._error(response, "the token endpoint did not answer JSON") from None
            # Garbled or cut-off JSON is a bad answer, not bad credentials: worth another try.
            raise ProviderResponseError(
                f"the token answer is unreadable ({exc.message}); try again",
                **self._context(response),
            ) from None
        if not isinstance(answer, Mapping):
            raise self._error(response, "the token answer is not a JSON object")
        if "error" in answer or not response.ok:
            error = answer.get("error") or f"HTTP {status}"
            detail = answer.get("error_description") or answer.get("message")
            text = f"token request refused: {error}" + (f" ({detail})" if detail else "")
            raise self._error(response, text, code=str(error))
        return answer

    def _context(self, response: Response) -> dict[str, Any]:
        return dict(
            status=response.status,
            request_id=response.request_id,
            method=response.method,
            url=response.url,
        )

    def _error(self, response: Response, text: str, *, code: str | None = None) -> ProviderError:
        return AuthError(f"{text}; {self._hint}", code=code, **self._context(response))


class ClientCredentials(_OAuth):
    """OAuth2 client-credentials grant (Zuora): form POST, no auth header."""

    _grant = "client_credentials"

    def __init__(
        self,
        token_url: str,
        client_id: str,
        client_secret: str,
        *,
        scheme: str = "Bearer",
        refresh_margin: float = 300.0,
        clock: Callable[[], float] = time.time,
        extra_form: Mapping[str, str] | None = None,
        api_base_key: str | None = None,
    ) -> None:
        super().__init__(
            token_url,
            client_id,
            client_secret,
            scheme=scheme,
            refresh_margin=refresh_margin,
            clock=clock,
            api_base_key=api_base_key,
        )
        self._extra = dict(extra_form or {})

    def _form(self) -> dict[str, str]:
        return {
            **self._extra,
            "client_id": self.client_id,
            "client_secret": self._client_secret,
            "grant_type": "client_credentials",
        }


class RefreshToken(_OAuth):
    """OAuth2 refresh-token grant; learns the account's API root from the answer's
    ``api_base_key`` (``api_domain`` by default, as Zoho names it)."""

    _grant = "refresh_token"
    _hint = (
        "check the client id, client secret and refresh token, and that the accounts "
        "server is the one of the account's data centre"
    )

    def __init__(
        self,
        token_url: str,
        client_id: str,
        client_secret: str,
        refresh_token: str,
        *,
        scheme: str = "Bearer",
        refresh_margin: float = 300.0,
        clock: Callable[[], float] = time.time,
        api_base_key: str | None = "api_domain",
    ) -> None:
        _check_value("refresh_token", refresh_token)
        register_secret(refresh_token)
        super().__init__(
            token_url,
            client_id,
            client_secret,
            scheme=scheme,
            refresh_margin=refresh_margin,
            clock=clock,
            api_base_key=api_base_key,
        )
        self._refresh_token = refresh_token

    def _form(self) -> dict[str, str]:
        return {
            "refresh_token": self._refresh_token,
            "client_id": self.client_id,
            "client_secret": self._client_secret,
            "grant_type": "refresh_token",
        }
