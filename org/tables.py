import django_tables2 as tables
from django.utils.html import format_html_join
from django.utils.translation import gettext_lazy as _

from org.models import StaffMember


class StaffTable(tables.Table):
    employee_no = tables.Column(verbose_name=_("employee number"), linkify=True)
    name = tables.Column(
        accessor="user__name",
        verbose_name=_("full name"),
        linkify=lambda record: record.get_absolute_url(),
    )
    positions = tables.Column(empty_values=(), verbose_name=_("positions"), orderable=False)
    phone = tables.Column(verbose_name=_("phone"))
    dealership = tables.Column(verbose_name=_("dealership"))
    is_active = tables.BooleanColumn(verbose_name=_("active"))

    class Meta:
        model = StaffMember
        fields = ("employee_no", "name", "positions", "phone", "dealership", "is_active")
        attrs = {"class": "table table-sm table-hover align-middle", "data-testid": "staff-table"}
        orderable = False
        empty_text = _("Nobody matches.")

    def render_positions(self, record):
        return format_html_join(", ", "{}", ((a.position.name,) for a in record.assignments.all()))
