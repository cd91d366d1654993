"""Strict helpers to read configuration from the environment.

Every helper raises :class:`ImproperlyConfigured` naming the variable when a value cannot be
parsed, so a typo stops start-up with a clear message instead of silently using a default.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from urllib.parse import urlparse

from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}

_UNSET = object()  # "no default": the variable is required


def _raw(name: str) -> str | None:
    value = os.environ.get(name)
    return value.strip() if value is not None else None


def _fail(name: str, value: str, expected: str) -> ImproperlyConfigured:
    return ImproperlyConfigured(f"Environment variable {name}={value!r} is invalid: {expected}.")


def env_str(name: str, default: str | object | None = _UNSET) -> str | None:
    value = _raw(name)
    if value is None or value == "":
        if default is _UNSET:
            raise ImproperlyConfigured(f"Environment variable {name} is required but not set.")
        return default  # type: ignore[return-value]
    return value


def env_bool(name: str, default: bool) -> bool:
    value = _raw(name)
    if value is None:
        return default
    lowered = value.lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise _fail(name, value, "expected one of 1/0, true/false, yes/no, on/off")


def env_int(name: str, default: int, *, minimum: int | None = None) -> int:
    value = _raw(name)
    if value is None or value == "":
        return default
    try:
        number = int(value)
    except ValueError:
        raise _fail(name, value, "expected an integer") from None
    if minimum is not None and number < minimum:
        raise _fail(name, value, f"expected an integer >= {minimum}")
    return number


def env_list(name: str, default: list[str]) -> list[str]:
    value = _raw(name)
    if value is None:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


def env_choice(name: str, default: str, choices: list[str]) -> str:
    value = _raw(name)
    if value is None or value == "":
        return default
    if value not in choices:
        raise _fail(name, value, f"expected one of {', '.join(choices)}")
    return value


def env_url(name: str, schemes: tuple[str, ...], default: str | None = None) -> str | None:
    value = _raw(name)
    if value is None or value == "":
        return default
    parsed = urlparse(value)
    if parsed.scheme not in schemes or not (parsed.netloc or parsed.path):
        raise _fail(
            name, value, f"expected a URL starting with {' or '.join(s + '://' for s in schemes)}"
        )
    return value


def env_timezone(name: str, default: str) -> str:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    value = _raw(name) or default
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise _fail(name, value, "expected an IANA time zone such as Asia/Shanghai") from None
    return value


def env_parsed(name: str, parser: Callable[[str], object], default: object, expected: str):
    value = _raw(name)
    if value is None or value == "":
        return default
    try:
        return parser(value)
    except (TypeError, ValueError):
        raise _fail(name, value, expected) from None
