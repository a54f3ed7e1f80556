"""The database's clock, the one every process agrees on."""

from datetime import datetime

from django.db import connection
from django.utils import timezone


def database_now() -> datetime:
    """The current instant by the database server's clock.

    PostgreSQL's clock_timestamp() moves within a transaction (unlike now()), so a caller
    that has just taken a row lock gets the instant after the lock was granted. Other
    databases (SQLite in development) share this process's clock.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT clock_timestamp()")
            return cursor.fetchone()[0]
    return timezone.now()
