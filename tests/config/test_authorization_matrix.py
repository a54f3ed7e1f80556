"""Who may do what: every route of the site, for anonymous visitors, forecasters and staff.

`MATRIX` is one table: a request (method and address, with real objects), a persona, the
status expected and what the response must or must not show. Alice owns the objects in
question (her open forecast, her dispute); Bob is another forecaster; staff write and
resolve questions. The API is called with token clients, pages with a logged-in session.
A write that is refused must leave the database exactly as it was.

`test_every_route_has_a_row_for_every_persona` walks Django's URL resolver and fails when a
route, or a method its view accepts, lacks a row for any persona, so a new endpoint cannot
escape the table. `MASS_ASSIGNMENT` then sends every write with fields the caller may not
set (`submitted_at`, `forecaster`, `outcome`, `status`, ...): the API refuses them with a
400 naming the field and changes nothing; pages, whose forms take only the fields they
declare, provably give the extra fields no effect.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, resolve
from django.utils import timezone

from predictions.comments import Comment
from predictions.follow_models import Follow, NotificationSettings
from predictions.models import Forecast
from predictions.unsubscribe import unsubscribe_token
from registry.models import Claim, Forecaster, Question, Source, SourceImport
from registry.selectors import api_tokens_of
from resolvers.models import Check, Dispute, Resolution, ResolutionSource
from tests import factories

pytestmark = pytest.mark.django_db

ANONYMOUS, ALICE, BOB, STAFF = "anonymous", "alice", "bob", "staff"
PERSONAS = (ANONYMOUS, ALICE, BOB, STAFF)
PASSWORD = "correct horse battery"  # tests.factories.UserFactory's

# Text only some viewers may see.
ALICE_OPEN_RATIONALE = "Private reasoning of Alice on the open question"
ALICE_EMAIL = "alice@example.org"
CROWD_HIDDEN = "The crowd forecast is hidden until you have forecast"
UNRESOLVED_BODY = "evidence body of a question not yet resolved"
RESOLVED_BODY = "evidence body of a resolved question"
DRAFT_BODY = "evidence body of a draft question"
DRAFT_TITLE = "Matrix draft: will the unpublished question stay hidden?"
OPEN_TITLE = "Matrix open: will the open forecasts stay private?"
RESOLVED_TITLE = "Matrix resolved: did it happen?"
# A proposal of the claim finder and its draft: staff review it; nobody else sees it, and
# public pages and the public API show it to no one until it is accepted.
PROPOSAL_QUOTE = "Matrix proposal: open models will win by 2030."
PROPOSAL_DRAFT_TITLE = "Matrix proposal draft: will open models win by 2030?"
# Alice's comment on the open question, with her standing forecast beside it (private
# until the close), and Bob's comment that staff hid (its text for staff only).
ALICE_COMMENT = "Matrix comment: the base rate is low."
ALICE_COMMENT_FORECAST = "forecast when posting: <strong>63.7% Yes</strong>"
HIDDEN_COMMENT = "Matrix hidden comment: buy my pills"

# Where refused visitors are sent.
LOGIN = "/accounts/login/?next="
ADMIN_LOGIN = "/admin/login/?next="

SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


# --- The objects every row is about ---------------------------------------------------------


@dataclass
class World:
    alice: Forecaster
    bob: Forecaster
    staff: Any
    open_question: Question
    closed_question: Question
    resolved_question: Question
    draft_question: Question
    proposal: Resolution
    draft_resolution: Resolution
    unresolved_check: Check
    resolved_check: Check
    draft_check: Check
    source_slug: str
    claim_proposal: Claim
    source_import: SourceImport
    tag_slug: str
    token_digests: dict[str, str]
    comment: Comment
    hidden_comment: Comment
    follow: Follow  # Alice follows the closed question

    def user_of(self, persona: str):  # type: ignore[no-untyped-def]
        return {ALICE: self.alice.user, BOB: self.bob.user, STAFF: self.staff}.get(persona)

    def names(self) -> dict[str, Any]:
        """What a row's address may name: {open}, {proposal}, ..."""
        return {
            "open": self.open_question.slug,
            "closed": self.closed_question.slug,
            "resolved": self.resolved_question.slug,
            "draft": self.draft_question.slug,
            "open_id": self.open_question.pk,
            "proposal": self.proposal.pk,
            "draft_resolution": self.draft_resolution.pk,
            "unresolved_check": self.unresolved_check.pk,
            "resolved_check": self.resolved_check.pk,
            "draft_check": self.draft_check.pk,
            "closed_source": self.unresolved_check.source_id,
            "source": self.source_slug,
            "claim_proposal": self.claim_proposal.pk,
            "import": self.source_import.pk,
            "tag": self.tag_slug,
            "comment": self.comment.pk,
            "hidden_comment": self.hidden_comment.pk,
            "follow": self.follow.pk,
            # The link in Alice's emails that stops her closing reminders.
            "alice_unsubscribe": unsubscribe_token(
                forecaster_id=self.alice.pk, kind="closing_reminder"
            ),
            # The digest of each persona's one token (made by their token client).
            **{f"{persona}_token": digest for persona, digest in self.token_digests.items()},
        }

    def fill(self, template: str) -> str:
        """The template with each {name} replaced (other braces, as in JSON, left alone)."""
        for name, value in self.names().items():
            template = template.replace("{" + name + "}", str(value))
        return template


def _check(question: Question, body: str) -> Check:
    source = ResolutionSource.objects.create(question=question, kind="manual", config={})
    return Check.objects.create(
        source=source,
        started_at=timezone.now() - timedelta(hours=1),
        finished_at=timezone.now() - timedelta(hours=1),
        url="https://example.org/stats",
        http_status=200,
        content_type="text/plain",
        body=body.encode(),
        verdict="yes",
        value="5000",
    )


@pytest.fixture
def world(alice, bob, staff_user, alice_client, bob_client, staff_client) -> World:
    """The objects, and one API token for each persona (their token clients')."""
    open_question = factories.QuestionFactory(
        slug="matrix-open", title=OPEN_TITLE, crowd_hidden_until_forecast=True
    )
    alice_open_forecast = factories.ForecastFactory(
        question=open_question,
        forecaster=alice,
        probabilities=[0.637],
        rationale=ALICE_OPEN_RATIONALE,
        origin=Forecast.Origin.API,
    )
    closed_question = factories.ClosedQuestionFactory(slug="matrix-closed")
    factories.ForecastFactory(
        question=closed_question,
        forecaster=alice,
        probabilities=[0.6],
        submitted_at=closed_question.closes_at - timedelta(days=2),
    )
    proposal = factories.ResolutionFactory(question=closed_question, resolver="http_json")

    resolved_question = factories.ClosedQuestionFactory(
        slug="matrix-resolved", title=RESOLVED_TITLE
    )
    factories.ResolutionFactory(
        question=resolved_question,
        state=Resolution.State.FINAL,
        finalized_at=timezone.now(),
        resolved_by=staff_user,
    )
    draft_question = factories.DraftQuestionFactory(slug="matrix-draft", title=DRAFT_TITLE)
    draft_resolution = factories.ResolutionFactory(question=draft_question)

    source = factories.SourceFactory(slug="matrix-source")
    factories.ClaimFactory(source=source, question=open_question)
    factories.ClaimFactory(source=source, question=draft_question)
    claim_proposal = factories.ProposedClaimFactory(
        source=source,
        quote=PROPOSAL_QUOTE,
        start_offset=0,
        end_offset=20,
        question=factories.DraftQuestionFactory(slug="matrix-proposal", title=PROPOSAL_DRAFT_TITLE),
    )
    source_import = SourceImport.objects.create(
        source=source, origin="text", state="done", stage="2 new proposals", proposed=2
    )
    tag = factories.TagFactory(slug="matrix-tag")
    open_question.tags.add(tag)
    return World(
        alice=alice,
        bob=bob,
        staff=staff_user,
        open_question=open_question,
        closed_question=closed_question,
        resolved_question=resolved_question,
        draft_question=draft_question,
        proposal=proposal,
        draft_resolution=draft_resolution,
        unresolved_check=_check(closed_question, UNRESOLVED_BODY),
        resolved_check=_check(resolved_question, RESOLVED_BODY),
        draft_check=_check(draft_question, DRAFT_BODY),
        source_slug=source.slug,
        claim_proposal=claim_proposal,
        source_import=source_import,
        tag_slug=tag.slug,
        token_digests={
            persona: api_tokens_of(user=user).get().digest
            for persona, user in ((ALICE, alice.user), (BOB, bob.user), (STAFF, staff_user))
        },
        comment=factories.CommentFactory(
            question=open_question,
            author=alice,
            body=ALICE_COMMENT,
            standing_forecast=alice_open_forecast,
        ),
        hidden_comment=factories.CommentFactory(
            question=open_question,
            author=bob,
            body=HIDDEN_COMMENT,
            hidden_at=timezone.now(),
            hidden_by=staff_user,
            hidden_reason="Matrix moderation",
        ),
        follow=Follow.objects.create(follower=alice, question=closed_question),
    )


# --- What a row checks after an allowed write ----------------------------------------------


def _latest_forecast(question: Question) -> Forecast:
    return Forecast.objects.filter(question=question).order_by("-submitted_at", "-id").first()


def forecast_is_the_callers(probability: float) -> Callable[[World, str], None]:
    """The newest forecast on the open question is the caller's own, at the server's time."""

    def check(world: World, persona: str) -> None:
        forecast = _latest_forecast(world.open_question)
        assert forecast.forecaster.user == world.user_of(persona)
        assert forecast.probabilities == [pytest.approx(probability)]
        assert abs(forecast.submitted_at - timezone.now()) < timedelta(minutes=1)

    return check


def question_created(world: World, persona: str) -> None:
    assert Question.objects.filter(slug="matrix-created", published_at__isnull=True).exists()


def title_is(title: str, question_attr: str) -> Callable[[World, str], None]:
    def check(world: World, persona: str) -> None:
        question = getattr(world, question_attr)
        question.refresh_from_db()
        assert question.title == title

    return check


def closed_question_outcome_is(outcome: str) -> Callable[[World, str], None]:
    """Staff's outcome is the closed question's current one, final and in their name."""

    def check(world: World, persona: str) -> None:
        current = world.closed_question.resolutions.get(superseded_at__isnull=True)
        assert (current.outcome, current.state, current.resolved_by) == (
            outcome,
            "final",
            world.staff,
        )

    return check


def proposal_confirmed(world: World, persona: str) -> None:
    world.proposal.refresh_from_db()
    assert (world.proposal.state, world.proposal.outcome) == ("final", "yes")
    assert world.proposal.resolved_by == world.staff


def source_attached(world: World, persona: str) -> None:
    assert list(world.closed_question.resolution_sources.values_list("kind", flat=True)) == [
        "manual",
        "manual",
    ]


def source_instructions_set(world: World, persona: str) -> None:
    source = world.unresolved_check.source
    source.refresh_from_db()
    assert source.config == {"instructions": "Read the agency's page."}


def source_imported(world: World, persona: str) -> None:
    source = Source.objects.get(title=IMPORTED["title"])
    assert source.imports.get().created_by == world.staff
    assert source.claims.filter(review_state="proposed").exists()


def proposal_reviewed(state: str) -> Callable[[World, str], None]:
    def check(world: World, persona: str) -> None:
        world.claim_proposal.refresh_from_db()
        assert (world.claim_proposal.review_state, world.claim_proposal.reviewed_by) == (
            state,
            world.staff,
        )

    return check


def disputed_by_the_caller(world: World, persona: str) -> None:
    assert [d.forecaster.user for d in Dispute.objects.filter(resolution=world.proposal)] == [
        world.user_of(persona)
    ]


def nothing_disputed(world: World, persona: str) -> None:
    assert not Dispute.objects.filter(resolution=world.proposal).exists()


def own_tokens_revoked(count: int) -> Callable[[World, str], None]:
    """The caller has no token left; everyone else keeps their `count`."""

    def check(world: World, persona: str) -> None:
        caller = world.user_of(persona)
        assert api_tokens_of(user=caller).count() == 0
        for other in (ALICE, BOB, STAFF):
            if other != persona:
                assert api_tokens_of(user=world.user_of(other)).count() == count, other

    return check


def commented_by_the_caller(body: str) -> Callable[[World, str], None]:
    """The open question's newest comment is the caller's, with that body, posted now."""

    def check(world: World, persona: str) -> None:
        comment = world.open_question.comments.order_by("-created_at", "-id").first()
        assert (comment.author.user, comment.body) == (world.user_of(persona), body)
        assert abs(comment.created_at - timezone.now()) < timedelta(minutes=1)
        assert comment.hidden_at is None and comment.edited_at is None

    return check


def comment_body_is(body: str) -> Callable[[World, str], None]:
    def check(world: World, persona: str) -> None:
        world.comment.refresh_from_db()
        assert (world.comment.body, world.comment.author) == (body, world.alice)
        assert world.comment.edited_at is not None

    return check


def comment_hidden_by_staff(world: World, persona: str) -> None:
    world.comment.refresh_from_db()
    assert (world.comment.hidden_by, world.comment.hidden_reason) == (world.staff, "Matrix")


def hidden_comment_shown(world: World, persona: str) -> None:
    world.hidden_comment.refresh_from_db()
    assert world.hidden_comment.hidden_at is None


def display_name_of_the_caller_only(world: World, persona: str) -> None:
    """The caller's profile has the new name, under its own handle; nobody else's changed."""
    renamed = Forecaster.objects.filter(display_name="Renamed through the matrix")
    assert [f.user for f in renamed] == [world.user_of(persona)]
    assert world.alice.handle == "alice" and Forecaster.objects.filter(handle="alice").exists()


def deleted_the_callers_account_only(world: World, persona: str) -> None:
    """The caller's login is gone and its forecaster kept as a deleted one; the others'
    logins and forecasts are as they were."""
    deleted = Forecaster.objects.filter(deleted_at__isnull=False)
    assert [f.user for f in deleted] == [world.user_of(persona)]
    caller = deleted.get()
    assert caller.handle.startswith("deleted-") and not caller.user.is_active
    users = get_user_model().objects
    for other in (ALICE, BOB, STAFF):
        if other != persona:
            assert users.get(pk=world.user_of(other).pk).is_active, other
    assert Forecast.objects.filter(forecaster=world.alice).exists()


def user_created_without_privileges(world: World, persona: str) -> None:
    newcomer = get_user_model().objects.get(username="newcomer")
    assert not newcomer.is_staff and not newcomer.is_superuser


# --- The table -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Expect:
    """What one persona gets: a status, text shown or hidden, where a redirect goes."""

    status: int
    shows: tuple[str, ...] = ()
    hides: tuple[str, ...] = ()
    redirect: str | None = None
    then: Callable[[World, str], None] | None = None
    body: Any = None  # overrides the row's body for this persona
    # Whether the request may change the database; by default a refused write may not.
    changes_database: bool | None = None

    @property
    def refused(self) -> bool:
        return self.status >= 400 or self.redirect in (LOGIN, ADMIN_LOGIN)


def see(*texts: str) -> tuple[str, ...]:
    return texts


@dataclass(frozen=True)
class Row:
    method: str
    path: str  # a template over World.names()
    persona: str
    expect: Expect
    page: bool = False  # a session login instead of an API token
    body: Any = None  # a dict, or a callable of the World giving one

    @property
    def id(self) -> str:
        return f"{self.method} {self.path} as {self.persona}"


def every(
    method: str,
    path: str,
    *,
    anonymous: int | Expect,
    alice: int | Expect,
    bob: int | Expect,
    staff: int | Expect,
    page: bool = False,
    body: Any = None,
) -> list[Row]:
    """The four rows of one request, one per persona."""
    expected = {ANONYMOUS: anonymous, ALICE: alice, BOB: bob, STAFF: staff}
    return [
        Row(
            method=method,
            path=path,
            persona=persona,
            expect=outcome if isinstance(outcome, Expect) else Expect(outcome),
            page=page,
            body=body,
        )
        for persona, outcome in expected.items()
    ]


def everyone(method: str, path: str, status: int = 200, **kwargs: Any) -> list[Row]:
    expect = Expect(status, **{k: kwargs.pop(k) for k in ("shows", "hides") if k in kwargs})
    return every(method, path, anonymous=expect, alice=expect, bob=expect, staff=expect, **kwargs)


def with_format_suffix(rows: Iterable[Row]) -> list[Row]:
    """Each router row, and the same request by the router's `.json` twin of its route
    (`/api/v1/questions.json`), which must answer alike."""
    rows = list(rows)
    twins = [
        replace(row, path=row.path + ".json" if row.path == "/api/v1/" else row.path[:-1] + ".json")
        for row in rows
    ]
    return rows + twins


def own_credentials(persona: str) -> dict[str, str]:
    username = {ANONYMOUS: "alice", ALICE: "alice", BOB: "bob", STAFF: "admin"}[persona]
    return {"username": username, "password": PASSWORD}


def token_issued_to(username: str) -> Callable[[World, str], None]:
    """A second token (beside the token client's) for the owner of the credentials."""

    def check(world: World, persona: str) -> None:
        owner = get_user_model().objects.get(username=username)
        assert api_tokens_of(user=owner).count() == 2

    return check


def credentials_of(persona: str) -> Expect:
    """Asking for a token with one's own password (anonymous: Alice's, as a script does)."""
    credentials = own_credentials(persona)
    return Expect(
        200,
        body=credentials,
        then=token_issued_to(credentials["username"]),
        changes_database=True,
    )


NEW_QUESTION = {
    "title": "Will the matrix hold?",
    "slug": "matrix-created",
    "resolution_criteria": "Resolves Yes if every row passes.",
    "opens_at": "2030-01-01T00:00:00Z",
    "closes_at": "2030-06-01T00:00:00Z",
    "resolve_by": "2030-07-01T00:00:00Z",
}
IMPORTED = {
    "text": "I expect an open-weight model to top the LMArena leaderboard by the end of 2027.",
    "title": "Matrix import",
    "author": "Matrix Author",
    "published_on": "2026-11-01",
}
NEW_MANUAL_SOURCE = {
    "kind": "manual",
    "kind_shown": "manual",
    "check_every": "360",
    "enabled": "on",
    "action": "save",
}
REPLACED_DRAFT = {**{k: v for k, v in NEW_QUESTION.items() if k != "slug"}, "title": "Replaced"}
SIGNUP = {
    "username": "newcomer",
    "email": "newcomer@example.org",
    "password1": "a long unusual passphrase 42",
    "password2": "a long unusual passphrase 42",
}

_router = [
    *everyone("GET", "/api/v1/"),
    *every(
        "GET",
        "/api/v1/questions/",
        anonymous=Expect(200, hides=see("matrix-draft")),
        alice=Expect(200, hides=see("matrix-draft")),
        bob=Expect(200, hides=see("matrix-draft")),
        staff=Expect(200, shows=see("matrix-draft")),
    ),
    *every(
        "POST",
        "/api/v1/questions/",
        body=NEW_QUESTION,
        anonymous=401,
        alice=403,
        bob=403,
        staff=Expect(201, then=question_created),
    ),
    *every(
        "GET",
        "/api/v1/questions/{draft}/",
        anonymous=404,
        alice=404,
        bob=404,
        staff=Expect(200, shows=see(DRAFT_TITLE)),
    ),
    *everyone("GET", "/api/v1/questions/{open}/", shows=see(OPEN_TITLE)),
    *every(
        "PUT",
        "/api/v1/questions/{draft}/",
        body=REPLACED_DRAFT,
        anonymous=401,
        alice=403,
        bob=403,
        staff=Expect(200, then=title_is("Replaced", "draft_question")),
    ),
    *every(
        "PATCH",
        "/api/v1/questions/{open}/",
        body={"title": "Renamed by staff"},
        anonymous=401,
        alice=403,
        bob=403,
        staff=Expect(200, then=title_is("Renamed by staff", "open_question")),
    ),
    # The API has no way to delete a question.
    *every("DELETE", "/api/v1/questions/{open}/", anonymous=401, alice=403, bob=403, staff=405),
    *everyone("GET", "/api/v1/forecasters/", shows=see('"alice"'), hides=see(ALICE_EMAIL)),
    *everyone("GET", "/api/v1/forecasters/alice/", shows=see('"alice"'), hides=see(ALICE_EMAIL)),
    *every(
        "POST",
        "/api/v1/forecasters/",
        body={"handle": "mallory"},
        anonymous=401,
        alice=405,
        bob=405,
        staff=405,
    ),
    *every(
        "GET",
        "/api/v1/sources/",
        anonymous=Expect(200, hides=see("matrix-draft", PROPOSAL_QUOTE)),
        alice=Expect(200, hides=see("matrix-draft", PROPOSAL_QUOTE)),
        bob=Expect(200, hides=see("matrix-draft", PROPOSAL_QUOTE)),
        staff=Expect(200, shows=see("matrix-draft"), hides=see(PROPOSAL_QUOTE)),
    ),
    *every(
        "GET",
        "/api/v1/sources/{source}/",
        # The claim's crowd is hidden like the question's, and a draft stays unnamed.
        anonymous=Expect(
            200, shows=see('"crowd":null'), hides=see("matrix-draft", "matrix-proposal")
        ),
        alice=Expect(
            200, shows=see('"crowd":{"Yes"'), hides=see("matrix-draft", "matrix-proposal")
        ),
        bob=Expect(200, shows=see('"crowd":null'), hides=see("matrix-draft", "matrix-proposal")),
        staff=Expect(
            200, shows=see('"crowd":{"Yes"', "matrix-draft"), hides=see("matrix-proposal")
        ),
    ),
    *everyone("GET", "/api/v1/tags/", shows=see("matrix-tag")),
    *everyone("GET", "/api/v1/tags/{tag}/", shows=see("matrix-tag")),
]

_forecasts = [
    # Until the question closes, its forecasts are their authors' (and staff's) only.
    *every(
        "GET",
        "/api/v1/questions/{open}/forecasts/",
        anonymous=Expect(200, hides=see(ALICE_OPEN_RATIONALE)),
        alice=Expect(200, shows=see(ALICE_OPEN_RATIONALE)),
        bob=Expect(200, hides=see(ALICE_OPEN_RATIONALE)),
        staff=Expect(200, shows=see(ALICE_OPEN_RATIONALE)),
    ),
    *everyone("GET", "/api/v1/questions/{closed}/forecasts/", shows=see('"alice"')),
    *every(
        "GET",
        "/api/v1/questions/{draft}/forecasts/",
        anonymous=404,
        alice=404,
        bob=404,
        staff=200,
    ),
    # Everyone forecasts as themself, whoever else has forecast.
    *every(
        "POST",
        "/api/v1/questions/{open}/forecasts/",
        body={"probability": 0.41},
        anonymous=401,
        alice=Expect(201, then=forecast_is_the_callers(0.41)),
        bob=Expect(201, then=forecast_is_the_callers(0.41)),
        staff=Expect(201, then=forecast_is_the_callers(0.41)),
    ),
    # ... and nobody as Alice but Alice.
    *every(
        "POST",
        "/api/v1/questions/{open}/forecasts/?as=alice",
        body={"probability": 0.42, "forecaster": "alice"},
        anonymous=401,
        alice=Expect(201, then=forecast_is_the_callers(0.42)),
        bob=403,
        staff=403,
    ),
    # Forecasts are append-only: nobody withdraws one, not even its author.
    *every(
        "DELETE",
        "/api/v1/questions/{open}/forecasts/",
        anonymous=401,
        alice=405,
        bob=405,
        staff=405,
    ),
    *every(
        "GET",
        "/api/v1/forecasters/alice/forecasts/",
        anonymous=Expect(200, shows=see("matrix-closed"), hides=see(ALICE_OPEN_RATIONALE)),
        alice=Expect(200, shows=see("matrix-closed", ALICE_OPEN_RATIONALE)),
        bob=Expect(200, shows=see("matrix-closed"), hides=see(ALICE_OPEN_RATIONALE)),
        staff=Expect(200, shows=see("matrix-closed", ALICE_OPEN_RATIONALE)),
    ),
    *every(
        "GET",
        "/api/v1/me/",
        anonymous=401,
        alice=Expect(200, shows=see('"handle":"alice"')),
        bob=Expect(200, shows=see('"handle":"bob"'), hides=see('"alice"')),
        staff=Expect(200, shows=see('"is_staff":true')),
    ),
    *every(
        "GET",
        "/api/v1/me/forecasts/",
        anonymous=401,
        alice=Expect(200, shows=see(ALICE_OPEN_RATIONALE)),
        bob=Expect(200, hides=see(ALICE_OPEN_RATIONALE, "matrix-closed")),
        staff=Expect(200, hides=see(ALICE_OPEN_RATIONALE, "matrix-closed")),
    ),
    *everyone("GET", "/api/v1/questions/{resolved}/scores/"),
    *every(
        "GET", "/api/v1/questions/{draft}/scores/", anonymous=404, alice=404, bob=404, staff=200
    ),
    # The crowd of a question that hides it until one has forecast.
    *every(
        "GET",
        "/api/v1/questions/{open}/crowd/",
        anonymous=403,
        alice=Expect(200, shows=see('"Yes"')),
        bob=403,
        staff=Expect(200, shows=see('"Yes"')),
    ),
    *everyone("GET", "/api/v1/forecasters/alice/calibration/"),
    *everyone("GET", "/api/v1/leaderboard/"),
]

_outcomes = [
    *everyone("GET", "/api/v1/questions/{closed}/resolutions/", shows=see('"proposed"')),
    *every(
        "GET",
        "/api/v1/questions/{draft}/resolutions/",
        anonymous=404,
        alice=404,
        bob=404,
        staff=200,
    ),
    *every(
        "POST",
        "/api/v1/questions/{closed}/resolutions/",
        body=lambda w: {
            "outcome": "no",
            "rationale": "Staff read it.",
            "supersedes": w.proposal.pk,
        },
        anonymous=401,
        alice=403,
        bob=403,
        staff=Expect(201, then=closed_question_outcome_is("no")),
    ),
    # Annulling is recording an outcome too: staff only.
    *every(
        "POST",
        "/api/v1/questions/{closed}/resolutions/?annul",
        body=lambda w: {
            "outcome": "annulled",
            "rationale": "The question was ill-posed.",
            "supersedes": w.proposal.pk,
        },
        anonymous=401,
        alice=403,
        bob=403,
        staff=Expect(201, then=closed_question_outcome_is("annulled")),
    ),
    *every(
        "POST",
        "/api/v1/resolutions/{proposal}/confirm/",
        anonymous=401,
        alice=403,
        bob=403,
        staff=Expect(200, then=proposal_confirmed),
    ),
    *everyone("GET", "/api/v1/resolutions/{proposal}/disputes/"),
    # Only someone who forecast on the question disputes its outcome, and as themself.
    *every(
        "POST",
        "/api/v1/resolutions/{proposal}/disputes/",
        body={"reason": "The source was misread."},
        anonymous=401,
        alice=Expect(201, then=disputed_by_the_caller),
        bob=403,
        staff=403,
    ),
    # A draft question's outcome is as hidden as the draft.
    *every(
        "GET",
        "/api/v1/resolutions/{draft_resolution}/disputes/",
        anonymous=404,
        alice=404,
        bob=404,
        staff=200,
    ),
    *every(
        "POST",
        "/api/v1/resolutions/{draft_resolution}/disputes/",
        body={"reason": "Guessing at ids."},
        anonymous=401,
        alice=404,
        bob=404,
        staff=403,
    ),
    *every(
        "GET",
        "/api/v1/resolution-queue/",
        anonymous=401,
        alice=403,
        bob=403,
        staff=Expect(200, shows=see("matrix-closed")),
    ),
    *everyone("GET", "/api/v1/questions/{closed}/sources/", shows=see('"manual"')),
    *every(
        "POST",
        "/api/v1/questions/{closed}/sources/",
        body={"kind": "manual", "config": {}},
        anonymous=401,
        alice=403,
        bob=403,
        staff=Expect(201, then=source_attached),
    ),
    # Check summaries are public; the bodies never come with them.
    *everyone(
        "GET", "/api/v1/questions/{closed}/checks/", shows=see('"yes"'), hides=see(UNRESOLVED_BODY)
    ),
    *every(
        "GET", "/api/v1/questions/{draft}/checks/", anonymous=404, alice=404, bob=404, staff=200
    ),
    # An unresolved question's evidence bodies are for staff only.
    *every(
        "GET",
        "/api/v1/checks/{unresolved_check}/evidence/",
        anonymous=Expect(403, hides=see(UNRESOLVED_BODY)),
        alice=Expect(403, hides=see(UNRESOLVED_BODY)),
        bob=Expect(403, hides=see(UNRESOLVED_BODY)),
        staff=Expect(200, shows=see(UNRESOLVED_BODY)),
    ),
    *everyone("GET", "/api/v1/checks/{resolved_check}/evidence/", shows=see(RESOLVED_BODY)),
    *every(
        "GET",
        "/api/v1/checks/{draft_check}/evidence/",
        anonymous=404,
        alice=404,
        bob=404,
        staff=Expect(200, shows=see(DRAFT_BODY)),
    ),
]

_imports = [
    *every(
        "GET",
        "/api/v1/imports/",
        anonymous=401,
        alice=403,
        bob=403,
        staff=Expect(200, shows=see('"source":"matrix-source"')),
    ),
    *every(
        "POST",
        "/api/v1/imports/",
        body=IMPORTED,
        anonymous=401,
        alice=403,
        bob=403,
        staff=Expect(201, then=source_imported),
    ),
    *every(
        "GET",
        "/api/v1/imports/{import}/",
        anonymous=401,
        alice=403,
        bob=403,
        staff=Expect(200, shows=see('"state":"done"')),
    ),
    *every(
        "GET",
        "/api/v1/sources/{source}/proposals/",
        anonymous=Expect(401, hides=see(PROPOSAL_QUOTE)),
        alice=Expect(403, hides=see(PROPOSAL_QUOTE)),
        bob=Expect(403, hides=see(PROPOSAL_QUOTE)),
        staff=Expect(200, shows=see(PROPOSAL_QUOTE, PROPOSAL_DRAFT_TITLE)),
    ),
    *every(
        "POST",
        "/api/v1/proposals/{claim_proposal}/accept/",
        body={"implied_probability": 0.6},
        anonymous=401,
        alice=403,
        bob=403,
        staff=Expect(200, then=proposal_reviewed("accepted")),
    ),
    *every(
        "POST",
        "/api/v1/proposals/{claim_proposal}/reject/",
        anonymous=401,
        alice=403,
        bob=403,
        staff=Expect(200, then=proposal_reviewed("rejected")),
    ),
    *every(
        "POST",
        "/api/v1/proposals/{claim_proposal}/merge/",
        body={"question": "matrix-open"},
        anonymous=401,
        alice=403,
        bob=403,
        staff=Expect(200, then=proposal_reviewed("merged")),
    ),
]

_plumbing = [
    # Exchanging a password for a token: the credentials decide, not the caller.
    *every(
        "POST",
        "/api/v1/auth/token/",
        anonymous=credentials_of(ANONYMOUS),
        alice=credentials_of(ALICE),
        bob=credentials_of(BOB),
        staff=credentials_of(STAFF),
    ),
    # Revoking a token: the one the request carries, or all of the caller's own.
    *every(
        "POST",
        "/api/v1/auth/token/revoke/",
        anonymous=401,
        alice=Expect(204, then=own_tokens_revoked(1)),
        bob=Expect(204, then=own_tokens_revoked(1)),
        staff=Expect(204, then=own_tokens_revoked(1)),
    ),
    *every(
        "POST",
        "/api/v1/auth/token/revoke-all/",
        anonymous=401,
        alice=Expect(200, then=own_tokens_revoked(1)),
        bob=Expect(200, then=own_tokens_revoked(1)),
        staff=Expect(200, then=own_tokens_revoked(1)),
    ),
    *everyone("GET", "/api/schema/"),
    *everyone("GET", "/api/docs/"),
    *everyone("GET", "/healthz"),
    *everyone("GET", "/favicon.ico", status=301),
    *everyone(
        "GET", "/feeds/resolutions/", shows=see(RESOLVED_TITLE), hides=see(DRAFT_TITLE), page=True
    ),
    # The browsable API's own login and logout.
    *everyone("GET", "/api-auth/login/", page=True),
    *every(
        "POST",
        "/api-auth/login/",
        page=True,
        anonymous=Expect(302, body=own_credentials(ANONYMOUS), changes_database=True),
        alice=Expect(302, body=own_credentials(ALICE), changes_database=True),
        bob=Expect(302, body=own_credentials(BOB), changes_database=True),
        staff=Expect(302, body=own_credentials(STAFF), changes_database=True),
    ),
    # A PUT reaches the form view like an empty POST: the form is shown again.
    *everyone("PUT", "/api-auth/login/", page=True),
    *everyone("POST", "/api-auth/logout/", 302, page=True),
]

_pages = [
    *everyone("GET", "/", hides=see(DRAFT_TITLE), page=True),
    *every(
        "GET",
        "/questions/{open}/",
        page=True,
        anonymous=Expect(200, shows=see(CROWD_HIDDEN), hides=see(ALICE_OPEN_RATIONALE)),
        alice=Expect(200, shows=see(ALICE_OPEN_RATIONALE), hides=see(CROWD_HIDDEN)),
        bob=Expect(200, shows=see(CROWD_HIDDEN), hides=see(ALICE_OPEN_RATIONALE)),
        staff=Expect(200, hides=see(CROWD_HIDDEN, ALICE_OPEN_RATIONALE)),
    ),
    *every(
        "GET",
        "/questions/{draft}/",
        page=True,
        anonymous=404,
        alice=404,
        bob=404,
        staff=Expect(200, shows=see(DRAFT_TITLE)),
    ),
    *every(
        "POST",
        "/questions/{open}/",
        page=True,
        body={"probability": "43"},
        anonymous=Expect(302, redirect=LOGIN),
        alice=Expect(302, redirect="/questions/matrix-open/", then=forecast_is_the_callers(0.43)),
        bob=Expect(302, redirect="/questions/matrix-open/", then=forecast_is_the_callers(0.43)),
        staff=Expect(302, redirect="/questions/matrix-open/", then=forecast_is_the_callers(0.43)),
    ),
    # Disputing from the question page: only someone who forecast on it, as themself.
    *every(
        "POST",
        "/questions/{closed}/dispute/",
        page=True,
        body=lambda w: {"resolution": str(w.proposal.pk), "reason": "The source was misread."},
        anonymous=Expect(302, redirect=LOGIN),
        alice=Expect(302, redirect="/questions/matrix-closed/", then=disputed_by_the_caller),
        bob=Expect(302, redirect="/questions/matrix-closed/", then=nothing_disputed),
        staff=Expect(302, redirect="/questions/matrix-closed/", then=nothing_disputed),
    ),
    *every(
        "GET",
        "/questions/",
        page=True,
        anonymous=Expect(200, hides=see(DRAFT_TITLE)),
        alice=Expect(200, hides=see(DRAFT_TITLE)),
        bob=Expect(200, hides=see(DRAFT_TITLE)),
        staff=Expect(200, shows=see(DRAFT_TITLE)),
    ),
    # Link-preview cards and the widget: public artefacts, drafts not found.
    *everyone("GET", "/questions/{open}/card.png"),
    *everyone("GET", "/questions/{open}/embed/", page=True),
    *everyone("GET", "/questions/{draft}/card.png", status=404, page=True),
    *everyone("GET", "/questions/{draft}/embed/", status=404, page=True),
    *everyone("GET", "/forecasters/alice/card.png"),
    *everyone("GET", "/sources/", page=True),
    *every(
        "GET",
        "/sources/{source}/",
        page=True,
        anonymous=Expect(200, hides=see("Crowd now", DRAFT_TITLE, PROPOSAL_DRAFT_TITLE)),
        alice=Expect(200, shows=see("Crowd now"), hides=see(DRAFT_TITLE, PROPOSAL_DRAFT_TITLE)),
        bob=Expect(200, hides=see("Crowd now", DRAFT_TITLE, PROPOSAL_DRAFT_TITLE)),
        staff=Expect(200, shows=see("Crowd now"), hides=see(PROPOSAL_DRAFT_TITLE)),
    ),
    *everyone("GET", "/leaderboard/", page=True),
    *everyone("GET", "/scoring/", page=True),
    # A forecaster's open forecasts are on their page for them alone.
    *every(
        "GET",
        "/forecasters/alice/",
        page=True,
        anonymous=Expect(200, hides=see(OPEN_TITLE)),
        alice=Expect(200, shows=see(OPEN_TITLE)),
        bob=Expect(200, hides=see(OPEN_TITLE)),
        staff=Expect(200, hides=see(OPEN_TITLE)),
    ),
]

_accounts = [
    # One's own account, with one's own tokens (named by digest in the revoke forms).
    *every(
        "GET",
        "/accounts/",
        page=True,
        anonymous=Expect(302, redirect=LOGIN),
        alice=Expect(200, shows=see("{alice_token}"), hides=see("{bob_token}", "{staff_token}")),
        bob=Expect(200, shows=see("{bob_token}"), hides=see("{alice_token}", "{staff_token}")),
        staff=Expect(200, shows=see("{staff_token}"), hides=see("{alice_token}", "{bob_token}")),
    ),
    *every(
        "GET",
        "/accounts/signup/",
        page=True,
        anonymous=200,
        alice=Expect(302, redirect="/accounts/"),
        bob=Expect(302, redirect="/accounts/"),
        staff=Expect(302, redirect="/accounts/"),
    ),
    *every(
        "POST",
        "/accounts/signup/",
        page=True,
        body=SIGNUP,
        anonymous=Expect(302, redirect="/", then=user_created_without_privileges),
        alice=Expect(302, redirect="/accounts/", changes_database=False),
        bob=Expect(302, redirect="/accounts/", changes_database=False),
        staff=Expect(302, redirect="/accounts/", changes_database=False),
    ),
    *every(
        "GET",
        "/accounts/login/",
        page=True,
        anonymous=200,
        alice=Expect(302, redirect="/"),
        bob=Expect(302, redirect="/"),
        staff=Expect(302, redirect="/"),
    ),
    *every(
        "POST",
        "/accounts/login/",
        page=True,
        body=own_credentials(ANONYMOUS),
        anonymous=Expect(302, redirect="/", changes_database=True),
        alice=Expect(302, redirect="/"),
        bob=Expect(302, redirect="/"),
        staff=Expect(302, redirect="/"),
    ),
    *every(
        "PUT",
        "/accounts/login/",
        page=True,
        anonymous=200,
        alice=Expect(302, redirect="/"),
        bob=Expect(302, redirect="/"),
        staff=Expect(302, redirect="/"),
    ),
    *everyone("GET", "/accounts/logout/", page=True),
    *everyone("POST", "/accounts/logout/", 302, page=True),
    *every(
        "GET",
        "/accounts/password_change/",
        page=True,
        anonymous=Expect(302, redirect=LOGIN),
        alice=200,
        bob=200,
        staff=200,
    ),
    # Without the old password nothing changes: the form comes back with its errors.
    *every(
        "POST",
        "/accounts/password_change/",
        page=True,
        body={"new_password1": "x", "new_password2": "x"},
        anonymous=Expect(302, redirect=LOGIN),
        alice=Expect(200, changes_database=False),
        bob=Expect(200, changes_database=False),
        staff=Expect(200, changes_database=False),
    ),
    *every(
        "PUT",
        "/accounts/password_change/",
        page=True,
        anonymous=Expect(302, redirect=LOGIN),
        alice=Expect(200, changes_database=False),
        bob=Expect(200, changes_database=False),
        staff=Expect(200, changes_database=False),
    ),
    # One's own data, for oneself only.
    *every(
        "GET",
        "/accounts/data.json",
        page=True,
        anonymous=Expect(302, redirect=LOGIN),
        alice=Expect(200, shows=see('"handle": "alice"'), hides=see('"handle": "bob"')),
        bob=Expect(200, shows=see('"handle": "bob"'), hides=see('"handle": "alice"')),
        staff=Expect(200, hides=see('"handle": "alice"', '"handle": "bob"')),
    ),
    *every(
        "GET",
        "/accounts/data.csv",
        page=True,
        anonymous=Expect(302, redirect=LOGIN),
        alice=200,
        bob=200,
        staff=200,
    ),
    # A forgotten password: anyone may ask; an unknown address is not told apart, and a
    # link that is not a valid token changes nothing.
    *everyone("GET", "/accounts/password_reset/", page=True),
    *every(
        "POST",
        "/accounts/password_reset/",
        page=True,
        body={"email": "nobody@example.org"},
        **dict.fromkeys(
            PERSONAS,
            Expect(302, redirect="/accounts/password_reset/done/", changes_database=False),
        ),
    ),
    *every(
        "PUT",
        "/accounts/password_reset/",
        page=True,
        **dict.fromkeys(PERSONAS, Expect(200, changes_database=False)),
    ),
    *everyone("GET", "/accounts/password_reset/done/", page=True),
    *everyone("GET", "/accounts/reset/MQ/not-a-token/", page=True, shows=see("does not work")),
    *every(
        "POST",
        "/accounts/reset/MQ/not-a-token/",
        page=True,
        body={"new_password1": "x y z 42 q w e", "new_password2": "x y z 42 q w e"},
        **dict.fromkeys(PERSONAS, Expect(200, changes_database=False)),
    ),
    *every(
        "PUT",
        "/accounts/reset/MQ/not-a-token/",
        page=True,
        **dict.fromkeys(PERSONAS, Expect(200, changes_database=False)),
    ),
    *everyone("GET", "/accounts/reset/done/", page=True),
    *every(
        "GET",
        "/accounts/password_change/done/",
        page=True,
        anonymous=Expect(302, redirect=LOGIN),
        alice=200,
        bob=200,
        staff=200,
    ),
    *every(
        "GET",
        "/accounts/token/",
        page=True,
        anonymous=Expect(302, redirect=LOGIN),
        alice=405,
        bob=405,
        staff=405,
    ),
    *every(
        "POST",
        "/accounts/token/",
        page=True,
        anonymous=Expect(302, redirect=LOGIN),
        alice=Expect(200, shows=see("{alice_token}"), hides=see("{bob_token}")),
        bob=Expect(200, shows=see("{bob_token}"), hides=see("{alice_token}")),
        staff=Expect(200, shows=see("{staff_token}"), hides=see("{alice_token}")),
    ),
    *every(
        "POST",
        "/accounts/token/revoke/",
        page=True,
        anonymous=Expect(302, redirect=LOGIN),
        alice=Expect(302, redirect="/accounts/"),
        bob=Expect(302, redirect="/accounts/"),
        staff=Expect(302, redirect="/accounts/"),
    ),
    *every(
        "POST",
        "/accounts/token/revoke-all/",
        page=True,
        anonymous=Expect(302, redirect=LOGIN),
        alice=Expect(302, redirect="/accounts/"),
        bob=Expect(302, redirect="/accounts/"),
        staff=Expect(302, redirect="/accounts/"),
    ),
    *every(
        "POST",
        "/accounts/notifications/",
        page=True,
        body={"email_notifications": "on"},
        anonymous=Expect(302, redirect=LOGIN),
        alice=Expect(302, redirect="/accounts/"),
        bob=Expect(302, redirect="/accounts/"),
        staff=Expect(302, redirect="/accounts/"),
    ),
    # Email verification: a link works for whoever follows it (it is the proof of the
    # address); one that is not a signed token confirms nothing, for anyone.
    *everyone(
        "GET",
        "/accounts/email/verify/not-a-token/",
        page=True,
        shows=see("This confirmation link is incomplete"),
    ),
    *every(
        "POST",
        "/accounts/email/verify/not-a-token/",
        page=True,
        **dict.fromkeys(PERSONAS, Expect(405, changes_database=False)),
    ),
    # A new link goes to the caller's own address (Alice's and Bob's are confirmed
    # already; the staff login's is not); without a login or a link, nothing is sent.
    *every(
        "POST",
        "/accounts/email/resend/",
        page=True,
        body={"token": "not-a-token"},
        anonymous=Expect(400, shows=see("Log in and ask for a new link")),
        alice=Expect(200, shows=see("confirmed already"), changes_database=False),
        bob=Expect(200, shows=see("confirmed already"), changes_database=False),
        staff=Expect(200, shows=see("A new confirmation link is on its way to <strong>admin@")),
    ),
    *every(
        "GET",
        "/accounts/email/resend/",
        page=True,
        **dict.fromkeys(PERSONAS, Expect(405, changes_database=False)),
    ),
    # One's own public profile.
    *every(
        "GET",
        "/accounts/profile/",
        page=True,
        anonymous=Expect(302, redirect=LOGIN),
        alice=Expect(200, shows=see('value="Alice"'), hides=see('value="Bob"')),
        bob=Expect(200, shows=see('value="Bob"'), hides=see('value="Alice"')),
        staff=200,
    ),
    *every(
        "POST",
        "/accounts/profile/",
        page=True,
        body={"display_name": "Renamed through the matrix", "bio": "", "link_1": ""},
        anonymous=Expect(302, redirect=LOGIN),
        alice=Expect(302, redirect="/accounts/", then=display_name_of_the_caller_only),
        bob=Expect(302, redirect="/accounts/", then=display_name_of_the_caller_only),
        staff=Expect(302, redirect="/accounts/", then=display_name_of_the_caller_only),
    ),
    *every(
        "PUT",
        "/accounts/profile/",
        page=True,
        anonymous=Expect(302, redirect=LOGIN),
        alice=Expect(405, changes_database=False),
        bob=Expect(405, changes_database=False),
        staff=Expect(405, changes_database=False),
    ),
    # Deleting one's account asks for one's password; without it nothing changes.
    *every(
        "GET",
        "/accounts/delete/",
        page=True,
        anonymous=Expect(302, redirect=LOGIN),
        alice=Expect(200, shows=see("Delete my account")),
        bob=Expect(200, shows=see("Delete my account")),
        staff=Expect(200, shows=see("Delete my account")),
    ),
    *every(
        "POST",
        "/accounts/delete/",
        page=True,
        body={"password": "not the password"},
        anonymous=Expect(302, redirect=LOGIN),
        alice=Expect(400, shows=see("That is not your password."), changes_database=False),
        bob=Expect(400, shows=see("That is not your password."), changes_database=False),
        staff=Expect(400, shows=see("That is not your password."), changes_database=False),
    ),
    *every(
        "POST",
        "/accounts/delete/",
        page=True,
        body={"password": PASSWORD},
        anonymous=Expect(302, redirect=LOGIN),
        alice=Expect(302, redirect="/", then=deleted_the_callers_account_only),
        bob=Expect(302, redirect="/", then=deleted_the_callers_account_only),
        staff=Expect(302, redirect="/", then=deleted_the_callers_account_only),
    ),
]

_staff_pages = [
    *every(
        "GET",
        "/staff/resolutions/",
        page=True,
        anonymous=Expect(302, redirect=ADMIN_LOGIN),
        alice=Expect(302, redirect=ADMIN_LOGIN),
        bob=Expect(302, redirect=ADMIN_LOGIN),
        staff=Expect(200, shows=see("matrix-closed")),
    ),
    *every(
        "POST",
        "/staff/resolutions/{closed}/",
        page=True,
        body=lambda w: {"action": "confirm", "supersedes": str(w.proposal.pk)},
        anonymous=Expect(302, redirect=ADMIN_LOGIN),
        alice=Expect(302, redirect=ADMIN_LOGIN),
        bob=Expect(302, redirect=ADMIN_LOGIN),
        staff=Expect(302, redirect="/staff/resolutions/", then=proposal_confirmed),
    ),
    *every(
        "POST",
        "/staff/resolutions/{closed}/?override",
        page=True,
        body=lambda w: {
            "action": "override",
            "outcome": "no",
            "rationale": "Read again.",
            "supersedes": str(w.proposal.pk),
        },
        anonymous=Expect(302, redirect=ADMIN_LOGIN),
        alice=Expect(302, redirect=ADMIN_LOGIN),
        bob=Expect(302, redirect=ADMIN_LOGIN),
        staff=Expect(302, redirect="/staff/resolutions/", then=closed_question_outcome_is("no")),
    ),
    *every(
        "POST",
        "/staff/resolutions/{closed}/?annul",
        page=True,
        body=lambda w: {
            "action": "annul",
            "rationale": "Ill-posed.",
            "supersedes": str(w.proposal.pk),
        },
        anonymous=Expect(302, redirect=ADMIN_LOGIN),
        alice=Expect(302, redirect=ADMIN_LOGIN),
        bob=Expect(302, redirect=ADMIN_LOGIN),
        staff=Expect(
            302, redirect="/staff/resolutions/", then=closed_question_outcome_is("annulled")
        ),
    ),
    # Confirming through another question's address confirms nothing.
    *every(
        "POST",
        "/staff/resolutions/{resolved}/",
        page=True,
        body=lambda w: {"action": "confirm", "supersedes": str(w.proposal.pk)},
        anonymous=Expect(302, redirect=ADMIN_LOGIN),
        alice=Expect(302, redirect=ADMIN_LOGIN),
        bob=Expect(302, redirect=ADMIN_LOGIN),
        staff=404,
    ),
    # A question's resolution sources: set up, dry-run, health (staff only).
    *every(
        "GET",
        "/staff/questions/{closed}/sources/",
        page=True,
        anonymous=Expect(302, redirect=ADMIN_LOGIN),
        alice=Expect(302, redirect=ADMIN_LOGIN),
        bob=Expect(302, redirect=ADMIN_LOGIN),
        staff=Expect(200, shows=see("Resolution sources", "Add a source", "Check now (dry run)")),
    ),
    *every(
        "POST",
        "/staff/questions/{closed}/sources/",
        page=True,
        body=NEW_MANUAL_SOURCE,
        anonymous=Expect(302, redirect=ADMIN_LOGIN),
        alice=Expect(302, redirect=ADMIN_LOGIN),
        bob=Expect(302, redirect=ADMIN_LOGIN),
        staff=Expect(302, redirect="/staff/questions/matrix-closed/sources/", then=source_attached),
    ),
    *every(
        "GET",
        "/staff/questions/{closed}/sources/{closed_source}/",
        page=True,
        anonymous=Expect(302, redirect=ADMIN_LOGIN),
        alice=Expect(302, redirect=ADMIN_LOGIN),
        bob=Expect(302, redirect=ADMIN_LOGIN),
        staff=Expect(200, shows=see("Latest 1 check", "Save changes")),
    ),
    *every(
        "POST",
        "/staff/questions/{closed}/sources/{closed_source}/",
        page=True,
        body={**NEW_MANUAL_SOURCE, "config__instructions": "Read the agency's page."},
        anonymous=Expect(302, redirect=ADMIN_LOGIN),
        alice=Expect(302, redirect=ADMIN_LOGIN),
        bob=Expect(302, redirect=ADMIN_LOGIN),
        staff=Expect(
            302, redirect="/staff/questions/matrix-closed/sources/", then=source_instructions_set
        ),
    ),
    # Another question's address reaches none of this source.
    *every(
        "GET",
        "/staff/questions/{open}/sources/{closed_source}/",
        page=True,
        anonymous=Expect(302, redirect=ADMIN_LOGIN),
        alice=Expect(302, redirect=ADMIN_LOGIN),
        bob=Expect(302, redirect=ADMIN_LOGIN),
        staff=404,
    ),
    # A dry run shows what a check would find and records nothing.
    *every(
        "POST",
        "/staff/questions/{closed}/sources/{closed_source}/dry-run/",
        page=True,
        anonymous=Expect(302, redirect=ADMIN_LOGIN),
        alice=Expect(302, redirect=ADMIN_LOGIN),
        bob=Expect(302, redirect=ADMIN_LOGIN),
        staff=Expect(200, shows=see("nothing was recorded"), changes_database=False),
    ),
    # The import pages: staff only (anonymous visitors log in; forecasters are refused).
    *every(
        "GET",
        "/staff/imports/",
        page=True,
        anonymous=Expect(302, redirect=LOGIN),
        alice=Expect(403, hides=see("Import a source")),
        bob=Expect(403, hides=see("Import a source")),
        staff=Expect(200, shows=see("Import a source", "/staff/imports/matrix-source/")),
    ),
    *every(
        "POST",
        "/staff/imports/",
        page=True,
        body={**IMPORTED, "fiscal_year_start_month": "1"},
        anonymous=Expect(302, redirect=LOGIN),
        alice=403,
        bob=403,
        staff=Expect(302, redirect="/staff/imports/matrix-import/", then=source_imported),
    ),
    *every(
        "GET",
        "/staff/imports/{source}/",
        page=True,
        anonymous=Expect(302, redirect=LOGIN),
        alice=Expect(403, hides=see(PROPOSAL_QUOTE)),
        bob=Expect(403, hides=see(PROPOSAL_QUOTE)),
        staff=Expect(200, shows=see(PROPOSAL_QUOTE, PROPOSAL_DRAFT_TITLE, "Accept and publish")),
    ),
    *every(
        "GET",
        "/staff/imports/{source}/progress/",
        page=True,
        anonymous=Expect(302, redirect=LOGIN),
        alice=403,
        bob=403,
        staff=Expect(200, shows=see('"state": "done"')),
    ),
    *every(
        "POST",
        "/staff/imports/{source}/claims/{claim_proposal}/",
        page=True,
        body={"action": "reject"},
        anonymous=Expect(302, redirect=LOGIN),
        alice=403,
        bob=403,
        staff=Expect(
            302,
            redirect="/staff/imports/matrix-source/#claim-",
            then=proposal_reviewed("rejected"),
        ),
    ),
    # Django's admin (its own routes are left out of the walk below; these stand for them).
    *every(
        "GET",
        "/admin/",
        page=True,
        anonymous=Expect(302, redirect=ADMIN_LOGIN),
        alice=Expect(302, redirect=ADMIN_LOGIN),
        bob=Expect(302, redirect=ADMIN_LOGIN),
        staff=200,
    ),
    *every(
        "GET",
        "/admin/predictions/forecast/",
        page=True,
        anonymous=Expect(302, redirect=ADMIN_LOGIN),
        alice=Expect(302, redirect=ADMIN_LOGIN),
        bob=Expect(302, redirect=ADMIN_LOGIN),
        staff=200,
    ),
    *every(
        "POST",
        "/admin/registry/question/{open_id}/change/",
        page=True,
        body={"title": "Renamed through the admin"},
        anonymous=Expect(302, redirect=ADMIN_LOGIN),
        alice=Expect(302, redirect=ADMIN_LOGIN),
        bob=Expect(302, redirect=ADMIN_LOGIN),
        # An incomplete form is shown again with its errors.
        staff=Expect(200, changes_database=False),
    ),
]

_discussion = [
    # The thread is public; a hidden comment's text is for staff, and the forecast beside a
    # comment is as private as the forecast log until the close.
    *every(
        "GET",
        "/api/v1/questions/{open}/comments/",
        anonymous=Expect(200, shows=see(ALICE_COMMENT), hides=see(HIDDEN_COMMENT, "0.637")),
        alice=Expect(200, shows=see(ALICE_COMMENT, '"Yes":0.637'), hides=see(HIDDEN_COMMENT)),
        bob=Expect(200, shows=see(ALICE_COMMENT), hides=see(HIDDEN_COMMENT, "0.637")),
        staff=Expect(200, shows=see(ALICE_COMMENT, HIDDEN_COMMENT, '"Yes":0.637')),
    ),
    *every(
        "GET",
        "/api/v1/questions/{draft}/comments/",
        anonymous=404,
        alice=404,
        bob=404,
        staff=200,
    ),
    *every(
        "POST",
        "/api/v1/questions/{open}/comments/",
        body={"body": "Matrix: posted through the API"},
        anonymous=401,
        alice=Expect(201, then=commented_by_the_caller("Matrix: posted through the API")),
        bob=Expect(201, then=commented_by_the_caller("Matrix: posted through the API")),
        staff=Expect(201, then=commented_by_the_caller("Matrix: posted through the API")),
    ),
    *every(
        "GET",
        "/questions/{open}/?comments=1",
        page=True,
        anonymous=Expect(
            200, shows=see(ALICE_COMMENT), hides=see(HIDDEN_COMMENT, ALICE_COMMENT_FORECAST)
        ),
        alice=Expect(
            200, shows=see(ALICE_COMMENT, ALICE_COMMENT_FORECAST), hides=see(HIDDEN_COMMENT)
        ),
        bob=Expect(
            200, shows=see(ALICE_COMMENT), hides=see(HIDDEN_COMMENT, ALICE_COMMENT_FORECAST)
        ),
        staff=Expect(200, shows=see(ALICE_COMMENT, HIDDEN_COMMENT, ALICE_COMMENT_FORECAST)),
    ),
    *every(
        "POST",
        "/questions/{open}/comments/",
        page=True,
        body={"body": "Matrix: posted from the page"},
        anonymous=Expect(302, redirect=LOGIN),
        alice=Expect(
            302,
            redirect="/questions/matrix-open/#comment-",
            then=commented_by_the_caller("Matrix: posted from the page"),
        ),
        bob=Expect(
            302,
            redirect="/questions/matrix-open/#comment-",
            then=commented_by_the_caller("Matrix: posted from the page"),
        ),
        staff=Expect(
            302,
            redirect="/questions/matrix-open/#comment-",
            then=commented_by_the_caller("Matrix: posted from the page"),
        ),
    ),
    # A draft takes no comments: not found, and staff are told why on its page.
    *every(
        "POST",
        "/questions/{draft}/comments/",
        page=True,
        body={"body": "Matrix: on a draft"},
        anonymous=404,
        alice=404,
        bob=404,
        staff=Expect(302, redirect="/questions/matrix-draft/", changes_database=False),
    ),
    # Only the author edits a comment (within the edit window).
    *every(
        "GET",
        "/comments/{comment}/edit/",
        page=True,
        anonymous=Expect(302, redirect=LOGIN),
        alice=Expect(200, shows=see(ALICE_COMMENT)),
        bob=Expect(403, hides=see(ALICE_COMMENT)),
        staff=Expect(403, hides=see(ALICE_COMMENT)),
    ),
    *every(
        "POST",
        "/comments/{comment}/edit/",
        page=True,
        body={"body": "Matrix: edited by its author"},
        anonymous=Expect(302, redirect=LOGIN),
        alice=Expect(
            302,
            redirect="/questions/matrix-open/#comment-",
            then=comment_body_is("Matrix: edited by its author"),
        ),
        bob=403,
        staff=403,
    ),
    # Only staff moderate.
    *every(
        "POST",
        "/comments/{comment}/hide/",
        page=True,
        body={"reason": "Matrix"},
        anonymous=Expect(302, redirect=ADMIN_LOGIN),
        alice=Expect(302, redirect=ADMIN_LOGIN),
        bob=Expect(302, redirect=ADMIN_LOGIN),
        staff=Expect(
            302, redirect="/questions/matrix-open/#comment-", then=comment_hidden_by_staff
        ),
    ),
    *every(
        "POST",
        "/comments/{hidden_comment}/unhide/",
        page=True,
        anonymous=Expect(302, redirect=ADMIN_LOGIN),
        alice=Expect(302, redirect=ADMIN_LOGIN),
        bob=Expect(302, redirect=ADMIN_LOGIN),
        staff=Expect(302, redirect="/questions/matrix-open/#comment-", then=hidden_comment_shown),
    ),
    *every(
        "GET",
        "/admin/predictions/comment/",
        page=True,
        anonymous=Expect(302, redirect=ADMIN_LOGIN),
        alice=Expect(302, redirect=ADMIN_LOGIN),
        bob=Expect(302, redirect=ADMIN_LOGIN),
        staff=Expect(200, shows=see(ALICE_COMMENT)),
    ),
]


def follows_by_the_caller(target: str, key: str) -> Callable[[World, str], None]:
    """The caller follows the target (a question or source by slug, a forecaster by handle)."""
    lookup = f"{target}__handle" if target == "forecaster" else f"{target}__slug"

    def check(world: World, persona: str) -> None:
        follows = Follow.objects.filter(follower__user=world.user_of(persona), **{lookup: key})
        assert follows.count() == 1

    return check


def alice_follow_ended(world: World, persona: str) -> None:
    assert not Follow.objects.filter(pk=world.follow.pk).exists()


def notice_settings_of_the_caller_saved(world: World, persona: str) -> None:
    (saved,) = NotificationSettings.objects.all()
    assert saved.forecaster.user == world.user_of(persona)
    assert (saved.daily_digest, saved.resolved_notice, saved.closing_reminder) == (
        True,
        True,
        False,
    )


def alice_closing_reminders_stopped(world: World, persona: str) -> None:
    (saved,) = NotificationSettings.objects.all()
    assert (saved.forecaster, saved.closing_reminder) == (world.alice, False)


FOLLOW = {"action": "follow"}

_follows = [
    # The follow buttons: one follows for oneself, a visitor logs in first; a draft is found
    # by staff only, and not even they can follow it; nobody follows themself.
    *every(
        "POST",
        "/questions/{open}/follow/",
        page=True,
        body=FOLLOW,
        anonymous=Expect(302, redirect=LOGIN),
        alice=Expect(
            302,
            redirect="/questions/matrix-open/",
            then=follows_by_the_caller("question", "matrix-open"),
        ),
        bob=Expect(
            302,
            redirect="/questions/matrix-open/",
            then=follows_by_the_caller("question", "matrix-open"),
        ),
        staff=Expect(
            302,
            redirect="/questions/matrix-open/",
            then=follows_by_the_caller("question", "matrix-open"),
        ),
    ),
    *everyone("GET", "/questions/{open}/follow/", status=405, page=True),
    *every(
        "POST",
        "/questions/{draft}/follow/",
        page=True,
        body=FOLLOW,
        anonymous=404,
        alice=404,
        bob=404,
        staff=Expect(302, redirect="/questions/matrix-draft/", changes_database=False),
    ),
    *every(
        "POST",
        "/questions/{closed}/follow/",
        page=True,
        body={"action": "unfollow"},
        anonymous=Expect(302, redirect=LOGIN),
        alice=Expect(302, redirect="/questions/matrix-closed/", then=alice_follow_ended),
        bob=Expect(302, redirect="/questions/matrix-closed/", changes_database=False),
        staff=Expect(302, redirect="/questions/matrix-closed/", changes_database=False),
    ),
    *every(
        "POST",
        "/forecasters/alice/follow/",
        page=True,
        body=FOLLOW,
        anonymous=Expect(302, redirect=LOGIN),
        alice=Expect(302, redirect="/forecasters/alice/", changes_database=False),
        bob=Expect(
            302, redirect="/forecasters/alice/", then=follows_by_the_caller("forecaster", "alice")
        ),
        staff=Expect(
            302, redirect="/forecasters/alice/", then=follows_by_the_caller("forecaster", "alice")
        ),
    ),
    *every(
        "POST",
        "/sources/{source}/follow/",
        page=True,
        body=FOLLOW,
        anonymous=Expect(302, redirect=LOGIN),
        alice=Expect(
            302,
            redirect="/sources/matrix-source/",
            then=follows_by_the_caller("source", "matrix-source"),
        ),
        bob=Expect(
            302,
            redirect="/sources/matrix-source/",
            then=follows_by_the_caller("source", "matrix-source"),
        ),
        staff=Expect(
            302,
            redirect="/sources/matrix-source/",
            then=follows_by_the_caller("source", "matrix-source"),
        ),
    ),
    # One's own notification settings.
    *every(
        "POST",
        "/accounts/notification-settings/",
        page=True,
        body={"daily_digest": "on", "resolved_notice": "on"},
        anonymous=Expect(302, redirect=LOGIN),
        alice=Expect(
            302, redirect="/accounts/#notice-settings", then=notice_settings_of_the_caller_saved
        ),
        bob=Expect(
            302, redirect="/accounts/#notice-settings", then=notice_settings_of_the_caller_saved
        ),
        staff=Expect(
            302, redirect="/accounts/#notice-settings", then=notice_settings_of_the_caller_saved
        ),
    ),
    *every(
        "GET",
        "/accounts/notification-settings/",
        page=True,
        anonymous=Expect(302, redirect=LOGIN),
        alice=405,
        bob=405,
        staff=405,
    ),
    # An email's unsubscribe link works for whoever holds it, logged in or not, and only
    # for the account and kind it was signed for; a GET only asks.
    *everyone(
        "GET", "/notifications/unsubscribe/{alice_unsubscribe}/", page=True, shows=see("@alice")
    ),
    *every(
        "POST",
        "/notifications/unsubscribe/{alice_unsubscribe}/",
        page=True,
        **dict.fromkeys(PERSONAS, Expect(200, then=alice_closing_reminders_stopped)),
    ),
    *everyone("POST", "/notifications/unsubscribe/not-a-token/", status=400, page=True),
    *everyone("PUT", "/notifications/unsubscribe/{alice_unsubscribe}/", status=405, page=True),
    # The API: one's own follows only.
    *every(
        "GET",
        "/api/v1/follows/",
        anonymous=401,
        alice=Expect(200, shows=see('"matrix-closed"')),
        bob=Expect(200, hides=see("matrix-closed")),
        staff=Expect(200, hides=see("matrix-closed")),
    ),
    *every(
        "POST",
        "/api/v1/follows/",
        body={"question": "matrix-open"},
        anonymous=401,
        alice=Expect(201, then=follows_by_the_caller("question", "matrix-open")),
        bob=Expect(201, then=follows_by_the_caller("question", "matrix-open")),
        staff=Expect(201, then=follows_by_the_caller("question", "matrix-open")),
    ),
    *every(
        "POST",
        "/api/v1/follows/",
        body={"question": "matrix-draft"},
        anonymous=401,
        alice=400,
        bob=400,
        staff=400,
    ),
    *every(
        "GET",
        "/api/v1/follows/{follow}/",
        anonymous=401,
        alice=Expect(200, shows=see('"matrix-closed"')),
        bob=404,
        staff=404,
    ),
    *every(
        "DELETE",
        "/api/v1/follows/{follow}/",
        anonymous=401,
        alice=Expect(204, then=alice_follow_ended),
        bob=404,
        staff=404,
    ),
]

MATRIX: list[Row] = [
    *with_format_suffix(_router),
    *_forecasts,
    *_outcomes,
    *_plumbing,
    *_pages,
    *_accounts,
    *_staff_pages,
    *_imports,
    *_discussion,
    *_follows,
]


# --- Running a row ---------------------------------------------------------------------------


@pytest.fixture
def client_for(request, world: World) -> Callable[[str, bool], Any]:
    """The persona's client: its API token client, or a browser session logged in."""

    def make(persona: str, page: bool) -> Any:
        if page:
            client = Client()
            if persona != ANONYMOUS:
                client.force_login(world.user_of(persona))
            return client
        fixture = {
            ANONYMOUS: "anonymous_client",
            ALICE: "alice_client",
            BOB: "bob_client",
            STAFF: "staff_client",
        }[persona]
        return request.getfixturevalue(fixture)

    return make


def _watched_models() -> list[Any]:
    labels = {"auth", "registry", "predictions", "resolvers", "authtoken", "knox"}
    return [model for model in apps.get_models() if model._meta.app_label in labels]


def database_state() -> dict[str, list[dict]]:
    """Every row of the project's tables, users and tokens (sessions aside)."""
    return {
        model._meta.label: list(model.objects.order_by("pk").values())
        for model in _watched_models()
    }


def _send(client: Any, method: str, path: str, body: Any, page: bool) -> Any:
    kwargs: dict[str, Any] = {}
    if body is not None:
        kwargs = {"data": body} if page else {"data": body, "format": "json"}
    if page and method in ("PUT", "PATCH"):
        # Django's test client sends form bodies only with POST.
        kwargs = {"data": "", "content_type": "application/x-www-form-urlencoded"}
    return getattr(client, method.lower())(path, **kwargs)


def _text(response: Any) -> str:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content).decode(errors="replace")
    return response.content.decode(errors="replace")


@pytest.mark.parametrize("row", MATRIX, ids=[row.id for row in MATRIX])
def test_authorization_matrix(row: Row, world: World, client_for) -> None:
    client = client_for(row.persona, row.page)
    path = world.fill(row.path)
    body = row.expect.body if row.expect.body is not None else row.body
    if callable(body):
        body = body(world)
    expect = row.expect
    refused = expect.refused if expect.changes_database is None else not expect.changes_database
    before = database_state() if row.method not in SAFE_METHODS and refused else None

    response = _send(client, row.method, path, body, row.page)

    assert response.status_code == expect.status, _text(response)[:2000]
    text = _text(response)
    for shown in map(world.fill, expect.shows):
        assert shown in text, f"{shown!r} should be shown"
    for hidden in map(world.fill, expect.hides):
        assert hidden not in text, f"{hidden!r} should not be shown"
    if expect.redirect is not None:
        assert response["Location"].startswith(expect.redirect), response["Location"]
    if response.status_code >= 400 and not row.page:
        assert set(response.json()) == {"error", "fields"}
    if before is not None:
        assert database_state() == before, "a refused request changed the database"
    if expect.then is not None:
        expect.then(world, row.persona)


# --- Completeness: no route without its rows ------------------------------------------------

# Routes left out of the walk, each with why.
NOT_IN_THE_WALK = {
    "admin/": "Django's own admin: every view of it sits behind admin_view (staff only); the "
    "/admin/ rows above stand for them",
}


def _join(prefix: str, route: str) -> str:
    # As django.urls.resolvers.URLResolver joins them into ResolverMatch.route.
    return prefix + route.removeprefix("^") if prefix else route


def site_routes() -> dict[str, Any]:
    """Every route of config.urls (as ResolverMatch.route spells it) with its view."""
    found: dict[str, Any] = {}

    def walk(patterns: list, prefix: str) -> None:
        for pattern in patterns:
            route = _join(prefix, str(pattern.pattern))
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns, route)
            elif isinstance(pattern, URLPattern):
                found[route] = pattern.callback

    walk(get_resolver().url_patterns, "")
    return {
        route: view
        for route, view in found.items()
        if not any(route.startswith(prefix) for prefix in NOT_IN_THE_WALK)
    }


def accepted_methods(view: Any) -> set[str] | None:
    """The methods a class-based view answers (None for a function view, which says not)."""
    # HEAD and OPTIONS answer like GET and describe the view; DRF adds "head" to a viewset's
    # actions once it has served a request.
    actions = getattr(view, "actions", None)
    if actions:
        methods = set(actions)
    elif (view_class := getattr(view, "view_class", None)) is not None:
        methods = {name for name in view_class.http_method_names if hasattr(view_class, name)}
    else:
        return None
    return {method.upper() for method in methods - {"head", "options"}}


class _AnyName(dict):
    def __missing__(self, key: str) -> str:
        return "1"  # fits every converter of the routes: slugs and ints


def test_every_route_has_a_row_for_every_persona() -> None:
    routes = site_routes()
    covered: dict[tuple[str, str], set[str]] = defaultdict(set)
    for row in MATRIX:
        match = resolve(urlsplit(row.path.format_map(_AnyName())).path)
        covered[(match.route, row.method)].add(row.persona)
        covered[(match.route, "*")].add(row.persona)

    missing = []
    for route, view in sorted(routes.items()):
        for method in sorted(accepted_methods(view) or {"*"}):
            lacking = set(PERSONAS) - covered[(route, method)]
            if lacking:
                missing.append(f"{method} {route}: no row for {', '.join(sorted(lacking))}")
    assert not missing, "routes without their rows:\n" + "\n".join(missing)


def test_the_walk_finds_the_routes_rows_resolve_to() -> None:
    """The walk spells routes as the resolver does, so the check above compares like with
    like; and it reaches the API, the pages, the accounts and the staff queue."""
    routes = site_routes()
    for row in MATRIX:
        route = resolve(urlsplit(row.path.format_map(_AnyName())).path).route
        assert route in routes or any(route.startswith(p) for p in NOT_IN_THE_WALK), row.id
    for expected in ("api/v1/me/", "questions/<slug:slug>/", "accounts/", "staff/resolutions/"):
        assert expected in routes


# --- Mass assignment: fields nobody sets through a write ------------------------------------


@dataclass(frozen=True)
class Write:
    """A write the persona may make, with a valid body the extra fields are added to."""

    method: str
    path: str
    persona: str
    body: Any
    extras: tuple[str, ...] = ()


# Fields a caller never sets: who, when, and what state things are in.
NEVER_SET = (
    "id",
    "submitted_at",
    "forecaster",
    "forecaster_id",
    "user",
    "user_id",
    "outcome",
    "status",
    "state",
    "published_at",
    "is_staff",
    "created_by",
    "created_at",
)


def _never_set_except(*allowed: str, more: tuple[str, ...] = ()) -> tuple[str, ...]:
    return tuple(name for name in NEVER_SET if name not in allowed) + more


API_WRITES = [
    Write(
        "POST",
        "/api/v1/questions/{open}/forecasts/",
        ALICE,
        {"probability": 0.4},
        # `forecaster` may name oneself (the matrix shows naming another is refused).
        _never_set_except("forecaster", more=("origin", "question", "probabilities_vector")),
    ),
    Write(
        "POST",
        "/api/v1/questions/",
        STAFF,
        NEW_QUESTION,
        _never_set_except(more=("updated_at", "crowd_hidden_until_forecast", "derived_status")),
    ),
    Write(
        "PATCH",
        "/api/v1/questions/{open}/",
        STAFF,
        {"title": "Renamed"},
        _never_set_except(more=("slug", "updated_at", "resolution")),
    ),
    Write(
        "PUT",
        "/api/v1/questions/{draft}/",
        STAFF,
        REPLACED_DRAFT,
        _never_set_except(more=("slug", "updated_at")),
    ),
    Write(
        "POST",
        "/api/v1/questions/{closed}/resolutions/",
        STAFF,
        lambda w: {"outcome": "no", "rationale": "Staff read it.", "supersedes": w.proposal.pk},
        # `outcome` is what staff record here.
        _never_set_except(
            "outcome",
            more=(
                "resolved_by",
                "finalized_at",
                "superseded_at",
                "resolver",
                "evidence",
                "question",
            ),
        ),
    ),
    Write(
        "POST",
        "/api/v1/resolutions/{proposal}/confirm/",
        STAFF,
        {},
        _never_set_except(more=("known_on", "rationale", "option", "resolved_by")),
    ),
    Write(
        "POST",
        "/api/v1/questions/{closed}/sources/",
        STAFF,
        {"kind": "manual", "config": {}},
        _never_set_except(
            more=("next_check_at", "last_checked_at", "last_verdict", "enabled", "question")
        ),
    ),
    Write(
        "POST",
        "/api/v1/imports/",
        STAFF,
        IMPORTED,
        _never_set_except(more=("source", "proposed", "language", "origin", "finished_at")),
    ),
    Write(
        "POST",
        "/api/v1/proposals/{claim_proposal}/accept/",
        STAFF,
        {"title": "Accepted through the matrix"},
        _never_set_except(
            more=("review_state", "reviewed_by", "reviewed_at", "question", "published", "quote")
        ),
    ),
    Write(
        "POST",
        "/api/v1/proposals/{claim_proposal}/merge/",
        STAFF,
        {"question": "matrix-open"},
        _never_set_except(more=("review_state", "reviewed_by")),
    ),
    Write(
        "POST",
        "/api/v1/auth/token/",
        ANONYMOUS,
        own_credentials(ANONYMOUS),
        ("id", "user", "user_id", "is_staff", "expiry", "digest"),
    ),
    Write(
        "POST",
        "/api/v1/resolutions/{proposal}/disputes/",
        ALICE,
        {"reason": "The source was misread."},
        _never_set_except(more=("resolution",)),
    ),
    Write(
        "POST",
        "/api/v1/questions/{open}/comments/",
        ALICE,
        {"body": "Matrix: a comment with extras"},
        _never_set_except(
            more=(
                "author",
                "question",
                "body_html",
                "edited_at",
                "hidden",
                "hidden_at",
                "hidden_by",
                "hidden_reason",
                "standing_forecast",
                "forecast_when_posted",
            )
        ),
    ),
    Write(
        "POST",
        "/api/v1/follows/",
        ALICE,
        {"question": "matrix-open"},
        # `forecaster` is a target one may follow; naming it beside a question is the 400
        # "exactly one".
        _never_set_except("forecaster", more=("follower", "target_type")),
    ),
]

MASS_ASSIGNMENT = [
    pytest.param(write, name, id=f"{write.method} {write.path} with {name}")
    for write in API_WRITES
    for name in write.extras
]


def _value_for(name: str, world: World) -> Any:
    return {
        "id": 999_999,
        "submitted_at": "2020-01-01T00:00:00Z",
        "forecaster": "bob",
        "forecaster_id": world.bob.pk,
        "user": world.bob.user.pk,
        "user_id": world.bob.user.pk,
        "outcome": "no",
        "status": "resolved",
        "state": "final",
        "published_at": "2020-01-01T00:00:00Z",
        "is_staff": True,
        "created_by": world.bob.user.pk,
        "created_at": "2020-01-01T00:00:00Z",
        "enabled": False,
    }.get(name, "2020-01-01T00:00:00Z")


@pytest.mark.parametrize(("write", "name"), MASS_ASSIGNMENT)
def test_a_write_refuses_a_field_its_caller_may_not_set(
    write: Write, name: str, world: World, client_for
) -> None:
    body = write.body(world) if callable(write.body) else dict(write.body)
    body[name] = _value_for(name, world)
    before = database_state()

    response = _send(
        client_for(write.persona, False),
        write.method,
        world.fill(write.path),
        body,
        False,
    )

    assert response.status_code == 400, response.content
    assert name in response.json()["fields"]
    assert database_state() == before


@pytest.mark.parametrize("write", API_WRITES, ids=[f"{w.method} {w.path}" for w in API_WRITES])
def test_each_write_of_that_table_is_accepted_without_the_extra_field(
    write: Write, world: World, client_for
) -> None:
    """So the 400s above are the extra field's doing, not a bad body's."""
    body = write.body(world) if callable(write.body) else dict(write.body)
    client = client_for(write.persona, False)

    response = _send(client, write.method, world.fill(write.path), body, False)

    assert response.status_code in (200, 201), response.content


# --- Writes that read no field, and pages: extra fields have no effect ---------------------


def _session(user) -> Client:  # type: ignore[no-untyped-def]
    client = Client()
    client.force_login(user)
    return client


def smuggled(world: World) -> dict[str, str]:
    """Fields naming someone else, another time or another state, as a form would post them."""
    return {
        "forecaster": "bob",
        "forecaster_id": str(world.bob.pk),
        "user": str(world.bob.user.pk),
        "user_id": str(world.bob.user.pk),
        "username": "bob",
        "handle": "bob",
        "submitted_at": "2020-01-01T00:00:00Z",
        "origin": "import",
        "status": "resolved",
        "state": "final",
        "outcome": "no",
        "published_at": "2020-01-01T00:00:00Z",
        "is_staff": "on",
        "is_superuser": "on",
        "resolved_by": str(world.bob.user.pk),
        "known_on": "2020-01-01",
        "finalized_at": "2020-01-01T00:00:00Z",
    }


def test_the_question_page_records_the_callers_forecast_whatever_else_is_posted(world):
    response = _session(world.alice.user).post(
        "/questions/matrix-open/", {"probability": "44", **smuggled(world)}
    )

    assert response.status_code == 302
    forecast = _latest_forecast(world.open_question)
    assert (forecast.forecaster, forecast.probabilities) == (world.alice, [pytest.approx(0.44)])
    assert forecast.origin == Forecast.Origin.WEB
    assert abs(forecast.submitted_at - timezone.now()) < timedelta(minutes=1)
    assert not world.bob.forecasts.exists()
    status = Question.objects.with_status().get(pk=world.open_question.pk).derived_status
    assert status == Question.Status.OPEN
    assert not world.open_question.resolutions.exists()


def test_a_comment_from_the_page_is_the_callers_whatever_else_is_posted(world):
    response = _session(world.bob.user).post(
        "/questions/matrix-open/comments/",
        {
            "body": "Matrix: Bob's own words",
            **smuggled(world),
            "author": str(world.alice.pk),
            "created_at": "2020-01-01T00:00:00Z",
            "hidden_at": "2020-01-01T00:00:00Z",
            "standing_forecast": str(world.comment.standing_forecast_id),
        },
    )

    assert response.status_code == 302
    comment = world.open_question.comments.order_by("-id").first()
    assert (comment.author, comment.body) == (world.bob, "Matrix: Bob's own words")
    assert abs(comment.created_at - timezone.now()) < timedelta(minutes=1)
    assert comment.hidden_at is None and comment.standing_forecast is None


def test_signup_makes_a_user_without_privileges_whatever_else_is_posted(world):
    response = Client().post(
        "/accounts/signup/",
        {**smuggled(world), **SIGNUP, "groups": "1", "user_permissions": "1"},
    )

    assert response.status_code == 302
    newcomer = get_user_model().objects.get(username="newcomer")
    assert not newcomer.is_staff and not newcomer.is_superuser
    assert not newcomer.groups.exists() and not newcomer.user_permissions.exists()
    assert Forecaster.objects.get(user=newcomer).kind == Forecaster.Kind.HUMAN


def test_the_notification_choice_changes_the_callers_profile_only(world):
    bob_before = Forecaster.objects.values().get(pk=world.bob.pk)

    response = _session(world.alice.user).post(
        "/accounts/notifications/", {"email_notifications": "on", **smuggled(world)}
    )

    assert response.status_code == 302
    world.alice.refresh_from_db()
    assert world.alice.email_notifications is True
    assert world.alice.handle == "alice"
    assert Forecaster.objects.values().get(pk=world.bob.pk) == bob_before


def test_a_password_change_changes_the_callers_password_only(world):
    new_password = "an entirely new passphrase 77"

    response = _session(world.alice.user).post(
        "/accounts/password_change/",
        {
            "old_password": PASSWORD,
            "new_password1": new_password,
            "new_password2": new_password,
            **smuggled(world),
        },
    )

    assert response.status_code == 302
    world.alice.user.refresh_from_db()
    world.bob.user.refresh_from_db()
    assert world.alice.user.check_password(new_password)
    assert world.bob.user.check_password(PASSWORD)
    assert (world.alice.user.is_staff, world.bob.user.username) == (False, "bob")


def test_the_token_pages_act_on_the_callers_tokens_only(world):
    alice = _session(world.alice.user)
    bob_token = api_tokens_of(user=world.bob.user).get()

    assert alice.post("/accounts/token/", smuggled(world)).status_code == 200
    assert api_tokens_of(user=world.alice.user).count() == 2
    # Naming Bob's token revokes nothing: a user revokes their own tokens only.
    alice.post("/accounts/token/revoke/", {**smuggled(world), "token": bob_token.digest})
    alice.post("/accounts/token/revoke-all/", smuggled(world))

    assert api_tokens_of(user=world.alice.user).count() == 0
    assert list(api_tokens_of(user=world.bob.user)) == [bob_token]
    assert api_tokens_of(user=world.staff).count() == 1


def test_the_token_api_revokes_the_callers_tokens_whatever_the_body_names(world, alice_client):
    bob_token = api_tokens_of(user=world.bob.user).get()
    body = {**smuggled(world), "token": bob_token.digest, "digest": bob_token.digest}

    alice_client.post("/api/v1/auth/token/revoke/", body, format="json")
    alice_client.post("/api/v1/auth/token/revoke-all/", body, format="json")

    assert api_tokens_of(user=world.alice.user).count() == 0
    assert list(api_tokens_of(user=world.bob.user)) == [bob_token]


def test_a_staff_override_from_the_queue_page_is_recorded_as_theirs(world):
    response = _session(world.staff).post(
        "/staff/resolutions/matrix-closed/",
        {
            **smuggled(world),
            "action": "override",
            "outcome": "no",
            "rationale": "Staff read the source again.",
            "supersedes": str(world.proposal.pk),
        },
    )

    assert response.status_code == 302
    current = world.closed_question.resolutions.get(superseded_at__isnull=True)
    assert (current.outcome, current.state) == ("no", "final")
    assert current.resolved_by == world.staff
    assert current.known_on == timezone.now().date()


def test_following_and_notice_settings_act_for_the_caller_whatever_else_is_posted(world):
    alice = _session(world.alice.user)

    alice.post("/questions/matrix-open/follow/", {**smuggled(world), "action": "follow"})
    alice.post(
        "/accounts/notification-settings/",
        {**smuggled(world), "daily_digest": "on", "forecaster_id": str(world.bob.pk)},
    )

    assert list(Follow.objects.filter(question=world.open_question)) == [
        Follow.objects.get(follower=world.alice, question=world.open_question)
    ]
    (saved,) = NotificationSettings.objects.all()
    assert (saved.forecaster, saved.daily_digest) == (world.alice, True)
    assert not world.bob.follows.exists()
