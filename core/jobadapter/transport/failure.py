"""A try that got no usable answer, and how to describe its cause without secrets."""

from __future__ import annotations

import re

from jobadapter.redact import redact_text

__all__ = ["Failure", "brief"]


class Failure(Exception):
    """A try that got no usable answer; ``sent`` says whether the request left us."""

    def __init__(self, reason: str, *, sent: bool, truncated_gzip: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.sent = sent
        self.truncated_gzip = truncated_gzip
        self.written = 0  # body bytes already handed to the caller's file


def brief(exc: BaseException) -> str:
    """A one-line, secret-free description of a connection error."""
    text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    text = re.sub(r"<urllib3\.[^>]*>: ", "", text)
    return redact_text(text[:200])
