"""Zoho profile settings: data centre, environment, API version, default module.

Zoho runs one accounts server and one API domain per data centre, and a
sandbox or developer org lives under ``sandbox.``/``developer.`` instead of
``www.`` in the API domain. Reading every Zoho-specific profile key in one
place means a wrong value is a :class:`ConfigError` before any request.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import attrs
from jobadapter.config import Profile
from jobadapter.errors import ConfigError, InvalidRequest

#: Short name -> (API domain host, accounts server host), as Zoho documents them.
DATA_CENTRES: Mapping[str, tuple[str, str]] = {
    "us": ("www.zohoapis.com", "accounts.zoho.com"),
    "eu": ("www.zohoapis.eu", "accounts.zoho.eu"),
    "in": ("www.zohoapis.in", "accounts.zoho.in"),
    "au": ("www.zohoapis.com.au", "accounts.zoho.com.au"),
    "jp": ("www.zohoapis.jp", "accounts.zoho.jp"),
    "cn": ("www.zohoapis.com.cn", "accounts.zoho.com.cn"),
    "ca": ("www.zohoapis.ca", "accounts.zohocloud.ca"),
    "sa": ("www.zohoapis.sa", "accounts.zoho.sa"),
}

#: Environment -> the first label of the API host (``www.`` is production).
ENVIRONMENTS: Mapping[str, str] = {
    "production": "www",
    "sandbox": "sandbox",
    "developer": "developer",
}

DEFAULT_DATA_CENTRE = "us"
DEFAULT_API_VERSION = "v8"
TOKEN_PATH = "/oauth/v2/token"  # noqa: S105 - a URL path, not a secret

#: Profile keys (beyond the common ones) this provider reads.
PROFILE_KEYS = frozenset(
    {
        "data_centre",
        "data_center",
        "environment",
        "api_version",
        "module",
        "content_url",
        "org_id",
    }
)

_MODULE = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,99}$")
_VERSION = re.compile(r"^v(\d+)(?:\.(\d+))?$")


def check_module(module: Any, *, what: str = "module") -> str:
    """``module`` if it is a Zoho API name (letters, digits, underscores; a letter first)."""
    if not isinstance(module, str) or not _MODULE.match(module):
        shown = module if isinstance(module, str) else type(module).__name__
        raise InvalidRequest(
            f"{what} {str(shown)[:60]!r} is not a Zoho module API name: use letters, digits and "
            "underscores starting with a letter, e.g. 'Leads', 'Sales_Orders' or a custom "
            "module's API name (Setup > Developer Hub > APIs > API names)"
        )
    return module


def check_api_version(value: Any, *, where: str = "profile") -> str:
    """``v2`` and later (``v2.1``, ``v8``...); an integer ``8`` means ``v8``."""
    if isinstance(value, int) and not isinstance(value, bool):
        value = f"v{value}"
    match = _VERSION.match(value) if isinstance(value, str) else None
    if match is None or int(match.group(1)) < 2:
        raise ConfigError(
            f"{where}: api_version {value!r} is not a Zoho CRM API version; use v2 or later, "
            f'e.g. api_version = "{DEFAULT_API_VERSION}"'
        )
    return str(value)


@attrs.frozen
class ZohoSettings:
    """The Zoho-specific part of one profile, checked."""

    data_centre: str = DEFAULT_DATA_CENTRE
    environment: str = "production"
    api_version: str = DEFAULT_API_VERSION
    module: str | None = None
    #: The content host (uploads) when the profile names one; else the data centre's.
    content: str | None = None

    @property
    def content_url(self) -> str:
        """Where files are uploaded: ``content.zohoapis.<dc>`` (Zoho's content host)."""
        if self.content:
            return self.content.rstrip("/")
        api_host = DATA_CENTRES[self.data_centre][0]
        return f"https://content.{api_host.removeprefix('www.')}"

    @property
    def accounts_url(self) -> str:
        return f"https://{DATA_CENTRES[self.data_centre][1]}"

    @property
    def api_domain(self) -> str:
        return self.for_environment(f"https://{DATA_CENTRES[self.data_centre][0]}")

    def for_environment(self, api_domain: str) -> str:
        """``api_domain`` with ``www.`` swapped for the sandbox/developer label."""
        label = ENVIRONMENTS[self.environment]
        parts = urlsplit(api_domain)
        host = parts.netloc
        if label != "www" and host.lower().startswith("www."):
            host = f"{label}.{host[4:]}"
        return urlunsplit((parts.scheme, host, parts.path, parts.query, "")).rstrip("/")


def _choice(value: Any, known: Mapping[str, Any], key: str, where: str) -> str:
    text = value.strip().lower() if isinstance(value, str) else value
    if text not in known:
        raise ConfigError(f"{where}: {key} {value!r} is not one of {', '.join(known)}")
    return str(text)


def zoho_settings(profile: Profile) -> ZohoSettings:
    """Read and check the Zoho keys of ``profile`` (ConfigError naming the key)."""
    where = f"{profile.source}: profile {profile.name!r}"
    options = profile.options
    if "data_centre" in options and "data_center" in options:
        raise ConfigError(f"{where}: give data_centre or data_center, not both")
    centre = options.get("data_centre", options.get("data_center", DEFAULT_DATA_CENTRE))
    module = options.get("module")
    if module is not None:
        try:
            module = check_module(module)
        except InvalidRequest as exc:
            raise ConfigError(f"{where}: {exc.message}") from None
    return ZohoSettings(
        data_centre=_choice(centre, DATA_CENTRES, "data_centre", where),
        environment=_choice(
            options.get("environment", "production"), ENVIRONMENTS, "environment", where
        ),
        api_version=check_api_version(options.get("api_version", DEFAULT_API_VERSION), where=where),
        module=module,
        content=_url(options.get("content_url"), "content_url", where),
    )


def _url(value: Any, key: str, where: str) -> str | None:
    if value is None:
        return None
    parts = urlsplit(value) if isinstance(value, str) else None
    if parts is None or parts.scheme not in ("http", "https") or not parts.netloc:
        raise ConfigError(f"{where}: {key} {value!r} is not an http(s) URL")
    return str(value)
