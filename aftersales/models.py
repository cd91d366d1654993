"""Models of after-sales: the service department's day.

* :class:`Appointment` — a booked time slot with an advisor and a service type; the car's
  arrival turns it into a repair order.
* :class:`RepairOrder` (工单) — a car checked in (入库): type, mileage (never below the last
  recorded), concerns, walk-around check, advisor; status open → estimated → approved by the
  customer → in progress → quality check → ready → closed (the car left), or cancelled with a
  reason. Closing records the crm event for the N+3..N+5 service satisfaction call.
  :class:`RepairLine` — a labour operation (flat-rate hours × rate), a part from stock or a
  sublet; a warranty line is paid by the OEM through a :class:`WarrantyClaim`.
* Workshop: :class:`Bay`, :class:`Job` (one per labour line, assigned to a technician and a bay)
  and :class:`TimeEntry` (clock-on / clock-off; a technician is on one job at a time).
* Parts: :class:`Part` (number, names, bin, unit, cost, price, on hand, reserved, reorder point),
  every change of stock a :class:`PartMovement` row (the level is kept equal to the sum of the
  movements, under the part's row lock, and never below zero); :class:`PurchaseOrder` /
  :class:`PurchaseOrderLine` to the OEM with (partial) receipts; :class:`CounterSale` /
  :class:`CounterSaleLine` at the parts counter; :class:`StockCount` / :class:`StockCountLine`
  with adjustments.
* :class:`WarrantyClaim` (索赔) with its :class:`WarrantyClaimPhoto` photos; :class:`Rescue`
  (外出救援); :class:`TechnicalCase` (technical cases and quality feedback to the OEM).

Money is ``Decimal`` in CNY (two places); hours with two places."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

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


def _customer_fk(**kwargs):
    return models.ForeignKey(
        "crm.Customer",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("customer"),
        **kwargs,
    )


def _vehicle_fk(**kwargs):
    return models.ForeignKey(
        "crm.Vehicle",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("vehicle"),
        **kwargs,
    )


class ServiceType(models.TextChoices):
    MAINTENANCE_5K = "maintenance_5k", _("5,000 km service")
    MAINTENANCE_10K = "maintenance_10k", _("10,000 km service")
    MAINTENANCE = "maintenance", _("Other mileage service")
    REPAIR = "repair", _("Repair")
    WARRANTY = "warranty", _("Warranty repair")
    ACCIDENT = "accident", _("Accident / insurance")
    RESCUE = "rescue", _("Roadside rescue")


class AppointmentStatus(models.TextChoices):
    BOOKED = "booked", _("Booked")
    ARRIVED = "arrived", _("Arrived")
    NO_SHOW = "no_show", _("Did not come")
    CANCELLED = "cancelled", pgettext_lazy("appointment status", "Cancelled")


class Appointment(TenantModel):
    customer = _customer_fk()
    vehicle = _vehicle_fk()
    advisor = _user_fk(_("service advisor"))
    starts_at = models.DateTimeField(_("time slot from"))
    ends_at = models.DateTimeField(_("time slot until"))
    service_type = models.CharField(_("service type"), max_length=20, choices=ServiceType)
    concerns = models.TextField(_("customer's concerns"), blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=AppointmentStatus, default=AppointmentStatus.BOOKED
    )
    reminder_sent_at = models.DateTimeField(_("reminder sent at"), null=True, blank=True)
    cancelled_reason = models.CharField(_("reason cancelled"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["starts_at", "pk"]
        verbose_name = _("appointment")
        verbose_name_plural = _("appointments")
        constraints = [
            *tenant_keys("customer", "vehicle"),
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")), name="aftersales_appointment_slot"
            ),
        ]
        indexes = [
            models.Index(fields=["dealership", "starts_at"], name="aftersales_appt_time_idx")
        ]

    def __str__(self) -> str:
        return f"{self.starts_at:%Y-%m-%d %H:%M} {self.get_service_type_display()}"

    def get_absolute_url(self) -> str:
        return reverse("aftersales:appointment_detail", kwargs={"pk": self.pk})


class Bay(TenantModel):
    """A workshop bay (工位)."""

    code = models.CharField(_("code"), max_length=10)
    name = models.CharField(pgettext_lazy("bay", "name"), max_length=50)
    is_active = models.BooleanField(_("in use"), default=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("bay")
        verbose_name_plural = _("bays")
        constraints = [
            *tenant_keys(),
            models.UniqueConstraint(fields=["dealership", "code"], name="aftersales_bay_code"),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}".strip()

    def get_absolute_url(self) -> str:
        return reverse("aftersales:workshop_board")


class RepairStatus(models.TextChoices):
    OPEN = "open", pgettext_lazy("repair order status", "Open")
    ESTIMATED = "estimated", _("Estimated, waiting for the customer")
    APPROVED = "approved", _("Approved by the customer")
    IN_PROGRESS = "in_progress", _("In progress")
    QUALITY_CHECK = "quality_check", _("Quality check")
    READY = "ready", _("Ready for pick-up")
    CLOSED = "closed", _("Delivered and closed")
    CANCELLED = "cancelled", pgettext_lazy("repair order status", "Cancelled")


class RepairOrder(TenantModel):
    number = models.CharField(_("repair order number"), max_length=20)
    # written backwards by the database, for the search by the value's end (dealership.search.keys)
    number_reversed = reversed_twin("number", 20)
    customer = _customer_fk()
    vehicle = _vehicle_fk()
    advisor = _user_fk(_("service advisor"))
    service_type = models.CharField(_("type"), max_length=20, choices=ServiceType)
    status = models.CharField(
        _("status"), max_length=15, choices=RepairStatus, default=RepairStatus.OPEN
    )
    mileage = models.PositiveIntegerField(
        _("mileage (km)"), validators=[MaxValueValidator(2_000_000)]
    )
    concerns = models.TextField(_("customer's concerns"))
    walk_around = models.JSONField(_("walk-around check"), default=list, blank=True)
    fuel_level = models.PositiveSmallIntegerField(
        _("fuel level (%)"), null=True, blank=True, validators=[MaxValueValidator(100)]
    )
    bay = models.ForeignKey(
        Bay,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("bay"),
    )
    appointment = models.ForeignKey(
        Appointment,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="repair_orders",
        verbose_name=_("appointment"),
    )
    checked_in_at = models.DateTimeField(_("checked in at"))
    promised_at = models.DateTimeField(_("promised for"), null=True, blank=True)
    estimate_total = models.DecimalField(
        _("estimate"), validators=NON_NEGATIVE, default=Decimal("0"), **MONEY
    )
    approved_at = models.DateTimeField(_("approved by the customer at"), null=True, blank=True)
    approval_note = models.CharField(_("how the customer approved"), max_length=200, blank=True)
    qc_by = _user_fk(_("quality checked by"), null=True, blank=True)
    qc_at = models.DateTimeField(_("quality checked at"), null=True, blank=True)
    qc_note = models.CharField(_("quality check note"), max_length=200, blank=True)
    ready_at = models.DateTimeField(_("ready at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    closed_on = models.DateField(_("closed on"), null=True, blank=True)
    cancelled_reason = models.TextField(_("reason cancelled"), blank=True)
    # totals kept equal to the lines by the services (customer pays; warranty lines excluded)
    labour_total = models.DecimalField(_("labour"), default=Decimal("0"), **MONEY)
    parts_total = models.DecimalField(_("parts"), default=Decimal("0"), **MONEY)
    sublet_total = models.DecimalField(_("sublet"), default=Decimal("0"), **MONEY)
    warranty_total = models.DecimalField(_("paid by the OEM"), default=Decimal("0"), **MONEY)
    total = models.DecimalField(_("customer pays"), default=Decimal("0"), **MONEY)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["-pk"]
        verbose_name = _("repair order")
        verbose_name_plural = _("repair orders")
        constraints = [
            *tenant_keys("customer", "vehicle", "bay", "appointment"),
            models.UniqueConstraint(
                fields=["dealership", "number"], name="aftersales_ro_unique_number"
            ),
            models.CheckConstraint(
                condition=Q(status="closed", closed_on__isnull=False)
                | (~Q(status="closed") & Q(closed_on__isnull=True)),
                name="aftersales_ro_closed_on_when_closed",
            ),
        ]
        indexes = [
            models.Index(fields=["dealership", "status"], name="aftersales_ro_status_idx"),
            models.Index(fields=["dealership", "closed_on"], name="aftersales_ro_closed_idx"),
            models.Index(fields=["dealership", "checked_in_at"], name="aftersales_ro_in_idx"),
        ]

    def __str__(self) -> str:
        return self.number

    def get_absolute_url(self) -> str:
        return reverse("aftersales:repairorder_detail", kwargs={"pk": self.pk})


class LineKind(models.TextChoices):
    LABOUR = "labour", _("Labour")
    PART = "part", _("Part")
    SUBLET = "sublet", _("Sublet")


class PartLineState(models.TextChoices):
    RESERVED = "reserved", _("Reserved")
    ISSUED = "issued", _("Issued")
    RETURNED = "returned", _("Returned")


class RepairLine(TenantModel):
    repair_order = models.ForeignKey(
        RepairOrder, on_delete=models.CASCADE, related_name="lines", verbose_name=_("repair order")
    )
    kind = models.CharField(_("kind"), max_length=10, choices=LineKind)
    description = models.CharField(_("description"), max_length=200)
    warranty = models.BooleanField(_("under warranty (the OEM pays)"), default=False)
    # labour
    operation_code = models.CharField(_("operation code"), max_length=20, blank=True)
    hours = models.DecimalField(
        _("flat-rate hours"),
        max_digits=6,
        decimal_places=2,
        default=Decimal("0"),
        validators=NON_NEGATIVE,
    )
    rate = models.DecimalField(
        _("hourly rate"), default=Decimal("0"), validators=NON_NEGATIVE, **MONEY
    )
    # part
    part = models.ForeignKey(
        "Part",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="repair_lines",
        verbose_name=_("part"),
    )
    quantity = models.DecimalField(
        _("quantity"),
        max_digits=10,
        decimal_places=2,
        default=Decimal("0"),
        validators=NON_NEGATIVE,
    )
    part_state = models.CharField(_("part"), max_length=10, choices=PartLineState, blank=True)
    # sublet
    supplier = models.CharField(_("supplier"), max_length=100, blank=True)
    cost = models.DecimalField(_("cost"), default=Decimal("0"), validators=NON_NEGATIVE, **MONEY)
    # the price of the line (labour: hours × rate; part: quantity × unit price; sublet: price)
    unit_price = models.DecimalField(
        _("unit price"), default=Decimal("0"), validators=NON_NEGATIVE, **MONEY
    )
    amount = models.DecimalField(
        _("amount"), default=Decimal("0"), validators=NON_NEGATIVE, **MONEY
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["pk"]
        verbose_name = _("repair line")
        verbose_name_plural = _("repair lines")
        constraints = [
            *tenant_keys("repair_order", "part"),
            models.CheckConstraint(
                condition=~Q(kind="part") | Q(part__isnull=False, quantity__gt=0),
                name="aftersales_line_part_has_part",
            ),
        ]

    def __str__(self) -> str:
        return self.description

    def get_absolute_url(self) -> str:
        return reverse("aftersales:repairorder_detail", kwargs={"pk": self.repair_order_id})


class JobStatus(models.TextChoices):
    WAITING = "waiting", _("Waiting")
    IN_PROGRESS = "in_progress", pgettext_lazy("job status", "In progress")
    PAUSED = "paused", _("Paused")
    DONE = "done", _("Done")


class Job(TenantModel):
    """The work of one labour line, for one technician in one bay."""

    repair_order = models.ForeignKey(
        RepairOrder, on_delete=models.CASCADE, related_name="jobs", verbose_name=_("repair order")
    )
    line = models.ForeignKey(
        RepairLine, on_delete=models.CASCADE, related_name="jobs", verbose_name=_("labour line")
    )
    technician = _user_fk(_("technician"), null=True, blank=True)
    bay = models.ForeignKey(
        Bay,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="jobs",
        verbose_name=_("bay"),
    )
    status = models.CharField(
        _("status"), max_length=12, choices=JobStatus, default=JobStatus.WAITING
    )
    sold_hours = models.DecimalField(
        _("hours sold"), max_digits=6, decimal_places=2, default=Decimal("0")
    )
    clocked_minutes = models.PositiveIntegerField(_("minutes clocked"), default=0)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        ordering = ["pk"]
        verbose_name = _("job")
        verbose_name_plural = _("jobs")
        constraints = [
            *tenant_keys("repair_order", "line", "bay"),
            models.UniqueConstraint(fields=["dealership", "line"], name="aftersales_job_per_line"),
        ]

    def __str__(self) -> str:
        return f"{self.repair_order_id}: {self.line_id}"

    def get_absolute_url(self) -> str:
        return reverse("aftersales:repairorder_detail", kwargs={"pk": self.repair_order_id})


class TimeEntry(TenantModel):
    """Clocked on at ``started_at``, off at ``ended_at`` (empty: still on the job)."""

    job = models.ForeignKey(
        Job, on_delete=models.CASCADE, related_name="time_entries", verbose_name=_("job")
    )
    technician = _user_fk(_("technician"))
    started_at = models.DateTimeField(_("clocked on"))
    ended_at = models.DateTimeField(_("clocked off"), null=True, blank=True)

    class Meta:
        ordering = ["-started_at"]
        verbose_name = _("time entry")
        verbose_name_plural = _("time entries")
        constraints = [
            *tenant_keys("job"),
            models.UniqueConstraint(
                fields=["dealership", "technician"],
                condition=Q(ended_at__isnull=True),
                name="aftersales_one_open_clock_per_technician",
            ),
            models.CheckConstraint(
                condition=Q(ended_at__isnull=True) | Q(ended_at__gte=F("started_at")),
                name="aftersales_time_entry_order",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.job_id} {self.started_at:%H:%M}"

    def get_absolute_url(self) -> str:
        return reverse("aftersales:workshop_board")


class Part(TenantModel):
    number = models.CharField(_("part number"), max_length=40)
    name_zh = models.CharField(_("Chinese name"), max_length=100)
    name_en = models.CharField(_("English name"), max_length=100, blank=True)
    bin = models.CharField(_("bin"), max_length=20, blank=True)
    unit = models.CharField(_("unit"), max_length=10, default="个")
    cost = models.DecimalField(_("cost"), validators=NON_NEGATIVE, **MONEY)
    price = models.DecimalField(_("price"), validators=NON_NEGATIVE, **MONEY)
    on_hand = models.DecimalField(
        _("on hand"), max_digits=12, decimal_places=2, default=Decimal("0")
    )
    reserved = models.DecimalField(
        _("reserved"), max_digits=12, decimal_places=2, default=Decimal("0")
    )
    reorder_point = models.DecimalField(
        _("reorder point"),
        max_digits=12,
        decimal_places=2,
        default=Decimal("0"),
        validators=NON_NEGATIVE,
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["number"]
        verbose_name = _("part")
        verbose_name_plural = _("parts")
        constraints = [
            *tenant_keys(),
            models.UniqueConstraint(fields=["dealership", "number"], name="aftersales_part_number"),
            models.CheckConstraint(condition=Q(on_hand__gte=0), name="aftersales_part_on_hand"),
            models.CheckConstraint(
                condition=Q(reserved__gte=0) & Q(reserved__lte=F("on_hand")),
                name="aftersales_part_reserved",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.name_zh}"

    def get_absolute_url(self) -> str:
        return reverse("aftersales:part_detail", kwargs={"pk": self.pk})

    @property
    def available(self) -> Decimal:
        return self.on_hand - self.reserved


class MovementKind(models.TextChoices):
    RECEIPT = "receipt", _("Received from a purchase order")
    ISSUE = "issue", _("Issued to a repair order")
    RETURN = "return", _("Returned from a repair order")
    COUNTER_SALE = "counter_sale", _("Sold at the counter")
    COUNTER_RETURN = "counter_return", _("Returned at the counter")
    ADJUSTMENT = "adjustment", _("Stock count adjustment")
    OPENING = "opening", _("Opening balance")


class PartMovement(TenantModel):
    """One change of a part's stock (positive in, negative out)."""

    part = models.ForeignKey(
        Part, on_delete=models.PROTECT, related_name="movements", verbose_name=_("part")
    )
    kind = models.CharField(_("kind"), max_length=15, choices=MovementKind)
    quantity = models.DecimalField(_("quantity"), max_digits=12, decimal_places=2)
    unit_cost = models.DecimalField(_("unit cost"), default=Decimal("0"), **MONEY)
    repair_line = models.ForeignKey(
        RepairLine,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="movements",
        verbose_name=_("repair line"),
    )
    purchase_line = models.ForeignKey(
        "PurchaseOrderLine",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="movements",
        verbose_name=_("purchase order line"),
    )
    sale_line = models.ForeignKey(
        "CounterSaleLine",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="movements",
        verbose_name=_("counter sale line"),
    )
    count_line = models.ForeignKey(
        "StockCountLine",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="movements",
        verbose_name=_("stock count line"),
    )
    note = models.CharField(_("note"), max_length=200, blank=True)
    created_by = _user_fk(_("by"), null=True, blank=True)
    created_at = models.DateTimeField(_("at"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("part movement")
        verbose_name_plural = _("part movements")
        constraints = [
            *tenant_keys("part", "repair_line", "purchase_line", "sale_line", "count_line"),
            models.CheckConstraint(condition=~Q(quantity=0), name="aftersales_movement_not_zero"),
        ]
        indexes = [models.Index(fields=["dealership", "created_at"], name="aftersales_mv_time_idx")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.quantity}"

    def get_absolute_url(self) -> str:
        return reverse("aftersales:part_detail", kwargs={"pk": self.part_id})


class PurchaseStatus(models.TextChoices):
    DRAFT = "draft", pgettext_lazy("purchase order status", "Draft")
    ORDERED = "ordered", _("Ordered from the OEM")
    PARTIAL = "partial", _("Partly received")
    RECEIVED = "received", _("Received")
    CANCELLED = "cancelled", pgettext_lazy("purchase order status", "Cancelled")


class PurchaseOrder(TenantModel):
    number = models.CharField(_("purchase order number"), max_length=20)
    supplier = models.CharField(_("supplier"), max_length=100, default="OEM")
    status = models.CharField(
        _("status"), max_length=10, choices=PurchaseStatus, default=PurchaseStatus.DRAFT
    )
    ordered_on = models.DateField(_("ordered on"), null=True, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    created_by = _user_fk(_("created by"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["-pk"]
        verbose_name = _("purchase order")
        verbose_name_plural = _("purchase orders")
        constraints = [
            *tenant_keys(),
            models.UniqueConstraint(fields=["dealership", "number"], name="aftersales_po_number"),
        ]

    def __str__(self) -> str:
        return self.number

    def get_absolute_url(self) -> str:
        return reverse("aftersales:purchaseorder_detail", kwargs={"pk": self.pk})


class PurchaseOrderLine(TenantModel):
    order = models.ForeignKey(
        PurchaseOrder,
        on_delete=models.CASCADE,
        related_name="lines",
        verbose_name=_("purchase order"),
    )
    part = models.ForeignKey(
        Part, on_delete=models.PROTECT, related_name="+", verbose_name=_("part")
    )
    quantity = models.DecimalField(
        _("quantity ordered"),
        max_digits=12,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0.01"))],
    )
    received = models.DecimalField(
        _("quantity received"), max_digits=12, decimal_places=2, default=Decimal("0")
    )
    unit_cost = models.DecimalField(_("unit cost"), validators=NON_NEGATIVE, **MONEY)

    class Meta:
        ordering = ["pk"]
        verbose_name = _("purchase order line")
        verbose_name_plural = _("purchase order lines")
        constraints = [
            *tenant_keys("order", "part"),
            models.CheckConstraint(
                condition=Q(received__gte=0) & Q(received__lte=F("quantity")),
                name="aftersales_po_line_received",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.part_id} × {self.quantity}"

    def get_absolute_url(self) -> str:
        return reverse("aftersales:purchaseorder_detail", kwargs={"pk": self.order_id})


class CounterSale(TenantModel):
    number = models.CharField(_("sale number"), max_length=20)
    customer = _customer_fk(null=True, blank=True)
    buyer_name = models.CharField(_("buyer"), max_length=100, blank=True)
    sold_on = models.DateField(_("sold on"))
    salesperson = _user_fk(_("parts salesperson"))
    total = models.DecimalField(_("total"), default=Decimal("0"), **MONEY)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["-pk"]
        verbose_name = _("counter sale")
        verbose_name_plural = _("counter sales")
        constraints = [
            *tenant_keys("customer"),
            models.UniqueConstraint(fields=["dealership", "number"], name="aftersales_sale_number"),
        ]

    def __str__(self) -> str:
        return self.number

    def get_absolute_url(self) -> str:
        return reverse("aftersales:countersale_detail", kwargs={"pk": self.pk})


class CounterSaleLine(TenantModel):
    sale = models.ForeignKey(
        CounterSale, on_delete=models.CASCADE, related_name="lines", verbose_name=_("counter sale")
    )
    part = models.ForeignKey(
        Part, on_delete=models.PROTECT, related_name="+", verbose_name=_("part")
    )
    quantity = models.DecimalField(
        _("quantity"),
        max_digits=12,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0.01"))],
    )
    returned = models.DecimalField(
        _("quantity returned"), max_digits=12, decimal_places=2, default=Decimal("0")
    )
    unit_price = models.DecimalField(_("unit price"), validators=NON_NEGATIVE, **MONEY)

    class Meta:
        ordering = ["pk"]
        verbose_name = _("counter sale line")
        verbose_name_plural = _("counter sale lines")
        constraints = [
            *tenant_keys("sale", "part"),
            models.CheckConstraint(
                condition=Q(returned__gte=0) & Q(returned__lte=F("quantity")),
                name="aftersales_sale_line_returned",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.part_id} × {self.quantity}"

    def get_absolute_url(self) -> str:
        return reverse("aftersales:countersale_detail", kwargs={"pk": self.sale_id})


class StockCount(TenantModel):
    counted_on = models.DateField(_("counted on"))
    posted = models.BooleanField(_("adjustments posted"), default=False)
    posted_at = models.DateTimeField(_("posted at"), null=True, blank=True)
    counted_by = _user_fk(_("counted by"))
    notes = models.TextField(_("notes"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["-counted_on", "-pk"]
        verbose_name = _("stock count")
        verbose_name_plural = _("stock counts")
        constraints = [*tenant_keys()]

    def __str__(self) -> str:
        return f"{self.counted_on}"

    def get_absolute_url(self) -> str:
        return reverse("aftersales:stockcount_detail", kwargs={"pk": self.pk})


class StockCountLine(TenantModel):
    count = models.ForeignKey(
        StockCount, on_delete=models.CASCADE, related_name="lines", verbose_name=_("stock count")
    )
    part = models.ForeignKey(
        Part, on_delete=models.PROTECT, related_name="+", verbose_name=_("part")
    )
    expected = models.DecimalField(_("on hand in the system"), max_digits=12, decimal_places=2)
    counted = models.DecimalField(
        _("counted"), max_digits=12, decimal_places=2, validators=NON_NEGATIVE
    )

    class Meta:
        ordering = ["pk"]
        verbose_name = _("stock count line")
        verbose_name_plural = _("stock count lines")
        constraints = [
            *tenant_keys("count", "part"),
            models.UniqueConstraint(
                fields=["dealership", "count", "part"], name="aftersales_count_line_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.part_id}: {self.counted}"

    def get_absolute_url(self) -> str:
        return reverse("aftersales:stockcount_detail", kwargs={"pk": self.count_id})


class ClaimStatus(models.TextChoices):
    DRAFT = "draft", pgettext_lazy("warranty claim status", "Draft")
    SUBMITTED = "submitted", _("Submitted to the OEM")
    APPROVED = "approved", pgettext_lazy("warranty claim status", "Approved")
    REJECTED = "rejected", pgettext_lazy("warranty claim status", "Rejected")
    PAID = "paid", _("Paid")


class WarrantyClaim(TenantModel):
    number = models.CharField(_("claim number"), max_length=20)
    repair_order = models.ForeignKey(
        RepairOrder,
        on_delete=models.PROTECT,
        related_name="warranty_claims",
        verbose_name=_("repair order"),
    )
    status = models.CharField(
        _("status"), max_length=10, choices=ClaimStatus, default=ClaimStatus.DRAFT
    )
    fault_description = models.TextField(_("fault description"))
    fault_code = models.CharField(_("fault code"), max_length=30, blank=True)
    labour_amount = models.DecimalField(_("labour claimed"), default=Decimal("0"), **MONEY)
    parts_amount = models.DecimalField(_("parts claimed"), default=Decimal("0"), **MONEY)
    claimed_amount = models.DecimalField(_("amount claimed"), default=Decimal("0"), **MONEY)
    approved_amount = models.DecimalField(
        _("amount approved"), null=True, blank=True, validators=NON_NEGATIVE, **MONEY
    )
    paid_amount = models.DecimalField(
        _("amount paid"), null=True, blank=True, validators=NON_NEGATIVE, **MONEY
    )
    oem_reference = models.CharField(_("OEM reference"), max_length=40, blank=True)
    rejection_reason = models.TextField(_("reason rejected"), blank=True)
    submitted_on = models.DateField(_("submitted on"), null=True, blank=True)
    decided_on = models.DateField(_("decided on"), null=True, blank=True)
    paid_on = models.DateField(_("paid on"), null=True, blank=True)
    assessor = _user_fk(_("warranty assessor"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["-pk"]
        verbose_name = _("warranty claim")
        verbose_name_plural = _("warranty claims")
        constraints = [
            *tenant_keys("repair_order"),
            models.UniqueConstraint(
                fields=["dealership", "number"], name="aftersales_claim_number"
            ),
        ]

    def __str__(self) -> str:
        return self.number

    def get_absolute_url(self) -> str:
        return reverse("aftersales:warrantyclaim_detail", kwargs={"pk": self.pk})


class WarrantyClaimLine(TenantModel):
    """A warranty line of the repair order claimed from the OEM (each line in one claim)."""

    claim = models.ForeignKey(
        WarrantyClaim,
        on_delete=models.CASCADE,
        related_name="claim_lines",
        verbose_name=_("warranty claim"),
    )
    line = models.ForeignKey(
        RepairLine,
        on_delete=models.PROTECT,
        related_name="claim_lines",
        verbose_name=_("repair line"),
    )

    class Meta:
        ordering = ["pk"]
        verbose_name = _("claimed line")
        verbose_name_plural = _("claimed lines")
        constraints = [
            *tenant_keys("claim", "line"),
            models.UniqueConstraint(
                fields=["dealership", "line"], name="aftersales_line_claimed_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.claim_id}: {self.line_id}"

    def get_absolute_url(self) -> str:
        return reverse("aftersales:warrantyclaim_detail", kwargs={"pk": self.claim_id})


def _private_storage():
    from org.approvals.models import private_storage

    return private_storage


def _photo_path(instance, filename: str) -> str:
    import uuid

    return f"warranty/{instance.dealership_id}/{uuid.uuid4().hex}"


class WarrantyClaimPhoto(TenantModel):
    claim = models.ForeignKey(
        WarrantyClaim,
        on_delete=models.CASCADE,
        related_name="photos",
        verbose_name=_("warranty claim"),
    )
    file = models.FileField(_("file"), upload_to=_photo_path, storage=_private_storage)
    name = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(_("type"), max_length=50)
    size = models.PositiveIntegerField(_("size"))
    uploaded_by = _user_fk(_("uploaded by"))
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    class Meta:
        ordering = ["pk"]
        verbose_name = _("warranty claim photo")
        verbose_name_plural = _("warranty claim photos")
        constraints = [*tenant_keys("claim")]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("aftersales:warrantyclaim_detail", kwargs={"pk": self.claim_id})


class RescueResult(models.TextChoices):
    FIXED = "fixed", _("Fixed on the spot")
    TOWED = "towed", _("Towed to the workshop")
    CANCELLED = "cancelled", pgettext_lazy("rescue result", "Cancelled by the customer")


class Rescue(TenantModel):
    """外出救援: a call for roadside help."""

    called_at = models.DateTimeField(_("call received at"))
    caller_name = models.CharField(_("caller"), max_length=100)
    caller_phone = models.CharField(_("caller's phone"), max_length=20)
    customer = _customer_fk(null=True, blank=True)
    vehicle = _vehicle_fk(null=True, blank=True)
    location = models.CharField(_("location"), max_length=200)
    problem = models.TextField(_("problem"))
    dispatched = _user_fk(_("dispatched"), null=True, blank=True)
    crew = models.CharField(_("others in the crew"), max_length=200, blank=True)
    departed_at = models.DateTimeField(_("left at"), null=True, blank=True)
    arrived_at = models.DateTimeField(_("arrived at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    result = models.CharField(_("result"), max_length=10, choices=RescueResult, blank=True)
    repair_order = models.ForeignKey(
        RepairOrder,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="rescues",
        verbose_name=_("repair order"),
    )
    created_by = _user_fk(_("recorded by"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["-called_at"]
        verbose_name = _("roadside rescue")
        verbose_name_plural = _("roadside rescues")
        constraints = [
            *tenant_keys("customer", "vehicle", "repair_order"),
            models.CheckConstraint(
                condition=Q(arrived_at__isnull=True) | Q(departed_at__isnull=False),
                name="aftersales_rescue_departed_before_arrival",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.called_at:%Y-%m-%d %H:%M} {self.location}"

    def get_absolute_url(self) -> str:
        return reverse("aftersales:rescue_detail", kwargs={"pk": self.pk})


class CaseKind(models.TextChoices):
    TECHNICAL = "technical", _("Technical case")
    QUALITY = "quality", _("Quality feedback")


class TechnicalCase(TenantModel):
    """A technical case or quality feedback for the OEM (monthly after-sales report)."""

    kind = models.CharField(_("kind"), max_length=10, choices=CaseKind)
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"))
    vehicle = _vehicle_fk(null=True, blank=True)
    repair_order = models.ForeignKey(
        RepairOrder,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="cases",
        verbose_name=_("repair order"),
    )
    occurred_on = models.DateField(_("day"))
    reported_on = models.DateField(_("reported to the OEM on"), null=True, blank=True)
    author = _user_fk(_("author"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["-occurred_on", "-pk"]
        verbose_name = _("technical case")
        verbose_name_plural = _("technical cases")
        constraints = [*tenant_keys("vehicle", "repair_order")]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("aftersales:technicalcase_detail", kwargs={"pk": self.pk})


class ServiceDayConfirmation(TenantModel):
    """The after-sales info clerk's word that a day's check-ins and repair orders are entered."""

    day = models.DateField(_("day"))
    figures = models.JSONField(_("numbers"), default=dict)
    confirmed_by = _user_fk(_("confirmed by"))
    confirmed_at = models.DateTimeField(_("confirmed at"), auto_now=True)

    class Meta:
        ordering = ["-day"]
        verbose_name = _("service day confirmation")
        verbose_name_plural = _("service day confirmations")
        constraints = [
            *tenant_keys(),
            models.UniqueConstraint(fields=["dealership", "day"], name="aftersales_day_once"),
        ]

    def __str__(self) -> str:
        return f"{self.day}"

    def get_absolute_url(self) -> str:
        return reverse("aftersales:daily") + f"?day={self.day:%Y-%m-%d}"


class TargetRole(models.TextChoices):
    SERVICE_ADVISOR = "service_advisor", _("Service advisor")
    TECHNICIAN = "technician", _("Technician")
    PARTS_SALESPERSON = "parts_salesperson", _("Parts salesperson")


class ServiceTarget(TenantModel):
    """A month's after-sales target of one person (the service manager's breakdown of the
    department's target to each position, 分解给各岗位人员): revenue, repair orders, parts
    sales and 5K/10K check-ins. What counts as actual depends on the role (see
    :mod:`aftersales.selectors.targets`)."""

    month = models.DateField(_("month"), help_text=_("The first day of the month."))
    person = _user_fk(_("person"))
    role = models.CharField(_("role"), max_length=20, choices=TargetRole)
    revenue = models.DecimalField(
        _("revenue (CNY)"), default=Decimal("0"), validators=NON_NEGATIVE, **MONEY
    )
    repair_orders = models.PositiveIntegerField(
        _("repair orders"), default=0, validators=[MaxValueValidator(100000)]
    )
    parts_sales = models.DecimalField(
        _("parts sales (CNY)"), default=Decimal("0"), validators=NON_NEGATIVE, **MONEY
    )
    checkins = models.PositiveIntegerField(
        _("5K/10K check-ins"), default=0, validators=[MaxValueValidator(100000)]
    )
    set_by = _user_fk(_("set by"))
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["-month", "role", "pk"]
        verbose_name = _("after-sales target")
        verbose_name_plural = _("after-sales targets")
        constraints = [
            *tenant_keys(),
            models.UniqueConstraint(
                fields=["dealership", "month", "person"], name="aftersales_target_per_person"
            ),
            models.CheckConstraint(
                condition=Q(month__day=1), name="aftersales_target_month_first_day"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.person_id} {self.role}"

    def get_absolute_url(self) -> str:
        return reverse("aftersales:target_list") + f"?month={self.month:%Y-%m}"
