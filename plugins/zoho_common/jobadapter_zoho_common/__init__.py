"""What every jobadapter Zoho CRM plugin shares, written once: the ``zoho``
provider (refresh-token OAuth per data centre with ``api_domain``, the
``Zoho-oauthtoken`` header, Zoho's error bodies and codes), the profile
settings, (in :mod:`.adapter`) the adapter base that reads them once per profile
change, and (in :mod:`.simulator`) the simulator base."""

from __future__ import annotations

from jobadapter_zoho_common.errors import CODES, describe, error_class, error_entry
from jobadapter_zoho_common.provider import ZohoProvider, json_body, token_url, zoho_error
from jobadapter_zoho_common.settings import (
    DATA_CENTRES,
    ZohoSettings,
    check_api_version,
    check_module,
    zoho_settings,
)

__version__ = "0.1.0"

__all__ = [
    "CODES",
    "DATA_CENTRES",
    "ZohoProvider",
    "ZohoSettings",
    "check_api_version",
    "check_module",
    "describe",
    "error_class",
    "error_entry",
    "json_body",
    "token_url",
    "zoho_error",
    "zoho_settings",
]
