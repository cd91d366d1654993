import django_tables2 as tables
from django.utils.translation import gettext_lazy as _

from crm.models import Customer, Vehicle
from crm.tables.privacy import PhonesShownMixin
from dealership.columns import DateColumn


class CustomerTable(PhonesShownMixin, tables.Table):
    phone_customer = ""  # each row is the customer

    name = tables.Column(verbose_name=_("name"), linkify=lambda record: record.get_absolute_url())
    kind = tables.Column(verbose_name=_("kind"))
    mobile = tables.Column(verbose_name=_("mobile"), attrs={"td": {"data-testid": "mobile"}})
    city = tables.Column(verbose_name=_("city"))
    source = tables.Column(verbose_name=_("source"))
    owner = tables.Column(verbose_name=_("owner consultant"), accessor="owner__name")
    vehicle_count = tables.Column(verbose_name=_("vehicles"), orderable=False)

    class Meta:
        model = Customer
        fields = ("name", "kind", "mobile", "city", "source", "owner", "vehicle_count")
        attrs = {
            "class": "table table-sm table-hover align-middle",
            "data-testid": "customer-table",
        }
        orderable = False
        empty_text = _("No customers found.")


class VehicleTable(tables.Table):
    vin = tables.Column(verbose_name=_("VIN"), linkify=lambda record: record.get_absolute_url())
    plate = tables.Column(verbose_name=_("plate"))
    brand = tables.Column(verbose_name=_("brand"))
    model = tables.Column(verbose_name=_("model"))
    colour = tables.Column(verbose_name=_("colour"))
    registration_date = DateColumn(verbose_name=_("registration date"), format="Y-m-d")
    owner = tables.Column(verbose_name=_("owner"), accessor="owner__name")

    class Meta:
        model = Vehicle
        fields = ("vin", "plate", "brand", "model", "colour", "registration_date", "owner")
        attrs = {"class": "table table-sm table-hover align-middle", "data-testid": "vehicle-table"}
        orderable = False
        empty_text = _("No vehicles found.")
