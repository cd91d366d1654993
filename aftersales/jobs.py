"""Scheduled work of after-sales: at 18:00 local time, text every customer with an appointment
tomorrow who consents to SMS, once (``Appointment.reminder_sent_at``)."""

from __future__ import annotations

import datetime as dt

from django.utils.translation import gettext_lazy as _

from dealership.jobs import Daily, register_job


@register_job(
    "aftersales.appointment_reminders",
    Daily(at=dt.time(18, 0)),
    _("After-sales: text tomorrow's appointments a reminder"),
    owners=("service_manager",),
)
def appointment_reminders(*, dealership, run_date):
    from django.conf import settings
    from django.db import transaction
    from django.utils import timezone, translation
    from django.utils.translation import gettext

    from aftersales.models import Appointment, AppointmentStatus
    from dealership.sms import send_sms

    tomorrow = run_date + dt.timedelta(days=1)
    zone = timezone.get_current_timezone()
    start = dt.datetime.combine(tomorrow, dt.time(0, 0), tzinfo=zone)
    end = start + dt.timedelta(days=1)
    due = Appointment.objects.filter(
        dealership_id=dealership.pk,
        status=AppointmentStatus.BOOKED,
        starts_at__gte=start,
        starts_at__lt=end,
        reminder_sent_at__isnull=True,
        customer__consent_sms=True,
    ).exclude(customer__mobile="")
    sent = 0
    for pk in list(due.values_list("pk", flat=True)):
        with transaction.atomic():
            appointment = (
                due.select_for_update(of=("self",), skip_locked=True)
                .select_related("customer", "vehicle")
                .filter(pk=pk)
                .first()
            )
            if appointment is None or not appointment.customer.mobile:
                continue  # sent meanwhile, or being sent by another run
            with translation.override(settings.LANGUAGE_CODE):
                text = gettext(
                    "%(dealership)s: dear %(name)s, a reminder of your %(service)s appointment "
                    "tomorrow at %(time)s for %(car)s."
                ) % {
                    "dealership": dealership,
                    "name": appointment.customer.name,
                    "service": appointment.get_service_type_display(),
                    "time": f"{timezone.localtime(appointment.starts_at):%H:%M}",
                    "car": appointment.vehicle.plate or appointment.vehicle.vin,
                }
            appointment.reminder_sent_at = timezone.now()
            appointment.save(update_fields=["reminder_sent_at"])
            send_sms(
                dealership=dealership,
                to=appointment.customer.mobile,
                text=text,
                key=f"aftersales.appointment_reminder:{appointment.pk}",
            )
            sent += 1
    return f"{tomorrow:%Y-%m-%d}: {sent} reminded"


@register_job(
    "aftersales.day_confirmation_reminder",
    Daily(at=dt.time(9, 0)),
    _("After-sales: remind to confirm yesterday's check-ins and repair orders"),
    owners=("service_manager",),
)
def day_confirmation_reminder(*, dealership, run_date):
    """At 09:00 local time, tell the after-sales info clerk and the service manager once when
    yesterday's numbers are not confirmed yet (due by 09:30)."""
    from django.utils.text import format_lazy

    from aftersales.models import ServiceDayConfirmation
    from aftersales.notifications import DAY_UNCONFIRMED
    from dealership.notifications import PositionHolders, notify

    day = run_date - dt.timedelta(days=1)
    if ServiceDayConfirmation.objects.filter(dealership_id=dealership.pk, day=day).exists():
        return f"{day:%Y-%m-%d} confirmed"
    told = notify(
        DAY_UNCONFIRMED,
        [PositionHolders("aftersales_info_clerk", "service_manager")],
        format_lazy(
            _("The after-sales numbers of {day} are not confirmed yet (due by 09:30)"),
            day=f"{day:%Y-%m-%d}",
        ),
        body=format_lazy(
            _(
                "Enter the missing check-ins and repair orders of {day} and confirm the day "
                "by 09:30."
            ),
            day=f"{day:%Y-%m-%d}",
        ),
        key=f"aftersales.day_unconfirmed:{day:%Y-%m-%d}",
        dealership=dealership,
    )
    return f"{day:%Y-%m-%d} not confirmed: {len(told)} told"
