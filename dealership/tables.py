import django_tables2 as tables
from django.utils.translation import gettext_lazy as _
from django_tables2.paginators import LazyPaginator

from dealership.audit import changed_labels, object_type_label
from dealership.columns import DateTimeColumn
from dealership.models import AuditEntry, JobRun

#: the most rows one page of a list shows, whatever ``?per_page=`` asks for
MAX_PER_PAGE = 100


class ListPaginator(LazyPaginator):
    """The pages of a list, without counting the rows: a page reads one row more than it shows
    to know whether a next page exists, so a list costs the same however long it grows (no
    ``COUNT(*)`` over a table of millions). ``?per_page=`` is kept between 1 and
    :data:`MAX_PER_PAGE`."""

    def __init__(self, object_list, per_page, *args, **kwargs):
        try:
            per_page = int(per_page)
        except (TypeError, ValueError):
            per_page = MAX_PER_PAGE
        super().__init__(object_list, max(1, min(per_page, MAX_PER_PAGE)), *args, **kwargs)


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
    """The audit log: each object by the name recorded with the entry (the entry's page links
    it), so a page costs one query whatever kinds of objects it shows."""

    created_at = DateTimeColumn(verbose_name=_("when"), linkify=True, format="Y-m-d H:i")
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

    def render_actor(self, value):
        return value.get_full_name() if hasattr(value, "get_full_name") else value

    def render_object_type(self, value):
        return object_type_label(value)

    def render_fields(self, record):
        return changed_labels(record) or "—"
