"""One search box for every module (README, "Search"): matchers per kind of input
(:mod:`dealership.search.matchers`), providers registered by the modules
(:func:`register_search`), the search through the access chokepoint
(:func:`dealership.search.service.search`), the page ``/search/`` and ``/api/v1/search/``."""

from dealership.search import keys  # noqa: F401  (registers the search_head/search_tail lookups)
from dealership.search.matchers import Kind, classify
from dealership.search.providers import (
    AmongRows,
    SearchField,
    SearchLine,
    SearchProvider,
    document_fields,
    joined,
    part,
    person_fields,
    register_search,
    search_providers,
    vehicle_fields,
)

__all__ = [
    "AmongRows",
    "Kind",
    "SearchField",
    "SearchLine",
    "SearchProvider",
    "classify",
    "document_fields",
    "joined",
    "part",
    "person_fields",
    "register_search",
    "search_providers",
    "vehicle_fields",
]
