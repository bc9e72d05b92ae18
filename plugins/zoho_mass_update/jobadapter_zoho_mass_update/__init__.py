"""jobadapter plugin for Zoho CRM mass update: adapter ``zoho.mass_update``.

Also registers the ``zoho`` provider (refresh-token OAuth per data centre,
Zoho error bodies) and the ``zoho_mass_update`` sandbox simulator.
"""

from __future__ import annotations

from jobadapter_zoho_mass_update.mass_update import MassUpdateAdapter
from jobadapter_zoho_mass_update.options import request_from_options
from jobadapter_zoho_mass_update.provider import ZohoProvider
from jobadapter_zoho_mass_update.request import MassUpdateRequest
from jobadapter_zoho_mass_update.settings import DATA_CENTRES, ZohoSettings, zoho_settings

__all__ = [
    "DATA_CENTRES",
    "MassUpdateAdapter",
    "MassUpdateRequest",
    "ZohoProvider",
    "ZohoSettings",
    "request_from_options",
    "zoho_settings",
]
