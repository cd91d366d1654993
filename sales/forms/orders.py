"""Forms of quotes, orders, trade-ins and discount limits (Bootstrap classes, browser date
pickers). Choices of leads, quotes, stock cars and key accounts are the ones the user may use;
the services check everything again."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from dealership.forms import BootstrapMixin, DateInput
from sales.models import OrderStatus, QuoteStatus
from sales.selectors import orders as selectors
from sales.services.quotes import LOAN_TERMS, MAX_QUOTE_ITEMS

MONEY = {"max_digits": 12, "decimal_places": 2, "min_value": 0}


def _car_label(car) -> str:
    return f"{car.model} {car.trim} {car.colour} · {car.vin} · {car.list_price:,.0f}".replace(
        "  ", " "
    )


def _person_label(user) -> str:
    return user.name or user.username


class QuoteFilterForm(BootstrapMixin, forms.Form):
    q = forms.CharField(label=_("customer, model or Q-number"), required=False, max_length=50)
    status = forms.ChoiceField(
        label=_("status"), required=False, choices=[("", _("All statuses")), *QuoteStatus.choices]
    )
    consultant = forms.ModelChoiceField(
        label=_("consultant"), required=False, queryset=None, empty_label=_("All consultants")
    )
    model = forms.CharField(label=_("model"), required=False, max_length=80)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["consultant"].queryset = selectors.sales_people()
        self.fields["consultant"].label_from_instance = _person_label
        self.fields["q"].widget.attrs["placeholder"] = self.fields["q"].label
        self.fields["model"].widget.attrs["placeholder"] = self.fields["model"].label


class OrderFilterForm(BootstrapMixin, forms.Form):
    q = forms.CharField(label=_("number, customer or VIN"), required=False, max_length=50)
    status = forms.ChoiceField(
        label=_("status"), required=False, choices=[("", _("All statuses")), *OrderStatus.choices]
    )
    consultant = forms.ModelChoiceField(
        label=_("consultant"), required=False, queryset=None, empty_label=_("All consultants")
    )
    month = forms.DateField(
        label=_("ordered in"),
        required=False,
        input_formats=["%Y-%m"],
        widget=forms.DateInput(attrs={"type": "month"}, format="%Y-%m"),
    )
    factory = forms.BooleanField(label=_("factory orders only"), required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["consultant"].queryset = selectors.sales_people()
        self.fields["consultant"].label_from_instance = _person_label
        self.fields["q"].widget.attrs["placeholder"] = self.fields["q"].label


class QuoteForm(BootstrapMixin, forms.Form):
    lead = forms.ModelChoiceField(label=_("lead"), queryset=None)
    stock_vehicle = forms.ModelChoiceField(
        label=_("vehicle from stock"),
        queryset=None,
        required=False,
        help_text=_("A free car of the stock; its model, colour and list price are used."),
    )
    vehicle_model = forms.CharField(label=_("model"), max_length=80, required=False)
    vehicle_trim = forms.CharField(label=_("trim"), max_length=80, required=False)
    vehicle_colour = forms.CharField(label=_("colour"), max_length=30, required=False)
    list_price = forms.DecimalField(
        label=_("list price"),
        required=False,
        help_text=_("Left empty: the MSRP of the price list in effect for the model and trim."),
        **MONEY,
    )
    discount = forms.DecimalField(label=_("discount"), required=False, **MONEY)
    insurance_company = forms.CharField(label=_("insurer"), max_length=50, required=False)
    insurance_amount = forms.DecimalField(label=_("insurance premium"), required=False, **MONEY)
    registration_fee = forms.DecimalField(
        label=_("registration and licence fees"), required=False, **MONEY
    )
    loan = forms.BooleanField(label=_("bought on a loan"), required=False)
    loan_term_months = forms.TypedChoiceField(
        label=_("loan term (months)"),
        required=False,
        coerce=int,
        empty_value=None,
        choices=[("", "—"), *[(t, str(t)) for t in LOAN_TERMS]],
    )
    down_payment = forms.DecimalField(label=_("down payment"), required=False, **MONEY)
    valid_until = forms.DateField(label=_("valid until"), required=False, widget=DateInput())
    notes = forms.CharField(
        label=_("notes"), required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, user, quote=None, **kwargs):
        super().__init__(*args, **kwargs)
        if quote is not None:
            del self.fields["lead"]
        else:
            self.fields["lead"].queryset = selectors.open_leads(user)
        cars = selectors.free_cars(user)
        if quote is not None and quote.stock_vehicle_id:
            from sales.models import StockVehicle

            cars = (cars | StockVehicle.objects.filter(pk=quote.stock_vehicle_id)).distinct()
        self.fields["stock_vehicle"].queryset = cars
        self.fields["stock_vehicle"].label_from_instance = _car_label

    def service_kwargs(self) -> dict:
        data = dict(self.cleaned_data)
        data.pop("lead", None)
        car = data.pop("stock_vehicle", None)
        return {"stock_vehicle": car.pk if car else None, **data}


class QuoteItemForm(BootstrapMixin, forms.Form):
    name = forms.CharField(label=_("item"), max_length=100)
    quantity = forms.IntegerField(label=_("quantity"), min_value=1, max_value=999, required=False)
    unit_price = forms.DecimalField(label=_("unit price"), **MONEY)


QuoteItemFormSet = forms.formset_factory(
    QuoteItemForm,
    extra=3,
    max_num=MAX_QUOTE_ITEMS,
    validate_max=True,
    absolute_max=MAX_QUOTE_ITEMS,
    can_delete=True,
)


def items_of(formset) -> list[dict]:
    return [
        {k: f.cleaned_data[k] for k in ("name", "quantity", "unit_price")}
        for f in formset.forms
        if f.cleaned_data and not f.cleaned_data.get("DELETE")
    ]


class OrderForm(BootstrapMixin, forms.Form):
    quote = forms.ModelChoiceField(label=_("quote"), queryset=None, required=False)
    lead = forms.ModelChoiceField(label=_("lead"), queryset=None, required=False)
    stock_vehicle = forms.ModelChoiceField(
        label=_("vehicle from stock"),
        queryset=None,
        required=False,
        help_text=_("Leave empty for a factory order (no car in stock yet)."),
    )
    vehicle_model = forms.CharField(label=_("model"), max_length=80, required=False)
    vehicle_trim = forms.CharField(label=_("trim"), max_length=80, required=False)
    vehicle_colour = forms.CharField(label=_("colour"), max_length=30, required=False)
    price = forms.DecimalField(label=_("agreed price"), required=False, **MONEY)
    deposit = forms.DecimalField(label=_("deposit"), required=False, **MONEY)
    deposit_paid_on = forms.DateField(
        label=_("deposit paid on"), required=False, widget=DateInput()
    )
    ordered_on = forms.DateField(label=_("ordered on"), required=False, widget=DateInput())
    expected_on = forms.DateField(label=_("expected delivery"), required=False, widget=DateInput())
    key_account = forms.ModelChoiceField(label=_("key account"), queryset=None, required=False)
    notes = forms.CharField(
        label=_("notes"), required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, user, quote=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fixed_quote = quote
        if quote is not None:
            for name in ("lead", "price", "vehicle_model", "vehicle_trim", "vehicle_colour"):
                del self.fields[name]
            self.fields["quote"].queryset = selectors.ready_quotes(user)
            self.fields["quote"].widget = forms.HiddenInput()
        else:
            del self.fields["quote"]
            self.fields["lead"].queryset = selectors.open_leads(user)
        self.fields["stock_vehicle"].queryset = selectors.free_cars(user)
        self.fields["stock_vehicle"].label_from_instance = _car_label
        self.fields["key_account"].queryset = selectors.key_accounts(user)

    def service_kwargs(self) -> dict:
        data = dict(self.cleaned_data)
        for name in ("quote", "lead", "stock_vehicle", "key_account"):
            if name in data:
                data[name] = data[name].pk if data[name] else None
        return data


class OrderEditForm(BootstrapMixin, forms.Form):
    vehicle_model = forms.CharField(label=_("model"), max_length=80, required=False)
    vehicle_trim = forms.CharField(label=_("trim"), max_length=80, required=False)
    vehicle_colour = forms.CharField(label=_("colour"), max_length=30, required=False)
    price = forms.DecimalField(label=_("agreed price"), required=False, **MONEY)
    deposit = forms.DecimalField(label=_("deposit"), required=False, **MONEY)
    deposit_paid_on = forms.DateField(
        label=_("deposit paid on"), required=False, widget=DateInput()
    )
    ordered_on = forms.DateField(label=_("ordered on"), required=False, widget=DateInput())
    expected_on = forms.DateField(label=_("expected delivery"), required=False, widget=DateInput())
    key_account = forms.ModelChoiceField(label=_("key account"), queryset=None, required=False)
    notes = forms.CharField(
        label=_("notes"), required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, user, order, **kwargs):
        super().__init__(*args, **kwargs)
        if order.quote_id is not None:
            del self.fields["price"]
        if order.stock_vehicle_id is not None:
            for name in ("vehicle_model", "vehicle_trim", "vehicle_colour"):
                del self.fields[name]
        elif order.quote_id is not None:
            del self.fields["vehicle_model"]
        self.fields["key_account"].queryset = selectors.key_accounts(user)

    def service_kwargs(self) -> dict:
        data = dict(self.cleaned_data)
        data["key_account"] = data["key_account"].pk if data.get("key_account") else None
        return data


class PayForm(BootstrapMixin, forms.Form):
    paid_on = forms.DateField(label=_("paid in full on"), required=False, widget=DateInput())
    invoice_no = forms.CharField(label=_("invoice number"), max_length=30, required=False)


class CancelForm(BootstrapMixin, forms.Form):
    reason = forms.CharField(
        label=_("reason cancelled"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class AssignVehicleForm(BootstrapMixin, forms.Form):
    stock_vehicle = forms.ModelChoiceField(
        label=_("the car that arrived"), queryset=None, required=False
    )

    def __init__(self, *args, user, order, **kwargs):
        from sales.models import StockStatus

        super().__init__(*args, **kwargs)
        self.fields["stock_vehicle"].queryset = selectors.free_cars(
            user, status=(StockStatus.IN_STOCK,), model=order.vehicle_model
        )
        self.fields["stock_vehicle"].label_from_instance = _car_label

    def service_kwargs(self) -> dict:
        car = self.cleaned_data.get("stock_vehicle")
        return {"stock_vehicle": car.pk if car else None}


class TradeInForm(BootstrapMixin, forms.Form):
    brand = forms.CharField(label=_("brand"), max_length=50, required=False)
    model = forms.CharField(label=_("model"), max_length=80, required=False)
    vin = forms.CharField(label=_("VIN"), max_length=30, required=False)
    plate = forms.CharField(label=_("plate"), max_length=12, required=False)
    first_registered_on = forms.DateField(
        label=_("first registered on"), required=False, widget=DateInput()
    )
    mileage = forms.IntegerField(label=_("mileage (km)"), required=False, min_value=0)
    valuation = forms.DecimalField(label=_("valuation"), required=False, **MONEY)
    valued_by = forms.ModelChoiceField(label=_("valued by"), queryset=None, required=False)
    notes = forms.CharField(
        label=_("notes"), required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, **kwargs):
        from crm.forms import dealership_people

        super().__init__(*args, **kwargs)
        self.fields["valued_by"].queryset = dealership_people()
        self.fields["valued_by"].label_from_instance = _person_label

    def service_kwargs(self) -> dict:
        data = dict(self.cleaned_data)
        data["valued_by"] = data["valued_by"].pk if data.get("valued_by") else None
        return data
