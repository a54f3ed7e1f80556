"""The question page and the source page, as the public, a forecaster and staff see them,
and forecasting from the page."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from config.errors import ApplicationError
from predictions import rescoring
from predictions import services as forecast_services
from predictions.models import Forecast, QuestionScore
from registry.models import Forecaster, QuestionRevision
from registry.views import time_from_now
from resolvers import services as resolution_services
from resolvers.models import Check, ResolutionSource
from tests import factories

pytestmark = pytest.mark.django_db

MC_OPTIONS = ["United States", "China", "Europe"]


def page(question) -> str:
    return f"/questions/{question.slug}/"


def client_for(user=None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def html(response) -> str:
    return response.content.decode()


def crowd_svg(text: str) -> ET.Element | None:
    match = re.search(r"<svg\b.*?</svg>", text, re.S)
    return ET.fromstring(match.group(0)) if match else None


def days_ago(days: float):
    return timezone.now() - timedelta(days=days)


# --- Who sees what ----------------------------------------------------------------------


def test_anonymous_visitor_sees_the_question_and_a_login_link():
    question = factories.QuestionFactory(fine_print="Only the official announcement counts.")

    response = client_for().get(page(question))

    assert response.status_code == 200
    text = html(response)
    assert f'<h1 id="question-title">{question.title}</h1>' in text
    assert '<span class="status open">Open</span>' in text
    assert question.resolution_criteria in text
    assert "Only the official announcement counts." in text
    assert "Background for the question." in text
    assert "in 30 days" in text and "7 days ago" in text  # closes / opened
    assert f'href="/accounts/login/?next=%2Fquestions%2F{question.slug}%2F"' in text
    assert "Log in to forecast" in text
    assert 'id="forecast-form"' not in text


def test_drafts_are_not_found_for_the_public_and_forecasters_but_shown_to_staff(alice, staff_user):
    draft = factories.DraftQuestionFactory()

    assert client_for().get(page(draft)).status_code == 404
    assert client_for(alice.user).get(page(draft)).status_code == 404
    response = client_for(staff_user).get(page(draft))
    assert response.status_code == 200
    assert '<span class="status draft">Draft</span>' in html(response)
    assert 'id="forecast-form"' not in html(response)


def test_unknown_question_is_not_found():
    assert client_for().get("/questions/no-such-question/").status_code == 404


def test_forecaster_sees_a_percentage_input_with_its_label(alice):
    question = factories.QuestionFactory()

    text = html(client_for(alice.user).get(page(question)))

    assert 'id="forecast-form"' in text
    assert '<label for="forecast-probability">Your chance that the answer is Yes</label>' in text
    assert re.search(r'<input type="text" name="probability"[^>]*id="forecast-probability"', text)
    assert "70, 70% and 0.7 all mean a 70% chance" in text  # the rule, next to the field
    assert 'aria-describedby="forecast-probability_helptext"' in text
    assert "Log in to forecast" not in text


def test_staff_see_the_page_of_an_open_question_and_may_forecast(staff_user):
    question = factories.QuestionFactory()

    text = html(client_for(staff_user).get(page(question)))

    assert 'id="forecast-form"' in text


# --- Forecasting from the page ------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("150", "Enter a chance between 0.1% and 99.9%"),
        ("1000", "Enter a chance between 0.1% and 99.9% (for example 70, 70% or 0.7 for a 70%"),
        ("50.1234", "Use at most three decimal places."),
        ("abc", "Enter a number, such as 70"),
        ("0", "Enter a chance between 0.1% and 99.9%"),
        ("0.05%", "Enter a chance between 0.1% and 99.9%"),
        ("100%", "Enter a chance between 0.1% and 99.9%"),
        ("7O", "Enter a number, such as 70"),
        ("", "Enter a percentage."),
    ],
)
def test_a_wrong_value_shows_the_error_beside_the_field_and_keeps_what_was_typed(
    alice, typed, message
):
    question = factories.QuestionFactory()

    response = client_for(alice.user).post(
        page(question), {"probability": typed, "rationale": "My reasons"}
    )

    assert response.status_code == 200
    text = html(response)
    error = re.search(r'<p class="field-error" id="forecast-probability_error">([^<]*)</p>', text)
    assert error and message in error.group(1)
    assert error.group(1).count(message) == 1
    field = re.search(r'<input type="text" name="probability"[^>]*>', text).group(0)
    assert f'value="{typed}"' in field if typed else "value=" not in field
    assert 'aria-invalid="true"' in field
    assert "forecast-probability_error" in field  # aria-describedby
    assert "My reasons</textarea>" in text
    assert Forecast.objects.count() == 0


def test_a_right_value_stores_one_web_forecast_and_shows_it_in_your_forecasts(alice):
    question = factories.QuestionFactory()
    client = client_for(alice.user)

    response = client.post(page(question), {"probability": "70", "rationale": "Base rates."})

    assert response.status_code == 302
    assert response["Location"] == page(question)
    forecast = Forecast.objects.get()
    assert forecast.forecaster == alice
    assert forecast.question == question
    assert forecast.probabilities == [0.7]
    assert forecast.origin == Forecast.Origin.WEB
    assert forecast.rationale == "Base rates."
    text = html(client.get(page(question)))
    assert "Forecast saved" in text
    assert '<h3 id="your-forecasts">Your forecasts</h3>' in text
    assert "<td>Yes 70%</td>" in text
    assert "Base rates." in text
    # The form starts from the standing forecast.
    assert re.search(r'name="probability" value="70"', text)


def test_decimal_percentages_are_stored_as_probabilities(alice):
    question = factories.QuestionFactory()

    # Below 1, a percentage needs its sign: "0.1" alone would be a probability (10%).
    client_for(alice.user).post(page(question), {"probability": "0.1%"})
    client_for(alice.user).post(page(question), {"probability": "99.9"})

    assert [f.probabilities for f in Forecast.objects.order_by("id")] == [[0.001], [0.999]]


def test_a_user_without_a_forecaster_profile_gets_one_on_the_first_forecast(staff_user):
    question = factories.QuestionFactory()

    client_for(staff_user).post(page(question), {"probability": "55"})

    forecast = Forecast.objects.get()
    assert forecast.forecaster.user == staff_user


def test_anonymous_post_is_sent_to_log_in_and_stores_nothing():
    question = factories.QuestionFactory()

    response = client_for().post(page(question), {"probability": "70"})

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=")
    assert Forecast.objects.count() == 0


@pytest.fixture
def mc_question():
    return factories.MultipleChoiceQuestionFactory(options=MC_OPTIONS)


def test_multiple_choice_form_has_one_input_per_option_and_a_running_sum(alice, mc_question):
    text = html(client_for(alice.user).get(page(mc_question)))

    for index, label in enumerate(MC_OPTIONS):
        assert f'<label for="forecast-option_{index}">{label}</label>' in text
        assert f'name="option_{index}"' in text
    assert "<legend>Your chance for each option</legend>" in text
    assert '<output id="forecast-total" aria-live="polite">' in text
    assert '<script src="/static/hindsight/forecast-form.js" defer>' in text  # the sum, live


def test_multiple_choice_percentages_must_add_up_to_100(alice, mc_question):
    response = client_for(alice.user).post(
        page(mc_question), {"option_0": "50", "option_1": "30", "option_2": "30"}
    )

    assert response.status_code == 200
    text = html(response)
    error = re.search(r'<p class="field-error" id="forecast-errors" role="alert">([^<]*)</p>', text)
    assert error and "add up to 110; they must add up to 100" in error.group(1)
    assert '<output id="forecast-total" aria-live="polite">110%</output>' in text
    for index, typed in enumerate(["50", "30", "30"]):
        assert re.search(rf'name="option_{index}" value="{typed}"', text)
    assert Forecast.objects.count() == 0


def test_multiple_choice_error_shows_beside_the_option(alice, mc_question):
    response = client_for(alice.user).post(
        page(mc_question), {"option_0": "50", "option_1": "abc", "option_2": "20"}
    )

    text = html(response)
    assert re.search(r'<p class="field-error" id="forecast-option_1_error">Enter a number', text)
    assert re.search(r'name="option_1" value="abc"', text)
    assert Forecast.objects.count() == 0


def test_multiple_choice_right_values_store_probabilities_by_option(alice, mc_question):
    client = client_for(alice.user)

    response = client.post(
        page(mc_question),
        {"option_0": "50", "option_1": "30.5", "option_2": "19.5", "rationale": ""},
    )

    assert response.status_code == 302
    forecast = Forecast.objects.get()
    assert forecast.probabilities == pytest.approx([0.5, 0.305, 0.195])
    assert forecast.origin == Forecast.Origin.WEB
    text = html(client.get(page(mc_question)))
    assert "United States 50%, China 30.5%, Europe 19.5%" in text


def test_service_field_errors_come_back_beside_the_field(alice, monkeypatch):
    question = factories.QuestionFactory()

    def refuse(**kwargs):
        raise ApplicationError.invalid_fields({"rationale": "must be kinder"})

    monkeypatch.setattr(forecast_services, "forecast_submit", refuse)
    text = html(client_for(alice.user).post(page(question), {"probability": "70"}))

    assert '<p class="field-error" id="forecast-rationale_error">must be kinder</p>' in text


def test_closed_question_shows_no_form_and_a_post_gives_the_message(alice):
    question = factories.ClosedQuestionFactory()
    client = client_for(alice.user)

    text = html(client.get(page(question)))
    assert 'id="forecast-form"' not in text
    assert "This question has closed; no more forecasts are accepted." in text

    response = client.post(page(question), {"probability": "70"}, follow=True)
    assert response.redirect_chain == [(page(question), 302)]
    assert '<li class="error">This question has closed' in html(response)
    assert Forecast.objects.count() == 0


def test_a_question_closing_meanwhile_gives_the_services_message(alice, monkeypatch):
    question = factories.QuestionFactory()

    def closed_meanwhile(**kwargs):
        raise ApplicationError(
            "The question has closed; no more forecasts are accepted.", code="conflict"
        )

    monkeypatch.setattr(forecast_services, "forecast_submit", closed_meanwhile)
    response = client_for(alice.user).post(page(question), {"probability": "70"}, follow=True)

    assert '<li class="error">The question has closed; no more' in html(response)


def test_a_refused_first_forecast_leaves_no_public_profile_behind(monkeypatch):
    question = factories.QuestionFactory()
    newcomer = factories.UserFactory(username="newcomer")

    def closed_meanwhile(**kwargs):
        raise ApplicationError(
            "The question has closed; no more forecasts are accepted.", code="conflict"
        )

    monkeypatch.setattr(forecast_services, "forecast_submit", closed_meanwhile)
    response = client_for(newcomer).post(page(question), {"probability": "70"}, follow=True)

    assert '<li class="error">The question has closed; no more' in html(response)
    assert not Forecaster.objects.filter(user=newcomer).exists()


def test_upcoming_question_says_when_it_opens(alice):
    question = factories.UpcomingQuestionFactory()

    text = html(client_for(alice.user).get(page(question)))

    assert 'id="forecast-form"' not in text
    assert "This question has not opened yet." in text
    assert "in 1 day" in text


# --- The crowd forecast -----------------------------------------------------------------


def test_crowd_chart_is_an_svg_with_a_title_and_a_text_alternative(alice, bob):
    question = factories.QuestionFactory()
    factories.ForecastFactory(
        question=question, forecaster=alice, probabilities=[0.6], submitted_at=days_ago(5)
    )
    factories.ForecastFactory(
        question=question, forecaster=bob, probabilities=[0.8], submitted_at=days_ago(3)
    )

    text = html(client_for().get(page(question)))

    svg = crowd_svg(text)
    assert svg is not None
    assert svg.get("role") == "img"
    title = svg.find("{http://www.w3.org/2000/svg}title")
    assert title.text == f"Crowd forecast over time: {question.title}"
    assert "Latest, on " in text and "from 2 forecasters: Yes 70%" in text
    assert "<figcaption>" in text


def test_no_forecasts_no_chart():
    question = factories.QuestionFactory()

    text = html(client_for().get(page(question)))

    assert crowd_svg(text) is None
    assert "No forecasts yet." in text


def test_a_pundit_alone_is_no_crowd_and_the_page_says_why():
    question = factories.QuestionFactory(opens_at=days_ago(5))
    factories.ForecastFactory(
        question=question, forecaster=factories.PunditFactory(), submitted_at=days_ago(2)
    )

    text = html(client_for().get(page(question)))

    assert crowd_svg(text) is None
    assert "No forecasts yet." not in text
    assert "No person has forecast yet, so there is no crowd forecast" in text


def test_crowd_is_hidden_until_the_viewer_forecasts(alice, bob):
    question = factories.QuestionFactory(crowd_hidden_until_forecast=True)
    factories.ForecastFactory(question=question, forecaster=bob, submitted_at=days_ago(2))
    client = client_for(alice.user)

    for viewer in (client_for(), client):
        text = html(viewer.get(page(question)))
        assert crowd_svg(text) is None
        assert "The crowd forecast is hidden until you have forecast" in text

    client.post(page(question), {"probability": "40"})
    text = html(client.get(page(question)))
    assert crowd_svg(text) is not None
    assert "hidden until you have forecast" not in text
    # Bob, who forecast, sees it too.
    assert crowd_svg(html(client_for(bob.user).get(page(question)))) is not None


def test_hidden_crowd_shows_once_the_question_closes(bob):
    question = factories.ClosedQuestionFactory(crowd_hidden_until_forecast=True)
    factories.ForecastFactory(question=question, forecaster=bob, submitted_at=days_ago(10))

    assert crowd_svg(html(client_for().get(page(question)))) is not None


# --- Your forecasts over the crowd's, and the distribution of scores ----------------------

SVG = "{http://www.w3.org/2000/svg}"


def own_lines(svg: ET.Element) -> list[ET.Element]:
    """The viewer's step line(s): the polylines of the chart's own group."""
    return [
        line
        for group in svg.iter(f"{SVG}g")
        if group.get("class") == "own"
        for line in group.iter(f"{SVG}polyline")
    ]


def svg_by_id(text: str, chart_id: str) -> ET.Element | None:
    match = re.search(rf'<svg\b[^>]*aria-labelledby="{chart_id}-title.*?</svg>', text, re.S)
    return ET.fromstring(match.group(0)) if match else None


def figcaption(text: str, after: str) -> str:
    return text.split(after, 1)[1].split("<figcaption>", 1)[1].split("</figcaption>", 1)[0]


@pytest.fixture
def forecast_by_three(alice, bob):
    """An open question alice forecast 40% then 70%; bob 50% and carol 60%."""
    question = factories.QuestionFactory(opens_at=days_ago(10))
    carol = factories.HumanForecasterFactory(user__username="carol")
    for forecaster, probability, when in (
        (alice, 0.4, 6),
        (bob, 0.5, 8),
        (carol, 0.6, 8),
        (alice, 0.7, 3),
    ):
        factories.ForecastFactory(
            question=question,
            forecaster=forecaster,
            probabilities=[probability],
            submitted_at=days_ago(when),
        )
    return question


def test_the_chart_shows_your_forecasts_as_a_step_line_over_the_crowd(alice, forecast_by_three):
    text = html(client_for(alice.user).get(page(forecast_by_three)))

    svg = crowd_svg(text)
    title = svg.find(f"{SVG}title").text
    assert title == f"Your forecasts over the crowd median over time: {forecast_by_three.title}"
    (line,) = own_lines(svg)
    ys = [float(pair.split(",")[1]) for pair in line.get("points").split()]
    assert ys[0] > ys[-1]  # 40% first, then up to 70%
    assert len(set(ys)) == 2  # a step: flat, up, flat
    legend = [t.text for g in svg.iter(f"{SVG}g") if g.get("class") == "legend" for t in g]
    assert "Your forecast, 70%" in [t for t in legend if t]
    assert "Crowd median, latest 60%" in [t for t in legend if t]
    since = days_ago(3)
    caption = figcaption(text, 'id="crowd-heading"')
    assert f"Your forecast: 70% since {since.day} {since:%b}; the crowd&#x27;s median: 60%." in (
        caption
    )
    assert svg.find(f"{SVG}desc").text.endswith(
        f"Your forecast: 70% since {since.day} {since:%b}; the crowd's median: 60%."
    )
    assert '<h2 id="crowd-heading">Crowd forecast, and yours</h2>' in text
    # The table says it too: a column of your standing forecast, "—" before the first.
    table = text.split("The crowd forecast by day, and yours, as a table", 1)[1]
    table = table.split("</table>", 1)[0]
    assert '<th scope="col" class="num">You</th>' in table
    rows = re.findall(r"<tr><th scope=\"row\">[^<]*</th>(.*?)</tr>", table)
    own_column = [re.findall(r'<td class="num">([^<]*)</td>', row)[1] for row in rows]
    assert own_column[0] == "70%" and own_column[-1] == "—" and "40%" in own_column


def test_nobody_sees_anyone_elses_line(bob, staff_user, forecast_by_three):
    for viewer in (client_for(), client_for(staff_user)):
        text = html(viewer.get(page(forecast_by_three)))
        svg = crowd_svg(text)
        assert svg is not None and not own_lines(svg)
        assert "Your forecast" not in text.split('id="crowd-heading"', 1)[1].split("</section>")[0]
        assert svg.find(f"{SVG}title").text.startswith("Crowd forecast over time")
    # Bob sees his own 50%, never alice's 40% or 70%.
    text = html(client_for(bob.user).get(page(forecast_by_three)))
    (line,) = own_lines(crowd_svg(text))
    assert len({pair.split(",")[1] for pair in line.get("points").split()}) == 1
    since = days_ago(8)
    assert f"Your forecast: 50% since {since.day} {since:%b}" in text


def test_a_forecast_saved_today_shows_on_todays_day(alice):
    question = factories.QuestionFactory()
    client = client_for(alice.user)

    client.post(page(question), {"probability": "65"})

    text = html(client.get(page(question)))
    today = timezone.now()
    assert f"Your forecast: 65% since {today.day} {today:%b}; the crowd&#x27;s median: 65%." in (
        text
    )


def test_multiple_choice_follows_the_option_your_latest_forecast_rates_highest(
    alice, bob, mc_question
):
    for forecaster, probabilities, when in (
        (bob, [0.5, 0.3, 0.2], 5),
        (alice, [0.6, 0.3, 0.1], 4),
        (alice, [0.2, 0.7, 0.1], 2),
    ):
        factories.ForecastFactory(
            question=mc_question,
            forecaster=forecaster,
            probabilities=probabilities,
            submitted_at=days_ago(when),
        )

    text = html(client_for(alice.user).get(page(mc_question)))

    (line,) = own_lines(crowd_svg(text))
    assert line is not None
    since = days_ago(2)
    assert (
        f"Your forecast on China: 70% since {since.day} {since:%b}; the crowd&#x27;s median on"
        in (text)
    )
    assert '<th scope="col" class="num">You: China</th>' in text


def test_once_resolved_the_line_says_final(alice, bob, staff_user):
    question = factories.ClosedQuestionFactory()
    for forecaster, probability in ((alice, 0.9), (bob, 0.3)):
        factories.ForecastFactory(
            question=question,
            forecaster=forecaster,
            probabilities=[probability],
            submitted_at=days_ago(40),
        )
    resolution_services.resolution_record(
        question=question, outcome="yes", rationale="It happened.", user=staff_user
    )

    text = html(client_for(alice.user).get(page(question)))

    assert "Your final forecast: 90% since" in text
    assert "the crowd&#x27;s final median: 60%." in text


@pytest.fixture
def resolved_with_scores(alice, bob, staff_user):
    """Alice 90%, bob 20%, carol 60% on a question that resolved yes, scored."""
    question = factories.ClosedQuestionFactory()
    carol = factories.HumanForecasterFactory(user__username="carol")
    for forecaster, probability in ((alice, 0.9), (bob, 0.2), (carol, 0.6)):
        factories.ForecastFactory(
            question=question,
            forecaster=forecaster,
            probabilities=[probability],
            submitted_at=days_ago(50),
        )
    resolution_services.resolution_record(
        question=question, outcome="yes", rationale="It happened.", user=staff_user
    )
    rescoring.rescore_question(question_id=question.pk)
    return question


def test_the_distribution_of_scores_marks_yours_and_the_crowds(alice, resolved_with_scores):
    text = html(client_for(alice.user).get(page(resolved_with_scores)))

    svg = svg_by_id(text, "score-distribution")
    assert svg is not None and svg.get("role") == "img"
    bars = [
        rect
        for group in svg.iter(f"{SVG}g")
        if group.get("class") == "bars"
        for rect in group.iter(f"{SVG}rect")
    ]
    assert bars  # three forecasters in one or more bars
    marks = {line.get("class") for line in svg.iter(f"{SVG}line")}
    assert {"own", "crowd"} <= marks
    caption = figcaption(text, 'id="scores-heading"')
    assert "Relative scores of 3 forecasters on this question" in caption
    assert "Below 0 beats the crowd&#x27;s median, which scores 0: 1 of 3 did." in caption
    mine = QuestionScore.objects.get(question=resolved_with_scores, forecaster=alice)
    assert mine.relative_score < 0
    assert f"Yours: {mine.relative_score:+.3f}, 1st best of 3." in caption
    assert "Every score is listed in the table below." in caption
    row = re.search(r'<tr>\s*<td><a href="/forecasters/alice/">.*?</tr>', text, re.S).group(0)
    assert '<strong class="you">(you)</strong>' in row


def test_the_distribution_is_for_everyone_but_marks_nobody_for_a_visitor(resolved_with_scores):
    text = html(client_for().get(page(resolved_with_scores)))

    svg = svg_by_id(text, "score-distribution")
    assert svg is not None
    assert "own" not in {line.get("class") for line in svg.iter(f"{SVG}line")}
    assert "Yours:" not in figcaption(text, 'id="scores-heading"')
    assert "(you)" not in text


def test_no_distribution_before_the_question_resolves(alice, forecast_by_three):
    text = html(client_for(alice.user).get(page(forecast_by_three)))

    assert svg_by_id(text, "score-distribution") is None


# --- Criteria history, claims, sources --------------------------------------------------


def test_changes_to_the_criteria_after_forecasting_began_are_listed():
    question = factories.QuestionFactory()
    QuestionRevision.objects.create(
        question=question,
        field="resolution_criteria",
        old_value="Resolves Yes on any report.",
        new_value=question.resolution_criteria,
    )

    text = html(client_for().get(page(question)))

    assert "Changes after forecasting began" in text
    assert "<strong>Resolution criteria</strong> changed" in text
    assert "Resolves Yes on any report." in text


def test_claims_link_to_their_source_and_quote_it():
    question = factories.QuestionFactory()
    claim = factories.ClaimFactory(question=question)

    text = html(client_for().get(page(question)))

    assert f'<a href="/sources/{claim.source.slug}/">{claim.source.title}</a>' in text
    assert f"<blockquote><p>{claim.quote}</p></blockquote>" in text
    assert "Implied probability 80%, set by “I expect”" in text
    assert f'href="/forecasters/{claim.source.author.handle}/"' in text


@pytest.fixture
def checked_question():
    """A closed question with a resolution source and one check that saw a Yes."""
    question = factories.ClosedQuestionFactory()
    source = ResolutionSource.objects.create(
        question=question, kind="http_json", config={"url": "https://example.org/api"}
    )
    check = Check.objects.create(
        source=source,
        started_at=days_ago(0.5),
        finished_at=days_ago(0.5),
        http_status=200,
        body=b'{"released": true}',
        sha256="0" * 64,
        value="true",
        verdict="yes",
        explanation="released is true",
    )
    Check.objects.create(source=source, started_at=days_ago(1), error="Connection refused")
    return question, check


def evidence_link(check) -> str:
    return f'href="/api/v1/checks/{check.pk}/evidence/"'


def test_sources_show_their_latest_checks_but_evidence_only_to_staff_before_resolution(
    checked_question, staff_user
):
    question, check = checked_question

    text = html(client_for().get(page(question)))
    assert "Resolution sources" in text
    assert "http_json" in text and "https://example.org/api" in text
    assert "released is true" in text
    # A failed check reads as a sentence; its technical error is for staff.
    assert "The source could not be reached on" in text and "Connection refused" not in text
    assert evidence_link(check) not in text

    staff_page = html(client_for(staff_user).get(page(question)))
    assert evidence_link(check) in staff_page and "Connection refused" in staff_page


def test_outcome_history_and_evidence_once_resolved(checked_question, bob, staff_user):
    question, check = checked_question
    resolution_services.resolution_propose(
        question=question,
        outcome="yes",
        rationale="The API says released.",
        evidence=check,
        resolver="http_json",
    )

    proposed = html(client_for().get(page(question)))
    assert '<span class="status resolving">Resolving</span>' in proposed
    assert '<strong class="outcome">Yes</strong>' in proposed
    assert "(proposed: it becomes final after the dispute window" in proposed
    assert evidence_link(check) not in proposed  # not public while resolving
    assert "The response it saw is public once the question resolves." in proposed

    resolution_services.resolution_record(
        question=question, outcome="no", rationale="The release was withdrawn.", user=staff_user
    )

    text = html(client_for().get(page(question)))
    assert '<span class="status resolved">Resolved</span>' in text
    assert '<strong class="outcome">No</strong>' in text
    assert "Resolution history" in text
    history = text.split("Resolution history", 1)[1]
    assert history.index("The release was withdrawn.") < history.index("The API says released.")
    assert '<span class="status">superseded</span>' in history
    assert '<span class="status">current</span>' in history
    assert evidence_link(check) in text  # public now


def test_disputes_show_in_the_history(checked_question, bob):
    question, _ = checked_question
    factories.ForecastFactory(question=question, forecaster=bob, submitted_at=days_ago(20))
    resolution = resolution_services.resolution_propose(
        question=question, outcome="yes", rationale="Seen."
    )
    resolution_services.resolution_dispute(
        resolution=resolution, forecaster=bob, reason="That was a rumour."
    )

    text = html(client_for().get(page(question)))

    assert "Disputed:" in text and "That was a rumour." in text


# --- Scores -------------------------------------------------------------------------------


def test_scores_table_appears_once_resolved(alice, bob, staff_user):
    question = factories.ClosedQuestionFactory()
    factories.ForecastFactory(
        question=question, forecaster=alice, probabilities=[0.9], submitted_at=days_ago(50)
    )
    factories.ForecastFactory(
        question=question, forecaster=bob, probabilities=[0.2], submitted_at=days_ago(40)
    )
    assert "Scores" not in html(client_for().get(page(question)))

    resolution_services.resolution_record(
        question=question, outcome="yes", rationale="It happened.", user=staff_user
    )
    rescoring.rescore_question(question_id=question.pk)

    text = html(client_for().get(page(question)))
    assert '<h2 id="scores-heading">Scores</h2>' in text
    table = text.split('id="scores-heading"', 1)[1].split("</table>", 1)[0]
    assert table.index('href="/forecasters/alice/"') < table.index('href="/forecasters/bob/"')
    assert '<td class="num">0.020</td>' in table  # 2 * (1 - 0.9)^2
    assert '<td class="num">+' in table  # bob is worse than the crowd
    assert 'href="/scoring/"' in text
    # One crowd, the people's, said on the page as /scoring/ says it: scores against the
    # people's median Brier, and the drawn crowd forecast from the people's forecasts.
    assert "minus the median Brier of the people forecasting (bots and pundits never" in text
    assert "median of the people&#x27;s standing forecasts; bots and pundits are not in it" in text


def test_a_forecast_made_on_the_day_of_the_outcome_is_explained_not_lost(alice, bob, staff_user):
    question = factories.ClosedQuestionFactory()
    factories.ForecastFactory(
        question=question, forecaster=alice, probabilities=[0.9], submitted_at=days_ago(50)
    )
    known_on = days_ago(10)
    factories.ForecastFactory(
        question=question, forecaster=bob, probabilities=[0.2], submitted_at=known_on
    )
    resolution_services.resolution_record(
        question=question,
        outcome="yes",
        rationale="It happened.",
        user=staff_user,
        known_on=known_on.date(),
    )
    rescoring.rescore_question(question_id=question.pk)

    text = html(client_for().get(page(question)))
    scores = text.split('id="scores-heading"', 1)[1].split("</section>", 1)[0]
    assert 'href="/forecasters/alice/"' in scores and 'href="/forecasters/bob/"' not in scores
    assert "1 forecaster forecast only on the day the outcome became known or later" in scores
    assert "that forecast counts for no days and is not scored" in scores
    # A forecast counts from the day it is made: what stops it is the outcome's day.
    assert "Scores count the days up to the one before the outcome became known" in scores
    assert "day after it is made" not in scores
    assert "Final, on" in text and "Latest, on" not in text  # the crowd once resolved


def test_when_no_forecast_stood_a_day_the_page_does_not_say_there_were_none(bob, staff_user):
    question = factories.ClosedQuestionFactory()
    known_on = days_ago(10)
    factories.ForecastFactory(
        question=question, forecaster=bob, probabilities=[0.2], submitted_at=known_on
    )
    resolution_services.resolution_record(
        question=question,
        outcome="yes",
        rationale="It happened.",
        user=staff_user,
        known_on=known_on.date(),
    )
    rescoring.rescore_question(question_id=question.pk)

    text = html(client_for().get(page(question)))
    assert "No forecasts yet" not in text
    assert "1 forecast was made, but none stood for a whole day before the outcome" in text
    assert "1 forecaster forecast only on the day the outcome became known" in text


def test_forecaster_keeps_seeing_their_history_after_resolution(alice, staff_user):
    question = factories.ClosedQuestionFactory()
    factories.ForecastFactory(
        question=question,
        forecaster=alice,
        probabilities=[0.65],
        submitted_at=days_ago(30),
        rationale="Early call.",
    )
    resolution_services.resolution_record(
        question=question, outcome="yes", rationale="It happened.", user=staff_user
    )

    text = html(client_for(alice.user).get(page(question)))

    assert 'id="forecast-form"' not in text
    assert "This question has resolved" in text
    assert "<td>Yes 65%</td>" in text and "Early call." in text


# --- The source page ----------------------------------------------------------------------


def test_source_page_lists_its_claims_in_text_order():
    source = factories.SourceFactory(url="https://example.org/article")
    later = factories.ClaimFactory(
        source=source,
        quote="Funding will be unlikely to dry up.",
        start_offset=200,
        end_offset=235,
        implied_probability=0.2,
        probability_phrase="unlikely",
    )
    earlier = factories.ClaimFactory(source=source, start_offset=10, end_offset=50)
    draft_claim = factories.ClaimFactory(
        source=source,
        quote="A draft question.",
        start_offset=300,
        end_offset=317,
        question=factories.DraftQuestionFactory(),
    )

    response = client_for().get(f"/sources/{source.slug}/")

    assert response.status_code == 200
    text = html(response)
    assert f'<h1 id="source-title">{source.title}</h1>' in text
    assert (
        f'<a href="/forecasters/{source.author.handle}/">{source.author.display_name}</a>' in text
    )
    assert "Interconnects" in text and 'href="https://example.org/article"' in text
    assert text.index(earlier.quote) < text.index(later.quote) < text.index(draft_claim.quote)
    assert "80%, set by “I expect”" in text and "20%, set by “unlikely”" in text
    assert f'<a href="/questions/{earlier.question.slug}/">{earlier.question.title}</a>' in text
    assert '<span class="status open">Open</span>' in text
    assert draft_claim.question.slug not in text  # drafts stay hidden
    assert "not a published question yet" in text


def test_source_page_shows_outcomes_of_resolved_questions(staff_user):
    claim = factories.ClaimFactory(question=factories.ClosedQuestionFactory())
    resolution_services.resolution_record(
        question=claim.question, outcome="no", rationale="It did not.", user=staff_user
    )

    text = html(client_for().get(f"/sources/{claim.source.slug}/"))

    assert '<span class="status resolved">Resolved</span>' in text
    assert "Outcome: No" in text


def test_source_page_shows_how_the_authors_claims_scored(staff_user):
    claim = factories.ClaimFactory(question=factories.ClosedQuestionFactory())
    factories.ForecastFactory(
        question=claim.question,
        forecaster=claim.source.author,
        probabilities=[0.8],
        submitted_at=days_ago(40),
        origin=Forecast.Origin.CLAIM,
    )
    resolution_services.resolution_record(
        question=claim.question, outcome="yes", rationale="It did.", user=staff_user
    )
    rescoring.rescore_question(question_id=claim.question.pk)

    text = html(client_for().get(f"/sources/{claim.source.slug}/"))

    assert "score</dt><dd>Brier 0.080" in text  # 2 * (1 - 0.8)^2


def test_unknown_source_is_not_found():
    assert client_for().get("/sources/nothing-here/").status_code == 404


# --- Helpers ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("delta", "text"),
    [
        (timedelta(days=3), "in 3 days"),
        (timedelta(days=3) - timedelta(seconds=2), "in 3 days"),
        (-timedelta(hours=5), "5 hours ago"),
        (timedelta(seconds=20), "in less than a minute"),
        (timedelta(minutes=1), "in 1 minute"),
        (timedelta(days=1), "in 1 day"),
        (timedelta(days=90), "in 3 months"),
        (-timedelta(days=800), "2 years ago"),
    ],
)
def test_time_from_now(delta, text):
    now = timezone.now()
    assert time_from_now(now + delta, now) == text


def test_the_source_page_marks_each_claim_in_the_text_and_links_it(client):
    source = factories.SourceFactory(
        slug="bets", text="Intro sentence. I expect funding trouble later this year. The end."
    )
    question = factories.QuestionFactory(title="Will the labs struggle to raise money?")
    factories.ClaimFactory(
        source=source,
        question=question,
        quote="I expect funding trouble later this year.",
        start_offset=16,
        end_offset=57,
    )
    factories.ForecastFactory(question=question, probabilities=[0.6])

    page = client.get("/sources/bets/").content.decode()

    assert (
        '<mark id="text-claim-1"><a href="#claim-1">I expect funding trouble later this year.'
        "</a></mark>" in page
    )
    assert 'id="claim-1"' in page and "Will the labs struggle to raise money?" in page
    assert "Crowd now" in page and "Yes 60%" in page


def test_the_sources_index_lists_every_source(client):
    factories.SourceFactory(title="My bets on open models, mid-2026")

    page = client.get("/sources/").content.decode()

    assert "My bets on open models, mid-2026" in page and "0 claims" in page


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("70", 0.7),
        ("70%", 0.7),
        ("0.7", 0.7),
        (".7", 0.7),
        ("0,7", 0.7),
        (" 70 % ", 0.7),
        ("0.5%", 0.005),
        ("1", 0.01),
        ("12.5", 0.125),
        ("0.125", 0.125),
    ],
)
def test_a_chance_typed_as_a_percentage_or_a_probability_is_understood_alike(alice, typed, stored):
    question = factories.QuestionFactory()

    response = client_for(alice.user).post(page(question), {"probability": typed}, follow=True)

    assert Forecast.objects.get().probabilities == [pytest.approx(stored)]
    shown = f"{stored * 100:g}%"
    assert f"Forecast saved: Yes {shown}" in html(response)


@pytest.mark.parametrize("typed", ["1_0", "\u0661\u0662", "7O", "0x10"])
def test_what_the_pages_preview_cannot_read_is_refused_with_a_sentence(alice, typed):
    question = factories.QuestionFactory()

    response = client_for(alice.user).post(page(question), {"probability": typed})

    assert response.status_code == 200
    assert not Forecast.objects.exists()
    assert "field-error" in html(response)


def test_multiple_choice_options_may_be_typed_as_probabilities(alice, mc_question):
    typed = {f"option_{index}": value for index, value in enumerate(["0.5", "30%", "20"])}

    client_for(alice.user).post(page(mc_question), typed)

    assert Forecast.objects.get().probabilities == [0.5, 0.3, 0.2]


def test_once_closed_everyones_last_forecast_and_reasons_are_public(alice, bob):
    question = factories.ClosedQuestionFactory()
    factories.ForecastFactory(
        question=question,
        forecaster=alice,
        probabilities=[0.6],
        rationale="Early guess.",
        submitted_at=days_ago(30),
    )
    factories.ForecastFactory(
        question=question,
        forecaster=alice,
        probabilities=[0.75],
        rationale="The lab said it is close.",
        submitted_at=days_ago(20),
    )
    factories.ForecastFactory(
        question=question, forecaster=bob, probabilities=[0.2], submitted_at=days_ago(25)
    )

    text = html(client_for().get(page(question)))

    section = text.split('id="reasoning-heading"', 1)[1].split("</section>", 1)[0]
    assert "<strong>75% Yes</strong>" in section and "The lab said it is close." in section
    assert "Early guess." not in section and "2 forecasts" in section
    assert "<strong>20% Yes</strong>" in section
    assert section.index("alice") < section.index("bob")  # reasons first


def test_while_open_nobody_elses_reasons_are_shown(alice, bob):
    question = factories.QuestionFactory()
    factories.ForecastFactory(question=question, forecaster=alice, rationale="Secret sauce.")

    text = html(client_for(bob.user).get(page(question)))

    assert 'id="reasoning-heading"' not in text and "Secret sauce." not in text


def test_reaffirm_records_the_standing_forecast_again(alice):
    question = factories.QuestionFactory()
    factories.ForecastFactory(
        question=question,
        forecaster=alice,
        probabilities=[0.65],
        rationale="Base rates.",
        submitted_at=days_ago(3),
    )
    client = client_for(alice.user)
    assert "Reaffirm Yes 65%" in html(client.get(page(question)))

    response = client.post(page(question), {"action": "reaffirm"}, follow=True)

    assert "Forecast reaffirmed: Yes 65%." in html(response)
    latest = Forecast.objects.filter(forecaster=alice).order_by("-submitted_at").first()
    assert (latest.probabilities, latest.rationale, latest.origin) == ([0.65], "Base rates.", "web")
    assert Forecast.objects.filter(forecaster=alice).count() == 2


def test_reaffirm_without_a_forecast_says_so(bob):
    question = factories.QuestionFactory()

    response = client_for(bob.user).post(page(question), {"action": "reaffirm"}, follow=True)

    assert "Not reaffirmed: there is no forecast to reaffirm." in html(response)
    assert not Forecast.objects.exists()
