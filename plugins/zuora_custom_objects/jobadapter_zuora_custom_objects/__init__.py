"""jobadapter plugin for Zuora Custom Object bulk jobs (adapter ``zuora.custom_object_job``)."""

from __future__ import annotations

from jobadapter_zuora_custom_objects.custom_object_job import STATUSES, CustomObjectJobAdapter
from jobadapter_zuora_custom_objects.request import CustomObjectJobRequest, FilterCondition

__version__ = "0.1.0"

__all__ = ["STATUSES", "CustomObjectJobAdapter", "CustomObjectJobRequest", "FilterCondition"]
