"""Editing one's public profile: display name, a short plain-text bio, up to three links.
Bad input comes back beside its field and changes nothing; the handle never changes."""

from __future__ import annotations

import re
from html import unescape

import pytest
from django.test import Client
from rest_framework.test import APIClient

from config.errors import ApplicationError
from registry import account_services
from registry.models import Forecaster
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def alice_web(alice) -> Client:
    client = Client()
    client.force_login(alice.user)
    return client


def profile_data(**overrides) -> dict:
    data = {
        "display_name": "Alice Liddell",
        "bio": "Forecasting since 2019.\nMostly AI and chips.",
        "link_1": "https://alice.example/",
        "link_2": "http://example.org/alice?tab=forecasts",
        "link_3": "",
    }
    data.update(overrides)
    return data


def field_errors(html: str, name: str) -> str:
    match = re.search(
        rf'<div class="field" id="field-{name}">.*?<ul class="errorlist"[^>]*>(.*?)</ul>',
        html,
        re.S,
    )
    return unescape(re.sub(r"<[^>]+>", " ", match.group(1))).strip() if match else ""


def profile_of(forecaster: Forecaster) -> tuple:
    forecaster.refresh_from_db()
    return (forecaster.handle, forecaster.display_name, forecaster.bio, forecaster.links)


def test_the_profile_page_shows_the_current_profile(alice_web, alice):
    Forecaster.objects.filter(pk=alice.pk).update(bio="Hello", links=["https://a.example/"])

    response = alice_web.get("/accounts/profile/")

    assert response.status_code == 200
    html = response.content.decode()
    assert 'value="Alice"' in html and "Hello</textarea>" in html
    assert 'value="https://a.example/"' in html
    assert "Your handle, <strong>alice</strong>, stays as it is" in html
    assert 'href="/accounts/profile/"' in alice_web.get("/accounts/").content.decode()


def test_saving_the_profile_shows_it_on_the_public_page(alice_web, alice):
    response = alice_web.post("/accounts/profile/", profile_data(handle="someone-else"))

    assert response.status_code == 302
    assert response["Location"] == "/accounts/#profile"
    assert profile_of(alice) == (
        "alice",
        "Alice Liddell",
        "Forecasting since 2019.\nMostly AI and chips.",
        ["https://alice.example/", "http://example.org/alice?tab=forecasts"],
    )
    page = Client().get("/forecasters/alice/").content.decode()
    assert "<h1>Alice Liddell</h1>" in page
    assert "Forecasting since 2019.<br>Mostly AI and chips." in page
    assert (
        '<a href="https://alice.example/" rel="nofollow ugc noopener">https://alice.example/</a>'
        in page
    )
    assert 'href="http://example.org/alice?tab=forecasts" rel="nofollow ugc noopener"' in page


def test_markup_in_a_bio_or_name_is_shown_as_text(alice_web, alice):
    alice_web.post(
        "/accounts/profile/",
        profile_data(display_name="<b>Alice</b>", bio='<script>alert("x")</script>\nline two'),
    )

    page = Client().get("/forecasters/alice/").content.decode()

    assert "<script>alert" not in page and "<b>Alice</b>" not in page
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;<br>line two" in page
    assert "&lt;b&gt;Alice&lt;/b&gt;" in page


def test_spaces_are_tidied_and_empty_links_dropped(alice_web, alice):
    alice_web.post(
        "/accounts/profile/",
        profile_data(
            display_name="  Alice   Liddell ",
            bio="\r\n  one\r\ntwo  \r\n",
            link_1="",
            link_2=" https://alice.example/ ",
            link_3="https://alice.example/",
        ),
    )

    assert profile_of(alice) == ("alice", "Alice Liddell", "one\ntwo", ["https://alice.example/"])


LONG = "x" * 501


@pytest.mark.parametrize(
    ("overrides", "field", "sentence"),
    [
        ({"display_name": ""}, "display_name", "Give a display name"),
        ({"display_name": "   "}, "display_name", "Give a display name"),
        ({"display_name": "A" * 121}, "display_name", "at most 120 characters; this one has 121"),
        ({"display_name": "Deleted forecaster"}, "display_name", "how deleted accounts are shown"),
        ({"display_name": "Al\u202eice"}, "display_name", "must not contain control characters"),
        ({"display_name": "Al\x00ice"}, "display_name", "Null characters are not allowed"),
        ({"bio": LONG}, "bio", "at most 500 characters; this one has 501"),
        ({"bio": "bell \x07"}, "bio", "must not contain control characters"),
        ({"bio": "nul \x00"}, "bio", "Null characters are not allowed"),
        ({"link_1": "javascript:alert(1)"}, "link_1", "not a web address"),
        ({"link_2": "ftp://example.org/file"}, "link_2", "not a web address"),
        ({"link_3": "example.org"}, "link_3", "starting https:// or http://"),
        ({"link_1": "https://exa mple.org/"}, "link_1", "not a web address"),
        ({"link_1": "data:text/html,<b>x</b>"}, "link_1", "not a web address"),
        ({"link_1": "https://example.org/" + "a" * 190}, "link_1", "at most 200 characters"),
    ],
)
def test_bad_input_is_refused_beside_its_field_and_changes_nothing(
    alice_web, alice, overrides, field, sentence
):
    before = profile_of(alice)

    response = alice_web.post("/accounts/profile/", profile_data(**overrides))

    assert response.status_code == 400
    html = response.content.decode()
    assert sentence in field_errors(html, field), html[:3000]
    assert profile_of(alice) == before
    # What was typed comes back to be corrected.
    assert ("Mostly AI and chips." if field != "bio" else 'value="Alice Liddell"') in html


def test_every_problem_is_shown_at_once(alice_web, alice):
    response = alice_web.post(
        "/accounts/profile/", profile_data(display_name="", bio=LONG, link_3="javascript:x")
    )

    html = response.content.decode()
    assert "Please correct the 3 fields marked below." in html
    for field in ("display_name", "bio", "link_3"):
        assert field_errors(html, field)


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"bio": "broken \ud800 text"}, "bio"),
        ({"display_name": "Al\ud800ice"}, "display_name"),
        (
            {
                "links": [
                    "https://a.example/",
                    "https://b.example/",
                    "https://c.example/",
                    "https://d.example/",
                ]
            },
            "links",
        ),
        ({"links": ["https://a.example/\x00"]}, "link_1"),
    ],
)
def test_the_service_refuses_what_a_form_cannot_send(alice, changes, field):
    arguments = {"display_name": "Alice", "bio": "", "links": [], **changes}
    before = profile_of(alice)

    with pytest.raises(ApplicationError) as caught:
        account_services.forecaster_profile_update(forecaster=alice, **arguments)

    assert field in caught.value.fields
    assert profile_of(alice) == before


def test_the_api_shows_the_links(alice_web, alice):
    alice_web.post("/accounts/profile/", profile_data())

    body = APIClient().get("/api/v1/forecasters/alice/").json()

    assert body["bio"] == "Forecasting since 2019.\nMostly AI and chips."
    assert body["links"] == ["https://alice.example/", "http://example.org/alice?tab=forecasts"]


def test_a_link_stored_by_hand_that_is_not_a_web_address_is_not_shown(alice):
    Forecaster.objects.filter(pk=alice.pk).update(
        links=["javascript:alert(1)", "https://ok.example/", 42]
    )

    page = Client().get("/forecasters/alice/").content.decode()

    assert "javascript:" not in page
    assert 'href="https://ok.example/"' in page


def test_the_profile_page_needs_a_login():
    response = Client().get("/accounts/profile/")

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=")


def test_a_pundit_profile_is_not_editable_through_an_account(alice_web):
    pundit = factories.PunditFactory(handle="jane-pundit", display_name="Jane")

    alice_web.post(
        "/accounts/profile/", profile_data(handle="jane-pundit", forecaster="jane-pundit")
    )

    assert profile_of(pundit)[:2] == ("jane-pundit", "Jane")
