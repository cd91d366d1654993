"""The owner club: join (one open membership per customer — a database constraint too),
leave (not before joining), logins; the registration and login rates equal the records."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.http import Http404

from crm.models import FollowUpSettings, Membership
from crm.selectors.outreach import member_rates
from crm.services import outreach as services
from dealership.tenancy import dealership_context
from tests.crm.conftest import make_owner
from tests.crm.test_outreach_support import delivered, frozen

pytestmark = pytest.mark.django_db
TODAY = dt.date(2026, 6, 15)


def test_a_customer_joins_once_and_may_join_again_after_leaving(cast, team):
    customer = make_owner(cast.a, team.sales_consultant, name="王五")
    clerk = team.crm_info_clerk
    with frozen(TODAY), dealership_context(cast.a):
        first = services.membership_join(actor=clerk, customer_id=customer.pk)
        assert (first.member_no, first.joined_on, first.created_by) == ("M000001", TODAY, clerk)
        with pytest.raises(ValidationError, match="王五 is already a member since 2026-06-15"):
            services.membership_join(actor=clerk, customer_id=customer.pk, member_no="X1")
        with pytest.raises(ValidationError, match="cannot leave before"):
            services.membership_leave(
                actor=clerk, membership_id=first.pk, left_on=TODAY - dt.timedelta(days=1)
            )
        with pytest.raises(ValidationError, match="future"):
            services.membership_leave(
                actor=clerk, membership_id=first.pk, left_on=TODAY + dt.timedelta(days=1)
            )
        left = services.membership_leave(actor=clerk, membership_id=first.pk, left_on=TODAY)
        assert left.left_on == TODAY
        with pytest.raises(ValidationError, match="already left"):
            services.membership_leave(actor=clerk, membership_id=first.pk)
        again = services.membership_join(actor=clerk, customer_id=customer, member_no="VIP-7")
        assert again.member_no == "VIP-7" and again.left_on is None
        assert (
            services.membership_join(
                actor=clerk, customer_id=make_owner(cast.a, name="赵六").pk
            ).member_no
            == "M000002"
        )


def test_the_database_keeps_one_open_membership(cast, team):
    customer = make_owner(cast.a)
    with dealership_context(cast.a):
        Membership.objects.create(dealership=cast.a, customer=customer, joined_on=TODAY)
        with pytest.raises(IntegrityError), transaction.atomic():
            Membership.objects.create(dealership=cast.a, customer=customer, joined_on=TODAY)
        with pytest.raises(IntegrityError), transaction.atomic():
            Membership.objects.create(
                dealership=cast.a,
                customer=make_owner(cast.a),
                joined_on=TODAY,
                left_on=TODAY - dt.timedelta(days=1),
            )


def test_logins_keep_the_latest_day(cast, team):
    customer = make_owner(cast.a)
    clerk = team.crm_info_clerk
    with frozen(TODAY), dealership_context(cast.a):
        member = services.membership_join(
            actor=clerk, customer_id=customer.pk, joined_on=dt.date(2026, 5, 1)
        )
        with pytest.raises(ValidationError, match="cannot be earlier"):
            services.membership_login(actor=clerk, membership_id=member.pk, day="2026-04-30")
        services.membership_login(actor=clerk, membership_id=member.pk, day="2026-06-10")
        services.membership_login(actor=clerk, membership_id=member.pk, day="2026-05-20")
        assert Membership.objects.get(pk=member.pk).last_login_on == dt.date(2026, 6, 10)
        services.membership_leave(actor=clerk, membership_id=member.pk)
        with pytest.raises(ValidationError, match="has left"):
            services.membership_login(actor=clerk, membership_id=member.pk)


def test_who_keeps_the_club(cast, team):
    customer = make_owner(cast.a, team.sales_consultant)
    with frozen(TODAY), dealership_context(cast.a):
        with pytest.raises(PermissionDenied):
            services.membership_join(actor=team.sales_consultant, customer_id=customer.pk)
        with pytest.raises(ValidationError, match="Choose the customer"):
            services.membership_join(actor=team.cr_specialist, customer_id=None)
    theirs = make_owner(cast.b)
    with frozen(TODAY), dealership_context(cast.a), pytest.raises(Http404):
        services.membership_join(actor=team.cr_specialist, customer_id=theirs.pk)


def test_the_rates_are_the_records(cast, team):
    from tests.factories import UserFactory, hire

    staff = team.sales_consultant
    newcomer = hire(UserFactory(username="team_new_consultant"), cast.a, "sales_consultant").user
    owners = [delivered(cast.a, dt.date(2026, 1, 5), staff=staff)[0] for _ in range(4)]
    never_bought = make_owner(cast.a, staff)
    clerk = team.crm_info_clerk
    with frozen(TODAY), dealership_context(cast.a):
        recent = services.membership_join(
            actor=clerk, customer_id=owners[0].pk, joined_on=dt.date(2026, 2, 1)
        )
        services.membership_login(actor=clerk, membership_id=recent.pk, day=dt.date(2026, 6, 1))
        stale = services.membership_join(
            actor=clerk, customer_id=owners[1].pk, joined_on=dt.date(2026, 2, 1)
        )
        services.membership_login(actor=clerk, membership_id=stale.pk, day=dt.date(2026, 5, 10))
        gone = services.membership_join(
            actor=clerk, customer_id=owners[2].pk, joined_on=dt.date(2026, 2, 1)
        )
        services.membership_leave(actor=clerk, membership_id=gone.pk, left_on=dt.date(2026, 3, 1))
        services.membership_join(actor=clerk, customer_id=never_bought.pk)  # not an owner
        rates = member_rates(team.customer_relations_manager, TODAY)
        assert (rates["members"], rates["owners"], rates["logged_in"]) == (3, 4, 1)
        assert rates["registration_rate"] == 75 and rates["login_rate"] == Decimal("33.3")
        assert (rates["registration_target"], rates["login_target"]) == (30, 30)
        # on 1 March the one who left was still a member; nobody had logged in yet
        march = member_rates(team.customer_relations_manager, dt.date(2026, 2, 28))
        assert (march["members"], march["owners"], march["logged_in"]) == (3, 4, 0)
        FollowUpSettings.objects.update_or_create(
            dealership=cast.a, defaults={"member_registration_target": 40}
        )
        assert member_rates(team.customer_relations_manager, TODAY)["registration_target"] == 40
        # a consultant sees the club of their own customers
        mine = member_rates(staff, TODAY)
        assert (mine["members"], mine["owners"]) == (3, 4)
        other = member_rates(newcomer, TODAY)
        assert (other["members"], other["owners"], other["registration_rate"]) == (0, 0, None)
