"""What a search query can be: one small pure function per kind of input, each returning the
query normalised for its kind (the value the providers' fields are compared with) or ``None``.

:func:`classify` runs them all: a query is every kind it can be (``2345`` is the last four digits
of a mobile, a part of a plate and of a document number), so a provider is asked only about the
fields whose kind the query matched."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable

PROVINCES = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼使领"
# 京A12345 (5 characters after the city letter), 粤BD12345 / 粤B12345D (new energy, 6), with the
# special endings 挂 (trailer), 学 (learner), 警 (police), 港/澳
PLATE_RE = re.compile(
    rf"^[{PROVINCES}][A-HJ-NP-Z](?:[A-HJ-NP-Z0-9]{{5,6}}|[A-HJ-NP-Z0-9]{{4}}[挂学警港澳])$"
)
# a piece of a plate: optionally the province and city letter, then letters and digits
PLATE_PART_RE = re.compile(rf"^[{PROVINCES}]?[A-HJ-NP-Z0-9]{{4,7}}$")
VIN_CHARS = "A-HJ-NPR-Z0-9"  # no I, O, Q
VIN_RE = re.compile(rf"^[{VIN_CHARS}]{{17}}$")
VIN_TAIL_RE = re.compile(rf"^(?:[{VIN_CHARS}]{{6}}|[{VIN_CHARS}]{{8}})$")
MOBILE_RE = re.compile(r"^1[3-9]\d{9}$")
# document numbers of dealership.numbering: SO202611-0001 (orders), RO202611-0001 (repair
# orders), TS202611-0001 (complaints), PO…/CS… (parts)
DOCUMENT_RE = re.compile(r"^[A-Z]{1,4}\d{6}-\d{3,6}$")
DOCUMENT_PART_RE = re.compile(r"^[A-Z]{0,4}[0-9-]*$")
CJK_RE = re.compile(r"[\u3400-\u9fff]")
NAME_RE = re.compile(r"^[\u3400-\u9fffA-Za-z·.\s()（）&-]+$")
INITIALS_RE = re.compile(r"^[a-z]{2,8}$")

SEPARATORS = re.compile(r"[\s·.\-_/]")
MAX_LENGTH = 50


class Kind:
    """The kinds of input (also the keys of :func:`classify`'s answer)."""

    NAME = "name"
    INITIALS = "initials"  # pinyin initials of a Chinese name: zs → 张三
    PLATE = "plate"
    PLATE_PART = "plate_part"
    VIN = "vin"
    VIN_TAIL = "vin_tail"
    MOBILE = "mobile"
    MOBILE_TAIL = "mobile_tail"
    DOCUMENT = "document"
    DOCUMENT_PART = "document_part"

    ALL = (
        NAME,
        INITIALS,
        PLATE,
        PLATE_PART,
        VIN,
        VIN_TAIL,
        MOBILE,
        MOBILE_TAIL,
        DOCUMENT,
        DOCUMENT_PART,
    )


def normalise(text: str) -> str:
    """Full-width letters and digits as ASCII (ＡＢ１２ → AB12), spaces collapsed, trimmed."""
    return " ".join(unicodedata.normalize("NFKC", str(text or "")).split())


def _compact(text: str) -> str:
    return SEPARATORS.sub("", normalise(text)).upper()


def plate(text: str) -> str | None:
    """A whole mainland plate (粤A12345, 粤AD12345, 粤A12345D), as stored: upper case, no
    separators (``粤a·123 45`` → ``粤A12345``)."""
    value = _compact(text)
    return value if PLATE_RE.match(value) else None


def plate_part(text: str) -> str | None:
    """A piece of a plate (``A12345``, ``12345``, ``D1234``, ``粤A123``: 4 to 7 letters and
    digits, at least one digit), not a whole plate."""
    value = _compact(text)
    if PLATE_RE.match(value) or not PLATE_PART_RE.match(value):
        return None
    return value if any(c.isdigit() for c in value) else None


def vin(text: str) -> str | None:
    """A whole VIN: 17 letters and digits without I, O or Q, upper case."""
    value = _compact(text)
    return value if VIN_RE.match(value) else None


def vin_tail(text: str) -> str | None:
    """The last 6 or 8 characters of a VIN (at least one digit; no I, O or Q)."""
    value = _compact(text)
    if not VIN_TAIL_RE.match(value) or not any(c.isdigit() for c in value):
        return None
    return value


def _digits_of_phone(text: str) -> str | None:
    value = re.sub(r"[\s\-()（）]", "", normalise(text))
    if value.startswith("+86"):
        value = value[3:]
    elif value.startswith("0086"):
        value = value[4:]
    return value if value.isdigit() else None


def mobile(text: str) -> str | None:
    """A mainland mobile as its 11 digits (``+86 138-0013-8000`` → ``13800138000``)."""
    value = _digits_of_phone(text)
    return value if value and MOBILE_RE.match(value) else None


def mobile_tail(text: str) -> str | None:
    """The last four digits of a mobile (what a masked number shows: ``138****1234``)."""
    value = normalise(text).replace(" ", "")
    return value if len(value) == 4 and value.isdigit() else None


def document(text: str) -> str | None:
    """A whole document number (``SO202611-0001``; ``ro 202611 0001`` → ``RO202611-0001``)."""
    value = normalise(text).upper().replace(" ", "")
    if DOCUMENT_RE.match(value):
        return value
    spaced = re.match(r"^([A-Z]{1,4})\s*(\d{6})[\s\-_/]*(\d{3,6})$", normalise(text).upper())
    return f"{spaced[1]}{spaced[2]}-{spaced[3]}" if spaced else None


def document_part(text: str) -> str | None:
    """A piece of a document number: at least four digits, perhaps its letters and the dash
    (``0001``, ``202611-0001``, ``RO202611``), not a whole one."""
    value = normalise(text).upper().replace(" ", "")
    if document(value) or not DOCUMENT_PART_RE.match(value) or len(value) > 20:
        return None
    return value if sum(c.isdigit() for c in value) >= 4 else None


def name(text: str) -> str | None:
    """A person's or a company's name or a piece of it: Chinese characters (one is enough),
    or Latin letters (two or more), with spaces, dots and brackets."""
    value = normalise(text)
    if not NAME_RE.match(value):
        return None
    if CJK_RE.search(value) or sum(c.isalpha() for c in value) >= 2:
        return value
    return None


def initials(text: str) -> str | None:
    """Pinyin initials of a Chinese name (``zs`` or ``ZS`` → ``zs`` for 张三): 2 to 8 letters."""
    value = normalise(text).replace(" ", "").lower()
    return value if INITIALS_RE.match(value) else None


def pinyin_initials(text: str) -> str:
    """What a name is found by when typed as initials (``张三丰`` → ``zsf``, ``广州华晟`` →
    ``gzhs``): the first letter of each character's pinyin (pypinyin; the most common reading of
    a character with several), the first letter of each Latin word; digits and signs dropped.
    Stored with the row (``Customer.name_initials``) and searched from its start."""
    from pypinyin import Style, lazy_pinyin

    letters = []
    for part in lazy_pinyin(text or "", style=Style.FIRST_LETTER, errors="default"):
        for word in re.findall(r"[A-Za-z]+", part):
            letters.append(word[0].lower())
    return "".join(letters)[:50]


MATCHERS: dict[str, Callable[[str], str | None]] = {
    Kind.NAME: name,
    Kind.INITIALS: initials,
    Kind.PLATE: plate,
    Kind.PLATE_PART: plate_part,
    Kind.VIN: vin,
    Kind.VIN_TAIL: vin_tail,
    Kind.MOBILE: mobile,
    Kind.MOBILE_TAIL: mobile_tail,
    Kind.DOCUMENT: document,
    Kind.DOCUMENT_PART: document_part,
}


def classify(text: str) -> dict[str, str]:
    """``{kind: normalised value}`` for every kind ``text`` can be (empty: none)."""
    found = {}
    for kind, matcher in MATCHERS.items():
        value = matcher(text)
        if value:
            found[kind] = value
    return found
