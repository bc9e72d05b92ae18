"""Keep secrets out of the store: every string written passes through redaction.

Provider payloads should not carry our credentials, but a store file is
copied, attached to bug reports and scanned; masking known secrets here is
cheap insurance. Structure is kept (only string values change), so stored
JSON always parses back.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from jobadapter.redact import MASK, redact_text


def scrub(value: Any, *, secret_keys: Collection[str] = ()) -> Any:
    """``value`` with every string passed through ``redact_text``.

    Values under a key in ``secret_keys`` (compared lower-case) are masked
    whole: use it for things we built ourselves, like request summaries.
    """
    if isinstance(value, str):
        return redact_text(value)
    if isinstance(value, dict):
        return {
            redact_text(str(k)): (
                MASK
                if str(k).lower() in secret_keys and v is not None
                else scrub(v, secret_keys=secret_keys)
            )
            for k, v in value.items()
        }
    if isinstance(value, (list, tuple)):
        return [scrub(v, secret_keys=secret_keys) for v in value]
    return value
