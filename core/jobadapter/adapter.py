"""The adapter base: one subclass per native job kind.

An adapter has a pure half and an I/O half. ``parse`` maps a native answer
body to a :class:`Job` and is total: any JSON value in, a Job or a
:class:`ProviderResponseError` out. The verbs (``submit``, ``get``,
``cancel``, ``results``, ``list``) talk to the provider through a
:class:`~jobadapter.connection.Connection` and are declared in
``capabilities`` so a missing one is a clear :class:`NotSupported`.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any, ClassVar

from jobadapter.errors import NotSupported, PluginError, ProviderResponseError
from jobadapter.model import MAX_COUNT, Job
from jobadapter.parsing import UTC, parse_count, parse_timestamp, parse_timezone
from jobadapter.status import JobStatus
from jobadapter.statuses import StatusTable, normalise_word

if TYPE_CHECKING:
    from jobadapter.connection import Connection

#: Every verb an adapter may declare.
VERBS = ("submit", "get", "cancel", "results", "list")

#: The method implementing each verb (``list`` is ``list_jobs``, so that the
#: method never shadows the builtin in adapter class bodies).
VERB_METHODS = {
    "submit": "submit",
    "get": "get",
    "cancel": "cancel",
    "results": "results",
    "list": "list_jobs",
}

_NAME = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$")


#: Adapter name -> the provider it declares, for every adapter class defined.
_PROVIDERS: dict[str, str] = {}


def provider_of(adapter: str) -> str:
    """The provider adapter ``adapter`` declares (its name's first part when no class
    of that name is loaded): what reports group by, whatever the adapter is called."""
    return _PROVIDERS.get(adapter) or adapter.split(".", 1)[0]


class Adapter:
    """Base class of every adapter. Subclasses declare, as class attributes:

    - ``name``: the adapter's public name, ``<provider>.<job_kind>`` (contract);
    - ``provider``: the provider it connects through (auth, headers, errors);
    - ``statuses``: a :class:`StatusTable` of every documented status word;
    - ``capabilities``: the verbs it implements, a subset of :data:`VERBS`;

    and implement ``build_job`` (plus the declared verbs).
    """

    name: ClassVar[str]
    provider: ClassVar[str]
    statuses: ClassVar[StatusTable]
    capabilities: ClassVar[frozenset[str]] = frozenset({"get"})
    description: ClassVar[str] = ""
    #: Why a verb the adapter lacks is missing (e.g. "the provider documents no
    #: cancel endpoint"), shown in :class:`NotSupported`.
    unsupported_hints: ClassVar[Mapping[str, str]] = {}
    #: Seconds between the first polls, and the ceiling the tracker backs off to.
    poll_interval: ClassVar[tuple[float, float]] = (2.0, 60.0)
    #: True only when calling ``submit`` again with the same request (the same
    #: ``idempotency_key``) can never start a second job: the provider dedupes
    #: every request submit sends on the key. ``hub.reconcile()`` then resends a
    #: submission a crash left unanswered instead of hunting for its job.
    idempotent_submit: ClassVar[bool] = False
    #: Native status words of a job ``submit`` created but did not finish (a file
    #: never uploaded, a job never submitted): it will never run on its own.
    #: ``hub.reconcile()`` never links such a job as found (see :meth:`half_made`).
    half_made_statuses: ClassVar[frozenset[str]] = frozenset()
    #: True when the provider's answers carry timestamps with no zone (Zuora's Mass
    #: Updater: the tenant's zone). A profile without ``timezone`` then reads them
    #: as UTC, and the hub says so once per profile, since the times may be hours off.
    naive_timestamps: ClassVar[bool] = False

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if cls.__dict__.get("abstract", False):
            return
        where = f"{cls.__module__}.{cls.__qualname__}"
        for attr in ("name", "provider", "statuses"):
            if not hasattr(cls, attr):
                raise PluginError(f"{where}: adapter classes must declare {attr!r}")
        if not isinstance(cls.name, str) or not _NAME.match(cls.name):
            raise PluginError(
                f"{where}: adapter name {cls.name!r} must look like 'provider.job_kind' "
                "(lower case, dot separated)"
            )
        if not isinstance(cls.statuses, StatusTable):
            raise PluginError(f"{where}: 'statuses' must be a StatusTable")
        unknown = set(cls.capabilities) - set(VERBS)
        if unknown:
            raise PluginError(f"{where}: unknown capabilities {sorted(unknown)}; known: {VERBS}")
        missing = [
            v
            for v in cls.capabilities
            if getattr(cls, VERB_METHODS[v]) is getattr(Adapter, VERB_METHODS[v])
        ]
        if missing:
            raise PluginError(f"{where}: declares {missing} but does not implement them")
        _PROVIDERS[cls.name] = cls.provider

    def __init__(self, *, timezone: str | dt.tzinfo | None = None) -> None:
        self.timezone: dt.tzinfo = parse_timezone(timezone) if timezone is not None else UTC

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name}>"

    # -- the pure half -------------------------------------------------------

    def parse(self, payload: Any, *, job_id: str | None = None) -> Job:
        """The Job for a native answer body (``job_id`` where the body lacks it).

        Total: anything that is not a well-formed answer raises
        :class:`ProviderResponseError` naming the adapter and the reason.
        """
        try:
            job = self.build_job(payload, job_id=job_id)
        except ProviderResponseError as exc:
            exc.adapter = exc.adapter or self.name
            raise
        except RecursionError:
            raise self.malformed("answer is nested too deeply") from None
        except Exception as exc:  # noqa: BLE001  (parse is total: any failure is a bad answer)
            raise self.malformed(f"{type(exc).__name__}: {exc}") from None
        if job_id is None or (job.id == job_id and job.adapter == self.name):
            return job  # answer_for's own test, inline: every parse runs it
        return answer_for(self.name, job_id, job)

    def build_job(self, payload: Any, *, job_id: str | None) -> Job:
        """Map one native answer body to a Job. Raise ``ValueError`` (or
        :meth:`malformed`) for anything that does not fit; ``parse`` wraps it."""
        raise NotImplementedError

    def status_of(self, word: Any) -> JobStatus:
        """The unified status of a native word (``UNKNOWN`` when unmapped)."""
        if not isinstance(word, str) or not word.strip():
            raise self.malformed(f"status is {word!r}, expected a status word")
        return self.statuses.lookup(word)

    def malformed(self, reason: str, *, payload: Any = None) -> ProviderResponseError:
        """The error for an answer this adapter cannot read."""
        return ProviderResponseError(
            f"malformed {self.name} answer: {reason[:300]}", adapter=self.name, details=None
        )

    # helpers adapters share, so every adapter reads numbers and times alike
    def count(self, payload: Mapping[str, Any], key: str) -> int | None:
        value = payload.get(key)
        if value.__class__ is int and 0 <= value <= MAX_COUNT:
            return value  # what parse_count gives for it (the usual answer), without the call
        if value is None:  # often: fields a provider fills in later
            return None
        return parse_count(value, name=key)

    def timestamp(
        self, payload: Mapping[str, Any], key: str, *, tz: dt.tzinfo | None = None
    ) -> dt.datetime | None:
        value = payload.get(key)
        if value is None:  # often: times a job has not reached yet
            return None
        return parse_timestamp(value, tz=tz or self.timezone, name=key)

    def require_mapping(self, payload: Any, what: str = "answer") -> Mapping[str, Any]:
        if payload.__class__ is dict:  # what JSON gives; skips the ABC's isinstance machinery
            return payload
        if not isinstance(payload, Mapping):
            raise self.malformed(f"{what} is a {type(payload).__name__}, expected a JSON object")
        return payload

    def job_id_from(self, value: Any, job_id: str | None, field: str) -> str:
        """The job id from the answer, else the one the caller gave."""
        if value.__class__ is str and value:  # the usual answer, checked first
            return value
        if isinstance(value, (str, int)) and not isinstance(value, bool) and str(value):
            return str(value)
        if value is not None and not isinstance(value, (str, int)):
            raise self.malformed(f"{field} is a {type(value).__name__}, expected a string")
        if job_id:
            return job_id
        raise self.malformed(f"no {field} in the answer and no job_id given")

    def half_made(self, job: Job) -> bool:
        """Whether ``job`` is one ``submit`` began and did not finish (see
        ``half_made_statuses``): found after a crash, it must be finished or settled
        by an operator, never taken for a started job."""
        word = job.native_status
        return word is not None and normalise_word(word) in {
            normalise_word(w) for w in self.half_made_statuses
        }

    # -- the I/O half ----------------------------------------------------------

    def supports(self, verb: str) -> bool:
        return verb in self.capabilities

    def submit(self, conn: Connection, request: Any) -> Job:
        """Start a job from ``request`` (the adapter's own request type or a mapping)."""
        raise NotSupported(self.name, "submit")

    def get(self, conn: Connection, job_id: str) -> Job:
        """Fetch the job's current state."""
        raise NotSupported(self.name, "get")

    def cancel(self, conn: Connection, job_id: str) -> Job:
        """Ask the provider to stop the job; returns the job as the provider answers."""
        raise NotSupported(self.name, "cancel", "the provider documents no way to cancel this job")

    def results(self, conn: Connection, job_id: str) -> Iterator[dict[str, Any]]:
        """The job's per-row outcome, streamed row by row."""
        raise NotSupported(self.name, "results")

    def list_jobs(self, conn: Connection, **filters: Any) -> Iterator[Job]:
        """The provider's jobs, following its cursor to the end."""
        raise NotSupported(self.name, "list")

    def request_from_options(self, options: Mapping[str, Any]) -> Any:
        """Turn CLI options (``--file``, ``--action``, ...) into a submit request."""
        return dict(options)


def answer_for(adapter: str, job_id: str, job: Job) -> Job:
    """``job``, when it is the job that was asked for; else the typed bad-answer error.

    An answer naming another job (a proxy's mix-up, a replica's bug) must never be
    stored or shown as the job asked for: every path that fetches a job by its id
    (``parse(..., job_id=)``, ``Hub.get``/``cancel``, the tracker) checks it here.
    """
    if job.adapter == adapter and job.id == job_id:
        return job
    raise ProviderResponseError(
        f"asked for {adapter} job {job_id[:80]!r}, the answer is for {job.adapter} job "
        f"{job.id[:80]!r}; not stored",
        adapter=adapter,
    )


def check_verb(adapter: Adapter, verb: str) -> None:
    """Raise :class:`NotSupported` unless ``adapter`` declares ``verb``."""
    if verb not in VERBS:
        raise ValueError(f"unknown verb {verb!r}; known: {', '.join(VERBS)}")
    if not adapter.supports(verb):
        raise NotSupported(adapter.name, verb, adapter.unsupported_hints.get(verb))
