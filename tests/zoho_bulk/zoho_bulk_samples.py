"""What the bulk tests share: the plugins a hub loads, and the documented answers."""

from __future__ import annotations

import jobadapter_zoho_bulk.plugin as bulk_plugin
import jobadapter_zoho_common.plugin as zoho_common_plugin
from jobadapter_zoho_bulk.samples import READ_ID, WRITE_ID, read_answer, write_answer

#: What a hub needs loaded to run the bulk adapters (the provider comes from zoho_common).
PLUGINS = (zoho_common_plugin, bulk_plugin)

__all__ = ["PLUGINS", "READ_ID", "WRITE_ID", "read_answer", "write_answer"]
