"""Create the demo admin once, and print its credentials and API token every time."""

import json
import secrets

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from rest_framework.authtoken.models import Token

from registry.services import forecaster_for_user


class Command(BaseCommand):
    help = "Create a demo superuser 'admin' with a random password kept in var/demo-admin.json."

    def add_arguments(self, parser) -> None:  # type: ignore[no-untyped-def]
        parser.add_argument("--username", default="admin")

    def handle(self, *args, username: str, **options) -> None:  # type: ignore[no-untyped-def]
        path = settings.VAR_DIR / "demo-admin.json"
        User = get_user_model()
        user = User.objects.filter(username=username).first()
        stored = json.loads(path.read_text()) if path.is_file() else {}
        if user is None or stored.get("username") != username:
            password = secrets.token_urlsafe(12)
            if user is None:
                user = User.objects.create_superuser(username=username, password=password)
            else:
                user.set_password(password)
                user.save(update_fields=["password"])
            settings.VAR_DIR.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps({"username": username, "password": password}))
            path.chmod(0o600)
        else:
            password = stored["password"]
        forecaster_for_user(user=user)
        token, _ = Token.objects.get_or_create(user=user)
        self.stdout.write(
            "Demo admin (kept in var/demo-admin.json):\n"
            f"  username: {username}\n  password: {password}\n  API token: {token.key}\n"
            "  log in at http://127.0.0.1:8000/admin/ ; scripts send "
            f"'Authorization: Token {token.key}'"
        )
