"""factory_boy factories for the domain model."""

from __future__ import annotations

from datetime import timedelta

import factory
from django.contrib.auth import get_user_model
from django.utils import timezone

from predictions.comments import Comment
from predictions.markup import render_markdown
from predictions.models import Forecast
from registry.models import Claim, Forecaster, Question, QuestionOption, Source, Tag
from resolvers.models import Resolution


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ["username"]
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda user: f"{user.username}@example.org")
    password = factory.PostGenerationMethodCall("set_password", "correct horse battery")

    @factory.post_generation
    def saved(user, create, extracted, **kwargs):
        if create:
            user.save()


class StaffFactory(UserFactory):
    is_staff = True
    is_superuser = True


class ForecasterFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Forecaster

    handle = factory.Sequence(lambda n: f"forecaster-{n}")
    display_name = factory.LazyAttribute(lambda f: f.handle.replace("-", " ").title())
    kind = Forecaster.Kind.HUMAN


class HumanForecasterFactory(ForecasterFactory):
    """A forecaster with a login, as people who sign up get, its email address confirmed
    (pass `email_verified_at=None` for one that is not: it is kept off the leaderboards)."""

    user = factory.SubFactory(UserFactory)
    handle = factory.LazyAttribute(lambda f: f.user.username)
    email_verified_at = factory.LazyFunction(timezone.now)


class PunditFactory(ForecasterFactory):
    kind = Forecaster.Kind.PUNDIT
    handle = factory.Sequence(lambda n: f"pundit-{n}")


class TagFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Tag
        django_get_or_create = ["slug"]

    slug = factory.Sequence(lambda n: f"tag-{n}")
    name = factory.LazyAttribute(lambda t: t.slug.title())


class SourceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Source

    slug = factory.Sequence(lambda n: f"source-{n}")
    title = factory.Sequence(lambda n: f"Article {n}")
    author = factory.SubFactory(PunditFactory)
    publication = "Interconnects"
    published_on = factory.LazyFunction(lambda: timezone.now().date() - timedelta(days=30))
    text = (
        "Open models will keep catching up on benchmarks. I expect funding trouble later this year."
    )


class QuestionFactory(factory.django.DjangoModelFactory):
    """A published binary question, open now: opened a week ago, closes in thirty days."""

    class Meta:
        model = Question
        skip_postgeneration_save = True

    slug = factory.Sequence(lambda n: f"question-{n}")
    title = factory.Sequence(lambda n: f"Will event {n} happen by the end of 2027?")
    body = "Background for the question."
    resolution_criteria = "Resolves Yes if the named source reports the event before the deadline."
    kind = Question.Kind.BINARY
    opens_at = factory.LazyFunction(lambda: timezone.now() - timedelta(days=7))
    closes_at = factory.LazyFunction(lambda: timezone.now() + timedelta(days=30))
    resolve_by = factory.LazyAttribute(lambda q: q.closes_at + timedelta(days=30))
    published_at = factory.LazyFunction(timezone.now)

    @factory.post_generation
    def tags(question, create, extracted, **kwargs):
        if create and extracted:
            question.tags.set(extracted)


class DraftQuestionFactory(QuestionFactory):
    published_at = None


class ClosedQuestionFactory(QuestionFactory):
    opens_at = factory.LazyFunction(lambda: timezone.now() - timedelta(days=60))
    closes_at = factory.LazyFunction(lambda: timezone.now() - timedelta(days=1))


class UpcomingQuestionFactory(QuestionFactory):
    opens_at = factory.LazyFunction(lambda: timezone.now() + timedelta(days=1))
    closes_at = factory.LazyFunction(lambda: timezone.now() + timedelta(days=30))


class MultipleChoiceQuestionFactory(QuestionFactory):
    """Open multiple-choice question with options given as `options=[...]` labels."""

    class Meta:
        skip_postgeneration_save = True

    kind = Question.Kind.MULTIPLE_CHOICE

    @factory.post_generation
    def options(question, create, extracted, **kwargs):
        labels = extracted or ["United States", "China", "Europe"]
        for position, label in enumerate(labels):
            QuestionOption.objects.create(question=question, label=label, position=position)


class ClaimFactory(factory.django.DjangoModelFactory):
    """A claim staff accepted (as curated ones are): public, with its published question."""

    class Meta:
        model = Claim

    source = factory.SubFactory(SourceFactory)
    quote = "I expect funding trouble later this year."
    start_offset = 67
    end_offset = 109
    implied_probability = 0.8
    probability_phrase = "I expect"
    question = factory.SubFactory(QuestionFactory)
    review_state = Claim.Review.ACCEPTED


class ProposedClaimFactory(ClaimFactory):
    """A proposal of the claim finder waiting for review, with its draft question."""

    question = factory.SubFactory(DraftQuestionFactory)
    review_state = Claim.Review.PROPOSED
    reasons = factory.LazyFunction(lambda: ["future modal “expect”", "probability: “I expect”"])
    suggested_source_kind = "manual"
    source_hint = "a person reading the news at the deadline"


class ForecastFactory(factory.django.DjangoModelFactory):
    """A forecast written straight to the log (as an import would), bypassing the API."""

    class Meta:
        model = Forecast

    forecaster = factory.SubFactory(HumanForecasterFactory)
    question = factory.SubFactory(QuestionFactory)
    probabilities = factory.LazyFunction(lambda: [0.7])
    submitted_at = factory.LazyFunction(timezone.now)
    origin = Forecast.Origin.IMPORT


class CommentFactory(factory.django.DjangoModelFactory):
    """A comment written straight to the thread, bypassing the service's rules."""

    class Meta:
        model = Comment

    question = factory.SubFactory(QuestionFactory)
    author = factory.SubFactory(HumanForecasterFactory)
    body = factory.Sequence(lambda n: f"Comment number {n}, with *emphasis*.")
    body_html = factory.LazyAttribute(lambda comment: render_markdown(comment.body))
    created_at = factory.LazyFunction(timezone.now)


class ResolutionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Resolution

    question = factory.SubFactory(ClosedQuestionFactory)
    outcome = Resolution.Outcome.YES
    known_on = factory.LazyFunction(lambda: timezone.now().date())
    state = Resolution.State.PROPOSED
    rationale = "The named source reported it."
    resolver = "manual"


def closed_question_forecast_on(
    *probabilities: float, after: timedelta = timedelta(days=1)
) -> Question:
    """A closed binary question with one forecaster per probability, each forecasting
    `after` it opened: ready to resolve and score."""
    question = ClosedQuestionFactory()
    for probability in probabilities:
        ForecastFactory(
            question=question,
            probabilities=[probability],
            submitted_at=question.opens_at + after,
        )
    return question
