"""The Zuora request headers a profile can set, checked before anything is sent.

Zuora rejects a bad ``Zuora-Track-Id`` on every call, so a typo in a profile
would otherwise surface as a provider error on the first poll; we refuse it
up front with a message that says which rule it breaks.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from jobadapter.errors import ConfigError

TRACK_ID = "Zuora-Track-Id"
ENTITY_IDS = "Zuora-Entity-Ids"
ORG_IDS = "Zuora-Org-Ids"
VERSION = "Zuora-Version"

#: Profile option -> header it sets.
OPTION_HEADERS = {
    "track_id": TRACK_ID,
    "entity_ids": ENTITY_IDS,
    "org_ids": ORG_IDS,
    "zuora_version": VERSION,
}

TRACK_ID_MAX = 64
_TRACK_ID_FORBIDDEN = frozenset(":;\"'")


def check_track_id(value: str) -> str:
    """``value`` if Zuora accepts it as a ``Zuora-Track-Id``; else a ConfigError saying why.

    Zuora's rules: at most 64 US-ASCII characters, none of ``: ; " '``.
    """
    if not isinstance(value, str) or not value:
        raise ConfigError(f"{TRACK_ID} must be a non-empty string")
    if len(value) > TRACK_ID_MAX:
        raise ConfigError(f"{TRACK_ID} is {len(value)} characters long; Zuora allows at most 64")
    if not value.isascii() or not value.isprintable():
        raise ConfigError(f"{TRACK_ID} must be printable US-ASCII (no accents, tabs or newlines)")
    bad = sorted(set(value) & _TRACK_ID_FORBIDDEN)
    if bad:
        shown = " ".join(bad)
        raise ConfigError(f"{TRACK_ID} must not contain {shown} (Zuora forbids : ; \" and ')")
    return value


def _id_list(option: str, value: Any) -> str:
    """A comma separated id list from a string or a list of strings."""
    if isinstance(value, str):
        items: Iterable[Any] = value.split(",")
    elif isinstance(value, (list, tuple)):
        items = value
    else:
        raise ConfigError(f"profile option {option!r} must be a string or a list of strings")
    parts = []
    for item in items:
        if not isinstance(item, str):
            raise ConfigError(f"profile option {option!r} must hold strings, got {item!r}")
        text = item.strip()
        if text:
            parts.append(text)
    if not parts:
        raise ConfigError(f"profile option {option!r} is empty; remove it or give an id")
    joined = ",".join(parts)
    if not joined.isascii() or not joined.isprintable():
        raise ConfigError(f"profile option {option!r} must be printable ASCII ids")
    return joined


def headers_from_options(options: Mapping[str, Any]) -> dict[str, str]:
    """The Zuora headers a profile's options ask for (``track_id``, ``entity_ids``, ...)."""
    headers: dict[str, str] = {}
    track = options.get("track_id")
    if track is not None:
        headers[TRACK_ID] = check_track_id(track)
    for option in ("entity_ids", "org_ids"):
        value = options.get(option)
        if value is not None:
            headers[OPTION_HEADERS[option]] = _id_list(option, value)
    version = options.get("zuora_version")
    if version is not None:
        if isinstance(version, bool) or not isinstance(version, (str, int, float)):
            raise ConfigError("profile option 'zuora_version' must be a version like \"211.0\"")
        text = str(version).strip()
        if not text or not text.isascii() or not text.isprintable():
            raise ConfigError("profile option 'zuora_version' must be a version like \"211.0\"")
        headers[VERSION] = text
    return headers
