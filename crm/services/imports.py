"""Import of customers and their vehicles from an XLSX or CSV file.

Columns (Chinese or English headers, any order): name, mobile, kind, province, city, district,
address, source, VIN, plate, brand, model, colour, registration date, mileage. One row is one
customer and, when the VIN is filled in, one of their vehicles. :func:`import_preview` checks
every row without writing (errors as row number, field, message); :func:`customers_import`
writes all rows in one transaction, or nothing when any row is bad. A mobile number or VIN
repeated in the file or already in the dealership is an error."""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from crm.models import Customer, CustomerKind, Source, Vehicle
from crm.services import customers as customer_services
from crm.services import vehicles as vehicle_services
from crm.services.validators import (
    check_mileage,
    check_registration_date,
    normalise_mobile,
    normalise_vin,
)
from dealership.access import check_model_permission

MAX_BYTES = 1024 * 1024
MAX_ROWS = 2000

HEADERS = {
    "name": ("name", "customer", "姓名", "客户名称", "客户姓名", "名称"),
    "mobile": ("mobile", "phone", "手机", "手机号", "手机号码", "电话"),
    "kind": ("kind", "type", "类型", "客户类型"),
    "province": ("province", "省", "省份"),
    "city": ("city", "市", "城市"),
    "district": ("district", "区", "区县"),
    "street": ("address", "street", "地址", "详细地址", "街道"),
    "source": ("source", "来源", "客户来源", "渠道"),
    "vin": ("vin", "车架号", "vin码", "车辆识别代号"),
    "plate": ("plate", "车牌", "车牌号"),
    "brand": ("brand", "品牌"),
    "model": ("model", "车型"),
    "colour": ("colour", "color", "颜色", "车身颜色"),
    "registration_date": ("registration date", "registration_date", "上牌日期", "注册日期"),
    "mileage": ("mileage", "里程", "行驶里程", "公里数"),
}
HEADER_LOOKUP = {alias.lower(): key for key, aliases in HEADERS.items() for alias in aliases}
CUSTOMER_COLUMNS = ("name", "mobile", "kind", "province", "city", "district", "street", "source")
VEHICLE_COLUMNS = ("vin", "plate", "brand", "model", "colour", "registration_date", "mileage")
KIND_WORDS = {
    "个人": CustomerKind.PERSON,
    "公司": CustomerKind.COMPANY,
    "企业": CustomerKind.COMPANY,
}
SOURCE_WORDS = {
    "到店": Source.WALK_IN,
    "自然到店": Source.WALK_IN,
    "电话": Source.PHONE,
    "来电": Source.PHONE,
    "网络": Source.ONLINE,
    "线上": Source.ONLINE,
    "汽车之家": Source.AUTOHOME,
    "懂车帝": Source.DONGCHEDI,
    "转介绍": Source.REFERRAL,
    "推荐": Source.REFERRAL,
    "厂家线索": Source.OEM_LEAD,
    "主机厂线索": Source.OEM_LEAD,
    "大客户": Source.KEY_ACCOUNT,
    "活动": Source.EVENT,
    "车展": Source.EVENT,
    "其他": Source.OTHER,
}


@dataclass
class RowError:
    row: int
    field: str
    message: str


@dataclass
class ImportPreview:
    rows: list[dict] = field(default_factory=list)  # {"row": n, "values": {...}, "errors": [...]}
    errors: list[RowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return bool(self.rows) and not self.errors


def _file_error(message) -> ValidationError:
    return ValidationError({"file": message})


def read_rows(upload) -> list[dict]:
    """The data rows of an uploaded XLSX or CSV file as {column: text} with their row number
    (``"_row"``: the line in the file, the header being 1). Raises ``ValidationError`` on
    ``file`` for a file too big, too long, unreadable or without a known header."""
    if upload.size > MAX_BYTES:
        raise _file_error(
            _("The file is larger than %(mb)s MB.") % {"mb": MAX_BYTES // (1024 * 1024)}
        )
    content = upload.read(MAX_BYTES + 1)
    name = (getattr(upload, "name", "") or "").lower()
    is_xlsx = content[:2] == b"PK" or name.endswith(".xlsx")
    table = _xlsx(content) if is_xlsx else _csv(content)
    try:
        header = next(table)
    except StopIteration:
        raise _file_error(_("The file is empty.")) from None
    columns = [HEADER_LOOKUP.get(str(h or "").strip().lower()) for h in header]
    if "name" not in columns:
        raise _file_error(_("The first row must name the columns (at least “name” / “姓名”)."))
    rows = []
    for number, values in enumerate(table, start=2):
        if not any(str(v or "").strip() for v in values):
            continue
        if len(rows) >= MAX_ROWS:
            raise _file_error(_("The file has more than %(max)s rows.") % {"max": MAX_ROWS})
        row = {"_row": number}
        for column, value in zip(columns, values, strict=False):
            if column:
                row[column] = _text(value)
        rows.append(row)
    if not rows:
        raise _file_error(_("The file has no rows."))
    return rows


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()[:500]


def _xlsx(content: bytes):
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception:
        raise _file_error(_("The file is not a readable XLSX workbook.")) from None
    yield from workbook.worksheets[0].iter_rows(values_only=True)


def _csv(content: bytes):
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = content.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise _file_error(_("The CSV file is neither UTF-8 nor GB18030 text."))
    yield from csv.reader(io.StringIO(text))


def _choice(value: str, choices, words: dict, default):
    if not value:
        return default
    lowered = value.strip().lower()
    for code, label in choices.choices:
        if lowered in (code, str(label).lower()):
            return code
    return words.get(value.strip())


def _messages(error: ValidationError, default_field: str) -> list[tuple[str, str]]:
    if hasattr(error, "error_dict"):
        return [(f, m) for f, messages in error.message_dict.items() for m in messages]
    return [(default_field, m) for m in error.messages]


def _check_row(actor, row: dict, seen_mobiles: dict, seen_vins: dict) -> tuple[dict, list]:
    """(the service arguments, the errors) of one row."""
    errors: list[tuple[str, str]] = []
    customer = {c: row.get(c, "") for c in CUSTOMER_COLUMNS}
    kind = _choice(customer["kind"], CustomerKind, KIND_WORDS, CustomerKind.PERSON)
    if kind is None:
        errors.append(("kind", _("Unknown kind “%(value)s”.") % {"value": customer["kind"]}))
    customer["kind"] = kind or CustomerKind.PERSON
    source = _choice(customer["source"], Source, SOURCE_WORDS, Source.OTHER)
    if source is None:
        errors.append(("source", _("Unknown source “%(value)s”.") % {"value": customer["source"]}))
    customer["source"] = source or Source.OTHER
    try:
        customer["mobile"] = normalise_mobile(customer["mobile"])
    except ValidationError as error:
        errors += _messages(error, "mobile")
        customer["mobile"] = None
    if customer["mobile"]:
        if customer["mobile"] in seen_mobiles:
            errors.append(
                (
                    "mobile",
                    _("The same mobile number is on row %(row)s.")
                    % {"row": seen_mobiles[customer["mobile"]]},
                )
            )
        else:
            seen_mobiles[customer["mobile"]] = row["_row"]
    try:
        customer_services.build_customer(actor, customer)
    except ValidationError as error:
        errors += [e for e in _messages(error, "name") if e[0] != "mobile" or customer["mobile"]]
    vehicle = {c: row.get(c, "") for c in VEHICLE_COLUMNS}
    if not vehicle["vin"]:
        if any(vehicle[c] for c in VEHICLE_COLUMNS):
            errors.append(("vin", _("A vehicle needs its VIN.")))
        return {"customer": customer, "vehicle": None}, errors
    try:
        vehicle["registration_date"] = (
            dt.date.fromisoformat(vehicle["registration_date"][:10].replace("/", "-"))
            if vehicle["registration_date"]
            else None
        )
    except ValueError:
        errors.append(("registration_date", _("Write the date as 2024-05-31.")))
        vehicle["registration_date"] = None
    try:
        vehicle["mileage"] = int(float(vehicle["mileage"])) if vehicle["mileage"] else None
    except ValueError:
        errors.append(("mileage", _("The mileage is a number of kilometres.")))
        vehicle["mileage"] = None
    vehicle_errors = []
    for check, name in ((check_registration_date, "registration_date"), (check_mileage, "mileage")):
        try:
            check(vehicle[name])
        except ValidationError as error:
            vehicle_errors += _messages(error, name)
    try:
        vin = normalise_vin(vehicle["vin"])
    except ValidationError as error:
        vehicle_errors += _messages(error, "vin")
    else:
        if vin in seen_vins:
            vehicle_errors.append(
                ("vin", _("The same VIN is on row %(row)s.") % {"row": seen_vins[vin]})
            )
        else:
            seen_vins[vin] = row["_row"]
    if not vehicle_errors:
        try:
            vehicle_services.build_vehicle(vehicle, None)
        except ValidationError as error:
            vehicle_errors += _messages(error, "vin")
    errors += vehicle_errors
    return {"customer": customer, "vehicle": vehicle}, errors


def _check_permissions(actor) -> None:
    check_model_permission(actor, Customer, "add")
    check_model_permission(actor, Vehicle, "add")


def import_preview(*, actor, rows: list[dict]) -> ImportPreview:
    """Every row checked (nothing written): its values and its errors."""
    _check_permissions(actor)
    preview = ImportPreview()
    seen_mobiles: dict = {}
    seen_vins: dict = {}
    for row in rows[:MAX_ROWS]:
        _values, errors = _check_row(actor, row, seen_mobiles, seen_vins)
        row_errors = [RowError(row["_row"], f, str(m)) for f, m in errors]
        preview.rows.append({"row": row["_row"], "values": row, "errors": row_errors})
        preview.errors += row_errors
    return preview


@transaction.atomic
def customers_import(*, actor, rows: list[dict]) -> list[Customer]:
    """Create every row's customer (and vehicle), all or nothing: any bad row raises a
    ``ValidationError`` listing each error as "row N, field: message" and nothing is saved."""
    _check_permissions(actor)
    if len(rows) > MAX_ROWS:
        raise _file_error(_("The file has more than %(max)s rows.") % {"max": MAX_ROWS})
    preview = import_preview(actor=actor, rows=rows)
    if not preview.ok:
        raise ValidationError(
            {
                "file": [
                    _("Row %(row)s, %(field)s: %(message)s")
                    % {"row": e.row, "field": e.field, "message": e.message}
                    for e in preview.errors
                ]
                or [_("The file has no rows.")]
            }
        )
    created = []
    seen_mobiles: dict = {}
    seen_vins: dict = {}
    for row in rows:
        values, errors = _check_row(actor, row, seen_mobiles, seen_vins)
        if errors:  # changed since the preview (e.g. someone added the same mobile)
            field, message = errors[0]
            raise ValidationError(
                {
                    "file": _("Row %(row)s, %(field)s: %(message)s")
                    % {"row": row["_row"], "field": field, "message": message}
                }
            )
        customer = customer_services.customer_create(actor=actor, **values["customer"])
        if values["vehicle"] is not None:
            vehicle_services.vehicle_create(actor=actor, owner=customer, **values["vehicle"])
        created.append(customer)
    return created
