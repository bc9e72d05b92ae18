"""jobadapter plugin for Zoho CRM mass update: adapter ``zoho.mass_update``.

Also registers the ``zoho_mass_update`` sandbox simulator. The ``zoho``
provider (and ``ZohoProvider``, ``DATA_CENTRES``... re-exported here for the
names' old users) lives in ``jobadapter-zoho-common``.
"""

from __future__ import annotations

from jobadapter_zoho_common.provider import ZohoProvider
from jobadapter_zoho_common.settings import DATA_CENTRES, ZohoSettings, zoho_settings

from jobadapter_zoho_mass_update.mass_update import MassUpdateAdapter
from jobadapter_zoho_mass_update.options import request_from_options
from jobadapter_zoho_mass_update.request import MassUpdateRequest

__all__ = [
    "DATA_CENTRES",
    "MassUpdateAdapter",
    "MassUpdateRequest",
    "ZohoProvider",
    "ZohoSettings",
    "request_from_options",
    "zoho_settings",
]
