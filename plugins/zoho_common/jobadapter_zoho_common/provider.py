"""The ``zoho`` provider: refresh-token OAuth per data centre, API domain, error bodies.

Every Zoho CRM adapter shares it: it turns a profile into credentials (the
accounts server of the profile's data centre, or explicit URLs), finds the
API root (``base_url``, else the token answer's ``api_domain``, else the data
centre's domain, with ``sandbox.``/``developer.`` for those environments) and
reads Zoho's error bodies into the core's typed errors.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import TYPE_CHECKING, Any, ClassVar

from jobadapter.auth import Credentials, RefreshToken
from jobadapter.config import Profile
from jobadapter.errors import ProviderError, ProviderResponseError, error_class_for_status
from jobadapter.provider import Provider

from jobadapter_zoho_common.errors import NO_ERROR_KEYS, describe, error_class, error_entry
from jobadapter_zoho_common.settings import PROFILE_KEYS, TOKEN_PATH, zoho_settings

if TYPE_CHECKING:  # annotations only: loading the plugin imports no urllib3
    from jobadapter.transport import Response


def token_url(profile: Profile) -> str:
    """``token_url`` if set, else ``<accounts server>/oauth/v2/token``."""
    if profile.token_url:
        return profile.token_url
    accounts = profile.accounts_url or zoho_settings(profile).accounts_url
    return accounts.rstrip("/") + TOKEN_PATH


def json_body(response: Response) -> Any:
    """The answer's JSON, or None when it has no (readable) JSON body.

    Through ``Response.json()``, so the error check and the adapter decode it once.
    """
    try:
        return response.json()
    except ProviderResponseError:
        return None


class ZohoProvider(Provider):
    """Zoho CRM: ``Authorization: Zoho-oauthtoken``, per-data-centre accounts and API domains."""

    name: ClassVar[str] = "zoho"
    profile_keys: ClassVar[frozenset[str]] = PROFILE_KEYS

    def credentials(self, profile: Profile) -> Credentials:
        zoho_settings(profile)  # a bad data_centre/api_version fails before any request
        return RefreshToken(
            token_url(profile),
            profile.require_secret("client_id"),
            profile.require_secret("client_secret"),
            profile.require_secret("refresh_token"),
            scheme="Zoho-oauthtoken",
        )

    def base_url(self, profile: Profile, credentials: Credentials) -> str:
        if profile.base_url:
            return profile.base_url.rstrip("/")
        settings = zoho_settings(profile)
        domain = credentials.api_base
        return settings.for_environment(domain) if domain else settings.api_domain

    def trusted_hosts(self, profile: Profile) -> Collection[str]:
        """The data centre's content host (``content.zohoapis.<dc>``, or the profile's
        ``content_url``): bulk write uploads go there with the same credentials."""
        return (zoho_settings(profile).content_url,)

    def default_headers(self, profile: Profile) -> dict[str, str]:
        return {"Accept": "application/json"}

    def error_for(self, response: Response, *, adapter: str | None = None) -> ProviderError | None:
        body = json_body(response)
        ok = 200 <= response.status < 300
        if ok and body.__class__ is dict and body.keys().isdisjoint(NO_ERROR_KEYS):
            return None  # no key ``error_entry(body, wrapped=False)`` reads: not an error
        # A 2xx is an error only when the whole answer says so; per-record
        # errors inside ``data`` are results (ids-mode updates), not failures.
        entry = error_entry(body, wrapped=not ok)
        if entry is None:
            return None if ok else self.http_error(response, adapter=adapter)
        return zoho_error(self, response, entry, adapter=adapter)


def zoho_error(
    provider: Provider,
    response: Response,
    entry: Mapping[str, Any],
    *,
    adapter: str | None = None,
) -> ProviderError:
    """The typed error for one Zoho error object, keeping its code, message and details."""
    raw = entry.get("code")
    code = str(raw) if raw is not None else None
    return provider.http_error(
        response,
        adapter=adapter,
        code=code,
        message=describe(code, entry.get("message"), entry.get("details")),
        details=entry.get("details"),
        cls=(error_class(code) if code else None) or error_class_for_status(response.status),
    )
