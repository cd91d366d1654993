"""Scheduled work of the customer-service desk, the thank-you letters and the customer tiers
(imported by :mod:`crm.jobs`; each job runs in the dealership's scope for one local
``run_date`` and is idempotent)."""

from __future__ import annotations

import datetime as dt

from django.utils.translation import gettext_lazy as _

from dealership.jobs import Daily, register_job


@register_job(
    "crm.thank_you_letters",
    Daily(at=dt.time(8, 15)),
    _("CRM: draft the thank-you letters of yesterday's deliveries and service visits"),
    owners=("customer_relations_manager",),
)
def thank_you_letters(*, dealership, run_date):
    from crm.services.letters import letters_create

    created = letters_create(day=run_date - dt.timedelta(days=1))
    return f"{len(created)} letters drafted"


@register_job(
    "crm.proposals_overdue",
    Daily(at=dt.time(9, 15)),
    _("CRM: remind departments of improvement proposals not answered in time"),
    owners=("customer_relations_manager",),
)
def proposals_overdue(*, dealership, run_date):
    from crm.services.enquiries import proposals_remind_overdue

    done = proposals_remind_overdue(day=run_date)
    return f"{len(done)} reminded"


@register_job(
    "crm.customer_tiers",
    Daily(at=dt.time(3, 30)),
    _("CRM: measure the customers' spending and tiers"),
    owners=("customer_relations_manager",),
)
def customer_tiers(*, dealership, run_date):
    from crm.services.tiers import standings_refresh

    return f"{standings_refresh()} customers measured"
