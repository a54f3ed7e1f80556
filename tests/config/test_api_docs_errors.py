"""The API docs page answers errors in the API's JSON shape: found by a probe of a running
instance, where a wrong token with an unknown `?format=` made it a 500."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("address", ["/api/docs/?format=x", "/api/docs/?script&format=%00"])
def test_a_wrong_token_on_the_docs_page_is_an_error_not_a_500(address):
    client = APIClient(raise_request_exception=False)
    client.credentials(HTTP_AUTHORIZATION="Token hs_not-a-token")

    response = client.get(address)

    assert response.status_code in (400, 401, 404)
    assert response["Content-Type"].startswith("application/json")
    assert set(response.json()) == {"error", "fields"}


def test_the_docs_page_and_its_script_still_render(client):
    page = client.get("/api/docs/")
    script = client.get("/api/docs/?script")

    assert page.status_code == 200 and b"swagger-ui" in page.content
    assert script.status_code == 200
    assert script["Content-Type"].startswith("application/javascript")
