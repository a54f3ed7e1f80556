"""API tokens move from DRF's authtoken (the key stored in clear) to django-rest-knox (only a
hash of the key stored). Each plain token becomes a knox token for the same key, so scripts
using it go on working; the clear keys are then deleted.

DRF's authtoken app is no longer installed, so its table is read with SQL, where it exists
(databases made before this change). Going backwards keeps the knox tokens: the clear keys
cannot be rebuilt from their hashes.
"""

from datetime import UTC

from django.db import migrations
from django.utils import timezone
from django.utils.dateparse import parse_datetime

PLAIN_TOKEN_TABLE = "authtoken_token"


def hash_plain_tokens(apps, schema_editor) -> None:
    connection = schema_editor.connection
    if PLAIN_TOKEN_TABLE not in connection.introspection.table_names():
        return
    # What authenticates a token at run time is what must hash it now.
    from knox.crypto import hash_token
    from knox.settings import CONSTANTS, knox_settings

    AuthToken = apps.get_model("knox", "AuthToken")
    table = connection.ops.quote_name(PLAIN_TOKEN_TABLE)
    with connection.cursor() as cursor:
        cursor.execute(f'SELECT "key", "user_id", "created" FROM {table}')
        rows = cursor.fetchall()
    # A full lifetime from now: these tokens never expired before.
    expiry = timezone.now() + knox_settings.TOKEN_TTL
    for key, user_id, created in rows:
        digest = hash_token(key)
        if not AuthToken.objects.filter(digest=digest).exists():
            AuthToken(
                digest=digest,
                token_key=key[: CONSTANTS.TOKEN_KEY_LENGTH],
                user_id=user_id,
                expiry=expiry,
            ).save(force_insert=True)
        if isinstance(created, str):  # SQLite may hand the timestamp back as text
            created = parse_datetime(created)
        if created is not None:
            if timezone.is_naive(created):
                created = timezone.make_aware(created, UTC)
            # `created` is auto_now_add: keep the plain token's own date with an update.
            AuthToken.objects.filter(digest=digest).update(created=created)
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {table}")


class Migration(migrations.Migration):
    dependencies = [
        ("registry", "0002_web"),
        ("knox", "0009_extend_authtoken_field"),
    ]

    operations = [
        migrations.RunPython(hash_plain_tokens, migrations.RunPython.noop, elidable=True),
    ]
