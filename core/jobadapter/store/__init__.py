"""The job store: every job seen, every transition, anomaly and submission.

:func:`open_store` chooses one by URL: a path or ``sqlite:///path`` (the
default, ``SqliteStore.default()`` at ``$JOBADAPTER_HOME/jobadapter.sqlite3``,
else the user data dir's) or ``postgresql://user@host/db`` for a fleet.
:class:`Store` is the interface both implement.
"""

from __future__ import annotations

from jobadapter.store.base import Store
from jobadapter.store.errors import (
    BadStoreURL,
    JobNotStored,
    SchemaTooNew,
    StoreError,
    StoreOutcomeUnknown,
    SubmissionExists,
    UnknownSubmission,
    ValueOutOfRange,
)
from jobadapter.store.records import (
    RecordedError,
    StoredAnomaly,
    StoredJob,
    StoredJobPage,
    Submission,
    SubmissionState,
    Transition,
)
from jobadapter.store.sqlite import SqliteStore, default_path
from jobadapter.store.urls import open_store, store_kind

__all__ = [
    "BadStoreURL",
    "JobNotStored",
    "RecordedError",
    "SchemaTooNew",
    "SqliteStore",
    "Store",
    "StoreError",
    "StoreOutcomeUnknown",
    "StoredAnomaly",
    "StoredJob",
    "StoredJobPage",
    "Submission",
    "SubmissionExists",
    "SubmissionState",
    "Transition",
    "UnknownSubmission",
    "ValueOutOfRange",
    "default_path",
    "open_store",
    "store_kind",
]
