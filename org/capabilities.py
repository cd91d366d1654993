"""The closed vocabulary of domain permissions (capabilities) and the data scopes.

A position is granted a capability with a **data scope**: its holder may use the capability on
their own records, their department's, the whole dealership's, or (HQ) the whole group's.
Capabilities of apps not built yet are declared here too, so the org chart template and the
permission matrix already cover them; the app that ships the model starts enforcing them.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class DataScope(models.IntegerChoices):
    """Ordered: a wider scope includes the narrower ones."""

    OWN = 1, _("Own records")
    DEPARTMENT = 2, _("Own department")
    DEALERSHIP = 3, _("Whole dealership")
    GROUP = 4, _("Dealer group (HQ)")


SHORT_SCOPE_LABELS = {
    DataScope.OWN: _("Own"),
    DataScope.DEPARTMENT: _("Dept."),
    DataScope.DEALERSHIP: _("All"),
    DataScope.GROUP: _("Group"),
}


class Capability(models.TextChoices):
    # org chart and administration
    ORG_VIEW_CHART = "org.view_chart", _("View the org chart and positions")
    ORG_CHANGE_CHART = "org.change_chart", _("Edit departments and positions")
    ORG_VIEW_STAFF = "org.view_staff", _("View staff records")
    ORG_CHANGE_STAFF = "org.change_staff", _("Hire, assign and end staff")
    ORG_CHANGE_CAPABILITIES = "org.change_capabilities", _("Edit the permission matrix")
    ORG_VIEW_AUDIT = "org.view_audit", _("View the audit log")
    ORG_CHANGE_CHAINS = "org.change_chains", _("Edit approval chains")
    PLATFORM_VIEW_JOBRUNS = "platform.view_jobruns", _("View scheduled job runs")
    PLATFORM_CHANGE_NOTIFICATIONS = (
        "platform.change_notifications",
        _("Set up WeCom robots and send failed messages again"),
    )
    ORG_CHANGE_NOTICE = "org.change_notice", _("Register and distribute OEM notices and bulletins")
    ORG_CHANGE_MEETING = "org.change_meeting", _("Keep meeting minutes and action items")
    ORG_CHANGE_TRAINING = "org.change_training", _("Keep training records and checks")
    ORG_CHANGE_ROTA = "org.change_rota", _("Plan staff rotas and record attendance")
    ORG_CHANGE_DEALERSHIP = (
        "org.change_dealership",
        _("Edit the dealership's letterhead: address and logo"),
    )
    # sales
    SALES_VIEW_PROSPECT = "sales.view_prospect", _("View prospects and showroom traffic")
    SALES_CHANGE_PROSPECT = "sales.change_prospect", _("Record prospects, visits and test drives")
    SALES_VIEW_ORDER = "sales.view_order", _("View vehicle orders and deliveries")
    SALES_CHANGE_ORDER = "sales.change_order", _("Create and change vehicle orders and deliveries")
    SALES_APPROVE_DISCOUNT = "sales.approve_discount", _("Approve price discounts")
    SALES_VIEW_STOCK = "sales.view_stock", _("View the vehicle stock")
    SALES_CHANGE_STOCK = "sales.change_stock", _("Receive vehicles and request allocations")
    SALES_CHANGE_PLAN = "sales.change_plan", _("Set sales targets and discount limits")
    SALES_CHANGE_PRICE_LIST = "sales.change_price_list", _("Draft vehicle price lists")
    SALES_CHANGE_NETWORK = (
        "sales.change_network",
        _("Keep the sub-dealer network and its assessments"),
    )
    # after-sales
    AFTERSALES_VIEW_REPAIR_ORDER = (
        "aftersales.view_repair_order",
        _("View repair orders and check-ins"),
    )
    AFTERSALES_CHANGE_REPAIR_ORDER = (
        "aftersales.change_repair_order",
        _("Open and change repair orders"),
    )
    AFTERSALES_APPROVE_WARRANTY = "aftersales.approve_warranty_claim", _("Approve warranty claims")
    AFTERSALES_WORK_JOB = "aftersales.work_job", _("Clock on and off workshop jobs")
    AFTERSALES_VIEW_PARTS = "aftersales.view_parts", _("View parts stock")
    AFTERSALES_CHANGE_PARTS = "aftersales.change_parts", _("Change parts stock and sales")
    AFTERSALES_CHANGE_TARGET = (
        "aftersales.change_target",
        _("Set after-sales targets per position"),
    )
    # CRM
    CRM_VIEW_CUSTOMER = "crm.view_customer", _("View customers")
    CRM_CHANGE_CUSTOMER = "crm.change_customer", _("Change customers")
    CRM_VIEW_CUSTOMER_PHONE = "crm.view_customer_phone", _("See customers' phone numbers")
    CRM_VIEW_FOLLOWUP = "crm.view_followup", _("View follow-up calls and surveys")
    CRM_CHANGE_FOLLOWUP = "crm.change_followup", _("Make follow-up calls and record surveys")
    CRM_VIEW_COMPLAINT = "crm.view_complaint", _("View complaints")
    CRM_CHANGE_COMPLAINT = "crm.change_complaint", _("Register and handle complaints")
    CRM_CHANGE_CAMPAIGN = "crm.change_campaign", _("Plan campaigns, SMS and events")
    CRM_CHANGE_SURVEY = "crm.change_survey", _("Set the follow-up rules and questionnaires")
    CRM_CHANGE_MEMBER = "crm.change_member", _("Keep owner-club members and service reminders")
    CRM_VIEW_PHONE_LOG = "crm.view_phone_log", _("Read the log of phone numbers shown")
    CRM_VIEW_ENQUIRY = "crm.view_enquiry", _("View enquiries and improvement proposals")
    CRM_CHANGE_ENQUIRY = "crm.change_enquiry", _("Log enquiries and route customer feedback")
    CRM_CHANGE_CSI_PLAN = "crm.change_csi_plan", _("Set SSI/CSI targets and action plans")
    CRM_VIEW_MARKETING = (
        "crm.view_marketing",
        _("View marketing events, advertising plans and competitor logs"),
    )
    CRM_CHANGE_LETTER = "crm.change_letter", _("Print and mail thank-you letters")
    # finance and approvals
    FINANCE_SUBMIT_REQUEST = "finance.submit_request", _("Submit requests for approval")
    FINANCE_APPROVE_REQUEST = "finance.approve_request", _("Approve general requests")
    FINANCE_APPROVE_PAYMENT = (
        "finance.approve_payment",
        _("Approve payments, advances and reimbursements"),
    )
    FINANCE_VIEW_BUDGET = "finance.view_budget", _("View budgets")
    FINANCE_CHANGE_BUDGET = "finance.change_budget", _("Plan and change budgets")
    # reports
    REPORTS_VIEW = "reports.view", _("View daily, weekly and monthly reports")
    REPORTS_EXPORT_OEM = "reports.export_oem", _("Export and submit OEM reports")

    @property
    def app(self) -> str:
        return self.value.split(".", 1)[0]


CAPABILITY_GROUPS = {
    "org": _("Org chart"),
    "platform": _("Platform"),
    "sales": _("Sales"),
    "aftersales": _("After-sales"),
    "crm": _("Customer relations"),
    "finance": _("Finance"),
    "reports": _("Reports"),
}
