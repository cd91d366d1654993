"""The search keys (dealership.search.keys): the range a piece of a value is found by."""

from __future__ import annotations

import pytest

from dealership.search.keys import following


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("王", "玌"),
        ("RO2026", "RO2027"),
        ("A9", "A:"),
        ("\ud7ff", "\ue000"),  # past the surrogates, which UTF-8 cannot hold
        ("A\U0010ffff", "B"),  # the last character has no successor: the one before moves
        ("\U0010ffff", None),
        ("", None),
    ],
)
def test_the_first_string_after_every_string_that_starts_with_a_value(value, expected):
    assert following(value) == expected


@pytest.mark.parametrize("value", ["王", "王小", "RO202611-00", "8765", "A\U0010ffff"])
def test_every_string_that_starts_with_the_value_is_inside_the_range(value):
    upper = following(value)
    for longer in (value, value + "明", value + "\x00", value + "\U0010ffff" * 3, value + "z9"):
        encoded = longer.encode()
        assert encoded >= value.encode()
        assert upper is None or encoded < upper.encode()
    for outside in (value[:-1], value[:-1] + chr(ord(value[-1]) - 1) + "z"):
        assert not outside.startswith(value)
        assert outside.encode() < value.encode() or (upper and outside.encode() >= upper.encode())
