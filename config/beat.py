"""Celery beat's scheduler: django-celery-beat's database schedule (editable in the admin),
sending from one beat process only, whichever holds a lock in Redis.

Two beats started by mistake (a second machine, an overlapping redeploy) would otherwise
each send every periodic task. Every tick first takes or renews the lock (SET NX with a
TTL, through redis-py's Lock); a beat that does not hold it sends nothing and stands by. It
takes over when the holder releases the lock on shutdown, or within the TTL when the holder
dies without releasing it.

celery-redbeat has the same kind of lock, but only as part of its own scheduler, which keeps
the schedule in Redis instead of the database: the admin's periodic-task pages would stop
meaning anything, and a Redis flush would lose the schedule.
"""

from __future__ import annotations

import logging
import os
import socket
import uuid
from functools import cached_property
from typing import Any

import redis
from django.conf import settings
from django_celery_beat.schedulers import DatabaseScheduler
from redis.exceptions import LockError, RedisError
from redis.lock import Lock

logger = logging.getLogger(__name__)

DEFAULT_LOCK_TIMEOUT = 30.0


class LockedDatabaseScheduler(DatabaseScheduler):
    """DatabaseScheduler that sends only while it holds the beat lock in Redis."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # Save each run to the database as soon as it is sent, so that a beat taking over
        # knows when every task last ran and does not send it again.
        kwargs.setdefault("sync_every_tasks", 1)
        self.holding = False
        self._state = ""  # "holding", "standing by" or "no redis": logged when it changes
        super().__init__(*args, **kwargs)
        conf = self.app.conf
        self.lock_key: str = conf.get("beat_lock_key") or f"{conf.task_default_queue}:beat-lock"
        self.lock_timeout = float(conf.get("beat_lock_timeout") or DEFAULT_LOCK_TIMEOUT)
        # Who holds the lock, readable by an operator (and a test) with GET <lock key>.
        self.identity = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"

    @cached_property
    def lock(self) -> Lock:
        client = redis.Redis.from_url(
            settings.REDIS_URL,
            socket_timeout=settings.REDIS_TIMEOUT,
            socket_connect_timeout=settings.REDIS_TIMEOUT,
        )
        return client.lock(self.lock_key, timeout=self.lock_timeout, thread_local=False)

    @property
    def renew_interval(self) -> float:
        """Longest sleep between ticks: the lock is renewed well before it expires, and a
        standby looks for a free lock as often."""
        return min(self.max_interval, self.lock_timeout / 3)

    def tick(self, *args: Any, **kwargs: Any) -> float:
        if not self._hold_lock():
            return self.renew_interval
        return min(super().tick(*args, **kwargs), self.renew_interval)

    def apply_entry(self, entry: Any, producer: Any = None) -> None:
        # The tick renewed the lock before it picked this entry; renew it again right before
        # publishing, in case the tick stalled (a slow database) past the lock's TTL and
        # another beat took over meanwhile.
        if not self._renew_lock():
            self._set_state(
                "standing by",
                logging.WARNING,
                "beat: lost the lock %s before sending %s; standing by",
                self.lock_key,
                entry.name,
            )
            # Not sent, so not recorded as run; the schedule is read again on takeover.
            self._dirty.discard(entry.name)
            return
        super().apply_entry(entry, producer=producer)

    def reserve(self, entry: Any) -> Any:
        new_entry = super().reserve(entry)
        # Keep the schedule's own entry current too, as celery's base Scheduler does and
        # DatabaseScheduler does not: a heap rebuilt from the schedule (after a reload, or
        # when another process changed a periodic task) would otherwise find the task still
        # due and send it a second time.
        if self._schedule is not None and entry.name in self._schedule:
            self._schedule[entry.name] = new_entry
        return new_entry

    def close(self) -> None:
        try:
            super().close()
        finally:
            self._release_lock()

    @property
    def info(self) -> str:
        return f"    . lock -> {self.lock_key} (expires {self.lock_timeout:g}s after its holder)"

    def _hold_lock(self) -> bool:
        """Renew the lock if this beat holds it, else try to take it."""
        if self.holding and self._renew_lock():
            return True
        try:
            if self.lock.acquire(blocking=False, token=self.identity):
                self.holding = True
                self._reload_schedule()
                self._set_state(
                    "holding",
                    logging.INFO,
                    "beat: took the lock %s; this beat sends the periodic tasks",
                    self.lock_key,
                )
                return True
            holder = self.lock.redis.get(self.lock_key)
        except RedisError as error:
            self._set_state(
                "no redis", logging.WARNING, "beat: Redis unreachable (%s); sending nothing", error
            )
            return False
        self._set_state(
            "standing by",
            logging.INFO,
            "beat: standing by; %s holds the lock %s, and this beat sends nothing until "
            "it is released or expires",
            (holder or b"another beat").decode(),
            self.lock_key,
        )
        return False

    def _renew_lock(self) -> bool:
        """Extend this beat's hold on the lock by a full TTL; False once it is lost."""
        if not self.holding:
            return False
        try:
            self.lock.reacquire()
        except (LockError, RedisError) as error:
            logger.warning("beat: could not renew the lock %s: %s", self.lock_key, error)
            self.holding = False
        return self.holding

    def _release_lock(self) -> None:
        if not self.holding:
            return
        self.holding = False
        try:
            self.lock.release()
        except (LockError, RedisError) as error:
            logger.warning("beat: could not release the lock %s: %s", self.lock_key, error)
        else:
            logger.info("beat: released the lock %s", self.lock_key)

    def _reload_schedule(self) -> None:
        """Read the schedule afresh: while this beat stood by, another one sent tasks and
        saved when each ran."""
        self._dirty.clear()
        self._initial_read = True
        self._heap = None

    def _set_state(self, state: str, level: int, message: str, *args: Any) -> None:
        """Log a change of state once, not on every tick."""
        if state != self._state:
            self._state = state
            logger.log(level, message, *args)
