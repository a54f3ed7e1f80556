"""Plain helpers shared by the forecast tests."""

from __future__ import annotations

MC_OPTIONS = ["United States", "China", "Europe"]


def forecasts_url(question_or_slug) -> str:
    slug = getattr(question_or_slug, "slug", question_or_slug)
    return f"/api/v1/questions/{slug}/forecasts/"


def post_raw(client, url: str, body: str):
    """POST a JSON text exactly as written (NaN, Infinity, invalid JSON, ...)."""
    return client.post(url, data=body, content_type="application/json")


def results(response) -> list[dict]:
    """The items of a paginated list response."""
    assert response.status_code == 200, response.content
    return response.json()["results"]
