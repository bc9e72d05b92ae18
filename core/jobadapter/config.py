"""Named profiles in a TOML file: which provider, where, and with what credentials.

``[profiles.<name>]`` tables, in ``$JOBADAPTER_CONFIG`` or the platform's user
config dir. Every secret can be given as ``<key>_env`` naming an environment
variable, so no secret needs to sit in the file; the variable is read when the
profile uses the secret, so one profile's unset variable never blocks another.
Errors name the file, the profile and the key.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, Generic, TypeVar

import attrs

from jobadapter.errors import ConfigError
from jobadapter.parsing import parse_timezone
from jobadapter.redact import register_secret

T = TypeVar("T")

#: Keys that hold secrets: never shown, each also accepted as ``<key>_env``.
SECRET_KEYS = ("client_secret", "refresh_token", "token", "client_id")

#: Keys every profile may have; provider-specific keys go to ``options``.
COMMON_KEYS = frozenset(
    {
        "provider",
        "base_url",
        "token_url",
        "accounts_url",
        "timezone",
        "headers",
        "verify_tls",
        "timeout",
        "poll_min",
        "poll_max",
        "max_in_flight",
        "rate_per_second",
        *SECRET_KEYS,
    }
)

#: The largest value each number key takes, and its unit (docs/configuration.md):
#: a day bounds one answer, a week one poll interval; past these a value is a typo.
NUMBER_LIMITS: dict[str, tuple[float, str]] = {
    "timeout": (86_400.0, "seconds"),
    "poll_min": (604_800.0, "seconds"),
    "poll_max": (604_800.0, "seconds"),
    "rate_per_second": (1_000_000.0, "requests a second"),
}
MAX_IN_FLIGHT = 10_000


def _toml() -> Any:
    """The TOML parser, imported when a file is read (a command run without a
    config file reads none: its start-up does not pay for the parser)."""
    if sys.version_info >= (3, 11):
        import tomllib

        return tomllib
    import tomli  # pragma: no cover - exercised on 3.10 only

    return tomli  # pragma: no cover


def default_config_path() -> Path:
    """``$JOBADAPTER_CONFIG``, else ``<user config dir>/jobadapter/config.toml``."""
    env = os.environ.get("JOBADAPTER_CONFIG")
    if env:
        return Path(env).expanduser()
    import platformdirs  # only when the path is not given

    return Path(platformdirs.user_config_dir("jobadapter", appauthor=False)) / "config.toml"


@attrs.frozen(slots=True)
class Profile:
    """One named connection to one provider account."""

    name: str
    provider: str
    base_url: str | None = None
    token_url: str | None = None
    accounts_url: str | None = None
    #: The tenant's zone for timestamps that carry none; None: not configured
    #: (UTC is assumed, and the hub warns once for adapters that read such times).
    timezone: str | None = None
    headers: Mapping[str, str] = attrs.field(factory=dict)
    verify_tls: bool = True
    timeout: float = 60.0
    poll_min: float | None = None
    poll_max: float | None = None
    max_in_flight: int = 8
    rate_per_second: float | None = None
    options: Mapping[str, Any] = attrs.field(factory=dict)
    secrets: Mapping[str, str] = attrs.field(factory=dict, repr=False, eq=False)
    source: str = attrs.field(default="<code>", eq=False)
    #: Secret key -> the environment variable holding it, read when the secret is used.
    secret_env: Mapping[str, str] = attrs.field(factory=dict, repr=False, eq=False)
    #: Where ``secret_env`` is looked up (None: ``os.environ`` at the time of use).
    environ: Mapping[str, str] | None = attrs.field(default=None, repr=False, eq=False)

    def secret(self, key: str) -> str | None:
        """A credential value (from the file or the environment), or None.

        Raises ConfigError when the profile names an environment variable for it
        that is not set."""
        value = self.secrets.get(key)
        if value is not None:
            return value
        variable = self.secret_env.get(key)
        if variable is None:
            return None
        value = (os.environ if self.environ is None else self.environ).get(variable)
        if not value:
            raise ConfigError(
                f"{self.source}: profile {self.name!r}: key '{key}_env' "
                f"names ${variable}, which is not set"
            )
        register_secret(value)
        return value

    def secret_state(self, key: str) -> str | None:
        """Where a secret comes from, never its value: "in the file", "$VAR set",
        "$VAR not set", or None when the profile has none."""
        if key in self.secrets:
            return "in the file"
        variable = self.secret_env.get(key)
        if variable is None:
            return None
        found = (os.environ if self.environ is None else self.environ).get(variable)
        return f"${variable} {'set' if found else 'not set'}"

    def require_secret(self, key: str) -> str:
        value = self.secret(key)
        if not value:
            raise ConfigError(
                f"{self.source}: profile {self.name!r}: missing {key!r}; set {key} or "
                f"{key}_env (the name of an environment variable holding it)"
            )
        return value


class ProfileMemo(Generic[T]):
    """One value worked out from a profile's settings (options, headers), kept while
    they stay the same: a poll need not check and rebuild them every time.

    A Profile is frozen, but its mappings can still be edited in place: the memo
    compares a snapshot of them, values and their types (``1``, ``1.0`` and ``True``
    are equal but not the same setting), on every read, so an edit takes effect on
    the next one. Settings holding anything but plain values are never remembered
    (a list could change inside an equal snapshot).
    """

    __slots__ = ("_memo",)

    def __init__(self) -> None:
        self._memo: tuple[Profile, tuple[Any, ...], T] | None = None

    def get(self, profile: Profile, make: Callable[[Profile], T]) -> T:
        """The value for ``profile``'s current settings: ``make(profile)`` when they changed."""
        # taken first, so that an edit during make() is seen by the next read
        snapshot = _settings_snapshot(profile) if profile.options or profile.headers else ()
        memo = self._memo  # one read: threads replacing it cost only a recomputation
        if memo is not None and memo[0] is profile and snapshot is not None and memo[1] == snapshot:
            return memo[2]
        value = make(profile)
        if snapshot is not None:
            self._memo = (profile, snapshot, value)
        return value


def _settings_snapshot(profile: Profile) -> tuple[Any, ...] | None:
    """Each option and header with its value's type; None when one is not a plain value."""
    items: list[Any] = []
    for mapping in (profile.options, profile.headers):
        for key, value in mapping.items():
            if value is not None and value.__class__ not in (str, int, float, bool):
                return None
            items.append((key, value.__class__, value))
        items.append(None)  # keeps an option and a header of the same name apart
    return tuple(items)


def profile_from_mapping(
    name: str,
    table: Mapping[str, Any],
    *,
    source: str = "<code>",
    environ: Mapping[str, str] | None = None,
) -> Profile:
    """Build and check one profile from its TOML table (or any mapping)."""
    where = f"{source}: profile {name!r}"

    def bad(key: str, why: str) -> ConfigError:
        return ConfigError(f"{where}: key {key!r} {why}")

    if not isinstance(table, Mapping):
        raise ConfigError(f"{where}: expected a table of keys")
    provider = table.get("provider")
    if not isinstance(provider, str) or not provider:
        raise bad("provider", 'is missing; name the provider, e.g. provider = "zuora"')

    secrets: dict[str, str] = {}
    secret_env: dict[str, str] = {}
    for key in SECRET_KEYS:
        direct, via_env = table.get(key), table.get(f"{key}_env")
        if direct is not None and via_env is not None:
            raise bad(key, f"is given twice ({key} and {key}_env); keep one")
        if direct is not None:
            if not isinstance(direct, str):
                raise bad(key, "must be a string")
            secrets[key] = direct
        elif via_env is not None:
            if not isinstance(via_env, str) or not via_env:
                raise bad(f"{key}_env", "must name an environment variable")
            secret_env[key] = via_env
    for value in secrets.values():
        register_secret(value)

    def string(key: str) -> str | None:
        value = table.get(key)
        if value is not None and not isinstance(value, str):
            raise bad(key, "must be a string")
        return value

    def number(key: str, default: float | None) -> float | None:
        value = table.get(key, default)
        if value is None:
            return None
        upper, unit = NUMBER_LIMITS[key]
        if (
            isinstance(value, bool)
            or not isinstance(value, (int, float))
            or not 0 < value <= upper  # also refuses nan and inf (1e400 in TOML)
        ):
            raise bad(key, f"must be a number above 0 and at most {upper:g} {unit}, got {value!r}")
        return float(value)

    timezone = string("timezone")
    try:
        if timezone is not None:
            parse_timezone(timezone)
    except ValueError as exc:
        raise bad("timezone", str(exc)) from None
    headers = table.get("headers", {})
    if not isinstance(headers, Mapping) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in headers.items()
    ):
        raise bad("headers", "must be a table of string values")
    for hname, hvalue in headers.items():
        if any(c in hname + hvalue for c in "\r\n\0"):
            raise bad("headers", f"header {hname!r} contains a line break")
    verify = table.get("verify_tls", True)
    if not isinstance(verify, bool):
        raise bad("verify_tls", "must be true or false")
    in_flight = table.get("max_in_flight", 8)
    if (
        isinstance(in_flight, bool)
        or not isinstance(in_flight, int)
        or not 1 <= in_flight <= MAX_IN_FLIGHT
    ):
        raise bad("max_in_flight", f"must be a whole number from 1 to {MAX_IN_FLIGHT}")
    for url_key in ("base_url", "token_url", "accounts_url"):
        url = string(url_key)
        if url is not None and not url.startswith(("http://", "https://")):
            raise bad(url_key, f"must be an http(s) URL, got {url!r}")
    options = {
        k: v
        for k, v in table.items()
        if k not in COMMON_KEYS and not (k.endswith("_env") and k[:-4] in SECRET_KEYS)
    }
    poll_min, poll_max = number("poll_min", None), number("poll_max", None)
    if poll_min is not None and poll_max is not None and poll_min > poll_max:
        raise bad("poll_min", f"({poll_min:g}) must not exceed poll_max ({poll_max:g})")
    return Profile(
        name=name,
        provider=provider,
        base_url=string("base_url"),
        token_url=string("token_url"),
        accounts_url=string("accounts_url"),
        timezone=timezone,
        headers=dict(headers),
        verify_tls=verify,
        timeout=number("timeout", 60.0) or 60.0,
        poll_min=poll_min,
        poll_max=poll_max,
        max_in_flight=in_flight,
        rate_per_second=number("rate_per_second", None),
        options=options,
        secrets=secrets,
        source=source,
        secret_env=secret_env,
        environ=environ,
    )


def parse_config(
    text: str, *, source: str = "<string>", environ: Mapping[str, str] | None = None
) -> dict[str, Profile]:
    """Profiles from TOML text."""
    toml = _toml()
    try:
        data = toml.loads(text)
    except toml.TOMLDecodeError as exc:
        raise ConfigError(f"{source}: not valid TOML: {exc}") from None
    profiles = data.get("profiles", {})
    if not isinstance(profiles, Mapping):
        raise ConfigError(f"{source}: 'profiles' must be a table of [profiles.<name>] tables")
    return {
        name: profile_from_mapping(name, table, source=source, environ=environ)
        for name, table in profiles.items()
    }


def sourced_profile(name: str, supplied: Any) -> Profile:
    """A ``profile_source`` plugin's answer for ``name`` as a checked Profile,
    its secrets registered for redaction like the config file's."""
    if isinstance(supplied, Profile):
        if supplied.name != name:
            raise ConfigError(
                f"profile_source answered profile {supplied.name!r} when asked for {name!r}"
            )
        for value in supplied.secrets.values():
            register_secret(value)
        return supplied
    if isinstance(supplied, Mapping):
        return profile_from_mapping(name, supplied, source="profile_source plugin")
    raise ConfigError(
        f"profile_source answered {type(supplied).__name__} for profile {name!r}: "
        "give a mapping of profile keys, a Profile, or None"
    )


def load_config(
    path: str | Path | None = None, *, environ: Mapping[str, str] | None = None
) -> dict[str, Profile]:
    """Profiles from ``path`` (default :func:`default_config_path`); none if the default file is absent."""
    explicit = path is not None
    file = Path(path) if path is not None else default_config_path()
    if not file.exists():
        if explicit or os.environ.get("JOBADAPTER_CONFIG"):
            raise ConfigError(f"{file}: config file not found")
        return {}
    try:
        text = file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{file}: cannot read config: {exc}") from None
    return parse_config(text, source=str(file), environ=environ)


def default_profile_name(
    path: str | Path | None = None, *, environ: Mapping[str, str] | None = None
) -> str | None:
    """The profile used when none is named: ``$JOBADAPTER_PROFILE``, else the
    config file's top-level ``default_profile`` key, else None."""
    env = os.environ if environ is None else environ
    if env.get("JOBADAPTER_PROFILE"):
        return env["JOBADAPTER_PROFILE"]
    file = Path(path) if path is not None else default_config_path()
    try:
        text = file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None  # load_config reports a missing or broken file, with its name
    toml = _toml()
    try:
        data = toml.loads(text)
    except toml.TOMLDecodeError:
        return None
    name = data.get("default_profile")
    if name is not None and not isinstance(name, str):
        raise ConfigError(f"{file}: key 'default_profile' must be a profile name")
    return name
