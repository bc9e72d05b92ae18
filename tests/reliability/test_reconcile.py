"""``hub.reconcile()``: each way a pending submission is settled, and never by a blind resend."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import attrs
import pytest
from jobadapter import (
    AuthError,
    ConfigError,
    Hub,
    InvalidRequest,
    Job,
    JobStatus,
    NotFound,
    NotSupported,
    ProviderError,
    ProviderResponseError,
    RateLimited,
    TransientError,
)
from jobadapter.reconcile import Resolution, default_match, refused_before_start
from jobadapter.sandbox import Faults, SandboxServer
from jobadapter.store import SqliteStore, Submission, SubmissionState
from jobadapter_zuora_bulk.bulk_job import BulkJobAdapter
from jobadapter_zuora_bulk.mass_updater import MassUpdaterAdapter
from reliability_world import (
    BULK,
    CO,
    MASS,
    PROFILE_OF,
    ZOHO,
    ZOHO_MODULE,
    LosingTransport,
    Sims,
    Spec,
    build_request,
    fast_options,
    make_hub,
    make_sims,
    profile_tables,
    serve,
    submit_posts,
    world_store,
)


@attrs.define
class World:
    sims: Sims
    server: SandboxServer
    store: SqliteStore
    make: Callable[..., Hub]

    def spec(self, adapter: str, n: int, **kw: Any) -> Spec:
        spec = Spec(adapter, f"r_{n}", 6, 1, **kw)
        self.sims.prepare([spec])
        return spec


@pytest.fixture()
def world(tmp_path: Path) -> Iterator[World]:
    sims = make_sims(speed=0.0)
    with serve(sims) as server:
        store = world_store(tmp_path / "store.sqlite3", sims.clock)
        hubs: list[Hub] = []

        def make(**transport: Any) -> Hub:
            lose = transport.pop("lose", None)
            chosen = LosingTransport(lose, **transport, **fast_options()) if lose else None
            hub = make_hub(profile_tables(sims), store, clock=sims.clock, transport=chosen)
            hubs.append(hub)
            return hub

        yield World(sims, server, store, make)
        for hub in hubs:
            hub.close()
        store.close()


def lose_once(predicate: Callable[[str, str], bool] = submit_posts) -> Callable[[str, str], bool]:
    """Lose the first request ``predicate`` picks, only that one."""
    done: list[str] = []

    def lose(method: str, url: str) -> bool:
        if not done and predicate(method, url):
            done.append(url)
            return True
        return False

    return lose


def submit(hub: Hub, spec: Spec, key: str) -> Any:
    return hub.submit(
        spec.adapter,
        build_request(spec, key),
        profile=PROFILE_OF[spec.adapter],
        idempotency_key=key,
    )


def resubmitting(spec: Spec) -> Callable[[Submission], Any]:
    return lambda sub: build_request(spec, sub.idempotency_key)


@pytest.fixture(autouse=True)
def listing_unless_told(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test says which adapters resend under their key; the rest are reconciled
    by listing (the Zuora adapters declare idempotent submits, Zoho does not)."""
    from jobadapter_zuora_bulk.bulk_job import BulkJobAdapter
    from jobadapter_zuora_bulk.mass_updater import MassUpdaterAdapter
    from jobadapter_zuora_custom_objects.custom_object_job import CustomObjectJobAdapter

    for cls in (MassUpdaterAdapter, BulkJobAdapter, CustomObjectJobAdapter):
        monkeypatch.setattr(cls, "idempotent_submit", False)


@pytest.mark.parametrize(
    ("error", "refused"),
    [
        (RateLimited("slow down", status=429), True),
        (InvalidRequest("bad file"), True),
        (AuthError("who?", status=401), True),
        (NotFound("no module", status=404), True),
        (NotSupported("x.y", "submit"), True),
        (ProviderError("conflict", status=409), True),
        (TransientError("connection dropped"), False),
        (TransientError("bad gateway", status=502), False),
        (ProviderResponseError("truncated JSON", status=200), False),
        (ProviderError("odd", status=500), False),
        (ProviderError("no answer"), False),
        (RuntimeError("bug in a parser"), False),
    ],
)
def test_only_a_refusal_proves_nothing_started(error: Exception, refused: bool) -> None:
    assert refused_before_start(error) is refused


def test_a_lost_answer_leaves_the_submission_pending_and_a_refusal_fails_it(world: World) -> None:
    hub = world.make(lose=lose_once())
    spec = world.spec(MASS, 1)
    with pytest.raises(TransientError):
        submit(hub, spec, "lost-1")
    sub = world.store.find_submission(MASS, "lost-1")
    assert sub is not None and sub.state is SubmissionState.PENDING
    assert len(world.sims.bulk.mass_actions) == 1  # the provider did start it

    with pytest.raises(InvalidRequest):  # refused before sending: a .txt is no mass action
        hub.submit(
            MASS,
            attrs.evolve(build_request(spec, "bad-1"), filename="rows.txt"),
            profile="zb",
            idempotency_key="bad-1",
        )
    bad = world.store.find_submission(MASS, "bad-1")
    assert (
        bad is not None
        and bad.state is SubmissionState.FAILED
        and "InvalidRequest" in (bad.error or "")
    )
    assert [s.idempotency_key for s in world.store.pending_submissions()] == ["lost-1"]


def test_idempotent_adapter_is_resent_under_the_same_key(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(MassUpdaterAdapter, "idempotent_submit", True)
    spec = world.spec(MASS, 2)
    with pytest.raises(TransientError):
        submit(world.make(lose=lose_once()), spec, "mass-2")

    report = world.make().reconcile(resubmit=resubmitting(spec))

    [outcome] = report.outcomes
    assert outcome.resolution is Resolution.RESENT and outcome.job is not None
    [action] = world.sims.bulk.mass_actions.values()  # still one: the key deduplicated it
    assert outcome.job.id == action.key
    posts = world.sims.bulk.log.where("POST", "/v1/bulk")
    assert len(posts) == 2 and {dict(p.headers)["Idempotency-Key"] for p in posts} == {"mass-2"}
    sub = world.store.find_submission(MASS, "mass-2")
    assert sub is not None and sub.state is SubmissionState.COMPLETED and sub.job_id == action.key
    assert world.store.get(MASS, action.key) is not None
    assert report.counts()["resent"] == 1 and not report.unresolved


def test_without_a_way_to_rebuild_or_list_it_is_left_to_an_operator(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(MassUpdaterAdapter, "idempotent_submit", True)
    spec = world.spec(MASS, 3)
    with pytest.raises(TransientError):
        submit(world.make(lose=lose_once()), spec, "mass-3")
    hub = world.make()

    report = hub.reconcile()  # no resubmit: the file is gone, and mass actions cannot be listed

    [outcome] = report.unresolved
    assert outcome.resolution is Resolution.UNKNOWN and "resolve_submission" in outcome.detail
    assert len(world.sims.bulk.mass_actions) == 1
    assert hub.reconcile().where(Resolution.UNKNOWN)  # asking again changes nothing, sends nothing
    assert len(world.sims.bulk.log.where("POST", "/v1/bulk")) == 1

    [action] = world.sims.bulk.mass_actions.values()
    job = hub.resolve_submission(outcome.submission.id, job_id=action.key)
    assert job is not None and job.status is JobStatus.PENDING
    assert not world.store.pending_submissions()
    with pytest.raises(InvalidRequest, match="already completed"):
        hub.resolve_submission(outcome.submission.id, job_id=None)


def test_a_listable_adapter_finds_the_job_it_started(world: World) -> None:
    spec = world.spec(CO, 4, kind="delete")
    other = world.spec(CO, 5, kind="delete")
    hub = world.make(lose=lose_once())
    with pytest.raises(TransientError):
        submit(hub, spec, "co-4")
    submit(hub, other, "co-5")  # known to the store already: never a candidate

    report = world.make().reconcile()

    [outcome] = report.outcomes
    assert outcome.resolution is Resolution.FOUND and outcome.job is not None
    [sim_job] = [j for j in world.sims.co.jobs.values() if j.object == "r_4"]
    assert outcome.job.id == sim_job.id and len(world.sims.co.jobs) == 2
    assert len(world.sims.co.log.where("POST", "/objects/jobs")) == 2  # nothing resent
    stored = world.store.get(CO, sim_job.id)
    assert stored is not None and stored.target == "r_4"


def test_no_job_at_the_provider_means_it_never_started(world: World) -> None:
    """The crash came after the row was written and before the request left."""
    spec = world.spec(CO, 6, kind="delete")
    with pytest.raises(TransientError):
        submit(world.make(lose=lose_once(), before=True), spec, "co-6")
    again = world.spec(CO, 7, kind="delete")
    with pytest.raises(TransientError):
        submit(world.make(lose=lose_once(), before=True), again, "co-7")
    assert not world.sims.co.jobs
    hub = world.make()

    report = hub.reconcile(
        resubmit=lambda sub: (
            build_request(again, sub.idempotency_key) if sub.idempotency_key == "co-7" else None
        )
    )

    first, second = report.outcomes
    assert first.resolution is Resolution.NOT_STARTED and first.job is None
    failed = world.store.find_submission(CO, "co-6")
    assert failed is not None and failed.state is SubmissionState.FAILED
    assert second.resolution is Resolution.SENT and second.job is not None
    assert [j.object for j in world.sims.co.jobs.values()] == ["r_7"]  # sent once, now


def test_two_candidates_are_left_to_an_operator(world: World) -> None:
    spec = world.spec(CO, 8, kind="delete")
    with pytest.raises(TransientError):
        submit(world.make(lose=lose_once()), spec, "co-8")
    with make_hub(
        profile_tables(world.sims), None, clock=world.sims.clock
    ) as outsider:  # the same job, by someone else
        outsider.submit(CO, build_request(spec), profile="co")

    report = world.make().reconcile()

    [outcome] = report.outcomes
    assert outcome.resolution is Resolution.UNKNOWN and "2 jobs could be it" in outcome.detail
    assert world.store.find_submission(CO, "co-8").state is SubmissionState.PENDING  # type: ignore[union-attr]


def test_zoho_is_never_resent_and_an_operator_settles_it(world: World) -> None:
    spec = world.spec(ZOHO, 9)
    with pytest.raises(TransientError):
        submit(world.make(lose=lose_once()), spec, "zoho-9")
    hub = world.make()

    report = hub.reconcile(resubmit=resubmitting(spec))

    [outcome] = report.outcomes
    assert outcome.resolution is Resolution.UNKNOWN
    assert "no idempotent submit and cannot list" in outcome.detail
    assert len(world.sims.zoho.received) == 1  # never sent again, whatever the caller offers
    [job] = world.sims.zoho.jobs.values()
    linked = hub.resolve_submission(outcome.submission.id, job_id=f"{ZOHO_MODULE}:{job.id}")
    assert linked is not None and linked.status is JobStatus.PENDING
    assert world.store.get(ZOHO, f"{ZOHO_MODULE}:{job.id}") is not None


def test_an_operator_can_say_nothing_started(world: World) -> None:
    spec = world.spec(ZOHO, 10)
    with pytest.raises(TransientError):
        submit(world.make(lose=lose_once(), before=True), spec, "zoho-10")
    hub = world.make()
    [outcome] = hub.reconcile().outcomes
    assert hub.resolve_submission(outcome.submission.id, job_id=None) is None
    sub = world.store.find_submission(ZOHO, "zoho-10")
    assert sub is not None and sub.state is SubmissionState.FAILED
    assert not world.sims.zoho.jobs


def test_an_unreachable_provider_means_try_again_later(world: World) -> None:
    spec = world.spec(CO, 11, kind="delete")
    with pytest.raises(TransientError):
        submit(world.make(lose=lose_once()), spec, "co-11")
    world.server.faults = Faults(server_error=1.0, seed=1)

    report = world.make().reconcile()

    [outcome] = report.unresolved
    assert outcome.resolution is Resolution.RETRY and "listing failed" in outcome.detail
    world.server.faults = Faults()
    assert world.make().reconcile().outcomes[0].resolution is Resolution.FOUND


def test_a_lost_upload_answer_leaves_nothing_to_reconcile(world: World) -> None:
    """A custom object job whose upload went through but whose answer was lost: the
    adapter looks at the job before acting, finds it running, and returns it; the
    submission completes and reconcile has nothing to do."""
    spec = world.spec(CO, 12)
    uploaded = lose_once(lambda m, u: m == "POST" and u.endswith("/files"))

    job = submit(world.make(lose=uploaded), spec, "co-12")

    assert job.status in (JobStatus.RUNNING, JobStatus.SUCCEEDED) and len(world.sims.co.jobs) == 1
    assert not world.store.pending_submissions()
    assert not world.make().reconcile().outcomes
    assert not world.sims.co.log.where("PATCH")  # nothing cancelled


def test_reconcile_needs_a_store(world: World) -> None:
    with pytest.raises(ConfigError, match="store"):
        make_hub(profile_tables(world.sims), None, clock=world.sims.clock).reconcile()


def test_default_match_compares_what_both_sides_say() -> None:
    sub = Submission(
        id=1,
        adapter=CO,
        profile="co",
        idempotency_key="k",
        request_summary={"object": "Vehicle", "operation": "delete", "name": None},
        state=SubmissionState.PENDING,
        created_at=dt.datetime.now(dt.timezone.utc),
    )
    job = Job(adapter=CO, id="1", status=JobStatus.PENDING, operation="DELETE", target="vehicle")
    assert default_match(sub, job)
    assert not default_match(sub, attrs.evolve(job, target="passenger"))
    assert not default_match(sub, attrs.evolve(job, operation="create"))
    assert default_match(sub, attrs.evolve(job, operation=None, target=None))
    long_name = "n" * 300
    cut = attrs.evolve(sub, request_summary={"name": long_name[:200] + "...", "object": "***"})
    assert default_match(cut, attrs.evolve(job, raw={"name": long_name}))  # kept 200 chars
    assert not default_match(cut, attrs.evolve(job, raw={"name": "m" * 300}))


def _lose_the_upload(method: str, url: str) -> bool:
    return method == "POST" and url.split("?", 1)[0].endswith("/storage/upload")


def _half_made_bulk_job(world: World, n: int) -> tuple[Spec, str]:
    """A bulk data submission whose process 'died' between create and upload."""
    spec = world.spec(BULK, n)
    with pytest.raises(TransientError) as info:
        submit(world.make(lose=lose_once(_lose_the_upload)), spec, f"bulk-{n}")
    job_id = info.value.details["job_id"]
    created = world.make().get(BULK, job_id, profile=PROFILE_OF[BULK])
    assert created.native_status == "Created"
    return spec, job_id


def test_a_half_made_bulk_job_is_not_a_found_one(world: World) -> None:
    _, job_id = _half_made_bulk_job(world, 13)

    [outcome] = world.make().reconcile().outcomes

    assert outcome.resolution is Resolution.UNKNOWN and outcome.job is None
    assert "never finished" in outcome.detail and job_id in outcome.detail
    assert "resolve_submission" in outcome.detail
    assert world.store.pending_submissions()  # never marked completed
    assert world.store.get(BULK, job_id) is None  # nothing for watch --all-open to wait on


def test_a_half_made_bulk_job_is_finished_when_its_request_is_known(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(BulkJobAdapter, "idempotent_submit", True)
    spec, job_id = _half_made_bulk_job(world, 14)

    [outcome] = world.make().reconcile(resubmit=resubmitting(spec)).outcomes

    assert outcome.resolution is Resolution.RESENT and outcome.job is not None
    assert outcome.job.id == job_id and outcome.job.native_status != "Created"
    assert not world.store.pending_submissions()
