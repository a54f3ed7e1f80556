"""The database's clock, the one every process agrees on."""

from datetime import UTC, datetime

from django.db import connection
from django.utils import timezone


def database_now() -> datetime:
    """The current instant by the database server's clock.

    PostgreSQL's clock_timestamp() moves within a transaction (unlike now()), so a caller
    that has just taken a row lock gets the instant after the lock was granted. SQLite's
    'now' is the machine's clock read by the database engine (to the millisecond), not a
    web process's idea of the time, so a process with a skewed or patched clock does not
    decide a close there either.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT clock_timestamp()")
            return cursor.fetchone()[0]
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("SELECT strftime('%Y-%m-%d %H:%M:%f', 'now')")
            return datetime.fromisoformat(cursor.fetchone()[0]).replace(tzinfo=UTC)
    return timezone.now()
