"""The customer master.

* :class:`Customer` — a person or a company, with its mobile number(s), other contacts, address,
  source channel, consent to calls and SMS, and its owner consultant (a user of the dealership).
  Mobile numbers are stored as the 11 mainland digits (``13812345678``), validated with
  ``phonenumbers`` (region CN) by the services; the first one is unique per dealership.
* :class:`Vehicle` — a car known to the dealership (VIN unique per dealership, check digit
  verified), its current owner, and
* :class:`Ownership` — one row per ownership period of a vehicle (the open one has no end)."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from dealership.models import TenantModel
from dealership.search.keys import reversed_twin
from dealership.tenancy.constraints import tenant_keys


class CustomerKind(models.TextChoices):
    PERSON = "person", pgettext_lazy("customer kind", "Person")
    COMPANY = "company", _("Company")


class Source(models.TextChoices):
    WALK_IN = "walk_in", _("Walk-in")
    PHONE = "phone", _("Phone call")
    ONLINE = "online", _("Online (own website, mini program)")
    AUTOHOME = "autohome", _("Autohome")
    DONGCHEDI = "dongchedi", _("Dongchedi")
    REFERRAL = "referral", _("Referral")
    OEM_LEAD = "oem_lead", _("OEM lead")
    KEY_ACCOUNT = "key_account", _("Key account")
    EVENT = "event", _("Event or exhibition")
    OTHER = "other", _("Other")


class ConsentMethod(models.TextChoices):
    WRITTEN = "written", _("Signed form")
    VERBAL = "verbal", _("Verbally (recorded call)")
    ONLINE = "online", _("Online form")
    SMS = "sms", _("Reply to an SMS")


class Customer(TenantModel):
    kind = models.CharField(
        _("kind"), max_length=10, choices=CustomerKind, default=CustomerKind.PERSON
    )
    name = models.CharField(pgettext_lazy("customer", "name"), max_length=100)
    # the pinyin initials of the name (张三 → zs), kept with the row for the top bar's search
    name_initials = models.CharField(
        _("name initials (pinyin)"), max_length=50, blank=True, editable=False
    )
    # NULL, not "", when there is none: the unique constraint ignores NULLs
    mobile = models.CharField(  # noqa: DJ001
        _("mobile"),
        max_length=11,
        null=True,
        blank=True,
        help_text=_("A mainland mobile number (11 digits), unique in the dealership."),
    )
    mobile_alt = models.CharField(_("second mobile"), max_length=11, blank=True)
    # written backwards by the database, for the search by the value's end (dealership.search.keys)
    name_reversed = reversed_twin("name", 100)
    mobile_reversed = reversed_twin("mobile", 11)
    mobile_alt_reversed = reversed_twin("mobile_alt", 11)
    landline = models.CharField(_("landline"), max_length=30, blank=True)
    wechat = models.CharField(_("WeChat"), max_length=50, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    province = models.CharField(_("province"), max_length=30, blank=True)
    city = models.CharField(_("city"), max_length=30, blank=True)
    district = models.CharField(_("district"), max_length=30, blank=True)
    street = models.CharField(_("street address"), max_length=200, blank=True)
    source = models.CharField(_("source"), max_length=20, choices=Source, default=Source.WALK_IN)
    consent_call = models.BooleanField(_("consents to calls"), default=False)
    consent_call_on = models.DateField(_("call consent given on"), null=True, blank=True)
    consent_call_how = models.CharField(
        _("call consent given by"), max_length=10, choices=ConsentMethod, blank=True
    )
    consent_sms = models.BooleanField(_("consents to SMS"), default=False)
    consent_sms_on = models.DateField(_("SMS consent given on"), null=True, blank=True)
    consent_sms_how = models.CharField(
        _("SMS consent given by"), max_length=10, choices=ConsentMethod, blank=True
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("owner consultant"),
    )
    notes = models.TextField(_("notes"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["-pk"]
        verbose_name = _("customer")
        verbose_name_plural = _("customers")
        constraints = [
            *tenant_keys(),
            models.UniqueConstraint(
                fields=["dealership", "mobile"],
                condition=Q(mobile__isnull=False),
                name="crm_customer_unique_mobile",
            ),
        ]
        indexes = [models.Index(fields=["dealership", "name"], name="crm_customer_name_idx")]

    def __str__(self) -> str:
        return self.name

    def fill_initials(self) -> None:
        """Derive ``name_initials`` from ``name`` (``save()`` does; bulk creates call it)."""
        from dealership.search.matchers import pinyin_initials

        self.name_initials = pinyin_initials(self.name)

    def save(self, *args, **kwargs):
        self.fill_initials()
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "name" in update_fields:
            kwargs["update_fields"] = {*update_fields, "name_initials"}
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("crm:customer_detail", kwargs={"pk": self.pk})

    @property
    def address(self) -> str:
        return "".join(p for p in (self.province, self.city, self.district, self.street) if p)


class Vehicle(TenantModel):
    vin = models.CharField(_("VIN"), max_length=17)
    plate = models.CharField(_("plate"), max_length=10, blank=True)
    # written backwards by the database, for the search by the value's end (dealership.search.keys)
    vin_reversed = reversed_twin("vin", 17)
    plate_reversed = reversed_twin("plate", 10)
    brand = models.CharField(_("brand"), max_length=50, blank=True)
    model = models.CharField(_("model"), max_length=80, blank=True)
    trim = models.CharField(_("trim"), max_length=80, blank=True)
    colour = models.CharField(_("colour"), max_length=30, blank=True)
    registration_date = models.DateField(_("registration date"), null=True, blank=True)
    mileage = models.PositiveIntegerField(
        _("mileage (km)"), null=True, blank=True, validators=[MinValueValidator(0)]
    )
    owner = models.ForeignKey(
        Customer,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="vehicles",
        verbose_name=_("owner"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["-pk"]
        verbose_name = _("vehicle")
        verbose_name_plural = _("vehicles")
        constraints = [
            *tenant_keys("owner"),
            models.UniqueConstraint(fields=["dealership", "vin"], name="crm_vehicle_unique_vin"),
        ]

    def __str__(self) -> str:
        label = " ".join(p for p in (self.brand, self.model) if p)
        return f"{self.plate or self.vin} {label}".strip()

    def get_absolute_url(self) -> str:
        return reverse("crm:vehicle_detail", kwargs={"pk": self.pk})


class Ownership(TenantModel):
    """One period during which ``customer`` owned ``vehicle`` (``end`` empty: the current one)."""

    vehicle = models.ForeignKey(
        Vehicle, on_delete=models.CASCADE, related_name="ownerships", verbose_name=_("vehicle")
    )
    customer = models.ForeignKey(
        Customer, on_delete=models.PROTECT, related_name="ownerships", verbose_name=_("customer")
    )
    start = models.DateField(_("from"))
    end = models.DateField(_("until"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["-start", "-pk"]
        verbose_name = _("ownership")
        verbose_name_plural = _("ownerships")
        constraints = [
            *tenant_keys("vehicle", "customer"),
            models.UniqueConstraint(
                fields=["dealership", "vehicle"],
                condition=Q(end__isnull=True),
                name="crm_ownership_one_open_per_vehicle",
            ),
            models.CheckConstraint(
                condition=Q(end__isnull=True) | Q(end__gte=models.F("start")),
                name="crm_ownership_end_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.vehicle_id} → {self.customer_id} ({self.start}–{self.end or ''})"

    def get_absolute_url(self) -> str:
        return reverse("crm:vehicle_detail", kwargs={"pk": self.vehicle_id})


class EventKind(models.TextChoices):
    SALES = "sales", _("Vehicle delivery")
    SERVICE = "service", _("Service visit")


class CustomerEvent(TenantModel):
    """A delivery (sales) or a service visit (after-sales) that earns the customer a satisfaction
    call between day N+3 and N+5. Recorded by :func:`crm.services.customer_event_record` in the
    transaction of the event itself, once per event (``source`` names the record of the module
    that reported it, e.g. ``sales.delivery`` #12)."""

    kind = models.CharField(_("kind"), max_length=10, choices=EventKind)
    customer = models.ForeignKey(
        Customer, on_delete=models.PROTECT, related_name="events", verbose_name=_("customer")
    )
    vehicle = models.ForeignKey(
        Vehicle,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="events",
        verbose_name=_("vehicle"),
    )
    occurred_on = models.DateField(_("day of the event"))
    source_type = models.CharField(pgettext_lazy("customer event", "type of record"), max_length=50)
    source_id = models.PositiveBigIntegerField(pgettext_lazy("customer event", "record"))
    staff = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("served by"),
    )
    summary = models.CharField(_("what happened"), max_length=200, blank=True)
    amount = models.DecimalField(
        _("amount spent (yuan)"),
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
        help_text=_("What the customer paid (the car, the repair order), when reported."),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["-occurred_on", "-pk"]
        verbose_name = _("customer event")
        verbose_name_plural = _("customer events")
        constraints = [
            *tenant_keys("customer", "vehicle"),
            models.UniqueConstraint(
                fields=["dealership", "source_type", "source_id"],
                name="crm_customerevent_once_per_source",
            ),
        ]
        indexes = [
            models.Index(fields=["dealership", "occurred_on"], name="crm_event_day_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.occurred_on}"

    def get_absolute_url(self) -> str:
        return reverse("crm:customer_detail", kwargs={"pk": self.customer_id})
