"""Forms of the parts store: parts, purchase orders (with their lines), counter sales (with
their lines), stock counts and the lists' filters. The services validate again."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from aftersales.models import MovementKind, PurchaseStatus
from dealership.forms import BootstrapMixin, DateInput

QTY = {"max_digits": 12, "decimal_places": 2}


class PartForm(BootstrapMixin, forms.Form):
    number = forms.CharField(label=_("part number"), max_length=40)
    name_zh = forms.CharField(label=_("Chinese name"), max_length=100)
    name_en = forms.CharField(label=_("English name"), max_length=100, required=False)
    bin = forms.CharField(label=_("bin"), max_length=20, required=False)
    unit = forms.CharField(label=_("unit"), max_length=10, initial="个")
    cost = forms.DecimalField(label=_("cost (CNY)"), min_value=0, **QTY)
    price = forms.DecimalField(label=_("price (CNY)"), min_value=0, **QTY)
    reorder_point = forms.DecimalField(label=_("reorder point"), min_value=0, initial=0, **QTY)
    is_active = forms.BooleanField(label=_("active"), required=False, initial=True)

    def service_kwargs(self) -> dict:
        return dict(self.cleaned_data)


class PartCreateForm(PartForm):
    opening_quantity = forms.DecimalField(
        label=_("opening quantity on hand"),
        min_value=0,
        initial=0,
        required=False,
        help_text=_("Recorded as an opening-balance movement; later only movements change it."),
        **QTY,
    )


class PartFilterForm(BootstrapMixin, forms.Form):
    q = forms.CharField(
        label=_("part number or name"),
        required=False,
        max_length=50,
        widget=forms.TextInput(attrs={"placeholder": _("part number or name"), "type": "search"}),
    )
    low = forms.BooleanField(label=_("at or below the reorder point"), required=False)
    bin = forms.CharField(label=_("bin"), required=False, max_length=20)
    active = forms.ChoiceField(
        label=_("active"),
        required=False,
        choices=[("", _("Active and inactive")), ("yes", _("Active")), ("no", _("Inactive"))],
    )
    sort = forms.ChoiceField(
        label=_("sort"),
        required=False,
        choices=[
            ("", _("Part number")),
            ("name", _("Name")),
            ("bin", _("Bin")),
            ("on_hand", _("Least on hand first")),
            ("-on_hand", _("Most on hand first")),
            ("available", _("Least available first")),
        ],
    )

    def __init__(self, *args, bins=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["bin"].widget = forms.Select(
            choices=[("", _("All bins")), *[(b, b) for b in bins]],
            attrs={"class": "form-select"},
        )


class MovementFilterForm(forms.Form):
    kind = forms.ChoiceField(required=False, choices=[("", _("All")), *MovementKind.choices])


# --- lines (purchase orders, counter sales) --------------------------------------------------


class _LineForm(BootstrapMixin, forms.Form):
    part = forms.TypedChoiceField(label=_("part"), required=False, coerce=int, empty_value=None)
    quantity = forms.DecimalField(label=_("quantity"), required=False, min_value=0, **QTY)

    def __init__(self, *args, parts=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["part"].choices = [("", "—"), *[(p.pk, str(p)) for p in parts]]

    def item(self) -> dict | None:
        data = self.cleaned_data
        if not data.get("part") and not data.get("quantity"):
            return None
        return {name: value for name, value in data.items() if value not in (None, "")}


class PurchaseLineForm(_LineForm):
    unit_cost = forms.DecimalField(
        label=_("unit cost"), required=False, min_value=0, help_text=_("the part's cost"), **QTY
    )


class SaleLineForm(_LineForm):
    unit_price = forms.DecimalField(
        label=_("unit price"), required=False, min_value=0, help_text=_("the part's price"), **QTY
    )


LINE_ROWS = 6


def line_forms(form_class, data=None, *, parts, initial=(), rows: int = LINE_ROWS):
    """``rows`` line forms (prefixes ``line0``…), the first filled from ``initial``."""
    initial = list(initial)
    return [
        form_class(
            data,
            prefix=f"line{n}",
            parts=parts,
            initial=initial[n] if n < len(initial) else None,
        )
        for n in range(max(rows, len(initial)))
    ]


class PurchaseOrderForm(BootstrapMixin, forms.Form):
    supplier = forms.CharField(label=_("supplier"), max_length=100, initial="OEM")
    notes = forms.CharField(
        label=_("notes"), required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 2})
    )


class PurchaseOrderFilterForm(BootstrapMixin, forms.Form):
    q = forms.CharField(
        label=_("number, supplier or part"),
        required=False,
        max_length=50,
        widget=forms.TextInput(
            attrs={"placeholder": _("number, supplier or part"), "type": "search"}
        ),
    )
    status = forms.ChoiceField(
        label=_("status"),
        required=False,
        choices=[("", _("All statuses")), *PurchaseStatus.choices],
    )
    sort = forms.ChoiceField(
        label=_("sort"),
        required=False,
        choices=[("", _("Newest first")), ("old", _("Oldest first")), ("ordered", _("Ordered on"))],
    )


class CounterSaleForm(BootstrapMixin, forms.Form):
    customer = forms.TypedChoiceField(
        label=_("customer"), required=False, coerce=int, empty_value=None
    )
    buyer_name = forms.CharField(
        label=_("buyer"),
        max_length=100,
        required=False,
        help_text=_("A walk-in buyer's name, when not a customer."),
    )
    sold_on = forms.DateField(label=_("sold on"), widget=DateInput())

    def __init__(self, *args, customers=None, **kwargs):
        super().__init__(*args, **kwargs)
        if customers is None:
            del self.fields["customer"]
        else:
            self.fields["customer"].choices = [
                ("", "—"),
                *[(c.pk, c.name) for c in customers],
            ]

    def service_kwargs(self) -> dict:
        return {
            "customer": self.cleaned_data.get("customer"),
            "buyer_name": self.cleaned_data.get("buyer_name", ""),
            "sold_on": self.cleaned_data.get("sold_on"),
        }


class CounterSaleFilterForm(BootstrapMixin, forms.Form):
    q = forms.CharField(
        label=_("number or buyer"),
        required=False,
        max_length=50,
        widget=forms.TextInput(attrs={"placeholder": _("number or buyer"), "type": "search"}),
    )
    date_from = forms.DateField(label=_("from"), required=False, widget=DateInput())
    date_to = forms.DateField(label=_("until"), required=False, widget=DateInput())
    sort = forms.ChoiceField(
        label=_("sort"),
        required=False,
        choices=[
            ("", _("Newest first")),
            ("old", _("Oldest first")),
            ("total", _("Largest total")),
        ],
    )


class SaleReturnForm(BootstrapMixin, forms.Form):
    line = forms.IntegerField(widget=forms.HiddenInput)
    quantity = forms.DecimalField(label=_("quantity returned"), min_value=0, **QTY)


# --- stock counts -----------------------------------------------------------------------------


class StockCountForm(BootstrapMixin, forms.Form):
    counted_on = forms.DateField(label=_("counted on"), widget=DateInput())
    bin = forms.ChoiceField(label=_("bin"), required=False)
    notes = forms.CharField(
        label=_("notes"), required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, bins=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["bin"].choices = [("", _("Every active part")), *[(b, b) for b in bins]]


class StockCountFilterForm(BootstrapMixin, forms.Form):
    posted = forms.ChoiceField(
        label=_("posted"),
        required=False,
        choices=[("", _("All")), ("no", _("Being counted")), ("yes", _("Posted"))],
    )
    sort = forms.ChoiceField(
        label=_("sort"),
        required=False,
        choices=[("", _("Newest first")), ("old", _("Oldest first"))],
    )


class PartLineFilterForm(BootstrapMixin, forms.Form):
    q = forms.CharField(
        label=_("repair order, plate or part"),
        required=False,
        max_length=50,
        widget=forms.TextInput(
            attrs={"placeholder": _("repair order, plate or part"), "type": "search"}
        ),
    )
