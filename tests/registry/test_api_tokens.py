"""API tokens: stored only as hashes, one per script, expiring unless used, revocable."""

from __future__ import annotations

import importlib
from datetime import timedelta

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from knox.crypto import hash_token
from knox.models import AuthToken
from rest_framework.test import APIClient

from config.tokens import TokenAuthentication
from registry.services import api_token_create
from tests import factories

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery"  # what tests.factories.UserFactory sets
TOKEN_URL = "/api/v1/auth/token/"


def script(key: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def obtain(client: APIClient, username: str = "alice", password: str = PASSWORD):
    return client.post(TOKEN_URL, {"username": username, "password": password}, format="json")


class TestExchange:
    def test_the_answer_has_the_key_and_its_expiry(self, anonymous_client, alice, settings):
        response = obtain(anonymous_client)

        assert response.status_code == 200
        body = response.json()
        assert set(body) == {"token", "expiry"}
        assert body["token"].startswith("hs_")
        expiry = AuthToken.objects.get(user=alice.user).expiry
        assert expiry - timezone.now() > settings.REST_KNOX["TOKEN_TTL"] - timedelta(minutes=1)
        assert body["expiry"].startswith(expiry.date().isoformat())

    def test_the_database_keeps_only_a_hash_of_the_key(self, anonymous_client, alice):
        key = obtain(anonymous_client).json()["token"]

        stored = AuthToken.objects.get(user=alice.user)
        assert stored.digest == hash_token(key)
        # What is kept in clear is a short prefix to tell tokens apart, never the key.
        assert key.startswith(stored.token_key) and len(stored.token_key) < len(key) // 3
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM knox_authtoken WHERE digest = %s", [key])
            assert cursor.fetchone() == (0,)

    def test_a_form_encoded_request_works_too(self, anonymous_client, alice):
        response = anonymous_client.post(TOKEN_URL, {"username": "alice", "password": PASSWORD})

        assert response.status_code == 200
        assert script(response.json()["token"]).get("/api/v1/me/").status_code == 200

    def test_a_stale_token_in_the_headers_does_not_stop_getting_a_new_one(self, alice):
        client = script("hs_" + "0" * 64)

        response = obtain(client)

        assert response.status_code == 200
        assert script(response.json()["token"]).get("/api/v1/me/").status_code == 200

    def test_an_unknown_field_is_named(self, anonymous_client, alice):
        response = anonymous_client.post(
            TOKEN_URL, {"username": "alice", "password": PASSWORD, "user": "bob"}, format="json"
        )

        assert response.status_code == 400
        assert set(response.json()["fields"]) == {"user"}
        assert not AuthToken.objects.exists()

    def test_an_inactive_user_gets_no_token(self, anonymous_client, alice):
        alice.user.is_active = False
        alice.user.save()

        response = obtain(anonymous_client)

        assert response.status_code == 400
        assert not AuthToken.objects.exists()


class TestLimit:
    @pytest.fixture
    def two_tokens_each(self, settings):
        settings.REST_KNOX = {**settings.REST_KNOX, "TOKEN_LIMIT_PER_USER": 2}

    def test_past_the_limit_a_new_token_is_refused_with_what_to_do(
        self, anonymous_client, alice, two_tokens_each
    ):
        statuses = [obtain(anonymous_client).status_code for _ in range(2)]

        response = obtain(anonymous_client)

        assert statuses == [200, 200]
        assert response.status_code == 409
        assert "You already hold 2 API tokens" in response.json()["error"]
        assert "revoke-all" in response.json()["error"]
        assert AuthToken.objects.filter(user=alice.user).count() == 2

    def test_revoking_makes_room_again(self, anonymous_client, alice, two_tokens_each):
        key = obtain(anonymous_client).json()["token"]
        obtain(anonymous_client)
        script(key).post("/api/v1/auth/token/revoke-all/")

        assert obtain(anonymous_client).status_code == 200

    def test_expired_tokens_do_not_count(self, anonymous_client, alice, two_tokens_each):
        for _ in range(2):
            obtain(anonymous_client)
        AuthToken.objects.update(expiry=timezone.now() - timedelta(seconds=1))

        assert obtain(anonymous_client).status_code == 200
        assert AuthToken.objects.filter(user=alice.user).count() == 1

    def test_the_account_page_says_so_too(self, alice, two_tokens_each):
        web = APIClient()
        web.force_login(alice.user)
        for _ in range(2):
            web.post("/accounts/token/")

        response = web.post("/accounts/token/", follow=True)

        assert "You already hold 2 API tokens" in response.content.decode()
        assert AuthToken.objects.filter(user=alice.user).count() == 2


class TestExpiry:
    def test_an_expired_token_is_refused_and_deleted(self, alice):
        token, key = AuthToken.objects.create(user=alice.user)
        AuthToken.objects.filter(pk=token.pk).update(expiry=timezone.now() - timedelta(seconds=1))

        response = script(key).get("/api/v1/me/")

        assert response.status_code == 401
        assert response["WWW-Authenticate"] == "Token"
        assert not AuthToken.objects.filter(pk=token.pk).exists()

    def test_using_a_token_pushes_its_expiry_back(self, alice, settings):
        # A bot that keeps running keeps its token; only an unused one lapses.
        token, key = AuthToken.objects.create(user=alice.user)
        AuthToken.objects.filter(pk=token.pk).update(expiry=timezone.now() + timedelta(days=1))

        assert script(key).get("/api/v1/me/").status_code == 200

        token.refresh_from_db()
        ttl = settings.REST_KNOX["TOKEN_TTL"]
        assert token.expiry - timezone.now() > ttl - timedelta(minutes=1)

    def test_a_deactivated_user_s_token_stops_working(self, alice):
        key = api_token_create(user=alice.user).key
        alice.user.is_active = False
        alice.user.save()

        assert script(key).get("/api/v1/me/").status_code == 401

    def test_making_a_token_clears_the_user_s_expired_ones(self, alice, bob):
        old, _ = AuthToken.objects.create(user=alice.user)
        bobs, _ = AuthToken.objects.create(user=bob.user)
        past = timezone.now() - timedelta(days=1)
        AuthToken.objects.filter(pk__in=[old.pk, bobs.pk]).update(expiry=past)

        api_token_create(user=alice.user)

        assert not AuthToken.objects.filter(pk=old.pk).exists()
        assert AuthToken.objects.filter(pk=bobs.pk).exists()  # not alice's to clear


def test_authenticating_costs_one_query_however_many_tokens_are_held(alice):
    keys = [api_token_create(user=alice.user).key for _ in range(20)]
    AuthToken.objects.filter(digest=hash_token(keys[1])).update(
        expiry=timezone.now() - timedelta(seconds=1)
    )

    with CaptureQueriesContext(connection) as queries:
        user, _ = TokenAuthentication().authenticate_credentials(keys[0].encode())

    assert user == alice.user
    assert len(queries) == 1


class TestRevoke:
    def test_revoking_this_token_refuses_it_from_then_on(self, alice):
        revoked = api_token_create(user=alice.user).key
        other = api_token_create(user=alice.user).key

        response = script(revoked).post("/api/v1/auth/token/revoke/")

        assert response.status_code == 204
        refused = script(revoked).get("/api/v1/me/")
        assert refused.status_code == 401
        assert refused.json()["error"] == "Invalid token."
        assert script(other).get("/api/v1/me/").status_code == 200

    def test_revoking_all_refuses_every_token_of_the_caller_only(self, alice, bob):
        keys = [api_token_create(user=alice.user).key for _ in range(3)]
        bobs = api_token_create(user=bob.user).key

        response = script(keys[0]).post("/api/v1/auth/token/revoke-all/")

        assert response.status_code == 200
        assert response.json() == {"revoked": 3}
        assert [script(key).get("/api/v1/me/").status_code for key in keys] == [401] * 3
        assert script(bobs).get("/api/v1/me/").status_code == 200

    def test_a_session_can_revoke_all_but_has_no_token_of_its_own_to_revoke(self, alice):
        key = api_token_create(user=alice.user).key
        browser = APIClient()
        browser.force_login(alice.user)

        one = browser.post("/api/v1/auth/token/revoke/")
        every = browser.post("/api/v1/auth/token/revoke-all/")

        assert one.status_code == 400
        assert "carries no API token" in one.json()["error"]
        assert every.json() == {"revoked": 1}
        assert script(key).get("/api/v1/me/").status_code == 401

    @pytest.mark.parametrize(
        "url", ["/api/v1/auth/token/revoke/", "/api/v1/auth/token/revoke-all/"]
    )
    def test_anonymous_revocation_is_401_with_the_token_challenge(self, anonymous_client, url):
        key = api_token_create(user=factories.UserFactory()).key

        response = anonymous_client.post(url)

        assert response.status_code == 401
        assert response["WWW-Authenticate"] == "Token"
        assert script(key).get("/api/v1/me/").status_code == 200


class TestGuessing:
    def test_after_five_wrong_passwords_the_username_is_locked_with_a_429(
        self, anonymous_client, alice
    ):
        statuses = [obtain(anonymous_client, password=f"guess {n}").status_code for n in range(5)]

        response = obtain(anonymous_client)  # now the right password

        assert statuses == [400] * 5
        assert response.status_code == 429
        assert "Too many failed log-in attempts" in response.json()["error"]
        assert 0 < int(response["Retry-After"]) <= 15 * 60
        assert not AuthToken.objects.exists()

    def test_guesses_from_other_addresses_never_lock_the_owner_out(self, alice):
        # A username-wide limit would let anyone lock the owner out: guesses from many
        # addresses lock those addresses, while the owner's own address still gets in.
        for n in range(5):
            APIClient(REMOTE_ADDR=f"198.51.100.{n}").post(
                TOKEN_URL, {"username": "alice", "password": "guess"}, format="json"
            )

        response = obtain(APIClient(REMOTE_ADDR="203.0.113.7"))

        assert response.status_code == 200


class TestPlainTokenMigration:
    """registry/migrations/0003: DRF's plain tokens become hashed ones for the same key."""

    @pytest.fixture
    def plain_token_table(self):
        # The table DRF's authtoken app made, as it is in a database from before knox.
        with connection.cursor() as cursor:
            cursor.execute(
                "CREATE TABLE authtoken_token (key varchar(40) PRIMARY KEY, "
                "created timestamp with time zone NOT NULL, "
                "user_id integer NOT NULL UNIQUE REFERENCES auth_user (id))"
            )

    def run_migration(self) -> None:
        name = "0003_hash_plain_api_tokens"
        migration = importlib.import_module(f"registry.migrations.{name}")
        # The models as the migration sees them, not as they are today.
        state = MigrationExecutor(connection).loader.project_state([("registry", name)])
        with connection.schema_editor() as schema_editor:
            migration.hash_plain_tokens(state.apps, schema_editor)

    @pytest.mark.postgresql_only(
        reason="migrates backwards inside a transaction, which SQLite's schema editor refuses"
    )
    def test_a_plain_key_keeps_working_and_is_no_longer_stored(self, alice, plain_token_table):
        key = "9944b09199c62bcf9418ad846dd0e4bbdfc6ee4b"
        created = timezone.now() - timedelta(days=400)
        with connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO authtoken_token VALUES (%s, %s, %s)", [key, created, alice.user.pk]
            )

        self.run_migration()

        response = script(key).get("/api/v1/me/")
        assert response.status_code == 200
        assert response.json()["username"] == "alice"
        token = AuthToken.objects.get(user=alice.user)
        assert token.digest == hash_token(key)
        assert token.created == created
        assert token.expiry > timezone.now() + timedelta(days=80)
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM authtoken_token")
            assert cursor.fetchone() == (0,)

    @pytest.mark.postgresql_only(
        reason="migrates backwards inside a transaction, which SQLite's schema editor refuses"
    )
    def test_a_database_without_plain_tokens_is_left_alone(self, alice):
        self.run_migration()

        assert not AuthToken.objects.exists()
