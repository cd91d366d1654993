import django_tables2 as tables
from django.utils.translation import gettext_lazy as _

from dealership.models import JobRun


class JobRunTable(tables.Table):
    job = tables.Column(linkify=True, verbose_name=_("job"))
    dealership = tables.Column(verbose_name=_("dealership"))

    class Meta:
        model = JobRun
        fields = ("run_date", "job", "dealership", "state", "attempts", "finished_at")
        attrs = {"class": "table table-sm table-hover align-middle"}
        orderable = False
        empty_text = _("No job runs yet.")
