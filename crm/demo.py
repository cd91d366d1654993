"""Demo customers: about 150 per demo dealership, each with a vehicle (VINs with a valid check
digit, plates of the dealership's province), owned by the dealership's sales consultants and
written through the services as system code. Idempotent: customers are keyed on their mobile
number, vehicles on their VIN."""

from __future__ import annotations

import datetime as dt

from crm import services
from crm.models import ConsentMethod, Customer, Source, Vehicle
from crm.services.validators import vin_check_digit
from dealership.actors import SYSTEM
from dealership.tenancy import dealership_context
from org.models import PositionAssignment

COUNT = 150
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = [
    "伟",
    "芳",
    "娜",
    "敏",
    "静",
    "磊",
    "洋",
    "勇",
    "军",
    "杰",
    "娟",
    "涛",
    "明",
    "超",
    "秀英",
    "建华",
    "志强",
    "晓东",
    "丽华",
    "海燕",
]
MODELS = [
    ("广汽丰田", "凯美瑞", "2.0G 豪华版", "LVGBE40K"),
    ("广汽丰田", "汉兰达", "2.0T 四驱尊贵版", "LVGBN4EH"),
    ("广汽丰田", "雷凌", "185T 进取版", "LVGCA4FE"),
    ("一汽-大众", "迈腾", "330TSI 豪华型", "LFV3A23C"),
    ("一汽-大众", "速腾", "280TSI 舒适型", "LFV2A21K"),
    ("东风日产", "轩逸", "1.6L XL 悦享版", "LGBH52E0"),
]
COLOURS = ["珍珠白", "曜石黑", "铂金银", "星光蓝", "熔岩红"]
CITIES = {
    "湖北": ("武汉市", ["洪山区", "武昌区", "江汉区", "汉阳区"], "鄂A"),
    "广东": ("广州市", ["天河区", "越秀区", "海珠区", "白云区"], "粤A"),
}
SOURCES = [
    Source.WALK_IN,
    Source.PHONE,
    Source.AUTOHOME,
    Source.DONGCHEDI,
    Source.REFERRAL,
    Source.OEM_LEAD,
]
YEAR_CODES = "HJKLMNP"  # 2017–2023


def _province(dealership) -> str:
    address = getattr(dealership, "address", "") or ""
    return "广东" if "广东" in address or "gz" in dealership.code else "湖北"


def _vin(dealership_index: int, i: int) -> str:
    wmi = MODELS[i % len(MODELS)][3]
    body = f"{wmi}0{YEAR_CODES[i % len(YEAR_CODES)]}{dealership_index % 10}{dealership_index // 10 % 10}{i:05d}"
    return body[:8] + vin_check_digit(body) + body[9:]


def _seed_dealership(dealership) -> None:
    consultants = [
        a.staff.user
        for a in PositionAssignment.objects.filter(
            position__code="sales_consultant", staff__is_active=True
        )
        .select_related("staff__user")
        .order_by("pk")
    ]
    if not consultants:
        return
    province = _province(dealership)
    city, districts, plate_prefix = CITIES[province]
    index = dealership.pk % 100
    existing = set(Customer.objects.values_list("mobile", flat=True))
    vins = set(Vehicle.objects.values_list("vin", flat=True))
    for i in range(COUNT):
        mobile = f"139{index:02d}{i:06d}"
        if mobile in existing:
            continue
        kind = "company" if i % 17 == 0 else "person"
        name = (
            f"{city[:2]}{GIVEN[i % len(GIVEN)]}商贸有限公司"
            if kind == "company"
            else SURNAMES[i % len(SURNAMES)] + GIVEN[(i * 7) % len(GIVEN)]
        )
        consent = i % 3 != 0
        customer = services.customer_create(
            actor=SYSTEM,
            kind=kind,
            name=name,
            mobile=mobile,
            province=f"{province}省",
            city=city,
            district=districts[i % len(districts)],
            street=f"建设大道{100 + i}号",
            source=SOURCES[i % len(SOURCES)],
            consent_call=consent,
            consent_call_on=dt.date(2025, 1, 1) + dt.timedelta(days=i) if consent else None,
            consent_call_how=ConsentMethod.WRITTEN if consent else "",
            consent_sms=consent and i % 2 == 0,
            consent_sms_on=dt.date(2025, 1, 1) + dt.timedelta(days=i)
            if consent and i % 2 == 0
            else None,
            consent_sms_how=ConsentMethod.WRITTEN if consent and i % 2 == 0 else "",
            owner=consultants[i % len(consultants)],
        )
        vin = _vin(index, i)
        if vin in vins:
            continue
        brand, model, trim, _wmi = MODELS[i % len(MODELS)]
        services.vehicle_create(
            actor=SYSTEM,
            owner=customer,
            vin=vin,
            plate=f"{plate_prefix}{'D' if i % 9 == 0 else ''}{(i * 7919) % 100000:05d}",
            brand=brand,
            model=model,
            trim=trim,
            colour=COLOURS[i % len(COLOURS)],
            registration_date=dt.date(2018 + i % 7, 1 + i % 12, 1 + i % 28),
            mileage=(i * 1373) % 150000,
        )


def seed(dealerships) -> list:
    for dealership in dealerships:
        with dealership_context(dealership):
            _seed_dealership(dealership)
    return []
