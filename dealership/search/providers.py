"""What modules register: one :class:`SearchProvider` per result type (customer, vehicle, order,
…), declared in the module's ``AppConfig.ready()`` with :func:`register_search`. The platform
names no app: it asks each provider about the fields whose kind the query matched."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from django.db.models import Model, Q, QuerySet

from dealership.search.matchers import Kind


@dataclass(frozen=True)
class SearchField:
    """One way a result type is found: ``kind`` (a :class:`dealership.search.matchers.Kind`)
    and either a lookup (``"plate"``, ``"customer__name__contains"``: the normalised query is
    its value) or ``condition(value) -> Q`` for anything else (a related row that exists)."""

    kind: str
    lookup: str | Callable[[str], Q]

    @property
    def path(self) -> str | None:
        """The model field the value is compared with (``customer__name``), when it is one."""
        if callable(self.lookup):
            return getattr(self.lookup, "path", None)
        parts = self.lookup.split("__")
        if parts[-1] in ("exact", "contains", "icontains", "endswith", "startswith"):
            parts = parts[:-1]
        return "__".join(parts)

    def q(self, value: str) -> Q:
        if callable(self.lookup):
            return self.lookup(value)
        return Q(**{self.lookup: value})


@dataclass(frozen=True)
class SearchLine:
    """One result as shown: what identifies it (``title``), a second line (``detail``: masked
    phone numbers and the like) and the page it links to."""

    title: str
    detail: str
    url: str


def _default_describe(rows, *, user, context):
    return [(str(row), "") for row in rows]


@dataclass(frozen=True)
class SearchProvider:
    """A result type.

    * ``key``, ``label`` (the group's heading, a lazy translation), ``icon`` (Bootstrap icon);
    * ``model`` and ``action``: rows are read with ``restricted_queryset(user, model, action)``,
      the same chokepoint as the module's list page; a user who may not ``action`` the model
      at all gets no group (never a 403 from search);
    * ``fields``: the :class:`SearchField` s; a query matching none of their kinds skips the
      provider without a query;
    * ``queryset()``: the base rows (``select_related`` for what ``describe`` shows);
    * ``describe(rows, user=…, context=…)``: ``[(title, detail), …]`` for the page's rows in one
      go (phone numbers masked as on the module's pages, in a constant number of queries);
    * ``url(row)``: its page (``get_absolute_url`` by default);
    * ``list_url`` / ``list_param``: the module's own list filtered by the query (the "more"
      link when a group has more rows than it shows), if it has one."""

    key: str
    label: object
    model: type[Model]
    fields: tuple[SearchField, ...]
    icon: str = "bi-search"
    action: str = "view"
    queryset: Callable[[], QuerySet] | None = None
    describe: Callable = _default_describe
    url: Callable[[Model], str] = field(default=lambda row: row.get_absolute_url())
    list_url: str | None = None
    list_param: str = "q"
    ordering: tuple[str, ...] = ("-pk",)
    order: int = 100

    def condition(self, kinds: dict[str, str]) -> Q | None:
        """The filter for a classified query, or ``None`` when no field applies."""
        parts = [f.q(kinds[f.kind]) for f in self.fields if f.kind in kinds]
        if not parts:
            return None
        condition = parts[0]
        for part in parts[1:]:
            condition |= part
        return condition

    def base(self) -> QuerySet:
        if self.queryset is not None:
            return self.queryset()
        return self.model._default_manager.all()


_providers: dict[str, SearchProvider] = {}


def register_search(provider: SearchProvider) -> None:
    _providers[provider.key] = provider


def search_providers() -> list[SearchProvider]:
    return sorted(_providers.values(), key=lambda p: (p.order, p.key))


def contains(path: str) -> Callable[[str], Q]:
    """``path`` holds the value: ``LIKE`` for Chinese (the trigram index serves it), case
    ignored when the value has Latin letters."""

    def condition(value: str) -> Q:
        lookup = "icontains" if any("a" <= c.lower() <= "z" for c in value) else "contains"
        return Q(**{f"{path}__{lookup}": value})

    condition.path = path  # the field it reads (the generated isolation test fills it)
    return condition


# --- the fields most result types share -------------------------------------------------------


def document_fields(path: str) -> tuple[SearchField, ...]:
    """A document number (``RO202611-0042``) in full or in part."""
    return (
        SearchField(Kind.DOCUMENT, path),
        SearchField(Kind.DOCUMENT_PART, f"{path}__contains"),
    )


def vehicle_fields(prefix: str = "") -> tuple[SearchField, ...]:
    """A vehicle's plate (in full or in part) and VIN (in full or its tail); ``prefix`` is the
    relation that leads to the vehicle (``"vehicle__"``)."""
    return (
        SearchField(Kind.PLATE, f"{prefix}plate"),
        SearchField(Kind.PLATE_PART, f"{prefix}plate__contains"),
        SearchField(Kind.VIN, f"{prefix}vin"),
        SearchField(Kind.VIN_TAIL, f"{prefix}vin__endswith"),
    )


def person_fields(prefix: str = "customer__") -> tuple[SearchField, ...]:
    """A person's name (in part) and full mobile number, through ``prefix``."""
    return (
        SearchField(Kind.NAME, contains(f"{prefix}name")),
        SearchField(Kind.MOBILE, f"{prefix}mobile"),
    )


def joined(*parts) -> str:
    """The non-empty parts of a result's second line, joined as every group shows them."""
    return " · ".join(str(p) for p in parts if p)
