"""Tables of crm: privacy.

* :class:`PhonesShownMixin` — for any table with a customer's phone column: the numbers of the
  page's rows go through :func:`crm.services.privacy.phones_shown` in one call (masked unless
  the viewer may see them, every full number logged), not once per row. Used by the customer
  list and the sales and after-sales lists.
* :class:`PhoneRevealTable` — the log of phone numbers shown."""

from __future__ import annotations

import django_tables2 as tables
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from crm.models import PhoneReveal
from crm.services.privacy import phones_shown
from dealership.columns import DateTimeColumn


class PhonesShownMixin:
    """``render_mobile`` shows the row's customer's number as the viewer may see it.

    ``phone_customer`` is the path from a row to its customer (``""``: the row is the customer);
    ``phone_fields`` the customer's fields shown on the page. The viewer is the table's request
    user (django-tables2's ``RequestConfig`` sets ``table.request``); the log's "where" is the
    request's path."""

    phone_customer = "customer"
    phone_fields: tuple[str, ...] = ("mobile",)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._phones: dict | None = None

    def phone_customer_of(self, record):
        if not self.phone_customer:
            return record
        obj = record
        for part in self.phone_customer.split("__"):
            obj = getattr(obj, part, None)
            if obj is None:
                return None
        return obj

    def phones(self) -> dict:
        if self._phones is None:
            request = getattr(self, "request", None)
            rows = self.paginated_rows if hasattr(self, "page") else self.rows
            self._phones = phones_shown(
                user=getattr(request, "user", None),
                customers=[self.phone_customer_of(row.record) for row in rows],
                context=getattr(request, "path", "") or "",
                fields=self.phone_fields,
            )
        return self._phones

    def shown_phone(self, record, field: str = "mobile") -> str:
        customer = self.phone_customer_of(record)
        if customer is None:
            return "—"
        return self.phones().get(customer.pk, {}).get(field) or "—"

    def render_mobile(self, record, value):
        return self.shown_phone(record)


class PhoneRevealTable(tables.Table):
    at = DateTimeColumn(verbose_name=_("when"), format="Y-m-d H:i:s")
    user = tables.Column(verbose_name=_("shown to"))
    customer = tables.Column(verbose_name=_("whose number"))
    context = tables.Column(verbose_name=_("where"), default="—")

    class Meta:
        model = PhoneReveal
        fields = ("at", "user", "customer", "context")
        attrs = {"class": "table table-sm table-hover align-middle", "data-testid": "phone-log"}
        orderable = False
        empty_text = _("No phone number has been shown yet.")

    def __init__(self, *args, customer_links: set | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.customer_links = customer_links or set()

    def render_user(self, value):
        return value.name or value.username

    def render_customer(self, record, value):
        if record.customer_id in self.customer_links:
            return format_html(
                '<a href="{}">{}</a> <span class="text-muted">#{}</span>',
                value.get_absolute_url(),
                value.name,
                value.pk,
            )
        return format_html('{} <span class="text-muted">#{}</span>', value.name, value.pk)
