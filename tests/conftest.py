"""Personas and clients shared by the whole suite."""

from __future__ import annotations

import pgtrigger
import pytest
from django.core.cache import cache
from django.db.backends.postgresql.base import DatabaseOperations as PostgreSQLOperations
from django.db.backends.sqlite3.base import DatabaseOperations as SQLiteOperations
from django.test import TransactionTestCase
from rest_framework.test import APIClient

from registry.models import Forecaster
from registry.services import api_token_create
from tests import factories


def pytest_collection_modifyitems(config, items):
    """`make test` runs the suite on PostgreSQL, then again on SQLite (the embedded
    default). A test marked ``postgresql_only(reason)`` is skipped on SQLite, saying why."""
    from django.conf import settings

    if settings.DATABASES["default"]["ENGINE"].endswith("postgresql"):
        return
    for item in items:
        marker = item.get_closest_marker("postgresql_only")
        if marker is not None:
            reason = marker.kwargs.get("reason") or (marker.args[0] if marker.args else "")
            item.add_marker(pytest.mark.skip(reason=f"PostgreSQL only: {reason}"))


@pytest.fixture(scope="session", autouse=True)
def _flush_keeps_the_forecast_rules():
    """Transactional tests (live servers, workers) empty the database after each test with
    Django's flush: a DELETE of every table on SQLite, a TRUNCATE on PostgreSQL, which the
    forecast log's append-only triggers rightly refuse. Only for that teardown of a
    database the suite made: on SQLite, inside the flush's own transaction, the triggers
    are dropped, the tables emptied and the very same triggers (their SQL as SQLite stores
    it) created again; on PostgreSQL the flush skips the TRUNCATE trigger. Every test runs
    with the rules in force, as a `make run` database has them, and a `manage.py flush`
    inside a test is refused as it would be on a real database."""
    teardown = TransactionTestCase._fixture_teardown
    sqlite_flush = SQLiteOperations.execute_sql_flush
    postgresql_flush = PostgreSQLOperations.execute_sql_flush
    harness = {"flushing": False}

    def fixture_teardown(self):
        harness["flushing"] = True
        try:
            return teardown(self)
        finally:
            harness["flushing"] = False

    def sqlite_execute_sql_flush(self, sql_list):
        if not harness["flushing"]:
            return sqlite_flush(self, sql_list)
        with self.connection.cursor() as cursor:
            cursor.execute("SELECT name, sql FROM sqlite_master WHERE type = 'trigger'")
            triggers = cursor.fetchall()
        drops = [f'DROP TRIGGER "{name}";' for name, _ in triggers]
        return sqlite_flush(self, [*drops, *sql_list, *(sql for _, sql in triggers)])

    def postgresql_execute_sql_flush(self, sql_list):
        if not harness["flushing"]:
            return postgresql_flush(self, sql_list)
        with pgtrigger.ignore("predictions.Forecast:forecast_no_truncate"):
            return postgresql_flush(self, sql_list)

    TransactionTestCase._fixture_teardown = fixture_teardown
    SQLiteOperations.execute_sql_flush = sqlite_execute_sql_flush
    PostgreSQLOperations.execute_sql_flush = postgresql_execute_sql_flush
    yield
    TransactionTestCase._fixture_teardown = teardown
    SQLiteOperations.execute_sql_flush = sqlite_flush
    PostgreSQLOperations.execute_sql_flush = postgresql_flush


@pytest.fixture(autouse=True)
def _plain_static_storage(settings):
    # Production settings hash static files from a collectstatic manifest; tests render
    # admin pages without running collectstatic.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # The production hasher costs ~0.4 s a user by design; tests create many users.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _empty_cache():
    """Throttle counters live in the Redis cache; each test starts with none."""
    cache.clear()
    yield
    cache.clear()


def _token_client(user) -> APIClient:
    """A client sending a new API token of the user's, as a script would."""
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {api_token_create(user=user).key}")
    return client


@pytest.fixture
def alice(db) -> Forecaster:
    """A forecaster who signed up."""
    return factories.HumanForecasterFactory(user__username="alice")


@pytest.fixture
def bob(db) -> Forecaster:
    """Another forecaster."""
    return factories.HumanForecasterFactory(user__username="bob")


@pytest.fixture
def staff_user(db):
    """An admin who writes and resolves questions."""
    return factories.StaffFactory(username="admin")


@pytest.fixture
def anonymous_client() -> APIClient:
    return APIClient()


@pytest.fixture
def alice_client(alice) -> APIClient:
    return _token_client(alice.user)


@pytest.fixture
def bob_client(bob) -> APIClient:
    return _token_client(bob.user)


@pytest.fixture
def staff_client(staff_user) -> APIClient:
    return _token_client(staff_user)
