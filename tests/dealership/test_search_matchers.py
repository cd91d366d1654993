"""The search's matchers (dealership.search.matchers): pure functions, one per kind of input."""

from __future__ import annotations

import pytest

from dealership.search import matchers as m
from dealership.search.matchers import Kind, classify


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("粤A12345", "粤A12345"),
        ("粤a 12345", "粤A12345"),
        ("粤A·12345", "粤A12345"),
        ("粤A.12345", "粤A12345"),
        ("粤AD12345", "粤AD12345"),  # new energy, 8 characters
        ("粤A12345D", "粤A12345D"),
        ("粤B1234学", "粤B1234学"),
        ("粤ＡＢ１２３４５", "粤AB12345"),  # full-width
        ("粤I12345", None),  # no I or O as the city letter
        ("A12345", None),
        ("粤A1234", None),
        ("", None),
    ],
)
def test_plate(text, expected):
    assert m.plate(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("A12345", "A12345"),
        ("12345", "12345"),
        ("2345", "2345"),
        ("d1234", "D1234"),
        ("粤A123", "粤A123"),
        ("粤A12345", None),  # a whole plate is PLATE
        ("ABCD", None),  # no digit
        ("123", None),  # too short
    ],
)
def test_plate_part(text, expected):
    assert m.plate_part(text) == expected


def test_vin_and_its_tail():
    assert m.vin("lvgbe40k7ng000012") == "LVGBE40K7NG000012"
    assert m.vin("LVGBE40K7NG00001") is None  # 16
    assert m.vin("LVGBE40K7NG00001O") is None  # no O
    assert m.vin_tail("000012") == "000012"
    assert m.vin_tail("ng000012") == "NG000012"
    assert m.vin_tail("0000123") is None  # 7
    assert m.vin_tail("ABCDEF") is None  # no digit
    assert m.vin_tail("Q00012") is None  # no Q


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("13800138000", "13800138000"),
        ("138 0013 8000", "13800138000"),
        ("138-0013-8000", "13800138000"),
        ("+86 138 0013 8000", "13800138000"),
        ("008613800138000", "13800138000"),
        ("12800138000", None),  # no mainland mobile starts 12
        ("1380013800", None),
        ("020-12345678", None),
    ],
)
def test_mobile(text, expected):
    assert m.mobile(text) == expected


def test_mobile_tail():
    assert m.mobile_tail("1234") == "1234"
    assert m.mobile_tail(" 1234 ") == "1234"
    assert m.mobile_tail("12345") is None
    assert m.mobile_tail("12a4") is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("SO202611-0001", "SO202611-0001"),
        ("so202611-0001", "SO202611-0001"),
        ("RO 202611 0001", "RO202611-0001"),
        ("TS202611-0012", "TS202611-0012"),
        ("SO202611", None),
    ],
)
def test_document(text, expected):
    assert m.document(text) == expected


def test_document_part():
    assert m.document_part("0001") == "0001"
    assert m.document_part("202611-0001") == "202611-0001"
    assert m.document_part("ro202611") == "RO202611"
    assert m.document_part("SO202611-0001") is None  # whole: DOCUMENT
    assert m.document_part("RO1") is None


def test_name():
    assert m.name("张") == "张"
    assert m.name(" 张  三 ") == "张 三"
    assert m.name("广州华晟汽车有限公司") == "广州华晟汽车有限公司"
    assert m.name("Li") == "Li"
    assert m.name("L") is None
    assert m.name("张3") is None
    assert m.initials("ZS") == "zs"
    assert m.initials("z") is None


def test_classify_reads_a_query_as_every_kind_it_can_be():
    assert set(classify("2345")) == {Kind.MOBILE_TAIL, Kind.PLATE_PART, Kind.DOCUMENT_PART}
    assert set(classify("粤A12345")) == {Kind.PLATE}
    assert set(classify("000012")) == {Kind.VIN_TAIL, Kind.PLATE_PART, Kind.DOCUMENT_PART}
    assert classify("13800138000")[Kind.MOBILE] == "13800138000"
    assert Kind.DOCUMENT in classify("SO202611-0001")
    assert set(classify("张三")) == {Kind.NAME}
    assert set(classify("zs")) == {Kind.NAME, Kind.INITIALS}
    assert classify("") == {}
    assert classify("!!!") == {}


def test_pinyin_initials_of_names():
    from dealership.search.matchers import pinyin_initials

    assert pinyin_initials("张三丰") == "zsf"
    assert pinyin_initials("广州华南贸易有限公司") == "gzhnmyyxgs"
    assert pinyin_initials("王Tom 2号") == "wth"
    assert pinyin_initials("") == ""
