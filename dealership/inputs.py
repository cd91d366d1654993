"""Input that no page or endpoint accepts: control characters (NUL and the other C0 codes
except tab, line feed and carriage return, and DEL). PostgreSQL cannot store NUL in text, and
none of them belongs in a name, a search or a note."""

from __future__ import annotations

import re

from django.core.exceptions import BadRequest, SuspiciousOperation
from django.http.multipartparser import MultiPartParserError
from django.utils.translation import gettext as _

CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def has_control_characters(text: str) -> bool:
    return bool(CONTROL.search(text))


class RejectControlCharactersMiddleware:
    """400 for a query parameter or a form field (name or value) with control characters,
    before any view runs; JSON bodies are checked by the API's parser."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from dealership.views import client_error  # the 400 page in the shell, or JSON

        refused = self._refused(request.GET)
        if not refused and request.method == "POST" and request.content_type in FORM_TYPES:
            try:
                refused = self._refused(request.POST)
            except (SuspiciousOperation, MultiPartParserError) as error:  # too many fields…
                return client_error(request, 400, error)
        if refused:
            return client_error(request, 400, BadRequest(refused))
        return self.get_response(request)

    @staticmethod
    def _refused(data) -> str:
        for key, values in data.lists():
            if has_control_characters(key) or any(
                isinstance(v, str) and has_control_characters(v) for v in values
            ):
                return _("Text may not contain control characters such as NUL.")
        return ""
