"""A local server answering ``GET /api/models`` as the Hugging Face Hub documents it.

The Hub API docs ("Repo listing API"): the answer is a JSON list of models, filtered by
``author``, ``search`` (a substring of the id) and ``filter`` (a tag), sorted by ``sort`` and
``direction`` (-1: descending), at most ``limit`` a page, paginated through the ``Link``
header (``<url>; rel="next"``, the next page's URL with a ``cursor``). With ``expand[]``
only the listed properties are returned, with ``_id`` and ``id``. This server holds full
model records (as the Hub's default listing gives them) and answers exactly that way; a
model lacking a property (the Hub leaves out a pipeline_tag a model has none of) lacks it
in the answer too. An author it holds nothing for answers ``[]``, as the Hub does.
"""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlencode

from tests.resolvers.http_servers import LocalHTTPServer, RecordedRequest, Reply, json_reply

PAYLOADS = Path(__file__).parents[1] / "payloads" / "huggingface"
MODELS = "/api/models"


def payload(name: str):
    return json.loads((PAYLOADS / name).read_text())


def old_models(author: str, count: int, tag: str = "fill-mask") -> list[dict]:
    """``count`` models of ``author`` created 2023-2025 (outside any 2026-2027 cohort), each
    downloaded a little: enough of them to make the Hub answer more than one page."""
    start = datetime(2023, 1, 1, tzinfo=UTC)
    return [
        {
            "_id": f"65{index:022x}",
            "id": f"{author}/legacy-checkpoint-{index:04d}",
            "modelId": f"{author}/legacy-checkpoint-{index:04d}",
            "likes": index % 7,
            "private": False,
            "downloads": 10 + index % 50,
            "tags": ["transformers", tag, "region:us"],
            "pipeline_tag": tag,
            "library_name": "transformers",
            "createdAt": (start + timedelta(hours=17 * index)).strftime("%Y-%m-%dT%H:%M:%S.000Z"),
        }
        for index in range(count)
    ]


class FakeHub:
    """Full model records by author; ``fail(author, status, body)`` makes one author's
    listing answer an error instead."""

    def __init__(self, models: dict[str, list[dict]] | None = None) -> None:
        self.models: dict[str, list[dict]] = dict(models or {})
        self.failures: dict[str, Reply] = {}
        self.http = LocalHTTPServer().start()
        self.http.routes[MODELS] = self._answer

    @property
    def base(self) -> str:
        return self.http.base_url

    def fail(self, author: str, status: int, body: dict | str) -> None:
        if isinstance(body, dict):
            self.failures[author] = json_reply(body, status)
        else:
            self.failures[author] = Reply(status, [("Content-Type", "text/plain")], body)

    def listings(self) -> list[RecordedRequest]:
        return [request for request in self.http.requests if request.path == MODELS]

    def close(self) -> None:
        self.http.close()

    def _answer(self, request: RecordedRequest) -> Reply:
        query = {name: values[0] for name, values in request.query.items()}
        author = query.get("author")
        if author in self.failures:
            return self.failures[author]
        chosen = [
            model
            for owner, models in self.models.items()
            if author is None or owner == author
            for model in models
        ]
        if query.get("search"):
            chosen = [m for m in chosen if query["search"].lower() in m["id"].lower()]
        if query.get("filter"):
            chosen = [m for m in chosen if query["filter"] in m.get("tags", [])]
        if query.get("sort"):
            descending = query.get("direction") == "-1"
            chosen.sort(key=lambda m: m.get(query["sort"], 0), reverse=descending)
        limit = min(int(query.get("limit", 1000)), 1000)
        start = json.loads(base64.b64decode(query["cursor"]))["skip"] if "cursor" in query else 0
        page = chosen[start : start + limit]
        expand = request.query.get("expand[]")
        if expand:
            keep = {"_id", "id", *expand}
            page = [{key: value for key, value in m.items() if key in keep} for m in page]
        headers = []
        if start + limit < len(chosen):
            cursor = base64.b64encode(json.dumps({"skip": start + limit}).encode()).decode()
            rest = [(n, v) for n, vs in request.query.items() if n != "cursor" for v in vs]
            following = f"{self.base}{MODELS}?{urlencode([*rest, ('cursor', cursor)])}"
            headers.append(("Link", f'<{following}>; rel="next"'))
        return json_reply(page, headers=headers)
