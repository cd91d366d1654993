"""Who a notification goes to. ``notify(..., recipients=[...])`` takes users and *recipient
references* that modules resolve for the platform, which names no app:

* a :class:`~dealership.models.User` — that person (if they still work in the dealership or in
  its group's HQ);
* :class:`PositionHolders` ``("service_manager", ...)`` — the people holding one of these
  positions of the dealership that day (resolved by the org chart, which registers a resolver);
* :class:`HQPositionHolders` ``("hq_director",)`` — the group HQ people holding that HQ
  position;
* anything else a module registers with :func:`register_recipient_resolver` (the org chart
  resolves its ``Position`` rows).

After resolving, every registered *substitute* (:func:`register_substitute`) may replace a
person by another for that day (an approver on leave → their delegate); then people who do not
work in the dealership or its group's HQ are dropped, so nobody outside is ever told.

An *audience* is a named group of people of a dealership that a WeCom robot posts for (the org
chart provides ``department:<code>``); see :func:`register_audience_provider`.
"""

from __future__ import annotations

import datetime as dt
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.contrib.auth import get_user_model

Resolver = Callable[..., set[int]]  # (references, *, dealership, on) -> user ids


@dataclass(frozen=True, init=False)
class PositionHolders:
    codes: tuple[str, ...]

    def __init__(self, *codes: str):
        object.__setattr__(self, "codes", tuple(codes))


@dataclass(frozen=True, init=False)
class HQPositionHolders:
    codes: tuple[str, ...]

    def __init__(self, *codes: str):
        object.__setattr__(self, "codes", tuple(codes))


_resolvers: dict[type, Resolver] = {}
_substitutes: list[Callable] = []
_audience_providers: list = []


def register_recipient_resolver(reference_type: type, resolver: Resolver) -> None:
    """``resolver(references, *, dealership, on)`` → the ids of the users they name that day."""
    _resolvers[reference_type] = resolver


def register_substitute(substitute: Callable) -> None:
    """``substitute(user_ids, *, kind, dealership, on)`` → the user ids to notify instead."""
    if substitute not in _substitutes:
        _substitutes.append(substitute)


def unregister_substitute(substitute: Callable) -> None:
    if substitute in _substitutes:
        _substitutes.remove(substitute)


def _users(references, *, dealership, on) -> set[int]:
    return {user.pk for user in references}


def _hq_holders(references, *, dealership, on) -> set[int]:
    from dealership.models import GroupMembership

    codes = {code for ref in references for code in ref.codes}
    return set(
        GroupMembership.objects.filter(
            group_id=dealership.group_id, position_code__in=codes, is_active=True
        ).values_list("user_id", flat=True)
    )


def _resolver_for(reference) -> Resolver:
    for cls in type(reference).__mro__:
        if cls in _resolvers:
            return _resolvers[cls]
    if isinstance(reference, get_user_model()):
        return _users
    if isinstance(reference, HQPositionHolders):
        return _hq_holders
    raise TypeError(f"Nobody resolves a recipient of type {type(reference).__name__}.")


def within_reach(user_ids: Iterable[int], dealership) -> set[int]:
    """The active people among ``user_ids`` who work in ``dealership`` or in its group's HQ."""
    from django.db.models import Q

    from dealership.models import GroupMembership, Membership

    wanted = set(user_ids)
    if not wanted:
        return set()
    member = Q(
        pk__in=Membership.objects.filter(
            dealership_id=dealership.pk, is_active=True, user_id__in=wanted
        ).values("user_id")
    ) | Q(
        pk__in=GroupMembership.objects.filter(
            group_id=dealership.group_id, is_active=True, user_id__in=wanted
        ).values("user_id")
    )
    return set(get_user_model().objects.filter(member, is_active=True).values_list("pk", flat=True))


def resolve(recipients: Iterable, *, kind: str, dealership, on: dt.date) -> set[int]:
    """The ids of the people ``recipients`` name on day ``on`` (substitutes applied), limited
    to people who work in the dealership or in its group's HQ."""
    grouped: dict[Resolver, list] = {}
    for reference in recipients:
        if reference is None:
            continue
        grouped.setdefault(_resolver_for(reference), []).append(reference)
    user_ids: set[int] = set()
    for resolver, references in grouped.items():
        user_ids |= set(resolver(references, dealership=dealership, on=on))
    for substitute in _substitutes:
        user_ids = set(substitute(user_ids, kind=kind, dealership=dealership, on=on))
    return within_reach(user_ids, dealership)


class AudienceProvider(ABC):
    """Named groups of people of a dealership that a WeCom robot may post for."""

    @abstractmethod
    def choices(self, dealership) -> list[tuple[str, str]]:
        """``(key, label)`` of every audience of ``dealership``."""

    @abstractmethod
    def audiences_of(self, user_ids: set[int], *, dealership, on: dt.date) -> dict[int, set]:
        """user id → the keys of the audiences they belong to that day."""


def register_audience_provider(provider: AudienceProvider) -> None:
    if provider not in _audience_providers:
        _audience_providers.append(provider)


def audience_choices(dealership) -> list[tuple[str, str]]:
    return [choice for p in _audience_providers for choice in p.choices(dealership)]


def audiences_of(user_ids: set[int], *, dealership, on: dt.date) -> dict[int, set[str]]:
    result: dict[int, set[str]] = {user_id: set() for user_id in user_ids}
    for provider in _audience_providers:
        for user_id, keys in provider.audiences_of(user_ids, dealership=dealership, on=on).items():
            result.setdefault(user_id, set()).update(keys)
    return result
