"""The reliability suite's world: every simulator on one loopback server, recorded.

Each simulator is wrapped so that it (a) records every real answer it gives
about a job (the simulator's own history, which the store's transitions are
checked against), (b) records which idempotency key created which job, and
(c) now and then answers a status request with an *earlier* real answer for
the same job (a stale replica: the ``stale`` fault the sandbox lacks). Jobs
carry a marker (object name, custom view, file contents, job name), so the
simulator's own state says how many jobs each logical submission started.

The tests import the world from here; its parts live in modules of their own:
``reliability_jobs`` (what is submitted), ``reliability_recording`` (the
recording simulators), ``reliability_sims`` (the simulators and their server),
``reliability_hub`` (profiles, transport, hub and store), ``reliability_truth``
(what the simulators know) and ``reliability_wire`` (answers lost on the wire).
"""

from __future__ import annotations

import os

from reliability_hub import (
    PLUGINS,
    POLLING,
    fast_options,
    fast_transport,
    make_hub,
    profile_tables,
    profiles,
    world_store,
)
from reliability_jobs import (
    ADAPTER_CLASSES,
    ADAPTERS,
    BULK,
    CO,
    MASS,
    PROFILE_OF,
    ZOHO,
    ZOHO_MODULE,
    Spec,
    build_request,
    plan,
)
from reliability_recording import Extract, RecordedBulk, RecordedCO, RecordedZoho, Recorder, Seen
from reliability_sims import START, Sims, make_sims, serve
from reliability_truth import (
    Truth,
    job_counts_match,
    same_word,
    statuses_of,
    truths,
    unified,
)
from reliability_wire import LosingTransport, submit_posts

#: ``JOBADAPTER_SOAK=1`` (``make soak``) scales the suite up to thousands of jobs.
SOAK = os.environ.get("JOBADAPTER_SOAK") == "1"

__all__ = [
    "ADAPTERS",
    "ADAPTER_CLASSES",
    "BULK",
    "CO",
    "MASS",
    "PLUGINS",
    "POLLING",
    "PROFILE_OF",
    "SOAK",
    "START",
    "ZOHO",
    "ZOHO_MODULE",
    "Extract",
    "LosingTransport",
    "RecordedBulk",
    "RecordedCO",
    "RecordedZoho",
    "Recorder",
    "Seen",
    "Sims",
    "Spec",
    "Truth",
    "build_request",
    "fast_options",
    "fast_transport",
    "job_counts_match",
    "make_hub",
    "make_sims",
    "plan",
    "profile_tables",
    "profiles",
    "same_word",
    "serve",
    "statuses_of",
    "submit_posts",
    "truths",
    "unified",
    "world_store",
]
