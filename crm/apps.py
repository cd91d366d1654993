from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CrmConfig(AppConfig):
    name = "crm"
    verbose_name = _("Customer relations")
    default_auto_field = "django.db.models.BigAutoField"
    url_prefix = "crm"
