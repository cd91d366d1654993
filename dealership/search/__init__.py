"""One search box for every module (README, "Search"): matchers per kind of input
(:mod:`dealership.search.matchers`), providers registered by the modules
(:func:`register_search`), the search through the access chokepoint
(:func:`dealership.search.service.search`), the page ``/search/`` and ``/api/v1/search/``."""

from dealership.search.matchers import Kind, classify
from dealership.search.providers import (
    SearchField,
    SearchLine,
    SearchProvider,
    contains,
    document_fields,
    joined,
    person_fields,
    register_search,
    search_providers,
    vehicle_fields,
)

__all__ = [
    "Kind",
    "SearchField",
    "SearchLine",
    "SearchProvider",
    "classify",
    "contains",
    "document_fields",
    "joined",
    "person_fields",
    "register_search",
    "search_providers",
    "vehicle_fields",
]
