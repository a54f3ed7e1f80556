"""Setting up a resolution source in a real browser: staff pick a kind from the list, its
settings appear as fields, they fill them in, dry-run the source against a local HTTP
server, read what it would conclude (nothing recorded), then save it."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from playwright.sync_api import expect

from resolvers.models import Check, ResolutionSource
from tests import factories
from tests.resolvers.http_servers import json_reply, serve

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]

PASSWORD = "a long enough passphrase 42"


@pytest.fixture
def stats_server():
    with serve({"/v1/stats.json": json_reply({"data": {"downloads": 7000}})}) as server:
        yield server


def log_in(page, username: str, then: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"/accounts/login/?next={then}")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name=re.compile("Log in")).click()


def test_staff_pick_a_kind_fill_its_fields_dry_run_and_save(
    page, screenshot, stats_server, monkeypatch
):
    monkeypatch.setattr(settings, "RESOLVER_ALLOWED_HOSTS", ["127.0.0.1"])
    staff = factories.StaffFactory(username="admin")
    staff.set_password(PASSWORD)
    staff.save()
    question = factories.QuestionFactory(slug="downloads", title="Will downloads pass 5000?")
    url = stats_server.url("/v1/stats.json")

    log_in(page, "admin", f"/questions/{question.slug}/")
    page.get_by_role("link", name=re.compile("set up resolution sources")).click()
    expect(page.get_by_role("heading", name="Resolution sources")).to_be_visible()

    # Choosing the kind shows its settings (the page's script presses "Show its settings").
    expect(page.locator("select[data-switch-bound]")).to_have_count(1)  # the script is on
    page.get_by_label("Kind").select_option("http_json")
    # The choice reloads the page with the kind's form: give a loaded machine time for it.
    expect(
        page.get_by_text("Settings of “JSON value (JMESPath) compared with a threshold”")
    ).to_be_visible(timeout=20_000)
    expect(page.get_by_label("Expression")).to_be_visible()
    page.get_by_label("URL", exact=False).first.fill(url)
    page.get_by_label("Expression").fill("data.downloads")
    page.get_by_label("Comparator").select_option(">=")
    page.get_by_label("Threshold").fill("5000")

    page.get_by_role("button", name="Check now (dry run)").click()

    result = page.locator("section.dry-run")
    expect(result).to_contain_text("nothing was recorded")
    expect(result).to_contain_text("It would propose “Yes”")
    expect(result).to_contain_text("is 7,000, compared >= 5,000: condition met")
    expect(result).to_contain_text('{"data": {"downloads": 7000}}')
    expect(page.get_by_label("Expression")).to_have_value("data.downloads")
    assert not ResolutionSource.objects.exists() and not Check.objects.exists()
    screenshot("dry-run")

    page.get_by_role("button", name="Add source").click()

    expect(page.get_by_text(re.compile(r"Added the source #\d+ \(http_json\)"))).to_be_visible()
    source = ResolutionSource.objects.get(question=question)
    assert source.config == {
        "url": url,
        "expression": "data.downloads",
        "comparator": ">=",
        "threshold": 5000,
    }
    expect(page.get_by_role("heading", name=re.compile(r"Source #\d+: JSON value"))).to_be_visible()
    screenshot("saved")
