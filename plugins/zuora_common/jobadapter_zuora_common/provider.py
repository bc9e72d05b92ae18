"""The ``zuora`` provider: OAuth client credentials, Zuora headers, Zuora error bodies.

Every Zuora adapter (Mass Updater, Bulk Data, Custom Object jobs) connects
through this one provider, so a fix to auth or error handling lands once.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from jobadapter.auth import ClientCredentials
from jobadapter.errors import ConfigError, ProviderError
from jobadapter.provider import Provider

from jobadapter_zuora_common.errors import (
    error_class,
    hint_for,
    is_failure_flag,
    parse_error_body,
    read_response,
)
from jobadapter_zuora_common.headers import TRACK_ID, check_track_id, headers_from_options

if TYPE_CHECKING:
    from jobadapter.auth import Credentials
    from jobadapter.config import Profile
    from jobadapter.transport import Response

#: Documented REST base URLs, for error messages and docs.
BASE_URLS = {
    "us-production": "https://rest.zuora.com",
    "us-cloud1-production": "https://rest.na.zuora.com",
    "us-sandbox": "https://rest.apisandbox.zuora.com",
    "us-cloud1-sandbox": "https://rest.sandbox.na.zuora.com",
    "us-central-sandbox": "https://rest.test.zuora.com",
    "eu-production": "https://rest.eu.zuora.com",
    "eu-sandbox": "https://rest.sandbox.eu.zuora.com",
    "eu-central-sandbox": "https://rest.test.eu.zuora.com",
    "apac-production": "https://rest.ap.zuora.com",
    "apac-central-sandbox": "https://rest.test.ap.zuora.com",
}


def token_url(profile: Profile) -> str:
    """``token_url`` from the profile, else ``<base_url>/oauth/token``."""
    if profile.token_url:
        return profile.token_url
    if not profile.base_url:
        examples = ", ".join(list(BASE_URLS.values())[:3])
        raise ConfigError(
            f"{profile.source}: profile {profile.name!r}: set 'base_url' to your tenant's REST "
            f"endpoint (for example {examples}; see docs/adapters/zuora.mass_updater.md)"
        )
    return profile.base_url.rstrip("/") + "/oauth/token"


class ZuoraProvider(Provider):
    """Zuora: bearer tokens from ``/oauth/token``, Zuora headers and error categories."""

    name: ClassVar[str] = "zuora"
    profile_keys: ClassVar[frozenset[str]] = frozenset(
        {"track_id", "entity_ids", "org_ids", "zuora_version"}
    )
    #: Zuora's error category 70 ("request exceeded limit": the concurrent requests
    #: exceed the limit) says to resubmit after ``Retry-After``: the request was
    #: turned away, nothing was created, so a create refused so is sent again.
    refusals_create_nothing: ClassVar[bool] = True

    def credentials(self, profile: Profile) -> Credentials:
        url = token_url(profile)
        return ClientCredentials(
            url, profile.require_secret("client_id"), profile.require_secret("client_secret")
        )

    def base_url(self, profile: Profile, credentials: Credentials) -> str:
        if profile.base_url:
            return profile.base_url.rstrip("/")  # what the base class gives for it
        token_url(profile)  # raises the ConfigError that lists base URLs
        return super().base_url(profile, credentials)

    def default_headers(self, profile: Profile) -> dict[str, str]:
        headers = super().default_headers(profile)
        headers.update(headers_from_options(profile.options))
        for name, value in profile.headers.items():
            if name.lower() == TRACK_ID.lower():
                check_track_id(value)
        return headers

    def error_for(self, response: Response, *, adapter: str | None = None) -> ProviderError | None:
        """Zuora's answer as a typed error; None for a success (2xx without ``success: false``)."""
        ok = 200 <= response.status < 300
        if ok and b"uccess" not in response.data:
            return None  # cheap: no success flag at all, so nothing to check
        body = read_response(response)
        if ok and not is_failure_flag(body):
            return None
        parsed = parse_error_body(body)
        if parsed is None:
            return self.http_error(response, adapter=adapter)
        code = parsed.code
        cls = error_class(code, response.status)
        if cls is None and response.ok:
            cls = ProviderError  # success: false with a code we cannot classify
        message = parsed.message
        hint = hint_for(code)
        if hint:
            message = f"{message} ({hint})"
        error = self.http_error(
            response,
            adapter=adapter,
            code=code,
            message=message,
            details=parsed.details(),
            cls=cls,
        )
        if error.request_id is None:
            error.request_id = parsed.request_id or parsed.process_id
        return error
