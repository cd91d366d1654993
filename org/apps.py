from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrgConfig(AppConfig):
    name = "org"
    verbose_name = _("Org chart")
    default_auto_field = "django.db.models.BigAutoField"
    url_prefix = "org"
