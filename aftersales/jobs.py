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
