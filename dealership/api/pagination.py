"""Pages of the API's lists.

* :class:`KeysetPagination` (the default): lists that grow with the business (customers, repair
  orders, follow-ups, notifications, audit…) are read newest first (or in the view's
  ``cursor_ordering``) by a cursor — ``next`` and
  ``previous`` are links holding the position, and no page counts the table, so page 1 and
  page 1,000 cost one query each.
* :class:`CountedPagination`: short configuration lists (departments, positions, chains…)
  keep ``?page=`` numbers and a ``count``.

Both take ``?page_size=`` (default 50, at most 200).
"""

from django.utils.translation import gettext_lazy as _
from rest_framework.exceptions import NotFound, ParseError
from rest_framework.pagination import CursorPagination, PageNumberPagination

PAGE_SIZE = 50
MAX_PAGE_SIZE = 200


class KeysetPagination(CursorPagination):
    page_size = PAGE_SIZE
    page_size_query_param = "page_size"
    max_page_size = MAX_PAGE_SIZE
    ordering = "-pk"
    invalid_cursor_message = _("This page link is not valid: start again from the first page.")

    def decode_cursor(self, request):
        """A cursor that is not one of ours is bad input (400), not a missing page."""
        try:
            return super().decode_cursor(request)
        except NotFound as error:
            raise ParseError(self.invalid_cursor_message) from error

    def get_ordering(self, request, queryset, view):
        """Newest first, or the view's ``cursor_ordering`` (its first field places the cursor;
        rows sharing that value are told apart by their offset)."""
        ordering = getattr(view, "cursor_ordering", None)
        return tuple(ordering) if ordering else super().get_ordering(request, queryset, view)


class CountedPagination(PageNumberPagination):
    page_size = PAGE_SIZE
    page_size_query_param = "page_size"
    max_page_size = MAX_PAGE_SIZE
