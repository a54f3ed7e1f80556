"""A site full of what makes pages wide: long titles and unbroken words, long URLs, wide
tables, charts, a text with its claims marked, a source in Chinese, failing resolution
sources, proposals waiting for review. The small-screen and accessibility tests load every
page of it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from django.utils import timezone

from predictions import comment_services, rescoring
from predictions.follow_models import Follow
from registry.models import Claim, Forecaster, SourceImport
from resolvers import services as resolution_services
from resolvers.models import Check, ResolutionSource
from tests import factories

PASSWORD = "a long enough passphrase 42"
LONG_WORD = "Pneumonoultramicroscopicsilicovolcanoconiosis-Superlongmodelidentifier"
LONG_URL = (
    "https://www.example.org/research/2026/open-weight-models/leaderboards/"
    "lmarena-text-arena-elo-ratings-archive?utm_source=newsletter&utm_medium=email"
    "&utm_campaign=forecasts-and-predictions-for-the-coming-year"
)
CLAIM = "I expect an open-weight model to top the LMArena text leaderboard by the end of 2027."
# A Chinese sentence, with no spaces for a browser to wrap at.
CHINESE_TEXT = "我们预计开源模型将在二零二七年底之前登上排行榜榜首。这是一个很长的句子没有空格。"


@dataclass(frozen=True)
class Site:
    open_question: str
    choice_question: str
    resolved_question: str
    queued_question: str
    forecaster: str
    source: str
    chinese_source: str
    review_source: str
    comment: int  # alice's, on the open question, still editable


def at(day: int) -> datetime:
    return datetime(2026, 1, day, tzinfo=UTC)


def long_title(topic: str) -> str:
    return f"Will {topic} by {LONG_WORD} be released before the end of 2027, as announced?"


def _user(username: str, *, staff: bool = False):  # type: ignore[no-untyped-def]
    made = (factories.StaffFactory if staff else factories.UserFactory)(username=username)
    made.set_password(PASSWORD)
    made.save()
    return made


def _scored_question(staff, forecasters: list[Forecaster]):  # type: ignore[no-untyped-def]
    """A resolved question forecast by everyone for days, scored: charts and scores show."""
    tag = factories.TagFactory(slug="frontier-models", name=f"Frontier {LONG_WORD}")
    question = factories.QuestionFactory(
        slug="resolved-model",
        title=long_title("the resolved model"),
        opens_at=at(1),
        closes_at=at(6),
        resolve_by=at(8),
        body=f"Background with a link: {LONG_URL}",
        tags=[tag],
    )
    for forecaster, probability in zip(forecasters, (0.9, 0.3, 0.6), strict=True):
        factories.ForecastFactory(
            question=question,
            forecaster=forecaster,
            probabilities=[probability],
            submitted_at=at(1) + timedelta(hours=2),
            rationale=f"My reasons, with a source: {LONG_URL}",
        )
    resolution_services.resolution_record(
        question=question,
        outcome="yes",
        rationale=f"Reported at {LONG_URL}",
        user=staff,
        known_on=date(2026, 1, 5),
    )
    rescoring.rescore_question(question_id=question.pk)
    return question


def _source_with_claims(author: Forecaster, question):  # type: ignore[no-untyped-def]
    text = (
        f"Open models in 2027\n\n{LONG_WORD} had a strong year; see {LONG_URL}.\n\n{CLAIM}\n"
    ) * 3
    source = factories.SourceFactory(
        slug="open-models-essay",
        title=f"Open models and the {LONG_WORD} question",
        author=author,
        url=LONG_URL,
        publication=f"The {LONG_WORD} Newsletter",
        text=text,
    )
    start = text.index(CLAIM)
    factories.ClaimFactory(
        source=source,
        quote=CLAIM,
        start_offset=start,
        end_offset=start + len(CLAIM),
        question=question,
        probability_phrase="I expect",
    )
    return source


def _failing_source(question) -> None:  # type: ignore[no-untyped-def]
    """A resolution source whose checks keep failing, with long errors and values."""
    source = ResolutionSource.objects.create(
        question=question,
        kind="http_json",
        config={"url": LONG_URL, "path": f"data.items[0].{LONG_WORD}"},
        consecutive_failures=5,
        last_error=f"Could not read {LONG_URL}: the answer had no field {LONG_WORD}",
    )
    now = timezone.now()
    for hours in (1, 2, 3):
        Check.objects.create(
            source=source,
            started_at=now - timedelta(hours=hours),
            finished_at=now - timedelta(hours=hours) + timedelta(seconds=1),
            url=LONG_URL,
            http_status=200,
            content_type="application/json",
            sha256="0" * 64,
            value=LONG_WORD,
            explanation=f"The field {LONG_WORD} at {LONG_URL} is missing",
            error=f"KeyError: {LONG_WORD}",
            failure=Check.Failure.UNREADABLE,
        )


def _discussion(question, people: list[Forecaster], staff) -> int:  # type: ignore[no-untyped-def]
    """Comments as wide as Markdown makes them (a long URL, a code block, a quote, a list),
    and one that staff hid; returns the pk of alice's."""
    comment = comment_services.comment_post(
        question=question,
        author=people[0],
        body=f"See {LONG_URL} and **{LONG_WORD}**.\n\n```\n{LONG_URL} {LONG_WORD * 2}\n```\n\n"
        f"> {LONG_WORD}\n\n- `{LONG_WORD}`\n- [{LONG_URL}]({LONG_URL})",
    )
    hidden = comment_services.comment_post(
        question=question, author=people[1], body=f"Spam at {LONG_URL}"
    )
    comment_services.comment_hide(comment=hidden, user=staff, reason=f"Advertising {LONG_WORD}")
    return comment.pk


def build_site() -> Site:
    """Every kind of page with realistic, wide data. Users: `admin` (staff) and `alice`,
    `bob`, `carol`, each with PASSWORD."""
    staff = _user("admin", staff=True)
    people = [
        factories.HumanForecasterFactory(
            user=_user(name), display_name=f"{name.title()} {LONG_WORD}"
        )
        for name in ("alice", "bob", "carol")
    ]
    resolved = _scored_question(staff, people)
    pundit = factories.PunditFactory(
        handle="jane-pundit", display_name=f"Jane {LONG_WORD}", bio=f"Writes at {LONG_URL}"
    )
    open_question = factories.QuestionFactory(
        slug="open-model",
        title=long_title("the open model"),
        body=f"See {LONG_URL} and {LONG_WORD}.",
        resolution_criteria=f"Resolves Yes if {LONG_URL} lists it.",
        fine_print=LONG_WORD,
    )
    factories.ForecastFactory(question=open_question, forecaster=people[0])
    comment = _discussion(open_question, people, staff)
    choice = factories.MultipleChoiceQuestionFactory(
        slug="largest-lab",
        title=long_title("the largest lab"),
        # An option label holds at most 200 characters.
        options=[f"United States {LONG_WORD}", "China", f"Europe ({LONG_URL[:120]})"],
    )
    source = _source_with_claims(pundit, open_question)
    chinese = factories.SourceFactory(
        slug="chinese-essay",
        title="开源模型的未来",
        author=pundit,
        language="zh",
        text=CHINESE_TEXT,
    )

    queued = factories.ClosedQuestionFactory(
        slug="queued-model", title=long_title("the queued model")
    )
    factories.ForecastFactory(question=queued, forecaster=people[1])
    resolution_services.resolution_propose(
        question=queued, outcome="yes", rationale=f"Shipped, see {LONG_URL}"
    )
    _failing_source(queued)
    _failing_source(open_question)

    review = factories.SourceFactory(
        slug="review-me",
        title=f"Review me: {LONG_WORD}",
        url=LONG_URL,
        text=f"{CLAIM}\n{LONG_URL}\n",
    )
    factories.ProposedClaimFactory(
        source=review,
        quote=CLAIM,
        start_offset=0,
        end_offset=len(CLAIM),
        question=factories.DraftQuestionFactory(title=long_title("the drafted model")),
        source_hint=f"Look at {LONG_URL}",
        reasons=[f"future modal “expect” in {LONG_WORD}"],
    )
    SourceImport.objects.create(
        source=review,
        created_by=staff,
        origin=SourceImport.Origin.URL,
        url=LONG_URL,
        state=SourceImport.State.DONE,
        proposed=1,
        error=f"Part of {LONG_URL} could not be read",
    )
    # Alice's account page lists what she follows, long names included.
    for target in ({"question": choice}, {"forecaster": pundit}, {"source": source}):
        Follow.objects.create(follower=people[0], **target)
    assert Claim.objects.count() == 2
    return Site(
        open_question=open_question.slug,
        choice_question=choice.slug,
        resolved_question=resolved.slug,
        queued_question=queued.slug,
        forecaster=people[0].handle,
        source=source.slug,
        chinese_source=chinese.slug,
        review_source=review.slug,
        comment=comment,
    )
