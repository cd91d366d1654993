"""The record of every list export (:class:`ListExport`): who took which list away, with which
filters, in which format and how many rows. Small lists are streamed at once and recorded
done; larger ones are made in the background (state, progress, the file) and the requester is
told in the notification centre with the download link."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from dealership.files import private_storage


class ListExport(models.Model):
    class Format(models.TextChoices):
        CSV = "csv", "CSV"
        XLSX = "xlsx", "Excel (XLSX)"

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting")
        RUNNING = "running", _("Running")
        DONE = "done", pgettext_lazy("export", "Ready")
        FAILED = "failed", _("Failed")

    class Source(models.TextChoices):
        PAGE = "page", _("List page")
        API = "api", _("API")

    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="list_exports",
        verbose_name=_("requested by"),
    )
    # the workspace it was taken in: a dealership, or the HQ of a group (never both)
    dealership = models.ForeignKey(
        "dealership.Dealership",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("dealership"),
    )
    group = models.ForeignKey(
        "dealership.DealerGroup",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("dealer group"),
    )
    source = models.CharField(_("exported from"), max_length=8, choices=Source.choices)
    # the list's URL name (``crm:customer_list``) and address
    route = models.CharField(pgettext_lazy("export", "route"), max_length=120)
    path = models.CharField(_("address"), max_length=300)
    title = models.CharField(pgettext_lazy("export", "list"), max_length=200)
    params = models.JSONField(_("filters"), default=dict, blank=True)
    format = models.CharField(_("format"), max_length=8, choices=Format.choices)
    language = models.CharField(_("language"), max_length=16)
    background = models.BooleanField(_("in the background"), default=False)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.PENDING
    )
    rows = models.PositiveIntegerField(_("rows"), default=0)  # written so far
    total = models.PositiveIntegerField(_("of"), default=0)  # counted when asked
    file = models.FileField(
        _("file"), storage=private_storage, upload_to="exports/", blank=True, max_length=300
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    created_at = models.DateTimeField(_("requested at"), auto_now_add=True, db_index=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    error = models.TextField(_("error"), blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("list export")
        verbose_name_plural = _("list exports")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(dealership__isnull=True) | models.Q(group__isnull=True),
                name="listexport_one_workspace",
            )
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.get_format_display()}, {self.created_at:%Y-%m-%d %H:%M})"

    def get_absolute_url(self) -> str:
        return reverse("platform:export_detail", kwargs={"pk": self.pk})

    @property
    def filename(self) -> str:
        stamp = f"{timezone.localtime(self.created_at):%Y%m%d-%H%M}" if self.created_at else "0"
        name = self.route.split(":")[-1].removesuffix("_list").replace("-", "_") or "list"
        return f"{name}-{stamp}.{self.format}"
