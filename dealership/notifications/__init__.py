"""The notification centre: one way for every module to tell people something.

A module declares its kinds once (``register_kind(NotificationKind(...))`` in its
``AppConfig.ready()``) and calls::

    from dealership.notifications import PositionHolders, notify

    notify(
        "finance.step_waiting",
        [PositionHolders("finance_manager"), requester],
        format_lazy(_("{title} waits for your approval"), title=request.title),
        obj=request,
        key=f"request:{request.pk}:step:{step.pk}",
    )

Each person then finds it behind the bell in the app, and by e-mail (each one or in a daily
digest) and in their department's WeCom group as their preferences for that kind say. See
:mod:`dealership.notifications.recipients` for who a recipient can be, and
:func:`dealership.notifications.services.notify` for the details.
"""

from dealership.notifications.kinds import (
    Email,
    NotificationKind,
    all_kinds,
    get_kind,
    register_kind,
    unregister_kind,
)
from dealership.notifications.recipients import (
    AudienceProvider,
    HQPositionHolders,
    PositionHolders,
    register_audience_provider,
    register_recipient_resolver,
    register_substitute,
)

__all__ = [
    "AudienceProvider",
    "Email",
    "HQPositionHolders",
    "NotificationKind",
    "PositionHolders",
    "all_kinds",
    "get_kind",
    "notify",
    "register_audience_provider",
    "register_kind",
    "register_recipient_resolver",
    "register_substitute",
    "unregister_kind",
]


def notify(*args, **kwargs):
    """See :func:`dealership.notifications.services.notify`."""
    from dealership.notifications.services import notify as _notify

    return _notify(*args, **kwargs)
