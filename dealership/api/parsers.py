"""The API's JSON parser: bounded in size and nesting, and no control characters in text.

A body nested thousands of levels deep would exhaust Python's recursion (a 500); NUL bytes
cannot be stored in PostgreSQL text (a 500 too). Both are answered 400 here, for every
endpoint, before any view sees the data."""

from __future__ import annotations

import json

from django.conf import settings
from django.utils.translation import gettext as _
from rest_framework.exceptions import ParseError, ValidationError
from rest_framework.parsers import JSONParser

from dealership.inputs import has_control_characters


def check_parsed(data, *, max_depth: int) -> None:
    """Walk ``data`` without recursion: nesting within ``max_depth`` (else 400, unparseable),
    no control characters in any text (else 400 naming the top-level field)."""
    stack = [(data, 1, None)]
    while stack:
        value, depth, field = stack.pop()
        if depth > max_depth:
            raise ParseError(
                _("The JSON is nested too deeply (at most %(max)d levels).") % {"max": max_depth}
            )
        if isinstance(value, str):
            if has_control_characters(value):
                _refuse(field)
        elif isinstance(value, dict):
            for key, item in value.items():
                if has_control_characters(key):
                    _refuse(field)
                stack.append((item, depth + 1, field if field is not None else key))
        elif isinstance(value, list):
            stack.extend((item, depth + 1, field) for item in value)


def _refuse(field) -> None:
    message = _("Text may not contain control characters such as NUL.")
    raise ValidationError({field if isinstance(field, str) else "non_field_errors": [message]})


class SafeJSONParser(JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        limit = settings.API_MAX_JSON_BYTES
        raw = stream.read(limit + 1) if stream is not None else b""
        if len(raw) > limit:
            raise ParseError(
                _("The request body is larger than %(kb)d KB.") % {"kb": limit // 1024}
            )
        encoding = (parser_context or {}).get("encoding", settings.DEFAULT_CHARSET)
        try:
            data = json.loads(raw.decode(encoding)) if raw else {}
        except RecursionError:
            raise ParseError(_("The JSON is nested too deeply.")) from None
        except (ValueError, UnicodeDecodeError) as error:
            raise ParseError(
                _("The body is not valid JSON: %(error)s") % {"error": error}
            ) from None
        check_parsed(data, max_depth=settings.API_MAX_JSON_DEPTH)
        return data
