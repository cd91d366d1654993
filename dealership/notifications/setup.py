"""What the notification centre plugs into the platform at start-up (called from
``PlatformConfig.ready()``): its policy, its own kind, its job, the bell's navigation entry."""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from dealership.notifications.kinds import Email, NotificationKind, register_kind
from dealership.policies import READ_ACTIONS, Policy, register_policy
from dealership.tenancy.context import current_scope


class OwnNotificationsPolicy(Policy):
    """A person sees only their own notifications, whatever their position (the GM too), in
    every dealership of their scope; nobody else's, ever. Changing one (marking it read) is done
    by :func:`~dealership.notifications.services.notification_mark_read`, never by a generic
    write route."""

    def allows(self, user, action, model) -> bool:
        authenticated = getattr(user, "is_authenticated", False)
        return bool(authenticated and current_scope() is not None and action in READ_ACTIONS)

    def restrict(self, user, action, queryset: QuerySet) -> QuerySet:
        if not self.allows(user, action, queryset.model):
            return queryset.none()
        return queryset.filter(recipient_id=user.pk)


JOB_FAILED = NotificationKind(
    "platform.job_failed",
    _("A scheduled job failed"),
    description=_("A scheduled job failed after its retries; it is told to the job's owners."),
    email=Email.EACH,
    wecom=True,
)


def register() -> None:
    from dealership.models import Notification
    from dealership.notifications import jobs  # noqa: F401 - registers the digest job

    register_policy(Notification, OwnNotificationsPolicy())
    register_kind(JOB_FAILED)
