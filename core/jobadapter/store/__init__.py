"""The job store: every job seen, every transition, anomaly and submission.

``SqliteStore.default()`` opens ``$JOBADAPTER_HOME/jobadapter.sqlite3`` (else
the user data dir's); :class:`Store` is the interface another database can
implement.
"""

from __future__ import annotations

from jobadapter.store.base import Store
from jobadapter.store.errors import (
    JobNotStored,
    SchemaTooNew,
    StoreError,
    SubmissionExists,
    UnknownSubmission,
)
from jobadapter.store.records import (
    RecordedError,
    StoredAnomaly,
    StoredJob,
    Submission,
    SubmissionState,
    Transition,
)
from jobadapter.store.sqlite import SqliteStore, default_path

__all__ = [
    "JobNotStored",
    "RecordedError",
    "SchemaTooNew",
    "SqliteStore",
    "Store",
    "StoreError",
    "StoredAnomaly",
    "StoredJob",
    "Submission",
    "SubmissionExists",
    "SubmissionState",
    "Transition",
    "UnknownSubmission",
    "default_path",
]
