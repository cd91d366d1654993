"""Each printed version of a customer document: the file as it was printed, so that printing
again unchanged gives the same document and an earlier version stays retrievable."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from dealership.files import private_storage
from dealership.tenancy.constraints import tenant_keys
from dealership.tenancy.models import TenantModel


def _document_path(instance, filename: str) -> str:
    import uuid

    return f"documents/{instance.dealership_id}/{uuid.uuid4().hex}.pdf"


class PrintedDocument(TenantModel):
    kind = models.CharField(_("kind"), max_length=40)
    object_id = models.CharField(_("object id"), max_length=40)
    version = models.PositiveIntegerField(_("version"))
    number = models.CharField(_("number"), max_length=60)
    # SHA-256 of the document's body as rendered: the same body is the same version
    fingerprint = models.CharField(_("fingerprint"), max_length=64)
    file = models.FileField(_("file"), storage=private_storage, upload_to=_document_path)
    printed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("printed by"),
    )
    created_at = models.DateTimeField(_("printed at"), auto_now_add=True)

    class Meta:
        ordering = ["kind", "object_id", "-version"]
        verbose_name = _("printed document")
        verbose_name_plural = _("printed documents")
        constraints = [
            *tenant_keys(),
            models.UniqueConstraint(
                fields=["dealership", "kind", "object_id", "version"],
                name="printeddocument_one_version",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} v{self.version}"

    def get_absolute_url(self) -> str:
        return reverse(
            "platform:document_version",
            kwargs={"kind": self.kind, "pk": self.object_id, "version": self.version},
        )
