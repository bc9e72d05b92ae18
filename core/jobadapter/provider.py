"""Providers: what the adapters of one SaaS share (auth, headers, error bodies).

A plugin registers one :class:`Provider` per provider name; every adapter
names its provider, and the hub builds a connection from the profile
through it. The base class maps HTTP statuses to the typed errors; a
provider overrides :meth:`Provider.error_for` to read its own error bodies.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import TYPE_CHECKING, Any, ClassVar

from jobadapter.errors import (
    ConfigError,
    ProviderError,
    RateLimited,
    error_class_for_status,
)

if TYPE_CHECKING:
    from jobadapter.auth import Credentials
    from jobadapter.config import Profile
    from jobadapter.transport import Response


class Provider:
    """Base provider: bearer token from the profile, status-code error mapping."""

    name: ClassVar[str] = "generic"
    #: Profile keys this provider understands beyond the common ones.
    profile_keys: ClassVar[frozenset[str]] = frozenset()
    #: True when the provider's documents say a request it refused before processing
    #: (HTTP 429, or 503 with ``Retry-After``) created nothing: then even a create
    #: without an idempotency key is tried again on such an answer. False (the
    #: default) keeps a POST without a key from ever being repeated on an answer.
    refusals_create_nothing: ClassVar[bool] = False

    def credentials(self, profile: Profile) -> Credentials:
        """The credentials for ``profile``: a static ``token`` by default."""
        from jobadapter.auth import StaticToken

        token = profile.secret("token")
        if not token:
            raise ConfigError(
                f"profile {profile.name!r}: provider {self.name!r} needs 'token' (or 'token_env')"
            )
        return StaticToken(token)

    def base_url(self, profile: Profile, credentials: Credentials) -> str:
        """The API root for ``profile``."""
        url = profile.base_url or credentials.api_base
        if not url:
            raise ConfigError(f"profile {profile.name!r}: set 'base_url'")
        return url.rstrip("/")

    def trusted_hosts(self, profile: Profile) -> Collection[str]:
        """Hosts besides the API root that may receive ``profile``'s credentials.

        A connection sends credentials (with the same refresh-and-retry on a 401)
        only to the API root's origin and to these; every other host is refused,
        and credentials follow a redirect only to one of them. Each entry is a
        host (``content.zohoapis.eu``, meaning ``https://`` on port 443) or an
        origin (``https://files.example.com:8443``). Per profile, so a provider
        can answer by data centre. None by default.
        """
        return ()

    def default_headers(self, profile: Profile) -> dict[str, str]:
        """Headers sent on every API request of this provider (besides auth)."""
        return {"Accept": "application/json"}

    def error_for(self, response: Response, *, adapter: str | None = None) -> ProviderError | None:
        """The typed error ``response`` means, or None when it is a success."""
        if response.ok:
            return None
        return self.http_error(response, adapter=adapter)

    def http_error(
        self,
        response: Response,
        *,
        adapter: str | None = None,
        code: str | int | None = None,
        message: str | None = None,
        details: Any = None,
        cls: type[ProviderError] | None = None,
    ) -> ProviderError:
        """Build the typed error for a failed answer (status-based class by default)."""
        from jobadapter.retry import wait_hint

        error_cls = cls or error_class_for_status(response.status)
        text = message or _reason(response)
        kwargs: dict[str, Any] = dict(
            status=response.status,
            code=code,
            request_id=response.request_id,
            details=details,
            adapter=adapter,
            method=response.method,
            url=response.url,
        )
        if issubclass(error_cls, RateLimited):
            return error_cls(text, retry_after=wait_hint(response.headers), **kwargs)
        return error_cls(text, **kwargs)

    def check(self, response: Response, *, adapter: str | None = None) -> Response:
        """Raise the typed error ``response`` means; return it when it is a success."""
        error = self.error_for(response, adapter=adapter)
        if error is not None:
            raise error
        return response


def _reason(response: Response) -> str:
    text = response.data[:200].decode("utf-8", "replace").strip()
    if not text or text.lstrip().startswith("<"):
        return f"the provider answered HTTP {response.status} without a readable error body"
    return text
