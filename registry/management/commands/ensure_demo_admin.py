"""Create the demo admin once, and print its credentials and API token every time."""

import json
import secrets

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand

from registry.selectors import api_token_works
from registry.services import api_token_create, forecaster_for_user


class Command(BaseCommand):
    help = (
        "Create a demo superuser 'admin' with a random password and an API token, both kept "
        "in var/demo-admin.json (the database keeps only the token's hash)."
    )

    def add_arguments(self, parser) -> None:  # type: ignore[no-untyped-def]
        parser.add_argument("--username", default="admin")

    def handle(self, *args, username: str, **options) -> None:  # type: ignore[no-untyped-def]
        path = settings.VAR_DIR / "demo-admin.json"
        User = get_user_model()
        user = User.objects.filter(username=username).first()
        stored = json.loads(path.read_text()) if path.is_file() else {}
        if user is None or stored.get("username") != username:
            stored = {"username": username, "password": secrets.token_urlsafe(12)}
            if user is None:
                user = User.objects.create_superuser(username=username, password=stored["password"])
            else:
                user.set_password(stored["password"])
                user.save(update_fields=["password"])
        forecaster_for_user(user=user)
        # The key cannot be read back from the database: keep it beside the password, and
        # make a new one when the kept one no longer works (revoked, or expired unused).
        if not api_token_works(user=user, key=stored.get("token", "")):
            stored["token"] = api_token_create(user=user).key
            settings.VAR_DIR.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps(stored))
            path.chmod(0o600)
        token = stored["token"]
        self.stdout.write(
            "Demo admin (kept in var/demo-admin.json):\n"
            f"  username: {username}\n  password: {stored['password']}\n  API token: {token}\n"
            f"  log in at {settings.SITE_URL}/admin/ ; scripts send "
            f"'Authorization: Token {token}'"
        )
