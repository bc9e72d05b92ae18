"""A store URL fit to show: the password masked (its own module so a backend can use it
without importing the module that opens every backend)."""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit


def safe_url(url: str) -> str:
    """``url`` with any password masked, fit for a repr, a log line or an error."""
    parts = urlsplit(url)
    if parts.password is not None:
        host = parts.hostname or ""
        if parts.port is not None:
            host = f"{host}:{parts.port}"
        parts = parts._replace(netloc=f"{parts.username or ''}:***@{host}")
    if "password" in parts.query.lower():
        query = "&".join(
            f"{pair.split('=', 1)[0]}=***" if pair.lower().startswith("password") else pair
            for pair in parts.query.split("&")
        )
        parts = parts._replace(query=query)
    return urlunsplit(parts)
