"""The admin office in the shell: its menu entries and the dashboard panel of one's own unread
notices and overdue action items."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from dealership.registry import NavItem, Widget, register_nav, register_widget

SHOWN = 5


def _is_staff(request) -> bool:
    from org.access import user_access

    scope = getattr(request, "tenant_scope", None)
    return scope is not None and not scope.is_hq and bool(user_access(request.user).position_ids)


def _reads(model):
    def visible(request) -> bool:
        from dealership.access import can

        return getattr(request, "tenant_scope", None) is not None and can(
            request.user, model, "view"
        )

    return visible


def _mine(request):
    """My unread notices and overdue action items (hidden when there are none)."""
    if not _is_staff(request):
        return None
    from dealership.figures import local_today
    from org.office.selectors import my_overdue_items, unread_count

    overdue = list(my_overdue_items(request.user, local_today())[:SHOWN])
    unread = unread_count(request.user)
    if not overdue and not unread:
        return None
    return {"overdue": overdue, "unread": unread}


def register() -> None:
    from org.office.models import Meeting, Notice, RotaShift, TrainingSession

    register_nav(
        NavItem(
            "notices",
            _("Notices and bulletins"),
            "org:notice_list",
            order=60,
            visible=_reads(Notice),
        )
    )
    register_nav(
        NavItem("meetings", _("Meetings"), "org:meeting_list", order=62, visible=_reads(Meeting))
    )
    register_nav(
        NavItem(
            "training",
            _("Training"),
            "org:training_list",
            order=64,
            visible=_reads(TrainingSession),
        )
    )
    register_nav(
        NavItem(
            "rota",
            _("Rota"),
            "org:rota",
            order=66,
            visible=lambda request: _is_staff(request) and _reads(RotaShift)(request),
        )
    )
    register_widget(
        Widget("office", _("Notices and action items"), "org/widgets/office.html", _mine, order=4)
    )
