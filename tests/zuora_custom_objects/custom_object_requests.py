"""What the custom object flow tests submit: the adapter's name, the CSV maker's type
and a filtered delete (no file to upload)."""

from __future__ import annotations

from collections.abc import Callable

from jobadapter_zuora_custom_objects import CustomObjectJobRequest

ADAPTER = "zuora.custom_object_job"
MakeCsv = Callable[..., bytes]


def delete_by_filter(obj: str = "passenger") -> CustomObjectJobRequest:
    return CustomObjectJobRequest(obj, "delete", filter=["CreatedDate LT 2020-01-01T00:00:00Z"])
