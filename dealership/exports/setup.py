"""What the exports plug into the platform at start-up (``PlatformConfig.ready()``): the record's
policy and the two notification kinds."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from dealership.notifications.kinds import Email, NotificationKind, register_kind

EXPORT_READY = NotificationKind(
    "platform.export_ready",
    _("An export is ready"),
    description=_(
        "A long list you exported was made in the background; the file can be downloaded."
    ),
    email=Email.OFF,
)
EXPORT_FAILED = NotificationKind(
    "platform.export_failed",
    _("An export failed"),
    description=_("A long list you exported could not be made in the background."),
    email=Email.OFF,
)


def register() -> None:
    from dealership.exports.access import ListExportPolicy
    from dealership.exports.models import ListExport
    from dealership.policies import register_policy

    register_policy(ListExport, ListExportPolicy())
    register_kind(EXPORT_READY)
    register_kind(EXPORT_FAILED)
