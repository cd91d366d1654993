"""The kinds of printed document, registered by the modules that own them (the platform names no
app)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.db.models import Model, QuerySet


@dataclass(frozen=True)
class DocumentKind:
    """``key`` (``sales.quote``), ``title`` (the heading, lazy), ``model`` and ``action`` (the
    object is read with ``get_object_for_user(user, model, action)``: who may open the object
    may print it; elsewhere 404, in the dealership without the right 403), ``template`` (the
    body, given ``object`` and what ``context(obj)`` adds), ``number(obj)`` (the document's
    number, before its version), ``queryset()`` (select_related for the body)."""

    key: str
    title: object
    model: type[Model]
    template: str
    number: Callable[[Model], str]
    context: Callable[[Model], dict] = lambda obj: {}
    queryset: Callable[[], QuerySet] | None = None
    action: str = "view"

    def base(self) -> QuerySet:
        return self.queryset() if self.queryset is not None else self.model._default_manager.all()


_kinds: dict[str, DocumentKind] = {}


def register_document(kind: DocumentKind) -> DocumentKind:
    existing = _kinds.get(kind.key)
    if existing is not None and existing != kind:
        raise ValueError(f"The document kind {kind.key!r} is already registered.")
    _kinds[kind.key] = kind
    return kind


def document_kinds() -> dict[str, DocumentKind]:
    return dict(_kinds)


def document_kind(key: str) -> DocumentKind | None:
    return _kinds.get(key)
