"""The search itself: the query checked and classified, then every provider whose fields match
asked once through the access chokepoint. One query per provider that applies (plus what its
``describe`` needs, constant too), whatever the number of rows.

What the viewer may not see is never counted, hinted at or linked: a group lists at most
``PER_GROUP`` rows of those the viewer may see, and says only whether there are more of those
(with a link to the module's own list, which applies the same rules)."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from django.core.exceptions import ValidationError
from django.db.models import F
from django.db.models.functions import Coalesce
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _

from dealership.access import can, restricted_queryset
from dealership.search.matchers import MAX_LENGTH, classify, normalise
from dealership.search.providers import SearchLine, SearchProvider, search_providers

PER_GROUP = 10


@dataclass(frozen=True)
class SearchGroup:
    provider: SearchProvider
    lines: list[SearchLine]
    more_url: str | None  # the module's list filtered by the query, when there are more

    @property
    def key(self) -> str:
        return self.provider.key

    @property
    def label(self) -> str:
        return str(self.provider.label)

    @property
    def icon(self) -> str:
        return self.provider.icon


@dataclass(frozen=True)
class SearchOutcome:
    query: str
    kinds: dict[str, str]
    groups: list[SearchGroup]


def clean_query(raw) -> str:
    """The query as searched: trimmed, full-width characters made ASCII; ``ValidationError``
    (a message for the person) when it is too long or holds control characters."""
    text = str(raw or "")
    if len(text) > MAX_LENGTH * 4 or len(normalise(text)) > MAX_LENGTH:
        raise ValidationError(
            _("Search for at most %(max)d characters.") % {"max": MAX_LENGTH}, code="too_long"
        )
    if any(ord(c) < 32 or ord(c) == 127 for c in text.replace(" ", "")):
        raise ValidationError(_("The search contains characters that cannot be searched."))
    return normalise(text)


def _more_url(provider: SearchProvider, query: str) -> str | None:
    if not provider.list_url:
        return None
    try:
        return f"{reverse(provider.list_url)}?{urlencode({provider.list_param: query})}"
    except NoReverseMatch:
        return None


def matches_first(ordering) -> list:
    """``ordering`` (``("-pk",)``) as sort keys no index can walk (``COALESCE(id, id) DESC``), so
    that PostgreSQL finds the matching rows first (by their indexes, in the scope) and then sorts
    the few it found. Ordered by the bare primary key, it walks that index from the newest row
    of the whole table, every other dealership's included, until ten rows match: for a group HQ
    over ten of fifty dealerships that read a large part of the table to find ten customers
    named 王; this way only the matches the key indexes found are sorted."""
    keys = []
    for name in ordering:
        field = name.lstrip("-")
        key = Coalesce(F(field), F(field))
        keys.append(key.desc() if name.startswith("-") else key.asc())
    return keys


def _newest(user, provider: SearchProvider, condition, count: int):
    """The keys of the ``count`` rows the viewer may see that match, newest first: a subquery
    that sorts keys only, so the rows' related objects (``select_related``) are joined for
    those few rows, not for the thousand a common surname matches before the sort."""
    return (
        restricted_queryset(user, provider.model, provider.action)
        .filter(condition)
        .order_by(*matches_first(provider.ordering))
        .values("pk")[:count]
    )


def search(user, raw_query, *, context: str = "", per_group: int = PER_GROUP) -> SearchOutcome:
    """The groups of results ``user`` may see for ``raw_query`` (``ValidationError`` for a
    query that cannot be searched; an empty one finds nothing without a query)."""
    query = clean_query(raw_query)
    kinds = classify(query) if query else {}
    groups = []
    for provider in search_providers():
        condition = provider.condition(kinds)
        if condition is None or not can(user, provider.model, provider.action):
            continue
        # the rows the restricted subquery chose (the chokepoint applied there), with what
        # ``describe`` shows
        rows = list(
            provider.base()
            .filter(pk__in=_newest(user, provider, condition, per_group + 1))
            .order_by(*provider.ordering)
        )
        if not rows:
            continue
        more = len(rows) > per_group
        rows = rows[:per_group]
        described = provider.describe(rows, user=user, context=context)
        lines = [
            SearchLine(title=str(title), detail=str(detail or ""), url=provider.url(row))
            for row, (title, detail) in zip(rows, described, strict=True)
        ]
        groups.append(
            SearchGroup(
                provider=provider,
                lines=lines,
                more_url=_more_url(provider, query) if more else None,
            )
        )
    return SearchOutcome(query=query, kinds=kinds, groups=groups)
