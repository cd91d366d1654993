from django.utils.translation import gettext_lazy as _

from dealership.registry import NavItem, register_nav


def _may_view(request) -> bool:
    from dealership.security.audience import may_view

    return may_view(request.user)


def register() -> None:
    from dealership.security import receivers

    receivers.connect()
    register_nav(
        NavItem(
            "security_events",
            _("Login activity"),
            "platform:security_events",
            order=135,
            visible=_may_view,
        )
    )
