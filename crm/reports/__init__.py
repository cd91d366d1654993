"""The CRM department's reports (discovered at start-up by the report framework): the daily
summary, the weekly and monthly follow-up and complaint reports (:mod:`crm.reports.followups`),
the monthly OEM submissions it keeps (:mod:`crm.reports.oem`) and the marketing reports
(:mod:`crm.reports.marketing`)."""

from crm.reports import desk as desk_reports  # noqa: F401 - enquiries, letters, customer mix
from crm.reports import followups, marketing, oem, weekly  # noqa: F401 - registers the reports
