"""The two setup commands `make run` calls: load_seed and ensure_demo_admin; and how a seed
file's text is cut out of an aggregator's copy."""

from __future__ import annotations

import io
import json
import re
import stat

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from knox.models import AuthToken

from registry.article_text import original_text
from registry.management.commands.load_seed import SEED_DIR, parse_seed
from registry.models import Forecaster, Source
from registry.selectors import api_token_works
from registry.services import api_tokens_revoke_all

pytestmark = pytest.mark.django_db


def run(name: str, *args: str) -> str:
    out = io.StringIO()
    call_command(name, *args, stdout=out)
    return out.getvalue()


class TestLoadSeed:
    def test_imports_the_seed_article_as_a_source_by_a_pundit(self):
        output = run("load_seed")

        source = Source.objects.get()
        assert source.title == "My bets on open models, mid-2026"
        assert source.published_on.isoformat() == "2026-04-15"
        assert source.publication.startswith("Interconnects")
        assert source.author.display_name == "Nathan Lambert"
        assert source.author.kind == Forecaster.Kind.PUNDIT
        assert source.author.user is None
        assert "living through the period of time" in source.text
        assert not source.text.startswith("title:")  # the header is not part of the text
        assert "Imported" in output

    def test_running_it_again_changes_nothing(self):
        run("load_seed")
        first = Source.objects.get()

        output = run("load_seed")

        assert Source.objects.get().pk == first.pk
        assert Forecaster.objects.count() == 1
        assert "Already present" in output

    def test_the_author_is_the_existing_pundit_of_that_name(self):
        run("load_seed")
        author = Source.objects.get().author

        Source.objects.all().delete()
        run("load_seed")

        assert Source.objects.get().author == author

    def test_every_seed_file_parses(self):
        paths = sorted(SEED_DIR.glob("*.txt"))

        assert paths
        for path in paths:
            parsed = parse_seed(path)
            assert parsed["title"] and parsed["author_name"] and parsed["text"].strip()

    def test_stores_the_authors_text_without_the_aggregators_around_it(self):
        run("load_seed")
        text = Source.objects.get().text

        # The seed file is an aggregator's copy: its Japanese summary, commentary,
        # translation and related links, and the newsletter's own lines, are not the author's.
        assert text.startswith("We\u2019re living through the period of time when")
        assert text.rstrip().endswith("Let me know any positions that I missed.")
        assert not re.search(r"[\u3040-\u30ff\u4e00-\u9fff]", text)
        assert "reader-supported publication" not in text
        assert "Share" not in text.split("\n")
        assert "A single word governs this post" in text  # the author's own last paragraphs

    def test_a_seed_header_naming_a_line_the_text_lacks_is_refused(self, tmp_path):
        path = tmp_path / "bad.txt"
        path.write_text(
            "title: T\nauthor: A\npublished: 2026-01-01\noriginal from: Nowhere\n---\nText.\n",
            encoding="utf-8",
        )

        with pytest.raises(CommandError, match="no line starts with 'Nowhere'"):
            parse_seed(path)


class TestOriginalText:
    def test_keeps_the_lines_from_first_to_last_without_a_newsletters_lines(self):
        copy = (
            "Summary.\nFirst line.\nShare\nX is a reader-supported publication. To receive "
            "new posts and support my work, consider becoming a subscriber.\nMiddle.\n"
            "Last line.\nRelated links"
        )

        assert original_text(copy, first_line="First", last_line="Last") == (
            "First line.\nMiddle.\nLast line.\n"
        )

    def test_without_bounds_only_the_newsletters_lines_go(self):
        assert original_text("One.\n  Subscribe now \nTwo. Share it.\n") == "One.\nTwo. Share it.\n"


class TestEnsureDemoAdmin:
    @pytest.fixture(autouse=True)
    def _var_dir(self, settings, tmp_path):
        settings.VAR_DIR = tmp_path / "var"

    def test_creates_a_superuser_and_prints_its_credentials_and_token(self, settings):
        output = run("ensure_demo_admin")

        user = get_user_model().objects.get(username="admin")
        assert user.is_superuser and user.is_staff
        password = re.search(r"password: (\S+)", output).group(1)
        assert user.check_password(password)
        assert "username: admin" in output
        key = re.search(r"API token: (\S+)", output).group(1)
        assert api_token_works(user=user, key=key)
        assert Forecaster.objects.filter(user=user).exists()

    def test_names_the_sites_own_address_to_log_in_at(self, settings):
        settings.SITE_URL = "http://127.0.0.1:8610"

        assert "log in at http://127.0.0.1:8610/admin/" in run("ensure_demo_admin")

    def test_keeps_the_password_in_a_private_file(self, settings):
        output = run("ensure_demo_admin")

        path = settings.VAR_DIR / "demo-admin.json"
        stored = json.loads(path.read_text())
        assert stored["username"] == "admin"
        assert f"password: {stored['password']}" in output
        assert stat.S_IMODE(path.stat().st_mode) == 0o600

    def test_running_it_twice_keeps_the_same_password_and_token(self):
        first = run("ensure_demo_admin")
        second = run("ensure_demo_admin")

        assert first == second
        user = get_user_model().objects.get(username="admin")
        password = re.search(r"password: (\S+)", second).group(1)
        assert user.check_password(password)
        assert get_user_model().objects.count() == 1
        assert AuthToken.objects.count() == 1
        assert Forecaster.objects.count() == 1

    def test_a_revoked_token_is_replaced_and_the_new_one_kept(self, settings):
        first = run("ensure_demo_admin")
        user = get_user_model().objects.get(username="admin")
        api_tokens_revoke_all(user=user)

        second = run("ensure_demo_admin")

        old_key = re.search(r"API token: (\S+)", first).group(1)
        new_key = re.search(r"API token: (\S+)", second).group(1)
        assert new_key != old_key
        assert api_token_works(user=user, key=new_key)
        stored = json.loads((settings.VAR_DIR / "demo-admin.json").read_text())
        assert stored["token"] == new_key
        assert run("ensure_demo_admin") == second

    def test_an_existing_admin_without_the_file_gets_a_password_that_is_printed(self):
        user = get_user_model().objects.create_superuser(username="admin", password="forgotten")

        output = run("ensure_demo_admin")

        user.refresh_from_db()
        password = re.search(r"password: (\S+)", output).group(1)
        assert user.check_password(password)
        assert not user.check_password("forgotten")
        assert get_user_model().objects.count() == 1

    def test_another_username(self):
        output = run("ensure_demo_admin", "--username", "demo")

        assert "username: demo" in output
        assert get_user_model().objects.get(username="demo").is_superuser
