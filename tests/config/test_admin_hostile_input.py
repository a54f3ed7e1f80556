"""Admin forms given what a careless or hostile admin might type answer with a sentence
beside the field and store nothing: found by posting hostile values into every field of
every admin form of a running instance."""

from __future__ import annotations

import pytest
from django.test import Client
from django_celery_beat.models import PeriodicTask

from registry.models import Claim, Forecaster
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_page(staff_user) -> Client:
    client = Client(raise_request_exception=False)
    client.force_login(staff_user)
    return client


def form_data(client: Client, address: str) -> dict:
    """What the admin's change page would post back unchanged."""
    form = client.get(address).context["adminform"].form
    data = {}
    for name in form.fields:
        value = form[name].value()
        if value is None or value is False:
            continue
        data[name] = value if not isinstance(value, list) else [str(v) for v in value]
    return data


@pytest.mark.parametrize("typed", ["a\x00b", "t" * 201])
def test_a_periodic_task_with_an_unusable_task_name_is_a_sentence(admin_page, typed):
    before = PeriodicTask.objects.count()
    response = admin_page.post(
        "/admin/django_celery_beat/periodictask/add/",
        {"name": "probe", "task": typed, "enabled": "on", "args": "[]", "kwargs": "{}"},
    )

    assert response.status_code == 200
    assert response.context["adminform"].form.errors["task"]
    assert PeriodicTask.objects.count() == before


@pytest.mark.parametrize("typed", ["1e1000000", "[NaN]", "[-Infinity]", '{"a": [1e400]}'])
def test_json_with_numbers_json_cannot_hold_is_a_sentence(admin_page, typed):
    pundit = factories.ForecasterFactory(links=["https://example.com/"])
    claim = factories.ClaimFactory(reasons=["kept"])
    for model, obj, field in ((Forecaster, pundit, "links"), (Claim, claim, "reasons")):
        address = f"/admin/registry/{model._meta.model_name}/{obj.pk}/change/"
        data = {**form_data(admin_page, address), field: typed}

        response = admin_page.post(address, data)

        assert response.status_code == 200, (field, response.status_code)
        assert "NaN, Infinity and numbers beyond" in str(
            response.context["adminform"].form.errors[field]
        )
    pundit.refresh_from_db()
    claim.refresh_from_db()
    assert pundit.links == ["https://example.com/"]
    assert claim.reasons == ["kept"]
