"""The crm services: validation (phone, VIN, plate, dates, mileage), duplicates, merge keeping
the history, transfer, and the import's preview and all-or-nothing write."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from crm import services
from crm.models import Customer, Ownership, Vehicle
from dealership.actors import SYSTEM
from dealership.models import AuditEntry
from dealership.tenancy import dealership_context
from tests.crm.conftest import VINS

pytestmark = pytest.mark.django_db


def _field_of(error: ValidationError) -> set:
    return set(error.message_dict)


def test_mobile_is_normalised_to_11_digits_and_audited(cast, staff):
    with dealership_context(cast.a):
        customer = services.customer_create(
            actor=staff.consultant, name="王伟", mobile="+86 138-0013-8000"
        )
        assert customer.mobile == "13800138000"
        assert customer.owner == staff.consultant  # own scope: one's own customer
        assert AuditEntry.objects.filter(
            object_type="crm.Customer", object_id=str(customer.pk), action="create"
        ).exists()


@pytest.mark.parametrize("mobile", ["12345", "02788886666", "1380013800", "abc", "+1 650 253 0000"])
def test_invalid_mobile_is_refused_naming_the_field(cast, staff, mobile):
    with dealership_context(cast.a):
        with pytest.raises(ValidationError) as error:
            services.customer_create(actor=staff.consultant, name="王伟", mobile=mobile)
        assert "mobile" in _field_of(error.value)
        assert not Customer.objects.exists()


def test_a_duplicate_mobile_names_the_existing_customer(cast, staff):
    with dealership_context(cast.a):
        first = services.customer_create(actor=staff.consultant, name="王伟", mobile="13800138000")
        with pytest.raises(services.DuplicateCustomer) as error:
            services.customer_create(actor=staff.consultant2, name="王二", mobile="138 0013 8000")
        assert error.value.existing == first
        assert "王伟" in error.value.message_dict["mobile"][0]
    with dealership_context(cast.b):  # unique per dealership only
        services.customer_create(actor=SYSTEM, name="王伟", mobile="13800138000")


def test_consent_needs_its_date_and_how(cast, staff):
    with dealership_context(cast.a):
        with pytest.raises(ValidationError) as error:
            services.customer_create(actor=staff.consultant, name="王伟", consent_sms=True)
        assert "consent_sms_on" in _field_of(error.value)


@pytest.mark.parametrize(
    "changes, field",
    [
        ({"vin": "LVGBE40K0NG000012"}, "vin"),  # wrong check digit
        ({"vin": "LVGBE40K7NG00001"}, "vin"),  # 16 characters
        ({"vin": "LVGBE40K7NG0000I2"}, "vin"),  # I
        ({"plate": "ABC123"}, "plate"),
        ({"registration_date": timezone.localdate() + dt.timedelta(days=2)}, "registration_date"),
        ({"mileage": -1}, "mileage"),
    ],
)
def test_bad_vehicle_data_is_refused_naming_the_field(cast, staff, changes, field):
    data = {"vin": VINS[0], "plate": "鄂A12345", "brand": "起亚", **changes}
    with dealership_context(cast.a):
        with pytest.raises(ValidationError) as error:
            services.vehicle_create(actor=staff.crm_director, **data)
        assert field in _field_of(error.value)
        assert not Vehicle.objects.exists()


def test_vin_is_upper_cased_and_unique_per_dealership(cast, staff):
    with dealership_context(cast.a):
        customer = services.customer_create(actor=staff.consultant, name="王伟")
        vehicle = services.vehicle_create(
            actor=staff.consultant, owner=customer.pk, vin=VINS[0].lower(), plate="鄂a·12345"
        )
        assert (vehicle.vin, vehicle.plate) == (VINS[0], "鄂A12345")
        assert vehicle.ownerships.get().customer == customer
        with pytest.raises(services.DuplicateVehicle):
            services.vehicle_create(actor=staff.consultant, owner=customer, vin=VINS[0])
        with pytest.raises(ValidationError) as error:  # they would not see an ownerless car
            services.vehicle_create(actor=staff.consultant, vin=VINS[1])
        assert "owner" in error.value.message_dict


def test_transfer_closes_the_previous_ownership(cast, staff):
    with dealership_context(cast.a):
        seller = services.customer_create(actor=staff.crm_director, name="卖家")
        buyer = services.customer_create(actor=staff.crm_director, name="买家")
        vehicle = services.vehicle_create(
            actor=staff.crm_director, owner=seller, vin=VINS[1], since=dt.date(2024, 1, 1)
        )
        services.vehicle_transfer(
            actor=staff.crm_director,
            vehicle_id=vehicle.pk,
            new_owner=buyer.pk,
            on=dt.date(2025, 6, 1),
        )
        periods = list(Ownership.objects.filter(vehicle=vehicle).order_by("start"))
        assert [(p.customer, p.start, p.end) for p in periods] == [
            (seller, dt.date(2024, 1, 1), dt.date(2025, 6, 1)),
            (buyer, dt.date(2025, 6, 1), None),
        ]
        assert Vehicle.objects.get(pk=vehicle.pk).owner == buyer
        with pytest.raises(ValidationError):
            services.vehicle_transfer(
                actor=staff.crm_director, vehicle_id=vehicle.pk, new_owner=buyer
            )


def test_merge_moves_vehicles_and_history_and_keeps_the_data_in_the_audit(cast, staff):
    with dealership_context(cast.a):
        keep = services.customer_create(actor=staff.crm_director, name="王伟", city="武汉市")
        merged = services.customer_create(
            actor=staff.crm_director, name="王伟", city="武汉市", mobile="13900001111", wechat="wx1"
        )
        vehicle = services.vehicle_create(actor=staff.crm_director, owner=merged, vin=VINS[2])
        services.vehicle_transfer(actor=staff.crm_director, vehicle_id=vehicle.pk, new_owner=keep)
        other = services.vehicle_create(actor=staff.crm_director, owner=merged, vin=VINS[3])
        result = services.customer_merge(
            actor=staff.crm_director, keep_id=keep.pk, merge_id=merged.pk
        )
        assert not Customer.objects.filter(pk=merged.pk).exists()
        assert result.mobile == "13900001111" and result.wechat == "wx1"
        assert Vehicle.objects.get(pk=other.pk).owner == keep
        assert set(Ownership.objects.values_list("customer_id", flat=True)) == {keep.pk}
        assert Ownership.objects.filter(vehicle=vehicle).count() == 2  # the history stays
        entry = AuditEntry.objects.get(
            object_type="crm.Customer", object_id=str(merged.pk), action="delete"
        )
        assert entry.before["mobile"] == "13900001111" and entry.before["merged_into"] == keep.pk


def test_merge_is_for_dealership_scope_only(cast, staff):
    with dealership_context(cast.a):
        a = services.customer_create(actor=staff.consultant, name="甲")
        b = services.customer_create(actor=staff.consultant, name="甲")
        with pytest.raises(PermissionDenied):
            services.customer_merge(actor=staff.consultant, keep_id=a.pk, merge_id=b.pk)
        with pytest.raises(PermissionDenied):
            services.customer_merge(actor=staff.sales_manager, keep_id=a.pk, merge_id=b.pk)
        assert Customer.objects.count() == 2


CSV_HEADER = "姓名,手机,类型,省,市,区,地址,来源,车架号,车牌,品牌,车型,颜色,上牌日期,里程\n"


def _csv(*lines: str) -> SimpleUploadedFile:
    return SimpleUploadedFile("customers.csv", (CSV_HEADER + "\n".join(lines)).encode())


def test_import_preview_lists_every_error_and_imports_nothing(cast, staff):
    upload = _csv(
        f"王伟,13800138000,个人,湖北省,武汉市,洪山区,雄楚大道1号,到店,{VINS[0]},鄂A12345,起亚,K5,白,2024-05-01,1000",
        "李娜,12345,个人,湖北省,武汉市,洪山区,,电话,,,,,,,",
        f"张三,13800138001,个人,湖北省,武汉市,洪山区,,到店,{VINS[0]},,,,,2099-01-01,-5",
        "赵六,13800138000,公司,湖北省,武汉市,,,,,,,,,,",
    )
    with dealership_context(cast.a):
        rows = services.read_rows(upload)
        preview = services.import_preview(actor=staff.crm_director, rows=rows)
        errors = {(e.row, e.field) for e in preview.errors}
        assert (3, "mobile") in errors  # invalid
        assert (4, "vin") in errors  # repeated in the file
        assert (4, "registration_date") in errors
        assert (4, "mileage") in errors
        assert (5, "mobile") in errors  # repeated in the file
        assert not preview.ok
        with pytest.raises(ValidationError) as error:
            services.customers_import(actor=staff.crm_director, rows=rows)
        message = " ".join(error.value.message_dict["file"])
        assert "3" in message and "mobile" in message  # the row and the field are named
        assert not Customer.objects.exists() and not Vehicle.objects.exists()


def test_import_writes_all_rows_with_english_headers(cast, staff):
    upload = SimpleUploadedFile(
        "c.csv",
        (
            "name,mobile,kind,province,city,district,address,source,VIN,plate,brand,model,colour,"
            "registration date,mileage\n"
            f"Wang Wei,13800138000,person,湖北省,武汉市,洪山区,1 Road,walk_in,{VINS[0]},鄂A12345,Kia,K5,white,2024-05-01,1000\n"
            "Li Na,13800138001,company,湖北省,武汉市,,,autohome,,,,,,,\n"
        ).encode(),
    )
    with dealership_context(cast.a):
        rows = services.read_rows(upload)
        created = services.customers_import(actor=staff.crm_director, rows=rows)
        assert [c.name for c in created] == ["Wang Wei", "Li Na"]
        assert Vehicle.objects.get().owner.name == "Wang Wei"
        # the same file again: every row is now a duplicate of the database, nothing is added
        with pytest.raises(ValidationError):
            services.customers_import(actor=staff.crm_director, rows=rows)
        assert Customer.objects.count() == 2


def test_import_reads_xlsx_and_caps_size(cast, staff, monkeypatch):
    import io

    from openpyxl import Workbook

    from crm.services import imports

    book = Workbook()
    sheet = book.active
    sheet.append(["姓名", "手机", "车架号", "上牌日期"])
    sheet.append(["王伟", 13800138000, VINS[0], dt.datetime(2024, 5, 1)])
    data = io.BytesIO()
    book.save(data)
    with dealership_context(cast.a):
        rows = services.read_rows(SimpleUploadedFile("c.xlsx", data.getvalue()))
        assert rows == [
            {
                "_row": 2,
                "name": "王伟",
                "mobile": "13800138000",
                "vin": VINS[0],
                "registration_date": "2024-05-01",
            }
        ]
        monkeypatch.setattr(imports, "MAX_ROWS", 0)
        with pytest.raises(ValidationError):
            services.read_rows(SimpleUploadedFile("c.xlsx", data.getvalue()))
        monkeypatch.setattr(imports, "MAX_BYTES", 10)
        with pytest.raises(ValidationError) as error:
            services.read_rows(SimpleUploadedFile("c.xlsx", data.getvalue()))
        assert "file" in error.value.message_dict


def test_demo_seeding_is_idempotent(cast, staff):
    from crm import demo

    demo.seed([cast.a])
    with dealership_context(cast.a):
        count = Customer.objects.count()
        assert count == demo.COUNT
        assert Vehicle.objects.count() == demo.COUNT
        owners = set(Customer.objects.values_list("owner_id", flat=True))
        assert owners == {staff.consultant.pk, staff.consultant2.pk}
    demo.seed([cast.a])
    with dealership_context(cast.a):
        assert Customer.objects.count() == count
