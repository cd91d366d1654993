"""The CRM department's reports (discovered at start-up by the report framework): the daily
summary, the weekly and monthly follow-up and complaint reports (:mod:`crm.reports.followups`)
and the monthly OEM submissions it keeps (:mod:`crm.reports.oem`)."""

from crm.reports import followups, oem, weekly  # noqa: F401 - registers the reports
