"""A batch's message on a real broker: the claims in its body, a short summary
in its headers (Celery would otherwise write a repr of every claim there,
which cost a third of sending a batch)."""

from __future__ import annotations

import uuid

import pytest
from fleet_world import BROKERS
from jobadapter.fleet.app import POLL_TASK, batch_sender, make_app


@pytest.mark.parametrize("broker", ["redis", "rabbitmq"])
def test_a_batch_message_carries_its_claims_and_a_short_summary(broker: str) -> None:
    queue = f"jobadapter-test-{uuid.uuid4().hex[:10]}"
    app = make_app(BROKERS[broker], queue)
    claims = [["zuora.bulk_job", f"job-{n}", "tenant", 1.5, None, None] for n in range(3)]
    batch_sender(app, queue)("w1#abc", claims)
    with app.connection_for_read() as conn:
        simple = conn.SimpleQueue(queue)
        try:
            message = simple.get(timeout=10)
            message.ack()
        finally:
            simple.close()
    assert message.headers["task"] == POLL_TASK
    assert message.headers["argsrepr"] == "('w1#abc', <3 claims>)"
    args, kwargs, _ = message.decode()
    assert args == ["w1#abc", claims] and kwargs == {}
