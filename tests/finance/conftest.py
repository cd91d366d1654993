"""Fixtures of the finance tests: dealership A of the cast staffed with every position a finance
chain needs (A's GM is ``cast.user_a``), and small files recognised by content."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from dealership.tenancy import dealership_context
from finance.demo import PDF, PNG
from tests.factories import UserFactory, hire

POSITIONS = (
    "sales_consultant",
    "sales_director",
    "accountant",
    "finance_manager",
    "deputy_gm",
    "cr_specialist",
    "crm_director",
    "customer_relations_manager",
    "admin_clerk",
)


@dataclass
class Staff:
    gm: object
    consultant: object
    consultant2: object
    by_code: dict

    def __getattr__(self, code):
        try:
            return self.by_code[code]
        except KeyError:
            raise AttributeError(code) from None


@pytest.fixture
def staff(cast) -> Staff:
    people = {"gm": cast.user_a}
    for code in POSITIONS:
        user = UserFactory(username=f"fin_{code}")
        hire(user, cast.a, code)
        people[code] = user
    consultant2 = UserFactory(username="fin_sales_consultant2")
    hire(consultant2, cast.a, "sales_consultant")
    return Staff(cast.user_a, people["sales_consultant"], consultant2, people)


def png(name="invoice.png"):
    return SimpleUploadedFile(name, PNG, content_type="image/png")


def pdf(name="contract.pdf"):
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


def approve_all(dealership, request, steps=None):
    """Approve the open steps one by one, each by its first waiting approver."""
    from org.approvals import services as approvals
    from org.approvals.models import ApprovalRequest, StepApprover

    done = 0
    with dealership_context(dealership):
        request = ApprovalRequest.objects.get(pk=request.pk)
        while request.status == "pending" and (steps is None or done < steps):
            waiting = (
                StepApprover.objects.filter(
                    step__request=request,
                    step__round=request.round,
                    step__status="open",
                    decision="",
                )
                .select_related("user")
                .first()
            )
            request = approvals.request_decide(
                actor=waiting.user, request_id=request.pk, decision="approve"
            )
            done += 1
    return request
