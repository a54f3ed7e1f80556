"""Pages a first visit trips over: errors in the site's layout, the icon, sign-up that
returns where you were, the feed's links."""

from __future__ import annotations

import pytest
from django.contrib.staticfiles import finders
from django.test import Client, RequestFactory

from config.views import server_error
from resolvers import services as resolution_services
from tests import factories

pytestmark = pytest.mark.django_db


def test_a_missing_page_is_a_404_in_the_site_layout(client):
    response = client.get("/no/such/page/")

    assert response.status_code == 404
    text = response.content.decode()
    assert "<h1>Not found</h1>" in text
    assert 'href="/leaderboard/"' in text and 'class="site"' in text  # the layout


def test_a_server_error_is_a_500_in_the_site_layout():
    request = RequestFactory().get("/questions/x/")

    response = server_error(request)

    assert response.status_code == 500
    text = response.content.decode()
    assert "Something went wrong on our side" in text and 'href="/leaderboard/"' in text


def test_every_page_names_an_icon_and_favicon_ico_leads_to_it(client):
    text = client.get("/").content.decode()
    assert 'rel="icon"' in text and "favicon" in text

    response = client.get("/favicon.ico")
    assert response.status_code == 301
    assert response["Location"] == "/static/hindsight/favicon.svg"
    assert finders.find("hindsight/favicon.svg")  # served by whitenoise once collected


def test_signing_up_from_a_question_comes_back_to_it():
    question = factories.QuestionFactory()
    client = Client()
    page = client.get(f"/questions/{question.slug}/").content.decode()
    next_query = f"next=%2Fquestions%2F{question.slug}%2F"
    assert f'href="/accounts/signup/?{next_query}"' in page

    form = client.get(f"/accounts/signup/?{next_query}").content.decode()
    assert f'name="next" value="/questions/{question.slug}/"' in form
    response = client.post(
        "/accounts/signup/",
        {
            "username": "newcomer",
            "email": "newcomer@example.org",
            "password1": "a long enough passphrase 42",
            "password2": "a long enough passphrase 42",
            "next": f"/questions/{question.slug}/",
        },
    )
    assert response.status_code == 302 and response["Location"] == f"/questions/{question.slug}/"


def test_the_resolutions_feed_links_to_the_question_page_not_the_api(client):
    question = factories.ClosedQuestionFactory()
    resolution = resolution_services.resolution_propose(
        question=question, outcome="yes", rationale="It shipped."
    )

    feed = client.get("/feeds/resolutions/").content.decode()

    assert f"/questions/{question.slug}/#resolution-{resolution.pk}" in feed
    assert "/api/v1/" not in feed
    page = client.get(f"/questions/{question.slug}/").content.decode()
    assert f'id="resolution-{resolution.pk}"' in page


def test_the_staff_queue_links_each_title_and_marks_the_destructive_button(staff_user):
    question = factories.ClosedQuestionFactory(title="Will the queue link its titles?")
    resolution_services.resolution_propose(question=question, outcome="yes", rationale="Seen.")
    client = Client()
    client.force_login(staff_user)

    text = client.get("/staff/resolutions/").content.decode()

    assert f'<a href="/questions/{question.slug}/">Will the queue link its titles?</a>' in text
    assert '<button type="submit" class="danger">Annul</button>' in text
