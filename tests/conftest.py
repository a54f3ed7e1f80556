"""Personas and clients shared by the whole suite."""

from __future__ import annotations

import pytest
from django.core.cache import cache
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
