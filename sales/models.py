"""Models of sales: the showroom floor, from the first visit to the handed-over car.

* :class:`Visit` — a walk-in or phone-in (来店来电): when, which consultant, party size, source,
  models of interest, intent level (H/A/B/C) and the next contact date; it may open a lead.
* :class:`Lead` — a prospect (潜在客户) worked by one consultant through the stages
  new → contacted → test drive → quote → order → delivered, or lost (战败: a reason and the
  sales manager's approval through the approval engine, kind ``sales.lost_lead``); a lost lead
  may be reactivated.
* :class:`TestDrive` — a test drive (试驾) with the driving licence checked.
* :class:`Quote` and :class:`QuoteItem` — the offer: vehicle, accessories (精品), insurance,
  finance, discount and total; a discount above the consultant's :class:`DiscountLimit` goes to
  the sales manager (approval kind ``sales.discount``).
* :class:`Order` — the signed order (订车) with its deposit; it reserves a
  :class:`StockVehicle` or, with none matching, is a factory order. :class:`TradeIn` — a used
  car taken in part exchange.
* :class:`StockVehicle` — a new car of the dealership's stock (店头库存) by VIN, and
  :class:`AllocationRequest` / :class:`AllocationLine` — the monthly vehicle-allocation request
  to the OEM (商品车资源申报).
* :class:`Delivery` — the hand-over (交车): documents, checklist, photo; the car becomes the
  customer's (a vehicle of the crm customer master) and crm records the event for the
  N+3..N+5 satisfaction call.
* :class:`SalesTarget` — monthly unit targets per consultant (or the department), optionally by
  model; :class:`DayConfirmation` — the sales info clerk's confirmation of a day's orders and
  deliveries (by 09:30 the next morning).
* :class:`KeyAccount` — a key account (大客户) with its contact person and fleet size.

Money is ``Decimal`` in CNY (two places)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from crm.models import Source
from dealership.models import TenantModel
from dealership.search.keys import reversed_twin
from dealership.tenancy.constraints import tenant_keys

MONEY = {"max_digits": 12, "decimal_places": 2}
NON_NEGATIVE = [MinValueValidator(Decimal("0"))]


def _user_fk(verbose_name, **kwargs):
    return models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=verbose_name,
        **kwargs,
    )


class Intent(models.TextChoices):
    """Intent level of a prospect: H buys within 7 days, A within 15, B within 30, C later."""

    H = "H", _("H — buys within 7 days")
    A = "A", _("A — buys within 15 days")
    B = "B", _("B — buys within 30 days")
    C = "C", _("C — buys later")


class VisitKind(models.TextChoices):
    WALK_IN = "walk_in", _("Walk-in")
    PHONE_IN = "phone_in", _("Phone-in")


class Stage(models.TextChoices):
    NEW = "new", pgettext_lazy("lead stage", "New")
    CONTACTED = "contacted", _("Contacted")
    TEST_DRIVE = "test_drive", _("Test drive")
    QUOTE = "quote", pgettext_lazy("lead stage", "Quote")
    ORDER = "order", pgettext_lazy("lead stage", "Order")
    DELIVERED = "delivered", pgettext_lazy("lead stage", "Delivered")
    LOST = "lost", pgettext_lazy("lead stage", "Lost")


# the order of the stages a lead moves through (lost is outside it)
STAGE_ORDER = [
    Stage.NEW,
    Stage.CONTACTED,
    Stage.TEST_DRIVE,
    Stage.QUOTE,
    Stage.ORDER,
    Stage.DELIVERED,
]


class LostReason(models.TextChoices):
    BOUGHT_COMPETITOR = "competitor", _("Bought a competitor's car")
    BOUGHT_OTHER_DEALER = "other_dealer", _("Bought the brand from another dealer")
    PRICE = "price", _("Price")
    POSTPONED = "postponed", _("Postponed the purchase")
    UNREACHABLE = "unreachable", _("Cannot be reached")
    FINANCE = "finance", _("Loan not approved")
    OTHER = "other", _("Other")


class KeyAccount(TenantModel):
    """大客户: a company or institution buying several cars."""

    customer = models.ForeignKey(
        "crm.Customer",
        on_delete=models.PROTECT,
        related_name="key_accounts",
        verbose_name=_("company"),
    )
    contact_name = models.CharField(_("contact person"), max_length=50)
    contact_phone = models.CharField(_("contact phone"), max_length=11, blank=True)
    contact_title = models.CharField(_("contact's title"), max_length=50, blank=True)
    industry = models.CharField(_("industry"), max_length=50, blank=True)
    fleet_size = models.PositiveIntegerField(
        _("fleet size"), default=0, validators=[MaxValueValidator(100000)]
    )
    manager = _user_fk(_("key-account manager"))
    notes = models.TextField(_("notes"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["-pk"]
        verbose_name = _("key account")
        verbose_name_plural = _("key accounts")
        constraints = [
            *tenant_keys("customer"),
            models.UniqueConstraint(
                fields=["dealership", "customer"], name="sales_keyaccount_one_per_customer"
            ),
        ]

    def __str__(self) -> str:
        return str(self.customer) if self.customer_id else super().__str__()

    def get_absolute_url(self) -> str:
        return reverse("sales:keyaccount_detail", kwargs={"pk": self.pk})


class Lead(TenantModel):
    customer = models.ForeignKey(
        "crm.Customer", on_delete=models.PROTECT, related_name="leads", verbose_name=_("customer")
    )
    consultant = _user_fk(_("consultant"))
    source = models.CharField(_("source"), max_length=20, choices=Source, default=Source.WALK_IN)
    model_of_interest = models.CharField(_("model of interest"), max_length=80, blank=True)
    intent = models.CharField(_("intent level"), max_length=1, choices=Intent, default=Intent.B)
    stage = models.CharField(_("stage"), max_length=12, choices=Stage, default=Stage.NEW)
    next_contact_on = models.DateField(_("next contact on"), null=True, blank=True)
    key_account = models.ForeignKey(
        KeyAccount,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="leads",
        verbose_name=_("key account"),
    )
    # 战败: asked for with a reason, decided by the sales manager through the approval engine
    lost_reason = models.CharField(_("reason lost"), max_length=20, choices=LostReason, blank=True)
    lost_note = models.TextField(_("what happened"), blank=True)
    lost_request = models.ForeignKey(
        "org.ApprovalRequest",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="sales_lost_leads",
        verbose_name=_("lost-lead request"),
    )
    stage_before_lost = models.CharField(
        _("stage before lost"), max_length=12, choices=Stage, blank=True
    )
    lost_on = models.DateField(_("lost on"), null=True, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["-pk"]
        verbose_name = _("lead")
        verbose_name_plural = _("leads")
        constraints = [*tenant_keys("customer", "key_account", "lost_request")]
        indexes = [
            models.Index(fields=["dealership", "stage"], name="sales_lead_stage_idx"),
            models.Index(fields=["dealership", "next_contact_on"], name="sales_lead_next_idx"),
        ]

    def __str__(self) -> str:
        model = f" · {self.model_of_interest}" if self.model_of_interest else ""
        return f"{self.customer}{model}" if self.customer_id else super().__str__()

    def get_absolute_url(self) -> str:
        return reverse("sales:lead_detail", kwargs={"pk": self.pk})

    @property
    def is_open(self) -> bool:
        return self.stage not in (Stage.DELIVERED, Stage.LOST)


class Visit(TenantModel):
    """来店来电: one walk-in or phone-in."""

    kind = models.CharField(_("kind"), max_length=10, choices=VisitKind, default=VisitKind.WALK_IN)
    visited_at = models.DateTimeField(_("time"))
    left_at = models.DateTimeField(_("left at"), null=True, blank=True)
    consultant = _user_fk(_("consultant"))
    customer = models.ForeignKey(
        "crm.Customer",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="visits",
        verbose_name=_("customer"),
    )
    lead = models.ForeignKey(
        Lead,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="visits",
        verbose_name=_("lead"),
    )
    party_size = models.PositiveSmallIntegerField(
        _("party size"), default=1, validators=[MinValueValidator(1), MaxValueValidator(50)]
    )
    source = models.CharField(_("source"), max_length=20, choices=Source, default=Source.WALK_IN)
    models_of_interest = models.CharField(_("models of interest"), max_length=200, blank=True)
    intent = models.CharField(_("intent level"), max_length=1, choices=Intent, default=Intent.C)
    next_contact_on = models.DateField(_("next contact on"), null=True, blank=True)
    first_visit = models.BooleanField(_("first visit"), default=True)
    notes = models.TextField(_("notes"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["-visited_at", "-pk"]
        verbose_name = _("showroom visit")
        verbose_name_plural = _("showroom traffic")
        constraints = [
            *tenant_keys("customer", "lead"),
            models.CheckConstraint(
                condition=Q(left_at__isnull=True) | Q(left_at__gte=F("visited_at")),
                name="sales_visit_left_after_arrival",
            ),
        ]
        indexes = [models.Index(fields=["dealership", "visited_at"], name="sales_visit_time_idx")]

    def __str__(self) -> str:
        who = self.customer if self.customer_id else _("anonymous")
        return f"{self.get_kind_display()} {who}"

    def get_absolute_url(self) -> str:
        return reverse("sales:visit_detail", kwargs={"pk": self.pk})


class TestDrive(TenantModel):
    __test__ = False  # not a pytest test class

    lead = models.ForeignKey(
        Lead, on_delete=models.PROTECT, related_name="test_drives", verbose_name=_("lead")
    )
    customer = models.ForeignKey(
        "crm.Customer", on_delete=models.PROTECT, related_name="+", verbose_name=_("customer")
    )
    consultant = _user_fk(_("consultant"))
    vehicle_model = models.CharField(_("model driven"), max_length=80)
    vehicle_plate = models.CharField(_("test-drive car's plate"), max_length=10, blank=True)
    licence_number = models.CharField(_("driving licence number"), max_length=18)
    licence_expires_on = models.DateField(_("licence valid until"))
    route = models.CharField(_("route"), max_length=200, blank=True)
    starts_at = models.DateTimeField(_("start"))
    ends_at = models.DateTimeField(_("end"), null=True, blank=True)
    feedback = models.TextField(_("customer's feedback"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["-starts_at", "-pk"]
        verbose_name = _("test drive")
        verbose_name_plural = _("test drives")
        constraints = [
            *tenant_keys("lead", "customer"),
            models.CheckConstraint(
                condition=Q(ends_at__isnull=True) | Q(ends_at__gte=F("starts_at")),
                name="sales_testdrive_ends_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.vehicle_model} · {self.customer}" if self.customer_id else self.vehicle_model

    def get_absolute_url(self) -> str:
        return reverse("sales:testdrive_detail", kwargs={"pk": self.pk})


class StockStatus(models.TextChoices):
    IN_TRANSIT = "in_transit", _("In transit")
    IN_STOCK = "in_stock", _("In stock")
    RESERVED = "reserved", _("Reserved")
    SOLD = "sold", _("Sold")
    DELIVERED = "delivered", pgettext_lazy("stock status", "Delivered")


class StockVehicle(TenantModel):
    """A new car of the dealership's stock (店头库存)."""

    vin = models.CharField(_("VIN"), max_length=17)
    brand = models.CharField(_("brand"), max_length=50, blank=True)
    model = models.CharField(_("model"), max_length=80)
    trim = models.CharField(_("trim"), max_length=80, blank=True)
    colour = models.CharField(_("colour"), max_length=30, blank=True)
    model_year = models.PositiveSmallIntegerField(
        _("model year"), null=True, blank=True, validators=[MinValueValidator(1990)]
    )
    status = models.CharField(
        _("status"), max_length=12, choices=StockStatus, default=StockStatus.IN_TRANSIT
    )
    ordered_on = models.DateField(_("ordered from the OEM on"), null=True, blank=True)
    arrived_on = models.DateField(_("arrived on"), null=True, blank=True)
    cost = models.DecimalField(_("cost (CNY)"), validators=NON_NEGATIVE, **MONEY)
    list_price = models.DecimalField(_("list price (CNY)"), validators=NON_NEGATIVE, **MONEY)
    location = models.CharField(_("location"), max_length=50, blank=True)
    delivered_on = models.DateField(_("delivered on"), null=True, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["-pk"]
        verbose_name = _("stock vehicle")
        verbose_name_plural = _("vehicle stock")
        constraints = [
            *tenant_keys(),
            models.UniqueConstraint(fields=["dealership", "vin"], name="sales_stock_unique_vin"),
            # a car still on its way may already be reserved (or sold) for an order
            models.CheckConstraint(
                condition=Q(status__in=["in_transit", "reserved", "sold"])
                | Q(arrived_on__isnull=False),
                name="sales_stock_arrived_unless_in_transit",
            ),
        ]
        indexes = [models.Index(fields=["dealership", "status"], name="sales_stock_status_idx")]

    def __str__(self) -> str:
        return f"{self.model} {self.colour} · {self.vin}".replace("  ", " ")

    def get_absolute_url(self) -> str:
        return reverse("sales:stock_detail", kwargs={"pk": self.pk})

    def age_days(self, today: dt.date | None = None) -> int | None:
        """Days in stock since arrival (until delivery); ``None`` while in transit."""
        if self.arrived_on is None:
            return None
        end = self.delivered_on or today or dt.date.today()
        return max((end - self.arrived_on).days, 0)


class QuoteStatus(models.TextChoices):
    DRAFT = "draft", pgettext_lazy("quote status", "Draft")
    PENDING = "pending", _("Discount awaiting approval")
    APPROVED = "approved", pgettext_lazy("quote status", "Ready")
    REJECTED = "rejected", _("Discount refused")
    ORDERED = "ordered", _("Ordered")


class Quote(TenantModel):
    lead = models.ForeignKey(
        Lead, on_delete=models.PROTECT, related_name="quotes", verbose_name=_("lead")
    )
    customer = models.ForeignKey(
        "crm.Customer", on_delete=models.PROTECT, related_name="+", verbose_name=_("customer")
    )
    consultant = _user_fk(_("consultant"))
    stock_vehicle = models.ForeignKey(
        StockVehicle,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="quotes",
        verbose_name=_("vehicle from stock"),
    )
    vehicle_model = models.CharField(_("model"), max_length=80)
    vehicle_trim = models.CharField(_("trim"), max_length=80, blank=True)
    vehicle_colour = models.CharField(_("colour"), max_length=30, blank=True)
    list_price = models.DecimalField(_("list price"), validators=NON_NEGATIVE, **MONEY)
    discount = models.DecimalField(
        _("discount"), validators=NON_NEGATIVE, default=Decimal("0"), **MONEY
    )
    insurance_company = models.CharField(_("insurer"), max_length=50, blank=True)
    insurance_amount = models.DecimalField(
        _("insurance premium"), validators=NON_NEGATIVE, default=Decimal("0"), **MONEY
    )
    registration_fee = models.DecimalField(
        _("registration and licence fees"), validators=NON_NEGATIVE, default=Decimal("0"), **MONEY
    )
    loan = models.BooleanField(_("bought on a loan"), default=False)
    loan_term_months = models.PositiveSmallIntegerField(
        _("loan term (months)"), null=True, blank=True, validators=[MaxValueValidator(120)]
    )
    down_payment = models.DecimalField(
        _("down payment"), validators=NON_NEGATIVE, null=True, blank=True, **MONEY
    )
    # accessories total, kept equal to the sum of the items by the services
    accessories_total = models.DecimalField(
        _("accessories"), validators=NON_NEGATIVE, default=Decimal("0"), **MONEY
    )
    total = models.DecimalField(_("total"), validators=NON_NEGATIVE, **MONEY)
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=QuoteStatus, default=QuoteStatus.DRAFT
    )
    discount_request = models.ForeignKey(
        "org.ApprovalRequest",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="sales_quotes",
        verbose_name=_("discount request"),
    )
    notes = models.TextField(_("notes"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["-pk"]
        verbose_name = _("quote")
        verbose_name_plural = _("quotes")
        constraints = [
            *tenant_keys("lead", "customer", "stock_vehicle", "discount_request"),
            models.CheckConstraint(
                condition=Q(discount__lte=F("list_price")), name="sales_quote_discount_le_price"
            ),
        ]

    def __str__(self) -> str:
        return f"Q{self.pk} {self.vehicle_model}"

    def get_absolute_url(self) -> str:
        return reverse("sales:quote_detail", kwargs={"pk": self.pk})


class QuoteItem(TenantModel):
    """An accessory (精品) or other extra on a quote."""

    quote = models.ForeignKey(
        Quote, on_delete=models.CASCADE, related_name="items", verbose_name=_("quote")
    )
    name = models.CharField(_("item"), max_length=100)
    quantity = models.PositiveSmallIntegerField(
        _("quantity"), default=1, validators=[MinValueValidator(1), MaxValueValidator(999)]
    )
    unit_price = models.DecimalField(_("unit price"), validators=NON_NEGATIVE, **MONEY)

    class Meta:
        ordering = ["pk"]
        verbose_name = _("quote item")
        verbose_name_plural = _("quote items")
        constraints = [*tenant_keys("quote")]

    def __str__(self) -> str:
        return f"{self.name} × {self.quantity}"

    def get_absolute_url(self) -> str:
        return reverse("sales:quote_detail", kwargs={"pk": self.quote_id})

    @property
    def amount(self) -> Decimal:
        return self.unit_price * self.quantity


class OrderStatus(models.TextChoices):
    OPEN = "open", pgettext_lazy("order status", "Open")  # a stock car is reserved for it
    FACTORY = "factory", _("Factory order")  # waiting for a car from the OEM
    DELIVERED = "delivered", pgettext_lazy("order status", "Delivered")
    CANCELLED = "cancelled", pgettext_lazy("order status", "Cancelled")


class Order(TenantModel):
    number = models.CharField(_("order number"), max_length=20)
    # written backwards by the database, for the search by the value's end (dealership.search.keys)
    number_reversed = reversed_twin("number", 20)
    quote = models.ForeignKey(
        Quote,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="orders",
        verbose_name=_("quote"),
    )
    lead = models.ForeignKey(
        Lead, on_delete=models.PROTECT, related_name="orders", verbose_name=_("lead")
    )
    customer = models.ForeignKey(
        "crm.Customer", on_delete=models.PROTECT, related_name="+", verbose_name=_("customer")
    )
    consultant = _user_fk(_("consultant"))
    key_account = models.ForeignKey(
        KeyAccount,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="orders",
        verbose_name=_("key account"),
    )
    stock_vehicle = models.ForeignKey(
        StockVehicle,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="orders",
        verbose_name=_("vehicle"),
    )
    vehicle_model = models.CharField(_("model"), max_length=80)
    vehicle_trim = models.CharField(_("trim"), max_length=80, blank=True)
    vehicle_colour = models.CharField(_("colour"), max_length=30, blank=True)
    price = models.DecimalField(_("agreed price"), validators=NON_NEGATIVE, **MONEY)
    deposit = models.DecimalField(
        _("deposit"), validators=[MinValueValidator(Decimal("0.01"))], **MONEY
    )
    deposit_paid_on = models.DateField(_("deposit paid on"))
    ordered_on = models.DateField(_("ordered on"))
    expected_on = models.DateField(_("expected delivery"), null=True, blank=True)
    # the balance paid and the invoice issued: the reserved car is sold
    paid_on = models.DateField(_("paid in full on"), null=True, blank=True)
    invoice_no = models.CharField(_("invoice number"), max_length=30, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=OrderStatus, default=OrderStatus.OPEN
    )
    cancelled_reason = models.TextField(_("reason cancelled"), blank=True)
    notes = models.TextField(_("notes"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["-pk"]
        verbose_name = pgettext_lazy("sales order", "order")
        verbose_name_plural = _("orders")
        constraints = [
            *tenant_keys("quote", "lead", "customer", "key_account", "stock_vehicle"),
            models.UniqueConstraint(
                fields=["dealership", "number"], name="sales_order_unique_number"
            ),
            # a stock car is promised to one live order at a time
            models.UniqueConstraint(
                fields=["dealership", "stock_vehicle"],
                condition=Q(stock_vehicle__isnull=False) & ~Q(status="cancelled"),
                name="sales_order_one_live_per_vehicle",
            ),
            models.CheckConstraint(
                condition=Q(deposit__lte=F("price")), name="sales_order_deposit_le_price"
            ),
        ]
        indexes = [models.Index(fields=["dealership", "ordered_on"], name="sales_order_date_idx")]

    def __str__(self) -> str:
        return f"{self.number} {self.vehicle_model}"

    def get_absolute_url(self) -> str:
        return reverse("sales:order_detail", kwargs={"pk": self.pk})


class TradeIn(TenantModel):
    """二手车置换: the customer's used car taken in part exchange on an order."""

    order = models.ForeignKey(
        Order,
        on_delete=models.CASCADE,
        related_name="trade_ins",
        verbose_name=pgettext_lazy("sales order", "order"),
    )
    vin = models.CharField(_("VIN"), max_length=17, blank=True)
    plate = models.CharField(_("plate"), max_length=10, blank=True)
    brand = models.CharField(_("brand"), max_length=50)
    model = models.CharField(_("model"), max_length=80)
    first_registered_on = models.DateField(_("first registered on"), null=True, blank=True)
    mileage = models.PositiveIntegerField(_("mileage (km)"), null=True, blank=True)
    valuation = models.DecimalField(_("valuation"), validators=NON_NEGATIVE, **MONEY)
    valued_by = _user_fk(_("valued by"), null=True, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["-pk"]
        verbose_name = _("trade-in")
        verbose_name_plural = _("trade-ins")
        constraints = [
            *tenant_keys("order"),
            models.UniqueConstraint(
                fields=["dealership", "order"], name="sales_tradein_one_per_order"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.brand} {self.model} {self.plate}".strip()

    def get_absolute_url(self) -> str:
        return reverse("sales:order_detail", kwargs={"pk": self.order_id})


class Delivery(TenantModel):
    """交车: the car handed over. One per order."""

    order = models.ForeignKey(
        Order,
        on_delete=models.PROTECT,
        related_name="deliveries",
        verbose_name=pgettext_lazy("sales order", "order"),
    )
    customer = models.ForeignKey(
        "crm.Customer", on_delete=models.PROTECT, related_name="+", verbose_name=_("customer")
    )
    vehicle = models.ForeignKey(
        "crm.Vehicle",
        on_delete=models.PROTECT,
        related_name="deliveries",
        verbose_name=_("vehicle"),
    )
    stock_vehicle = models.ForeignKey(
        StockVehicle,
        on_delete=models.PROTECT,
        related_name="deliveries",
        verbose_name=_("stock vehicle"),
    )
    consultant = _user_fk(_("consultant"))
    delivered_on = models.DateField(_("delivered on"))
    documents = models.JSONField(_("documents handed over"), default=list, blank=True)
    checklist = models.JSONField(_("checklist"), default=list, blank=True)
    photo = models.CharField(_("photo"), max_length=200, blank=True)  # private storage name
    mileage = models.PositiveIntegerField(_("odometer (km)"), default=0)
    notes = models.TextField(_("notes"), blank=True)
    created_by = _user_fk(_("recorded by"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["-delivered_on", "-pk"]
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        constraints = [
            *tenant_keys("order", "customer", "vehicle", "stock_vehicle"),
            models.UniqueConstraint(
                fields=["dealership", "order"], name="sales_delivery_one_per_order"
            ),
            models.UniqueConstraint(
                fields=["dealership", "stock_vehicle"], name="sales_delivery_one_per_vehicle"
            ),
        ]
        indexes = [
            models.Index(fields=["dealership", "delivered_on"], name="sales_delivery_date_idx")
        ]

    def __str__(self) -> str:
        return f"{self.order} · {self.delivered_on}" if self.order_id else super().__str__()

    def get_absolute_url(self) -> str:
        return reverse("sales:delivery_detail", kwargs={"pk": self.pk})


class AllocationStatus(models.TextChoices):
    DRAFT = "draft", pgettext_lazy("allocation status", "Draft")
    SUBMITTED = "submitted", _("Submitted to the OEM")


class AllocationRequest(TenantModel):
    """商品车资源申报: next month's vehicles asked of the OEM, built from orders and stock."""

    month = models.DateField(_("month"), help_text=_("The first day of the month asked for."))
    status = models.CharField(
        _("status"), max_length=10, choices=AllocationStatus, default=AllocationStatus.DRAFT
    )
    submitted_by = _user_fk(_("submitted by"), null=True, blank=True)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["-month"]
        verbose_name = _("vehicle-allocation request")
        verbose_name_plural = _("vehicle-allocation requests")
        constraints = [
            *tenant_keys(),
            models.UniqueConstraint(
                fields=["dealership", "month"], name="sales_allocation_one_per_month"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m}"

    def get_absolute_url(self) -> str:
        return reverse("sales:allocation_detail", kwargs={"pk": self.pk})


class AllocationLine(TenantModel):
    request = models.ForeignKey(
        AllocationRequest,
        on_delete=models.CASCADE,
        related_name="lines",
        verbose_name=_("allocation request"),
    )
    model = models.CharField(_("model"), max_length=80)
    trim = models.CharField(_("trim"), max_length=80, blank=True)
    colour = models.CharField(_("colour"), max_length=30, blank=True)
    open_orders = models.PositiveIntegerField(_("orders waiting for a car"), default=0)
    in_stock = models.PositiveIntegerField(_("free in stock"), default=0)
    in_transit = models.PositiveIntegerField(_("in transit"), default=0)
    quantity = models.PositiveIntegerField(
        _("quantity asked"), default=0, validators=[MaxValueValidator(10000)]
    )

    class Meta:
        ordering = ["model", "trim", "colour"]
        verbose_name = _("allocation line")
        verbose_name_plural = _("allocation lines")
        constraints = [
            *tenant_keys("request"),
            models.UniqueConstraint(
                fields=["dealership", "request", "model", "trim", "colour"],
                name="sales_allocation_line_unique",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.model} {self.trim} {self.colour} × {self.quantity}"

    def get_absolute_url(self) -> str:
        return reverse("sales:allocation_detail", kwargs={"pk": self.request_id})


class SalesTarget(TenantModel):
    """A month's unit target: of one consultant, or of the whole department (no consultant);
    of one model, or of all (empty model)."""

    month = models.DateField(_("month"), help_text=_("The first day of the month."))
    consultant = _user_fk(_("consultant"), null=True, blank=True)
    model = models.CharField(_("model"), max_length=80, blank=True)
    units = models.PositiveIntegerField(_("units"), validators=[MaxValueValidator(100000)])
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["-month", "pk"]
        verbose_name = _("sales target")
        verbose_name_plural = _("sales targets")
        constraints = [
            *tenant_keys(),
            # one target per consultant (or, without one, for the department), month and model
            models.UniqueConstraint(
                fields=["dealership", "month", "consultant", "model"],
                condition=Q(consultant__isnull=False),
                name="sales_target_unique_consultant",
            ),
            models.UniqueConstraint(
                fields=["dealership", "month", "model"],
                condition=Q(consultant__isnull=True),
                name="sales_target_unique_department",
            ),
            models.CheckConstraint(condition=Q(month__day=1), name="sales_target_month_first_day"),
        ]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.model or '*'} {self.units}"

    def get_absolute_url(self) -> str:
        return reverse("sales:target_list") + f"?month={self.month:%Y-%m}"


class DayConfirmation(TenantModel):
    """The sales info clerk's word that a day's orders and deliveries are all entered."""

    day = models.DateField(_("day"))
    orders = models.PositiveIntegerField(_("orders"))
    deliveries = models.PositiveIntegerField(_("deliveries"))
    confirmed_by = _user_fk(_("confirmed by"))
    confirmed_at = models.DateTimeField(_("confirmed at"), auto_now=True)

    class Meta:
        ordering = ["-day"]
        verbose_name = _("day confirmation")
        verbose_name_plural = _("day confirmations")
        constraints = [
            *tenant_keys(),
            models.UniqueConstraint(fields=["dealership", "day"], name="sales_day_confirmed_once"),
        ]

    def __str__(self) -> str:
        return f"{self.day}"

    def get_absolute_url(self) -> str:
        return reverse("sales:daily") + f"?day={self.day:%Y-%m-%d}"


class DiscountLimit(TenantModel):
    """The discount a holder of ``position`` may give on a quote without approval."""

    position = models.ForeignKey(
        "org.Position",
        on_delete=models.CASCADE,
        related_name="sales_discount_limits",
        verbose_name=_("position"),
    )
    max_amount = models.DecimalField(
        _("largest discount without approval (CNY)"), validators=NON_NEGATIVE, **MONEY
    )

    class Meta:
        ordering = ["position__name_zh"]
        verbose_name = _("discount limit")
        verbose_name_plural = _("discount limits")
        constraints = [
            *tenant_keys("position"),
            models.UniqueConstraint(
                fields=["dealership", "position"], name="sales_discount_limit_one_per_position"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.position}: {self.max_amount}"

    def get_absolute_url(self) -> str:
        return reverse("sales:discount_limits")


# --- plans, price lists and the sub-dealer network (#18) ----------------------------------------


class PlanPeriod(models.TextChoices):
    YEAR = "year", _("Year")
    QUARTER = "quarter", _("Quarter")
    MONTH = "month", _("Month")


class PlanState(models.TextChoices):
    DRAFT = "draft", pgettext_lazy("plan state", "Draft")
    PENDING = "pending", _("Waiting for approval")
    APPROVED = "approved", pgettext_lazy("plan state", "Approved")
    REJECTED = "rejected", pgettext_lazy("plan state", "Rejected")
    SUBMITTED = "submitted", _("Submitted to the OEM")


class SalesPlan(TenantModel):
    """销售计划: a year's, quarter's or month's plan (units and revenue by model), approved by the
    sales manager or director, the deputy GM and the GM (kind ``sales.plan``), then submitted to
    the OEM. An approved month plan sets the month's department targets by model."""

    period = models.CharField(_("period"), max_length=10, choices=PlanPeriod)
    starts_on = models.DateField(
        _("first day"), help_text=_("The first day of the year, quarter or month.")
    )
    state = models.CharField(_("state"), max_length=10, choices=PlanState, default=PlanState.DRAFT)
    request = models.ForeignKey(
        "org.ApprovalRequest",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("approval request"),
    )
    submitted_on = models.DateField(_("submitted to the OEM on"), null=True, blank=True)
    submitted_by = _user_fk(_("submitted by"), null=True, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    created_by = _user_fk(_("created by"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["-starts_on", "period"]
        verbose_name = _("sales plan")
        verbose_name_plural = _("sales plans")
        constraints = [
            *tenant_keys("request"),
            models.UniqueConstraint(
                fields=["dealership", "period", "starts_on"], name="sales_plan_one_per_period"
            ),
            models.CheckConstraint(condition=Q(starts_on__day=1), name="sales_plan_first_day"),
        ]

    def __str__(self) -> str:
        return f"{self.label} {self.get_period_display()}"

    @property
    def ends_on(self) -> dt.date:
        months = {"year": 12, "quarter": 3}.get(self.period, 1)
        index = self.starts_on.year * 12 + self.starts_on.month - 1 + months
        return dt.date(index // 12, index % 12 + 1, 1) - dt.timedelta(days=1)

    @property
    def label(self) -> str:
        if self.period == PlanPeriod.YEAR:
            return f"{self.starts_on:%Y}"
        if self.period == PlanPeriod.QUARTER:
            return f"{self.starts_on:%Y}-Q{(self.starts_on.month - 1) // 3 + 1}"
        return f"{self.starts_on:%Y-%m}"

    def get_absolute_url(self) -> str:
        return reverse("sales:plan_detail", kwargs={"pk": self.pk})


class SalesPlanLine(TenantModel):
    plan = models.ForeignKey(
        SalesPlan, on_delete=models.CASCADE, related_name="lines", verbose_name=_("sales plan")
    )
    model = models.CharField(_("model"), max_length=80)
    units = models.PositiveIntegerField(_("units"), validators=[MaxValueValidator(1000000)])
    revenue = models.DecimalField(_("revenue (CNY)"), validators=NON_NEGATIVE, **MONEY)

    class Meta:
        ordering = ["model"]
        verbose_name = _("sales plan line")
        verbose_name_plural = _("sales plan lines")
        constraints = [
            *tenant_keys("plan"),
            models.UniqueConstraint(
                fields=["dealership", "plan", "model"], name="sales_plan_line_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.model} × {self.units}"

    def get_absolute_url(self) -> str:
        return reverse("sales:plan_detail", kwargs={"pk": self.plan_id})


class PriceListState(models.TextChoices):
    DRAFT = "draft", pgettext_lazy("price list state", "Draft")
    PENDING = "pending", _("Waiting for approval")
    APPROVED = "approved", pgettext_lazy("price list state", "Approved")
    REJECTED = "rejected", pgettext_lazy("price list state", "Rejected")
    SUPERSEDED = "superseded", _("Replaced before it took effect")


class PriceList(TenantModel):
    """The prices of one model and trim from a day (公司新产品市场价格): MSRP, the dealer's
    purchase price, the floor below which a quote needs approval. Drafted by the sales
    department, it takes effect only after the sales director, deputy GM and GM approved it
    (kind ``sales.price_list``); the approved list with the latest ``valid_from`` not after a
    day is the one in effect that day."""

    model = models.CharField(_("model"), max_length=80)
    trim = models.CharField(_("trim"), max_length=80, blank=True)
    msrp = models.DecimalField(_("MSRP (CNY)"), validators=NON_NEGATIVE, **MONEY)
    dealer_price = models.DecimalField(_("dealer price (CNY)"), validators=NON_NEGATIVE, **MONEY)
    floor_price = models.DecimalField(
        _("floor price (CNY)"),
        validators=NON_NEGATIVE,
        help_text=_("The lowest price a car may be sold for without the sales manager's approval."),
        **MONEY,
    )
    valid_from = models.DateField(_("valid from"))
    state = models.CharField(
        _("state"), max_length=10, choices=PriceListState, default=PriceListState.DRAFT
    )
    request = models.ForeignKey(
        "org.ApprovalRequest",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("approval request"),
    )
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    created_by = _user_fk(_("created by"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["model", "trim", "-valid_from", "-pk"]
        verbose_name = _("price list")
        verbose_name_plural = _("price lists")
        constraints = [
            *tenant_keys("request"),
            # one approved list per model, trim and day (a later approval supersedes the other)
            models.UniqueConstraint(
                fields=["dealership", "model", "trim", "valid_from"],
                condition=Q(state="approved"),
                name="sales_price_list_one_approved_per_day",
            ),
            models.CheckConstraint(
                condition=Q(floor_price__lte=F("msrp")), name="sales_price_list_floor_below_msrp"
            ),
        ]
        indexes = [
            models.Index(
                fields=["dealership", "model", "trim", "valid_from"], name="sales_pricelist_idx"
            )
        ]

    def __str__(self) -> str:
        return f"{self.model} {self.trim} {self.valid_from}".replace("  ", " ")

    def get_absolute_url(self) -> str:
        return reverse("sales:pricelist_detail", kwargs={"pk": self.pk})


class SubDealerState(models.TextChoices):
    PROSPECT = "prospect", _("Prospect")
    ACTIVE = "active", pgettext_lazy("sub-dealer state", "Active")
    SUSPENDED = "suspended", _("Suspended")
    ENDED = "ended", _("Contract ended")


class SubDealer(TenantModel):
    """二级网络: a sub-dealer selling the brand's cars in the dealership's region, with its
    contract and the sales manager who looks after it."""

    name = models.CharField(pgettext_lazy("sub-dealer", "name"), max_length=100)
    contact_name = models.CharField(_("contact person"), max_length=50)
    contact_phone = models.CharField(_("contact phone"), max_length=20, blank=True)
    region = models.CharField(_("region"), max_length=50)
    address = models.CharField(_("address"), max_length=200, blank=True)
    contract_start = models.DateField(_("contract from"), null=True, blank=True)
    contract_end = models.DateField(_("contract until"), null=True, blank=True)
    state = models.CharField(
        _("state"), max_length=10, choices=SubDealerState, default=SubDealerState.PROSPECT
    )
    manager = _user_fk(_("looked after by"))
    notes = models.TextField(_("notes"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("sub-dealer")
        verbose_name_plural = _("sub-dealers")
        constraints = [
            *tenant_keys(),
            models.UniqueConstraint(fields=["dealership", "name"], name="sales_subdealer_name"),
            models.CheckConstraint(
                condition=Q(contract_start__isnull=True)
                | Q(contract_end__isnull=True)
                | Q(contract_end__gte=F("contract_start")),
                name="sales_subdealer_contract_order",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("sales:subdealer_detail", kwargs={"pk": self.pk})


class SubDealerAssessment(TenantModel):
    """A period's assessment of a sub-dealer: units sold, a score out of 100, the findings."""

    sub_dealer = models.ForeignKey(
        SubDealer,
        on_delete=models.CASCADE,
        related_name="assessments",
        verbose_name=_("sub-dealer"),
    )
    period_start = models.DateField(_("period from"))
    period_end = models.DateField(_("period until"))
    units = models.PositiveIntegerField(
        _("units sold"), validators=[MaxValueValidator(100000)], default=0
    )
    score = models.PositiveSmallIntegerField(_("score"), validators=[MaxValueValidator(100)])
    findings = models.TextField(_("findings"), blank=True)
    assessed_by = _user_fk(_("assessed by"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["-period_start", "pk"]
        verbose_name = _("sub-dealer assessment")
        verbose_name_plural = _("sub-dealer assessments")
        constraints = [
            *tenant_keys("sub_dealer"),
            models.UniqueConstraint(
                fields=["dealership", "sub_dealer", "period_start"],
                name="sales_subdealer_assessment_period",
            ),
            models.CheckConstraint(
                condition=Q(period_end__gte=F("period_start")),
                name="sales_subdealer_assessment_order",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.sub_dealer_id} {self.period_start}–{self.period_end}: {self.score}"

    def get_absolute_url(self) -> str:
        return reverse("sales:subdealer_detail", kwargs={"pk": self.sub_dealer_id})
