"""Session-level PostgreSQL advisory locks, the liveness half of a claim.

A state row says *what* is being done (a job run is ``running``); an advisory lock held by the
connection of the process doing it says that this process is *alive*. PostgreSQL releases the
lock the moment that connection ends — a killed worker, a lost network, a restarted server —
so "running, and nobody holds its lock" means "its worker is gone", at once and without a
timeout to guess. On other databases (SQLite in ``make run``) the functions answer as if the
lock were always free to take, and callers fall back on time-based rules.
"""

from __future__ import annotations

import contextlib
import zlib
from collections.abc import Iterator

from django.db import connection

_INT4 = 2**31


def _keys(namespace: str, key: int) -> tuple[int, int]:
    # the two-int4 form of the lock: a stable number for the namespace, and the row's id
    return zlib.crc32(namespace.encode()) % _INT4, key % _INT4


def supported() -> bool:
    return connection.vendor == "postgresql"


def try_lock(namespace: str, key: int) -> bool:
    """Take the lock for this connection's session without waiting; ``False`` when another
    session holds it."""
    if not supported():
        return True
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s, %s)", _keys(namespace, key))
        return bool(cursor.fetchone()[0])


def unlock(namespace: str, key: int) -> None:
    if not supported():
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_unlock(%s, %s)", _keys(namespace, key))


@contextlib.contextmanager
def held(namespace: str, key: int) -> Iterator[bool]:
    """``with held("jobrun", run.pk) as mine:`` — ``mine`` is ``False`` when another session
    holds the lock. Released on the way out; if the connection died meanwhile, PostgreSQL has
    already released it."""
    mine = try_lock(namespace, key)
    try:
        yield mine
    finally:
        if mine:
            with contextlib.suppress(Exception):  # a dead connection has no lock left to free
                unlock(namespace, key)
