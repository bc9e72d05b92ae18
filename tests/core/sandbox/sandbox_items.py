"""Two small simulators (an item store, and the same under another name and error
shape) for the tests of the sandbox base."""

from __future__ import annotations

from typing import Any

from jobadapter.sandbox import Simulator
from werkzeug.exceptions import NotFound
from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Request, Response


class Items(Simulator):
    """Two job-ish routes and an upload target that is never faulted."""

    name = "items"
    exempt_paths = ("/upload",)

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.items: dict[str, dict[str, Any]] = {}

    def url_map(self) -> Map:
        return Map(
            [
                Rule("/items", endpoint="create", methods=["POST"]),
                Rule("/items/<item_id>", endpoint="item", methods=["GET"]),
                Rule("/upload", endpoint="upload", methods=["POST"]),
            ]
        )

    def on_create(self, request: Request) -> Response:
        body = self.read_json(request)
        item_id = str(len(self.items) + 1)
        self.items[item_id] = {"id": item_id, "name": body["name"], "at": self.clock.now()}
        return self.json_response(
            {"id": item_id, "href": self.url(f"/items/{item_id}")}, 201, {"X-Item": item_id}
        )

    def on_item(self, request: Request, item_id: str) -> Response:
        if item_id not in self.items:
            raise NotFound(f"no item {item_id}")
        return self.json_response(self.items[item_id])

    def on_upload(self, request: Request) -> Response:
        return self.json_response({"size": len(request.get_data())})


class Other(Items):
    name = "other"

    def error_body(self, status: int, code: str, message: str) -> Any:
        return {"success": False, "reasons": [{"code": status, "message": message}]}
