"""Access tokens sealed for the shared database, with a key the database never sees.

The fleet keeps one access token per profile in the store's database so
that every worker uses the same one. Stored as it is, anyone who can read
the database (a backup, a read replica, a reporting user) could call the
provider as the profile. So the token is sealed with AES-GCM under a key
derived (HKDF-SHA256) from the profile's own secrets: every worker has
them, the database does not, and whoever holds them can mint tokens
anyway, so the key exposes nothing new. ``JOBADAPTER_FLEET_KEY``, when
set on the workers, is mixed in as well (a key kept apart from the
profiles, e.g. in the deployment's secret store).

The sealed text is bound to its profile and expiry (AES-GCM associated
data): a row copied to another profile or given a later expiry does not
open. A worker whose key differs opens nothing and fetches its own token.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
from collections.abc import Mapping

from jobadapter.config import SECRET_KEYS, Profile
from jobadapter.errors import ConfigError

#: The environment variable holding an extra fleet-wide key (optional).
FLEET_KEY_ENV = "JOBADAPTER_FLEET_KEY"

_VERSION = "v1"
_NONCE = 12


class TokenSeal:
    """Seals and opens one profile's token; also fingerprints a token so a row
    can be matched against the one a provider refused without storing it."""

    def __init__(self, profile: str, material: bytes) -> None:
        """``material``: the secret bytes the key is derived from (never stored)."""
        try:
            from cryptography.hazmat.primitives import hashes
            from cryptography.hazmat.primitives.ciphers.aead import AESGCM
            from cryptography.hazmat.primitives.kdf.hkdf import HKDF
        except ImportError as exc:
            raise ConfigError(
                "a fleet worker seals tokens with 'cryptography': pip install 'jobadapter[celery]'"
            ) from exc

        self.profile = profile
        derived = HKDF(
            algorithm=hashes.SHA256(),
            length=64,
            salt=b"jobadapter-fleet-token",
            info=f"{_VERSION}:{profile}".encode(),
        ).derive(material)
        self._aead = AESGCM(derived[:32])
        self._mac_key = derived[32:]

    def __repr__(self) -> str:
        return f"<TokenSeal {self.profile}>"

    @classmethod
    def for_profile(cls, profile: Profile, env: Mapping[str, str] | None = None) -> TokenSeal:
        """The seal of ``profile``: its secrets, plus ``JOBADAPTER_FLEET_KEY`` when set."""
        return cls(profile.name, key_material(profile, env))

    def _bound(self, expires: float) -> bytes:
        return f"{_VERSION}|{self.profile}|{expires!r}".encode()

    def seal(self, text: str, expires: float) -> str:
        """``text`` encrypted, as ASCII for a TEXT column."""
        nonce = os.urandom(_NONCE)
        sealed = self._aead.encrypt(nonce, text.encode(), self._bound(expires))
        return f"{_VERSION}:" + base64.urlsafe_b64encode(nonce + sealed).decode("ascii")

    def open(self, sealed: str, expires: float) -> str | None:
        """What :meth:`seal` sealed, or None: another key, another profile or expiry, damage."""
        from cryptography.exceptions import InvalidTag

        version, _, body = sealed.partition(":")
        if version != _VERSION:
            return None
        try:
            raw = base64.urlsafe_b64decode(body.encode("ascii"))
            plain = self._aead.decrypt(raw[:_NONCE], raw[_NONCE:], self._bound(expires))
        except (ValueError, InvalidTag):
            return None
        return plain.decode()

    def fingerprint(self, header: str) -> str:
        """A keyed digest of ``header`` (tells tokens apart; reveals nothing of them)."""
        return hmac.new(self._mac_key, header.encode(), hashlib.sha256).hexdigest()


def key_material(profile: Profile, env: Mapping[str, str] | None = None) -> bytes:
    """The secret bytes ``profile``'s seal is derived from, as the profile holds them now
    (a profile source may hand out a rotated secret), plus ``JOBADAPTER_FLEET_KEY``."""
    env = os.environ if env is None else env
    secrets = {key: profile.secret(key) for key in sorted(SECRET_KEYS)}
    parts = [f"{key}={value}" for key, value in secrets.items() if value]
    extra = env.get(FLEET_KEY_ENV, "")
    if extra:
        parts.append(f"{FLEET_KEY_ENV}={extra}")
    if not parts:
        raise ConfigError(
            f"profile {profile.name!r} has no secret to derive the fleet's token key "
            f"from; set {FLEET_KEY_ENV} to the same random value on every worker"
        )
    return "\n".join(parts).encode()
