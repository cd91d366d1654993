"""The customer-service desk, thank-you letters and customer tiers plugged into the platform
(called once from ``CrmConfig.ready()``): access rules, notification kinds, the letters'
approval kinds, navigation, the demo and bench seeders, and the default tiers of every
dealership."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from dealership.notifications import Email, NotificationKind, register_kind


def _register_kinds() -> None:
    from crm.services.enquiries import (
        KIND_PROPOSAL_ANSWERED,
        KIND_PROPOSAL_OVERDUE,
        KIND_PROPOSAL_ROUTED,
    )

    for kind in (
        NotificationKind(
            KIND_PROPOSAL_ROUTED,
            _("Improvement proposal for your department"),
            description=_(
                "A customer's suggestion (from a follow-up call or an enquiry) routed to the "
                "department you head: answer it by the date given."
            ),
            email=Email.EACH,
            wecom=True,
        ),
        NotificationKind(
            KIND_PROPOSAL_OVERDUE,
            _("Improvement proposal not answered in time"),
            description=_(
                "An improvement proposal is still waiting for the department's answer after its "
                "answer date."
            ),
            email=Email.EACH,
            wecom=True,
        ),
        NotificationKind(
            KIND_PROPOSAL_ANSWERED,
            _("Improvement proposal answered"),
            description=_("The department answered a proposal you raised: accept it or close it."),
            email=Email.DIGEST,
            wecom=False,
        ),
    ):
        register_kind(kind)


def register() -> None:
    from crm import access_desk, bench_desk, demo_desk
    from crm.services.letters import LETTER_KINDS
    from crm.services.tiers import tiers_seed
    from crm.views import desk as views
    from dealership.demo import register_demo_seeder
    from dealership.registry import register_dealership_initializer
    from org.approvals.kinds import register_request_kind

    access_desk.register()
    _register_kinds()
    for kind in LETTER_KINDS:
        register_request_kind(kind)
    views.register_nav()
    views.register_widgets()
    register_dealership_initializer(tiers_seed)
    register_demo_seeder(demo_desk.seed, order=88)  # after the follow-ups (80)
    bench_desk.register()
