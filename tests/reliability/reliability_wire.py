"""Answers lost on the wire: a transport that drops the answer to chosen requests
after the provider acted (or before it saw them), to test that a submit is
neither lost nor doubled.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from jobadapter import TransientError
from jobadapter.transport import Transport


class LosingTransport(Transport):
    """A transport that loses the answer of chosen requests *after* the provider acted.

    ``lose(method, url)`` picks them; ``before`` loses them before sending instead
    (the provider never sees the request). The loss is a TransientError, as a
    connection dropped at that moment would be.
    """

    def __init__(
        self, lose: Callable[[str, str], bool], *, before: bool = False, **options: Any
    ) -> None:
        super().__init__(**options)
        self.lose = lose
        self.before = before
        self.lost: list[str] = []

    def request(self, method: str, url: str, **kwargs: Any) -> Any:
        chosen = self.lose(method, url)
        if chosen and self.before:
            self.lost.append(f"{method} {url}")
            raise TransientError(f"test: {method} lost before it was sent", method=method)
        response = super().request(method, url, **kwargs)
        if chosen:
            self.lost.append(f"{method} {url}")
            raise TransientError(f"test: the answer to {method} was lost", method=method)
        return response


def submit_posts(method: str, url: str) -> bool:
    """The request that starts a job, for every adapter (the first POST of a submit)."""
    path = url.split("?", 1)[0]
    return method == "POST" and path.endswith(
        ("/objects/jobs", "/actions/mass_update", "/v1/bulk", "/bulk-data/bulk-jobs")
    )
