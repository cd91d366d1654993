import django_tables2 as tables
from django.utils.translation import gettext_lazy as _

from dealership.models import AuditEntry, JobRun


class JobRunTable(tables.Table):
    job = tables.Column(linkify=True, verbose_name=_("job"))
    dealership = tables.Column(verbose_name=_("dealership"))

    class Meta:
        model = JobRun
        fields = ("run_date", "job", "dealership", "state", "attempts", "finished_at")
        attrs = {"class": "table table-sm table-hover align-middle"}
        orderable = False
        empty_text = _("No job runs yet.")


class AuditTable(tables.Table):
    created_at = tables.DateTimeColumn(verbose_name=_("when"), linkify=True, format="Y-m-d H:i")
    actor = tables.Column(verbose_name=_("changed by"), default="—")
    action = tables.Column(verbose_name=_("action"))
    object_type = tables.Column(verbose_name=_("object type"))
    object_repr = tables.Column(verbose_name=_("object"))

    class Meta:
        model = AuditEntry
        fields = ("created_at", "actor", "action", "object_type", "object_repr")
        attrs = {"class": "table table-sm table-hover align-middle", "data-testid": "audit-table"}
        orderable = False
        empty_text = _("No changes recorded yet.")
