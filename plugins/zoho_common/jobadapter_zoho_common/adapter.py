"""A base for Zoho adapters: the provider name, and the profile's Zoho settings
read once per change of the profile rather than on every poll."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, ClassVar

from jobadapter.adapter import Adapter
from jobadapter.config import ProfileMemo

from jobadapter_zoho_common.settings import ZohoSettings, zoho_settings

if TYPE_CHECKING:
    from jobadapter.config import Profile


class ZohoAdapter(Adapter):
    """Shared by every Zoho adapter; not an adapter itself."""

    abstract = True
    provider: ClassVar[str] = "zoho"

    def __init__(self, *, timezone: str | dt.tzinfo | None = None) -> None:
        super().__init__(timezone=timezone)
        self._settings_memo: ProfileMemo[ZohoSettings] = ProfileMemo()

    def settings(self, profile: Profile) -> ZohoSettings:
        """``zoho_settings(profile)``, read again only when the profile or its options change.

        A tracker polls many jobs of one profile: the options are compared (a small
        dict) instead of checked and parsed on every ``get``.
        """
        return self._settings_memo.get(profile, zoho_settings)
