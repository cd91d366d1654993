"""The customer picker: a select that holds only the chosen customer, with a search box that
loads the matches (``crm:customer_options``), so a form does not grow with the customers."""

from __future__ import annotations

from django import forms
from django.urls import reverse
from django.utils.html import format_html
from django.utils.http import urlencode
from django.utils.translation import gettext as _


class CustomerSearchSelect(forms.Select):
    """For a ``ModelChoiceField`` of customers; ``kind`` limits the matches (a company)."""

    def __init__(self, attrs=None, kind: str = ""):
        super().__init__(attrs)
        self.kind = kind

    def optgroups(self, name, value, attrs=None):
        # the empty choice and the chosen customer only: the queryset is never listed whole
        field = getattr(self.choices, "field", None)
        chosen = [v for v in value if str(v).isdigit()]
        options = [self.create_option(name, "", "—", not chosen, 0)]
        if field is not None and chosen:
            for index, customer in enumerate(field.queryset.filter(pk__in=chosen), 1):
                label = field.label_from_instance(customer)
                options.append(self.create_option(name, str(customer.pk), label, True, index))
        return [(None, options, 0)]

    def render(self, name, value, attrs=None, renderer=None):
        url = reverse("crm:customer_options")
        if self.kind:
            url += "?" + urlencode({"kind": self.kind})
        search = format_html(
            '<input type="search" name="q" class="form-control form-control-sm mb-1" '
            'placeholder="{}" aria-label="{}" autocomplete="off" hx-get="{}" '
            'hx-trigger="input changed delay:300ms, search" hx-target="next select" '
            'hx-swap="innerHTML" data-testid="customer-search">',
            _("Search"),
            _("Search"),
            url,
        )
        select = super().render(name, value, attrs, renderer)
        return format_html('<div data-testid="customer-picker">{}{}</div>', search, select)
