"""Who may work where, cached across requests: a user's workspaces and grants.

Every request needs the user's workspaces (memberships, HQ groups) and their grants in the
chosen scope (positions and their capabilities): four queries that rarely change. They are kept
in the ``shared`` cache (Redis when ``REDIS_URL`` is set), under a **generation** number: any
write to a model the results depend on (:func:`register_access_dependency`: memberships,
dealerships, groups, staff, positions, assignments, capabilities) starts a new generation, so the
next request of every user computes them again. The generation moves when the write happens and
again when its transaction commits, so a request that read the old rows while the transaction
was open cannot keep them. Entries also expire after ``ACCESS_CACHE_SECONDS`` (0 turns the cache
off). If the cache cannot be reached, the values are computed from the database as if nothing
were cached: the cache never decides on its own who sees what.

Several processes (gunicorn workers, Celery) need a shared cache (``REDIS_URL``); the in-memory
cache used without Redis is per process and only right for a single process (``make run``).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import TypeVar

from django.conf import settings
from django.core.cache import caches
from django.db import transaction
from django.db.models import Model
from django.db.models.signals import post_delete, post_save

logger = logging.getLogger(__name__)

ALIAS = "shared"
GENERATION_KEY = "access:generation"

T = TypeVar("T")

_dependencies: set[type[Model]] = set()


def register_access_dependency(*models: type[Model]) -> None:
    """Writes to ``models`` change who may work where: each starts a new generation (saves and
    deletes through signals; queryset ``update``/``bulk_create``/``bulk_update`` through the
    managers' querysets, which ask :func:`depends_on`)."""
    for model in models:
        _dependencies.add(model)
        uid = f"access-cache-{model._meta.label}"
        post_save.connect(_changed, sender=model, weak=False, dispatch_uid=f"{uid}-save")
        post_delete.connect(_changed, sender=model, weak=False, dispatch_uid=f"{uid}-delete")


def depends_on(model: type[Model]) -> bool:
    return model in _dependencies


def dependencies() -> frozenset[type[Model]]:
    return frozenset(_dependencies)


def _changed(**kwargs) -> None:
    invalidate()


def invalidate() -> None:
    """Forget every cached workspace and grant: now, and again when the transaction commits."""
    forget()
    transaction.on_commit(forget)  # runs at once outside a transaction


def forget() -> None:
    """Forget every cached workspace and grant now (a restored database, a test's rollback)."""
    _next_generation(GENERATION_KEY)


def forget_for_users(user_ids) -> None:
    """Forget what :func:`cached_for_user` keeps for these people: now and again at commit."""
    keys = [_user_generation_key(pk) for pk in set(user_ids) if pk is not None]
    if keys:
        _next_generation(*keys)
        transaction.on_commit(lambda: _next_generation(*keys))


def _cache():
    return caches[ALIAS]


def _user_generation_key(user_id) -> str:
    return f"access:user-generation:{user_id}"


def _next_generation(*keys: str) -> None:
    try:
        cache = _cache()
        for key in keys:
            try:
                cache.incr(key)
            except ValueError:  # no generation yet (first start, or the cache was emptied)
                cache.set(key, time.time_ns(), None)
    except Exception:  # the cache is down: nothing can be served from it either
        logger.warning("Could not start a new access-cache generation.", exc_info=True)


def _generation(cache, key: str = GENERATION_KEY) -> int:
    generation = cache.get(key)
    if generation is None:
        # a fresh start never reuses a number an emptied cache had handed out before
        cache.add(key, time.time_ns(), None)
        generation = cache.get(key)
    return generation


def cached(kind: str, key: str, compute: Callable[[], T]) -> T:
    """``compute()``, kept for ``key`` (a user, a scope) in the current generation."""
    return _read_through(lambda cache: f"access:{kind}:{_generation(cache)}:{key}", compute)


def cached_for_user(kind: str, user_id, key: str, compute: Callable[[], T]) -> T:
    """Like :func:`cached`, for a value of one person (the bell's unread count) that the
    services forget with :func:`forget_for_users` whenever they change it; :func:`forget`
    forgets it too."""
    if user_id is None:
        return compute()
    return _read_through(
        lambda cache: (
            f"access:{kind}:{_generation(cache)}:{user_id}:"
            f"{_generation(cache, _user_generation_key(user_id))}:{key}"
        ),
        compute,
    )


def _read_through(full_key: Callable[[object], str], compute: Callable[[], T]) -> T:
    seconds = settings.ACCESS_CACHE_SECONDS
    if not seconds:
        return compute()
    try:
        cache = _cache()
        key = full_key(cache)
        value = cache.get(key)
    except Exception:
        logger.warning("The access cache could not be read; computing.", exc_info=True)
        return compute()
    if value is not None:
        return value
    value = compute()
    try:
        cache.set(key, value, seconds)
    except Exception:
        logger.warning("The access cache could not be written.", exc_info=True)
    return value


class AccessQuerySetMixin:
    """For the querysets of dependency models: bulk writes, which send no signals, start a new
    generation too."""

    def update(self, **kwargs):
        rows = super().update(**kwargs)
        if depends_on(self.model):
            invalidate()
        return rows

    update.alters_data = True

    def bulk_create(self, objs, *args, **kwargs):
        created = super().bulk_create(objs, *args, **kwargs)
        if depends_on(self.model):
            invalidate()
        return created

    bulk_create.alters_data = True

    def bulk_update(self, objs, fields, *args, **kwargs):
        rows = super().bulk_update(objs, fields, *args, **kwargs)
        if depends_on(self.model):
            invalidate()
        return rows

    bulk_update.alters_data = True
