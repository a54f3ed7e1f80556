"""Sharing: link-preview cards (Open Graph and Twitter) with a rendered image, and an
embeddable question widget showing only what the public may see."""

from __future__ import annotations

import io
import re

import pytest
from django.test import Client
from PIL import Image

from tests import factories

pytestmark = pytest.mark.django_db


def meta(html: str, name: str) -> str:
    found = re.search(rf'<meta (?:property|name)="{re.escape(name)}" content="([^"]*)"', html)
    return found.group(1) if found else ""


def test_a_question_page_has_preview_tags_and_its_card_is_a_png(client):
    question = factories.QuestionFactory(title="Will open models lead by 2027?")

    page = client.get(f"/questions/{question.slug}/").content.decode()

    assert meta(page, "og:title") == "Will open models lead by 2027?"
    assert meta(page, "twitter:card") == "summary_large_image"
    image_url = meta(page, "og:image")
    assert image_url.endswith(f"/questions/{question.slug}/card.png")
    card = client.get(image_url.split("testserver", 1)[1])
    assert card.status_code == 200 and card["Content-Type"] == "image/png"
    assert Image.open(io.BytesIO(card.content)).size == (1200, 630)
    assert "max-age=600" in card["Cache-Control"]


def test_a_forecaster_scorecard_has_its_own_card(client):
    pundit = factories.PunditFactory(handle="nathan", display_name="Nathan")

    page = client.get("/forecasters/nathan/").content.decode()

    assert meta(page, "og:image").endswith("/forecasters/nathan/card.png")
    card = client.get("/forecasters/nathan/card.png")
    assert card.status_code == 200 and Image.open(io.BytesIO(card.content)).format == "PNG"
    assert pundit.display_name in meta(page, "og:title")


def test_the_widget_shows_the_public_crowd_and_may_be_framed(client):
    question = factories.QuestionFactory(title="Will the widget work?")
    factories.ForecastFactory(question=question, probabilities=[0.7])

    response = client.get(f"/questions/{question.slug}/embed/")

    assert response.status_code == 200
    assert "X-Frame-Options" not in response
    text = response.content.decode()
    assert "Will the widget work?" in text and "<strong>70%</strong>" in text
    assert f'href="http://testserver/questions/{question.slug}/"' in text


def test_a_crowd_hidden_until_one_forecasts_stays_hidden_in_the_widget(client):
    question = factories.QuestionFactory(crowd_hidden_until_forecast=True)
    factories.ForecastFactory(question=question, probabilities=[0.7])

    text = client.get(f"/questions/{question.slug}/embed/").content.decode()

    assert "70%" not in text and "no public crowd forecast yet" in text


def test_drafts_have_no_card_and_no_widget():
    draft = factories.DraftQuestionFactory()
    client = Client()
    client.force_login(factories.StaffFactory())  # even staff: these are public artefacts

    assert client.get(f"/questions/{draft.slug}/card.png").status_code == 404
    assert client.get(f"/questions/{draft.slug}/embed/").status_code == 404
