"""Providers: what the adapters of one SaaS share (auth, headers, error bodies).

A plugin registers one :class:`Provider` per provider name; every adapter
names its provider, and the hub builds a connection from the profile
through it. The base class maps HTTP statuses to the typed errors; a
provider overrides :meth:`Provider.error_for` to read its own error bodies.
"""

from __future__ import annotations

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
