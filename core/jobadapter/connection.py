"""A connection: one profile's provider, credentials and the shared transport.

Adapters do all their I/O through it, so every request gets the provider's
headers, fresh credentials (one refresh-and-retry on a 401), safe URLs and
the provider's typed error mapping, without each adapter writing them again.
Credentials go only to the API root's origin and the hosts the provider
declares it trusts (``Provider.trusted_hosts``), redirects included.
"""

from __future__ import annotations

import threading
from collections.abc import Collection, Mapping
from types import MappingProxyType
from typing import Any, BinaryIO

from jobadapter.auth import Credentials
from jobadapter.config import Profile, ProfileMemo
from jobadapter.errors import AuthError, ConfigError, InvalidRequest
from jobadapter.provider import Provider
from jobadapter.redact import get_logger
from jobadapter.transport import Response, Timeouts, Transport
from jobadapter.urls import join_url, origin_key, same_origin

log = get_logger("connection")

_UNSET: Any = object()


class Connection:
    """Everything one adapter call needs to reach one provider account."""

    def __init__(
        self,
        *,
        profile: Profile,
        provider: Provider,
        transport: Transport,
        credentials: Credentials | None = None,
    ) -> None:
        self.profile = profile
        self.provider = provider
        self.transport = transport
        self._credentials = credentials
        self._lock = threading.Lock()
        self.timeouts = Timeouts(connect=min(10.0, profile.timeout), read=profile.timeout)
        #: The last API root found to have an origin (see ``request``).
        self._checked_base: str | None = None
        #: The static headers and the trusted origins, as one memo: a request reads the
        #: profile's settings once, not once for each.
        self._plan: ProfileMemo[tuple[Mapping[str, str], frozenset[str]]] = ProfileMemo()
        self._file_headers: ProfileMemo[Mapping[str, str]] = ProfileMemo()
        self._origins: tuple[frozenset[str], str, Collection[str]] | None = None

    def __repr__(self) -> str:
        return f"<Connection profile={self.profile.name!r} provider={self.provider.name!r}>"

    @property
    def credentials(self) -> Credentials:
        credentials = self._credentials  # set once, never unset: no lock needed to read it
        if credentials is not None:
            return credentials
        with self._lock:
            if self._credentials is None:
                self._credentials = self.provider.credentials(self.profile)
            return self._credentials

    @property
    def static_headers(self) -> Mapping[str, str]:
        """The provider's default headers and the profile's own, built (and the
        provider's checks of them run) again only when the profile's settings change."""
        return self._plan.get(self.profile, self._build_plan)[0]

    def _build_plan(self, profile: Profile) -> tuple[Mapping[str, str], frozenset[str]]:
        return self._build_static_headers(profile), self._build_trusted(profile)

    def _build_static_headers(self, profile: Profile) -> Mapping[str, str]:
        built = dict(self.provider.default_headers(profile))
        built.update(profile.headers)
        return MappingProxyType(built)

    @property
    def file_headers(self) -> Mapping[str, str]:
        """The headers of a file download from the provider: its own (tenant and entity
        ids, track ids...) and the profile's, without the API's JSON ``Accept``."""
        return self._file_headers.get(self.profile, self._build_file_headers)

    def _build_file_headers(self, profile: Profile) -> Mapping[str, str]:
        built = {
            name: value
            for name, value in self.provider.default_headers(profile).items()
            if name.lower() != "accept"
        }
        built.update(profile.headers)
        return MappingProxyType(built)

    @property
    def trusted_origins(self) -> frozenset[str]:
        """The origins, besides the API root's, that may receive the credentials."""
        return self._plan.get(self.profile, self._build_plan)[1]

    def _build_trusted(self, profile: Profile) -> frozenset[str]:
        return frozenset(
            _declared_origin(host, self.provider.name)
            for host in self.provider.trusted_hosts(profile)
        )

    def may_receive_credentials(self, url: str) -> bool:
        """Whether ``url`` is on the API root's origin or a host the provider trusts."""
        if same_origin(url, self.base_url):
            return True
        key = origin_key(url)
        return key is not None and key in self.trusted_origins

    def _credential_origins(
        self, base_url: str | None = None, trusted: frozenset[str] | None = None
    ) -> Collection[str]:
        """Where credentials may follow a redirect: the API root and the trusted hosts.

        ``base_url``, ``trusted``: the API root and the trusted origins, when the caller
        has just read them. Kept for the same root and trusted hosts: parsing the root's
        origin on every request was a third of a Zoho request's own work."""
        if trusted is None:
            trusted = self.trusted_origins
        if not trusted:
            return trusted  # a redirect within one origin keeps its headers anyway
        if base_url is None:
            base_url = self.base_url
        memo = self._origins
        if memo is not None and memo[0] is trusted and memo[1] == base_url:
            return memo[2]
        base = origin_key(base_url)
        origins = trusted | {base} if base is not None else trusted
        self._origins = (trusted, base_url, origins)
        return origins

    @property
    def base_url(self) -> str:
        """The API root: the profile's ``base_url``, else what auth told us (Zoho's api_domain)."""
        creds = self._credentials
        if creds is None:
            creds = self.credentials
        if not self.profile.base_url and creds.api_base is None:
            creds.auth_headers(self.transport)  # the token answer names the API domain
        return self.provider.base_url(self.profile, creds)

    def url(self, path: str, query: Mapping[str, Any] | None = None) -> str:
        """An absolute URL for ``path`` under the API root (absolute URLs pass through)."""
        return self._join(path, query)[0]

    def _join(self, path: str, query: Mapping[str, Any] | None) -> tuple[str, str | None]:
        """The URL for ``path`` and the API root it was joined to (None: ``path`` was absolute)."""
        if path.startswith(("http://", "https://")):
            return join_url(path, "", query), None
        base = self.base_url
        return join_url(base, path, query), base

    def request(
        self,
        method: str,
        path: str,
        *,
        query: Mapping[str, Any] | None = None,
        json: Any = _UNSET,
        body: bytes | None = None,
        form: Mapping[str, str] | None = None,
        multipart: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
        idempotency_key: str | None = None,
        retry_unsafe: bool = False,
        adapter: str | None = None,
        authenticated: bool = True,
        check: bool = True,
    ) -> Response:
        """Send one API request; raise the provider's typed error unless ``check=False``."""
        if path.startswith(("http://", "https://")):  # ``_join``, inline: every request
            url, base = join_url(path, "", query), None
        else:
            base = self.base_url
            url = join_url(base, path, query)
        if authenticated:
            if base is None:
                if not self.may_receive_credentials(url):
                    raise self._foreign_host(adapter)
            elif base != self._checked_base:
                # Joined to the API root, the URL keeps the root's scheme and host: it has
                # the root's origin, so only the root itself needs checking (once per root).
                if not same_origin(base, base):
                    raise self._foreign_host(adapter)
                self._checked_base = base
        # One read of the profile's settings for the whole request.
        static, trusted = self._plan.get(self.profile, self._build_plan)
        # Only what differs from the transport's defaults: a GET (most calls) passes
        # four keywords, not thirteen.
        kwargs: dict[str, Any] = {}
        if json is not _UNSET:
            kwargs["json"] = json
        if body is not None:
            kwargs["body"] = body
        if form is not None:
            kwargs["form"] = form
        if multipart is not None:
            kwargs["multipart"] = multipart
        if idempotency_key is not None:
            kwargs["idempotency_key"] = idempotency_key
        if retry_unsafe:
            kwargs["retry_unsafe"] = True
        if self.provider.refusals_create_nothing:
            kwargs["retry_refused"] = True
        if not self.profile.verify_tls:
            kwargs["verify_tls"] = False
        if authenticated and trusted:
            kwargs["trusted_origins"] = self._credential_origins(base, trusted)
        sent: dict[str, str] = {}
        for attempt in (1, 2):
            all_headers = dict(static)
            if headers:
                all_headers.update(headers)
            if authenticated:
                credentials = self._credentials
                if credentials is None:
                    credentials = self.credentials
                sent = credentials.auth_headers(self.transport)
                all_headers.update(sent)
            response = self.transport.request(
                method, url, headers=all_headers, timeouts=self.timeouts, **kwargs
            )
            if response.status == 401 and authenticated and attempt == 1:
                log.info(
                    "%s %s: 401, refreshing credentials and retrying once", method, response.url
                )
                self.credentials.invalidate(sent)
                continue
            break
        if check:
            self.provider.check(response, adapter=adapter)
        return response

    def _foreign_host(self, adapter: str | None) -> InvalidRequest:
        return InvalidRequest(
            f"refusing to send {self.profile.name!r} credentials to another host; "
            "use an unauthenticated request for presigned or download URLs, or have "
            f"provider {self.provider.name!r} declare the host in its trusted_hosts()",
            adapter=adapter,
        )

    def get_json(self, path: str, **kwargs: Any) -> Any:
        """GET ``path`` and return the decoded JSON body."""
        return self.request("GET", path, **kwargs).json()

    def download(
        self,
        url: str,
        dest: BinaryIO,
        *,
        authenticated: bool | None = None,
        max_bytes: int | None = None,
    ) -> int:
        """Stream ``url`` into ``dest``, with the provider's headers and credentials on
        the API host and the hosts the provider trusts (one refresh-and-retry on a 401).

        ``authenticated=None`` decides by host; False sends neither credentials nor
        the provider's headers (a presigned URL); True refuses an undeclared host.
        """
        absolute = self.url(url)
        trusted = self.may_receive_credentials(absolute)
        if authenticated and not trusted:
            raise self._foreign_host(None)
        send_auth = trusted if authenticated is None else authenticated
        if not send_auth:
            return self.transport.download(
                absolute,
                dest,
                headers=self.profile.headers,
                verify_tls=self.profile.verify_tls,
                max_bytes=max_bytes,
            )
        for attempt in (1, 2):
            sent = self.credentials.auth_headers(self.transport)
            headers = {**self.file_headers, **sent}
            try:
                return self.transport.download(
                    absolute,
                    dest,
                    headers=headers,
                    verify_tls=self.profile.verify_tls,
                    max_bytes=max_bytes,
                    trusted_origins=self._credential_origins(),
                )
            except AuthError as exc:
                if exc.status != 401 or attempt == 2:
                    raise
                log.info("GET %s: 401, refreshing credentials and retrying once", exc.url)
                self.credentials.invalidate(sent)
        raise AssertionError("unreachable")  # pragma: no cover


def _declared_origin(host: str, provider: str) -> str:
    """The origin a provider's ``trusted_hosts`` entry names (a bare host means https)."""
    text = host if "://" in host else f"https://{host}"
    key = origin_key(text) if isinstance(host, str) else None
    if key is None or not key.startswith(("http://", "https://")):
        raise ConfigError(
            f"provider {provider!r}: trusted_hosts() entry {host!r} is neither a host name "
            "nor an http(s) origin; declare e.g. 'content.zohoapis.eu'"
        )
    return key
