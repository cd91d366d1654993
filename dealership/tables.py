import django_tables2 as tables
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from dealership.audit import changed_labels, object_type_label
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
    """The audit log. ``links`` (``dealership.audit.object_links``) names and links the
    objects the viewer may open; the others show the name recorded with the entry."""

    created_at = tables.DateTimeColumn(verbose_name=_("when"), linkify=True, format="Y-m-d H:i")
    actor = tables.Column(verbose_name=_("changed by"), default="—")
    action = tables.Column(verbose_name=_("action"))
    object_type = tables.Column(verbose_name=_("object type"))
    object_repr = tables.Column(verbose_name=_("object"))
    fields = tables.Column(verbose_name=_("fields"), empty_values=(), default="—")

    class Meta:
        model = AuditEntry
        fields = ("created_at", "actor", "action", "object_type", "object_repr")
        attrs = {"class": "table table-sm table-hover align-middle", "data-testid": "audit-table"}
        orderable = False
        empty_text = _("No changes recorded yet.")

    def __init__(self, *args, links=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.links = links if links is not None else {}

    def render_actor(self, value):
        return value.get_full_name() if hasattr(value, "get_full_name") else value

    def render_object_type(self, value):
        return object_type_label(value)

    def render_object_repr(self, record, value):
        link = self.links.get((record.object_type, record.object_id))
        if link is None:
            return value
        return format_html('<a href="{}" data-testid="audit-object">{}</a>', link[1], link[0])

    def render_fields(self, record):
        return changed_labels(record) or "—"
