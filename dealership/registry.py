"""What apps register with the platform at start-up: navigation entries and dashboard widgets.

The platform imports no app; apps call :func:`register_nav` and :func:`register_widget` from
their ``AppConfig.ready()``. Each entry decides for itself whether a user may see it, so the
navigation lists only what the user may open.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, field

from django.conf import settings
from django.urls import get_script_prefix, get_urlconf, reverse


@dataclass(frozen=True)
class NavItem:
    key: str
    label: str  # a lazy translation
    url_name: str
    order: int = 100
    section: str = "main"
    visible: Callable[[object], bool] = field(default=lambda request: True)

    @property
    def url(self) -> str:
        return nav_url(self.url_name)


def nav_url(url_name: str) -> str:
    """``reverse(url_name)`` of an argument-less route, remembered: the shell shows every nav
    entry on every page (three reads of each), and reversing them all each time cost a sixth of
    a small page's time. Keyed by what the answer depends on: the script prefix and the URL conf
    (the request's own or ``ROOT_URLCONF``)."""
    return _reversed(url_name, get_script_prefix(), get_urlconf(), settings.ROOT_URLCONF)


@functools.lru_cache(maxsize=512)
def _reversed(url_name: str, prefix: str, urlconf, root_urlconf: str) -> str:
    return reverse(url_name, urlconf=urlconf)


@dataclass(frozen=True)
class Widget:
    """A dashboard panel. ``context(request)`` returns the template context, or ``None`` to hide."""

    key: str
    title: str
    template: str
    context: Callable[[object], dict | None]
    order: int = 100


_nav: dict[str, NavItem] = {}
_widgets: dict[str, Widget] = {}
_dealership_initializers: list[Callable] = []
_access_gates: list[Callable] = []


def register_nav(item: NavItem) -> None:
    _nav[item.key] = item


def register_widget(widget: Widget) -> None:
    _widgets[widget.key] = widget


def nav_for(request) -> list[NavItem]:
    return [
        item
        for item in sorted(_nav.values(), key=lambda i: (i.order, i.key))
        if item.visible(request)
    ]


def widgets_for(request) -> list[tuple[Widget, dict]]:
    shown = []
    for widget in sorted(_widgets.values(), key=lambda w: (w.order, w.key)):
        context = widget.context(request)
        if context is not None:
            shown.append((widget, context))
    return shown


def register_dealership_initializer(initializer: Callable) -> None:
    """``initializer(dealership)`` prepares a new dealership (the org chart applies its template).
    Initializers must be idempotent: they also run again on existing dealerships (seed_demo)."""
    if initializer not in _dealership_initializers:
        _dealership_initializers.append(initializer)


def dealership_initializers() -> list[Callable]:
    return list(_dealership_initializers)


def register_access_gate(gate: Callable) -> None:
    """``gate(user) -> bool`` runs inside the user's tenant scope; if any gate says no, the user
    gets no scope at all (the org chart requires an active position)."""
    if gate not in _access_gates:
        _access_gates.append(gate)


def access_gates() -> list[Callable]:
    return list(_access_gates)
