"""Keep secrets out of logs, reprs, errors, reports and cassettes.

Two mechanisms: a registry of known secret values (every credential the
config loads is registered, so it is masked wherever it shows up), and
patterns for what looks like a credential (bearer tokens, token fields).
"""

from __future__ import annotations

import base64
import json
import logging
import re
import threading
from collections.abc import Mapping
from urllib.parse import quote, quote_plus

MASK = "***"
_HEX = re.compile(r"%[0-9A-F]{2}")

#: Request headers whose whole value is a credential (lower case; matched
#: case-insensitively). One list for logs and cassettes (jobadapter.testing.scrub).
REQUEST_SECRET_HEADERS = frozenset(
    {
        "authorization",
        "proxy-authorization",
        "cookie",
        "x-api-key",
        "apikey",
        "apiaccesskeyid",
        "apisecretaccesskey",
        "x-auth-token",
    }
)

#: Response headers whose value is a credential.
RESPONSE_SECRET_HEADERS = frozenset({"set-cookie", "set-cookie2", "authorization", "x-auth-token"})

#: Header names whose values are always secret, either way.
SECRET_HEADERS = REQUEST_SECRET_HEADERS | RESPONSE_SECRET_HEADERS

#: Field names (form, JSON, query) whose values are always secret.
SECRET_FIELDS = frozenset(
    {
        "access_token",
        "refresh_token",
        "client_secret",
        "id_token",
        "token",
        "password",
        "api_key",
        "apikey",
        "secret",
        "code",
    }
)

_known: set[str] = set()
_known_lock = threading.Lock()
#: The known secrets and the pattern that masks them, replaced together (one read sees
#: a matching pair). Most texts hold none: looking for each with ``in`` first is
#: cheaper than the pattern, which tries every secret at every position of the text.
_known_state: tuple[tuple[str, ...], re.Pattern[str]] | None = None

_PATTERNS = [
    re.compile(r"(?i)\b(bearer|zoho-oauthtoken|basic)\s+[A-Za-z0-9._~+/=-]+"),
    # presigned URLs: the signature and session token in the query are live credentials
    re.compile(
        r"(?i)([?&](?:x-amz-signature|x-amz-security-token|x-amz-credential|signature|sig)=)"
        r"[^&\"'\s]+"
    ),
    re.compile(
        r"(?i)([\"']?(?:access_token|refresh_token|client_secret|id_token|password)[\"']?\s*[:=]\s*[\"']?)"
        r"[^\"'&\s,}]+"
    ),
]


def register_secret(value: str | None) -> None:
    """Mask ``value`` wherever it appears from now on (short values are ignored).

    Every encoding a secret is sent in is masked too: form-encoded (``+`` for
    spaces), URL-quoted (either case of hex), JSON-escaped, and base64 (inside a
    Basic header's ``id:secret``, at any alignment), so an echo of the request
    shows none of them.
    """
    global _known_state
    if not value or len(value) < 4:
        return
    with _known_lock:
        if value in _known:
            return
        _known.update(v for v in encodings(value) if len(v) >= 4)
        ordered = sorted(_known, key=len, reverse=True)
        pattern = re.compile("|".join(re.escape(v) for v in ordered))
        _known_state = (tuple(ordered), pattern)


def encodings(value: str) -> set[str]:
    """``value`` and the forms it takes on the wire (see :func:`register_secret`)."""
    forms = {value, quote_plus(value), quote(value, safe=""), quote(value)}
    forms |= {_HEX.sub(lambda m: m.group(0).lower(), form) for form in list(forms)}
    forms.add(json.dumps(value)[1:-1])
    forms.add(json.dumps(value, ensure_ascii=False)[1:-1])
    raw = value.encode("utf-8")
    for offset in range(3):  # base64 of the value wherever it sits in a longer text
        encoded = base64.b64encode(b"\0" * offset + raw).decode("ascii")
        first = -(-8 * offset // 6)  # the first character made of the value's bits only
        last = 8 * (offset + len(raw)) // 6  # one past the last such character
        core = encoded[first:last]
        if len(core) >= 8:
            forms.add(core)
            forms.add(core.replace("+", "-").replace("/", "_"))  # urlsafe
    return forms


#: The words each of ``_PATTERNS`` cannot match without. Scanning a text for them is
#: far cheaper than running the case-insensitive regexes, which every logged line and
#: every answer's URL goes through; a text with none of a pattern's words skips it.
_NEEDS = (
    ("bearer", "zoho-oauthtoken", "basic"),
    ("x-amz-", "sig"),
    ("access_token", "refresh_token", "client_secret", "id_token", "password"),
)


def _folded(text: str) -> str:
    """``text`` lower-cased as the patterns' IGNORECASE compares letters: besides A-Z,
    only U+0130 and U+0131 match ``i``, U+017F matches ``s`` and U+212A matches ``k``."""
    low = text.lower()
    if not low.isascii():  # U+0130 lowers to "i" + U+0307
        low = low.replace("\u0131", "i").replace("\u017f", "s").replace("\u0307", "")
    return low


def may_hold_secret(text: str) -> bool:
    """Whether :func:`redact_text` could change ``text`` (False: it certainly would not).

    One scan of a large text instead of one call per string inside it: a JSON
    text (``ensure_ascii``, holding no ``\\u`` escape) for which this is False
    holds no string that redaction would change, since every registered secret
    is registered in its JSON-escaped form too and the patterns' words are ASCII.
    """
    known = _known_state
    if known is not None and any(map(text.__contains__, known[0])):
        return True
    folded = _folded(text)
    return any(any(map(folded.__contains__, words)) for words in _NEEDS)


def redact_text(text: str) -> str:
    """``text`` with known secrets and credential-looking values masked."""
    if not text:
        return text
    known = _known_state
    if known is not None and any(map(text.__contains__, known[0])):
        text = known[1].sub(MASK, text)
    # Masking only ever puts MASK between existing characters, so words absent now
    # stay absent after each substitution.
    folded = _folded(text)
    if any(map(folded.__contains__, _NEEDS[0])):
        text = _PATTERNS[0].sub(lambda m: f"{m.group(1)} {MASK}", text)
    if any(map(folded.__contains__, _NEEDS[1])):
        text = _PATTERNS[1].sub(lambda m: f"{m.group(1)}{MASK}", text)
    if any(map(folded.__contains__, _NEEDS[2])):
        text = _PATTERNS[2].sub(lambda m: f"{m.group(1)}{MASK}", text)
    return text


def redact_headers(headers: Mapping[str, str]) -> dict[str, str]:
    """A copy of ``headers`` safe to log."""
    return {
        k: (MASK if k.lower() in SECRET_HEADERS else redact_text(str(v)))
        for k, v in headers.items()
    }


class RedactingFilter(logging.Filter):
    """A logging filter that masks secrets in every record's final message."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        clean = redact_text(message)
        if clean != message or record.args:
            record.msg = clean
            record.args = None
        return True


def install_log_redaction(logger: logging.Logger | None = None) -> None:
    """Attach :class:`RedactingFilter` to the jobadapter logger once."""
    target = logger or logging.getLogger("jobadapter")
    if not any(isinstance(f, RedactingFilter) for f in target.filters):
        target.addFilter(RedactingFilter())


def get_logger(name: str = "") -> logging.Logger:
    """The ``jobadapter`` logger (or a child), with secret masking attached.

    Filters on a logger do not apply to its children, so every module takes
    its logger from here rather than from :func:`logging.getLogger`.
    """
    full = "jobadapter" + (f".{name}" if name else "")
    log = logging.getLogger(full)
    install_log_redaction(log)
    return log
