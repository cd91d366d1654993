"""Tables of showroom traffic, leads, test drives and key accounts; customers' phone numbers
through crm's ``phones_shown`` (masked, or in full and logged); a key account's contact phone
masked for users without ``crm.view_customer_phone``."""

import django_tables2 as tables
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from crm.selectors import shown_phone
from crm.tables.privacy import PhonesShownMixin
from dealership.columns import DateColumn, DateTimeColumn
from sales.models import KeyAccount, Lead, Stage, TestDrive, Visit

ATTRS = "table table-sm table-hover align-middle"


def _person(user) -> str:
    return (user.name or user.username) if user is not None else "—"


class _PhoneMixin(PhonesShownMixin):
    """The row's customer's number through crm's ``phones_shown``: one call for the page,
    masked unless the viewer may see it, every full number logged."""

    phone_customer = "customer"


class VisitTable(_PhoneMixin, tables.Table):
    visited_at = DateTimeColumn(
        verbose_name=_("time"), format="Y-m-d H:i", linkify=lambda record: record.get_absolute_url()
    )
    kind = tables.Column(verbose_name=_("kind"))
    customer = tables.Column(verbose_name=_("customer"), accessor="customer__name", default="—")
    mobile = tables.Column(
        verbose_name=_("mobile"),
        accessor="customer__mobile",
        default="—",
        attrs={"td": {"data-testid": "mobile"}},
    )
    party_size = tables.Column(verbose_name=_("party size"))
    intent = tables.Column(verbose_name=_("intent level"), accessor="intent")
    models_of_interest = tables.Column(verbose_name=_("models of interest"))
    consultant = tables.Column(verbose_name=_("consultant"), accessor="consultant")
    first_visit = tables.BooleanColumn(verbose_name=_("first visit"))

    class Meta:
        model = Visit
        fields = (
            "visited_at",
            "kind",
            "customer",
            "mobile",
            "party_size",
            "intent",
            "models_of_interest",
            "consultant",
            "first_visit",
        )
        attrs = {"class": ATTRS, "data-testid": "visit-table"}
        orderable = False
        empty_text = _("No visits found.")

    def render_consultant(self, value):
        return _person(value)


class LeadTable(_PhoneMixin, tables.Table):
    customer = tables.Column(
        verbose_name=_("customer"),
        accessor="customer__name",
        linkify=lambda record: record.get_absolute_url(),
    )
    mobile = tables.Column(
        verbose_name=_("mobile"),
        accessor="customer__mobile",
        default="—",
        attrs={"td": {"data-testid": "mobile"}},
    )
    model_of_interest = tables.Column(verbose_name=_("model of interest"))
    intent = tables.Column(verbose_name=_("intent level"), accessor="intent")
    stage = tables.Column(verbose_name=_("stage"))
    next_contact_on = DateColumn(verbose_name=_("next contact on"), format="Y-m-d")
    consultant = tables.Column(verbose_name=_("consultant"), accessor="consultant")
    source = tables.Column(verbose_name=_("source"))

    class Meta:
        model = Lead
        fields = (
            "customer",
            "mobile",
            "model_of_interest",
            "intent",
            "stage",
            "next_contact_on",
            "consultant",
            "source",
        )
        attrs = {"class": ATTRS, "data-testid": "lead-table"}
        orderable = False
        empty_text = _("No leads found.")

    def __init__(self, *args, today=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = today

    def render_consultant(self, value):
        return _person(value)

    def render_stage(self, record, value):
        if record.stage != Stage.LOST and record.lost_request_id:
            return format_html(
                '{} <span class="badge text-bg-warning">{}</span>', value, _("lost: awaiting")
            )
        return value

    def render_next_contact_on(self, record, value):
        if not value:
            return "—"
        text = value.strftime("%Y-%m-%d")
        if self.today and record.is_open and value < self.today:
            return format_html(
                '<span class="text-danger fw-semibold" data-testid="overdue">{}</span>', text
            )
        return text


class TestDriveTable(_PhoneMixin, tables.Table):
    __test__ = False

    starts_at = DateTimeColumn(
        verbose_name=_("start"),
        format="Y-m-d H:i",
        linkify=lambda record: record.get_absolute_url(),
    )
    customer = tables.Column(verbose_name=_("customer"), accessor="customer__name")
    mobile = tables.Column(verbose_name=_("mobile"), accessor="customer__mobile", default="—")
    vehicle_model = tables.Column(verbose_name=_("model driven"))
    ends_at = DateTimeColumn(verbose_name=_("end"), format="H:i")
    consultant = tables.Column(verbose_name=_("consultant"), accessor="consultant")

    class Meta:
        model = TestDrive
        fields = ("starts_at", "customer", "mobile", "vehicle_model", "ends_at", "consultant")
        attrs = {"class": ATTRS, "data-testid": "testdrive-table"}
        orderable = False
        empty_text = _("No test drives found.")

    def render_consultant(self, value):
        return _person(value)


class KeyAccountTable(tables.Table):
    customer = tables.Column(
        verbose_name=_("company"),
        accessor="customer__name",
        linkify=lambda record: record.get_absolute_url(),
    )
    contact_name = tables.Column(verbose_name=_("contact person"))
    contact_phone = tables.Column(verbose_name=_("contact phone"))
    industry = tables.Column(verbose_name=_("industry"))
    fleet_size = tables.Column(verbose_name=_("fleet size"))
    lead_count = tables.Column(verbose_name=_("leads"), orderable=False)
    manager = tables.Column(verbose_name=_("key-account manager"), accessor="manager")

    class Meta:
        model = KeyAccount
        fields = (
            "customer",
            "contact_name",
            "contact_phone",
            "industry",
            "fleet_size",
            "lead_count",
            "manager",
        )
        attrs = {"class": ATTRS, "data-testid": "keyaccount-table"}
        orderable = False
        empty_text = _("No key accounts found.")

    def __init__(self, *args, show_phone: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.show_phone = show_phone

    def render_contact_phone(self, value):
        return shown_phone(self.show_phone, value)

    def render_manager(self, value):
        return _person(value)
