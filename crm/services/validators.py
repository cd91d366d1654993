"""Normalising and checking what people type: mainland mobile numbers, VINs and plates."""

from __future__ import annotations

import datetime as dt
import re

import phonenumbers
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from vininfo import Vin

VIN_RE = re.compile(r"^[A-HJ-NPR-Z0-9]{17}$")
PROVINCES = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼使领"
# 京A12345 (regular, 5 characters after the letter), 粤B12345D / 粤BD12345 (new energy, 6),
# with the special endings 挂 (trailer), 学 (learner), 警 (police), 港/澳 (Hong Kong/Macau)
PLATE_RE = re.compile(
    rf"^[{PROVINCES}][A-HJ-NP-Z](?:[A-HJ-NP-Z0-9]{{5,6}}|[A-HJ-NP-Z0-9]{{4}}[挂学警港澳])$"
)


def normalise_mobile(value, field: str = "mobile") -> str | None:
    """A mainland mobile number as its 11 digits (``+86 138-0013-8000`` → ``13800138000``);
    empty → None; anything else → ``ValidationError`` on ``field``."""
    text = str(value or "").strip()
    if not text:
        return None
    try:
        number = phonenumbers.parse(text, "CN")
    except phonenumbers.NumberParseException:
        number = None
    if (
        number is None
        or number.country_code != 86
        or not phonenumbers.is_valid_number(number)
        or phonenumbers.number_type(number)
        not in (
            phonenumbers.PhoneNumberType.MOBILE,
            phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
        )
        or len(str(number.national_number)) != 11
    ):
        raise ValidationError(
            {field: _("“%(value)s” is not a valid mainland mobile number.") % {"value": text[:30]}}
        )
    return str(number.national_number)


def normalise_phone(value, field: str = "phone") -> str:
    """A mainland mobile (its 11 digits) or landline number with its area code
    (``027-8888 6666`` → ``02788886666``); empty → ``""``; anything else → ``ValidationError``
    on ``field``."""
    text = str(value or "").strip()
    if not text:
        return ""
    message = _(
        "“%(value)s” is not a valid mainland phone number (a mobile or a landline with its area code)."
    ) % {"value": text[:30]}
    if len(text) > 30:
        raise ValidationError({field: message})
    try:
        return normalise_mobile(text, field) or ""
    except ValidationError:
        pass
    try:
        number = phonenumbers.parse(text, "CN")
    except phonenumbers.NumberParseException:
        raise ValidationError({field: message}) from None
    if (
        number.country_code != 86
        or not phonenumbers.is_valid_number(number)
        or phonenumbers.number_type(number) != phonenumbers.PhoneNumberType.FIXED_LINE
    ):
        raise ValidationError({field: message})
    return f"0{number.national_number}"


def normalise_vin(value, field: str = "vin") -> str:
    """17 characters, upper case, no I/O/Q, check digit (9th character) verified."""
    vin = re.sub(r"\s", "", str(value or "")).upper()
    if not VIN_RE.match(vin):
        raise ValidationError({field: _("A VIN has 17 letters and digits, without I, O or Q.")})
    if not Vin(vin).verify_checksum():
        raise ValidationError(
            {
                field: _("The VIN's check digit (9th character) does not match: “%(vin)s”.")
                % {"vin": vin}
            }
        )
    return vin


def normalise_plate(value, field: str = "plate") -> str:
    """A Chinese plate without separators (``粤B·12345`` → ``粤B12345``); empty stays empty."""
    plate = re.sub(r"[\s·.\-]", "", str(value or "")).upper()
    if plate and not PLATE_RE.match(plate):
        raise ValidationError(
            {field: _("“%(plate)s” is not a Chinese plate number.") % {"plate": plate[:12]}}
        )
    return plate


def check_registration_date(value, field: str = "registration_date") -> None:
    if value is not None and isinstance(value, dt.date) and value > timezone.localdate():
        raise ValidationError({field: _("The registration date cannot be in the future.")})


def check_mileage(value, field: str = "mileage") -> None:
    if value is not None and value < 0:
        raise ValidationError({field: _("The mileage cannot be negative.")})


def vin_check_digit(vin16: str) -> str:
    """The check digit for a VIN (given with any character at position 9), for demo data."""
    values = {
        **{str(d): d for d in range(10)},
        **dict(zip("ABCDEFGH", range(1, 9), strict=True)),
        **dict(zip("JKLMN", range(1, 6), strict=True)),
        "P": 7,
        "R": 9,
        **dict(zip("STUVWXYZ", range(2, 10), strict=True)),
    }
    weights = [8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2]
    total = sum(values[c] * w for c, w in zip(vin16, weights, strict=True))
    rest = total % 11
    return "X" if rest == 10 else str(rest)
