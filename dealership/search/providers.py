"""What modules register: one :class:`SearchProvider` per result type (customer, vehicle, order,
…), declared in the module's ``AppConfig.ready()`` with :func:`register_search`. The platform
names no app: it asks each provider about the fields whose kind the query matched."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from django.db.models import Model, Q, QuerySet

from dealership.expressions import AmongRows
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
        if parts[-1] in ("exact", "search_head", "search_tail"):
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
        """The filter for a classified query, or ``None`` when no field applies; each lookup
        asked on its own and matched by key (:func:`by_key`)."""
        parts = [by_key(self.model, f.q(kinds[f.kind])) for f in self.fields if f.kind in kinds]
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


def by_key(model: type[Model], condition: Q) -> Q:
    """``condition`` with each of its lookups asked on its own and matched by key: a lookup on
    the row's own field (``("number__search_tail", "0012")``) becomes :class:`AmongRows` of
    ``model``'s rows, one through a many-to-one relation (``("customer__name__search_head",
    "王")``) :class:`AmongRows` of the related model's rows, both read through the default
    manager (in the tenant scope). The rows found are the same; each part now uses the index
    that serves it, where PostgreSQL would read every row of the scope for the ``OR`` of them
    (its cost estimates prefer the dealership's index to a union of ranges)."""
    rebuilt = Q()
    rebuilt.connector, rebuilt.negated = condition.connector, condition.negated
    for child in condition.children:
        if isinstance(child, Q):
            child = by_key(model, child)
        elif isinstance(child, tuple):
            lookup, value = child
            first, _, rest = lookup.partition("__")
            field = model._meta.get_field(first) if first != "pk" else None
            if rest and field is not None and field.many_to_one:
                related = field.related_model._default_manager.filter(**{rest: value})
                child = Q(AmongRows(first, related.values("pk")))
            else:
                own = model._default_manager.filter(**{lookup: value})
                child = Q(AmongRows("pk", own.values("pk")))
        rebuilt.children.append(child)
    return rebuilt


_providers: dict[str, SearchProvider] = {}


def register_search(provider: SearchProvider) -> None:
    _providers[provider.key] = provider


def search_providers() -> list[SearchProvider]:
    return sorted(_providers.values(), key=lambda p: (p.order, p.key))


def part(path: str) -> Callable[[str], Q]:
    """``path`` starts or ends with the value (a surname or a given name, the head or the tail of
    a plate or a document number): two ranges an index serves under row-level security
    (:mod:`dealership.search.keys`; ``path`` has a reversed twin). A piece from the middle is
    not searched: ``LIKE '%…%'`` reads every row of the scope for the application's role."""

    def condition(value: str) -> Q:
        return Q(**{f"{path}__search_head": value}) | Q(**{f"{path}__search_tail": value})

    condition.path = path  # the field it reads (the generated isolation test fills it)
    return condition


# --- the fields most result types share -------------------------------------------------------


def document_fields(path: str) -> tuple[SearchField, ...]:
    """A document number (``RO202611-0042``) in full, or its start or its end."""
    return (
        SearchField(Kind.DOCUMENT, path),
        SearchField(Kind.DOCUMENT_PART, part(path)),
    )


def vehicle_fields(prefix: str = "") -> tuple[SearchField, ...]:
    """A vehicle's plate (in full, its start or its end) and VIN (in full or its tail);
    ``prefix`` is the relation that leads to the vehicle (``"vehicle__"``)."""
    return (
        SearchField(Kind.PLATE, f"{prefix}plate"),
        SearchField(Kind.PLATE_PART, part(f"{prefix}plate")),
        SearchField(Kind.VIN, f"{prefix}vin"),
        SearchField(Kind.VIN_TAIL, f"{prefix}vin__search_tail"),
    )


def person_fields(prefix: str = "customer__") -> tuple[SearchField, ...]:
    """A person's name (its start or its end) and full mobile number, through ``prefix``."""
    return (
        SearchField(Kind.NAME, part(f"{prefix}name")),
        SearchField(Kind.MOBILE, f"{prefix}mobile"),
    )


def joined(*parts) -> str:
    """The non-empty parts of a result's second line, joined as every group shows them."""
    return " · ".join(str(p) for p in parts if p)
