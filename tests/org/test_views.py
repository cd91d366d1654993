"""Org chart pages: what each person sees, the edit forms, and constant query counts."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from dealership.models import AuditEntry, Membership
from dealership.tenancy import dealership_context
from org.models import Position, PositionCapability, StaffMember
from tests.factories import UserFactory, hire

pytestmark = pytest.mark.django_db


def _position(dealership, code):
    with dealership_context(dealership):  # its department is read later, out of the scope
        return Position.objects.select_related("department").get(code=code)


def test_gm_sees_the_whole_chart_as_a_tree(cast, client_for):
    hire(UserFactory(name="张销售"), cast.a, "sales_consultant")
    page = client_for(cast.user_a).get("/org/chart/").content.decode()
    assert page.count('data-testid="department"') == 5
    assert 'data-position="sales_consultant"' in page and "张销售" in page
    assert "乙店总经理" not in page  # B's GM


def test_chart_and_directory_run_a_constant_number_of_queries(cast, client_for):
    client = client_for(cast.user_a)
    for path in ("/org/chart/", "/org/staff/", "/dashboard/", "/org/capabilities/"):
        client.get(path)
        with CaptureQueriesContext(connection) as before:
            assert client.get(path).status_code == 200
        for i in range(15):
            hire(
                UserFactory(),
                cast.a,
                "sales_consultant" if i % 2 else "technician",
                "cr_specialist",
            )
        with CaptureQueriesContext(connection) as after:
            assert client.get(path).status_code == 200
        assert len(after) == len(before), path


def test_directory_search_and_pagination(cast, client_for):
    hire(UserFactory(name="欧阳娜"), cast.a, "cashier", phone="13912345678")
    for _ in range(30):
        hire(UserFactory(), cast.a, "technician")
    client = client_for(cast.user_a)
    assert "欧阳娜" in client.get("/org/staff/?q=欧阳").content.decode()
    assert "欧阳娜" in client.get("/org/staff/?q=1391234").content.decode()
    assert "欧阳娜" in client.get("/org/staff/?q=出纳").content.decode()
    assert "欧阳娜" not in client.get("/org/staff/?q=技师").content.decode()
    response = client.get("/org/staff/")
    assert len(response.context["table"].page.object_list) == 25
    assert response.context["table"].page.has_next()
    second = client.get("/org/staff/", {"page": 2})
    assert len(second.context["table"].page.object_list) == 7  # 32 in all
    assert not second.context["table"].page.has_next()


def test_sales_consultant_and_gm_navigation_differ(cast, client_for):
    consultant = UserFactory()
    hire(consultant, cast.a, "sales_consultant")
    gm_page = client_for(cast.user_a).get("/dashboard/").content.decode()
    consultant_page = client_for(consultant).get("/dashboard/").content.decode()
    for key in ("org_chart", "staff", "capabilities", "audit", "job_runs"):
        assert f'data-nav="{key}"' in gm_page, key
    for key in ("org_chart", "capabilities", "audit", "job_runs"):
        assert f'data-nav="{key}"' not in consultant_page, key
    assert 'data-nav="profile"' in consultant_page
    assert 'data-family="gm"' in gm_page and 'data-widget="org_overview"' in gm_page
    assert 'data-widget="my_positions"' in consultant_page
    assert 'data-widget="family"' not in consultant_page  # the sales module is not built yet
    assert 'data-widget="org_overview"' not in consultant_page


@pytest.mark.parametrize(
    ("code", "family"),
    [("service_advisor", "aftersales"), ("cr_specialist", "crm"), ("accountant", "admin_finance")],
)
def test_dashboard_hides_the_work_of_modules_not_built_yet(cast, client_for, code, family):
    person = UserFactory()
    hire(person, cast.a, code)
    page = client_for(person).get("/dashboard/").content.decode()
    assert 'data-widget="family"' not in page and f'data-family="{family}"' not in page
    assert "尚未" not in page and "not available yet" not in page
    assert 'data-widget="my_positions"' in page


def test_manager_sees_the_team_widget(cast, client_for):
    manager = UserFactory()
    hire(manager, cast.a, "sales_manager")
    hire(UserFactory(name="王顾问"), cast.a, "sales_consultant")
    page = client_for(manager).get("/dashboard/").content.decode()
    assert 'data-widget="team"' in page and "王顾问" in page


def test_profile_shows_my_positions_and_duties(cast, client_for):
    person = UserFactory()
    hire(person, cast.a, "sales_consultant", "key_account_manager")
    page = client_for(person).get("/org/me/").content.decode()
    assert page.count('data-testid="my-position"') == 2
    assert "销售顾问" in page and "大客户经理" in page
    position = _position(cast.a, "sales_consultant")
    assert position.responsibilities[0]["zh"] in page


def test_member_without_position_sees_only_the_no_access_page(cast, client_for):
    person = UserFactory()
    Membership.objects.create(user=person, dealership=cast.a)
    response = client_for(person).get("/dashboard/")
    assert response.status_code == 403 and 'data-testid="no-access"' in response.content.decode()


def test_gm_creates_a_position_and_a_cycle_is_refused(cast, client_for):
    client = client_for(cast.user_a)
    sales = _position(cast.a, "sales_manager").department
    response = client.post(
        "/org/positions/new/",
        {
            "department": sales.pk,
            "code": "ev_specialist",
            "name_zh": "新能源专员",
            "name_en": "EV specialist",
            "reports_to": _position(cast.a, "sales_manager").pk,
            "order": 50,
            "responsibilities": "讲解新能源车型 | Explains the EV models\n组织充电体验",
        },
    )
    assert response.status_code == 302
    created = _position(cast.a, "ev_specialist")
    assert created.responsibilities == [
        {"zh": "讲解新能源车型", "en": "Explains the EV models"},
        {"zh": "组织充电体验", "en": ""},
    ]
    gm = _position(cast.a, "gm")
    response = client.post(
        f"/org/positions/{gm.pk}/edit/",
        {
            "department": gm.department_id,
            "code": "gm",
            "name_zh": "总经理",
            "reports_to": created.pk,
            "order": 1,
        },
    )
    assert response.status_code == 400
    assert "循环" in response.content.decode()
    assert _position(cast.a, "gm").reports_to is None


def test_duplicate_position_code_gets_a_message(cast, client_for):
    sales = _position(cast.a, "sales_manager").department
    response = client_for(cast.user_a).post(
        "/org/positions/new/",
        {"department": sales.pk, "code": "sales_manager", "name_zh": "重复", "order": 1},
    )
    assert response.status_code == 400
    assert (
        "该门店已有此编码的岗位" in response.content.decode()
        or "already has a position" in response.content.decode()
    )


def test_deleting_a_held_position_shows_the_reason(cast, client_for):
    hire(UserFactory(), cast.a, "cashier")
    cashier = _position(cast.a, "cashier")
    response = client_for(cast.user_a).post(f"/org/positions/{cashier.pk}/delete/")
    assert response.status_code == 400 and 'data-testid="errors"' in response.content.decode()


def test_hr_hires_and_ends_staff_through_the_pages(cast, client_for):
    hr = UserFactory()
    hire(hr, cast.a, "hr_manager")
    client = client_for(hr)
    response = client.post(
        "/org/staff/new/",
        {
            "username": "zhao.lei",
            "name": "赵磊",
            "employee_no": "K777",
            "phone": "13700000000",
            "start_date": "2026-11-01",
            "positions": [_position(cast.a, "cashier").pk],  # within HR's own rights
        },
    )
    assert response.status_code == 302
    with dealership_context(cast.a):
        staff = StaffMember.objects.get(employee_no="K777")
    newcomer = staff.user
    newcomer.set_password("Kai-Shi-2026")
    newcomer.save()
    newcomer_client = client_for(newcomer)
    assert newcomer_client.get("/dashboard/").status_code == 200
    response = client.post(f"/org/staff/{staff.pk}/end/", {"end_date": "2026-11-30"})
    assert response.status_code == 302
    # access removed at once: the person's sessions end with the employment
    ended = newcomer_client.get("/dashboard/")
    assert ended.status_code == 302 and "/accounts/login/" in ended["Location"]
    detail = client.get(f"/org/staff/{staff.pk}/").content.decode()
    assert "2026-11-30" in detail  # history kept
    with dealership_context(cast.a):
        assert (
            AuditEntry.objects.filter(
                object_type="org.StaffMember", object_id=str(staff.pk)
            ).count()
            == 2
        )


def test_bad_staff_input_gets_messages(cast, client_for):
    response = client_for(cast.user_a).post(
        "/org/staff/new/",
        {"username": "bad name!", "name": "", "employee_no": "", "start_date": "x"},
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "必填项" in page  # Django's message for the empty name and employee number
    assert "只能使用字母、数字和" in page or "@ . + - _" in page  # the username rule, in Chinese


def test_matrix_cell_is_saved_by_htmx(cast, client_for):
    accountant = _position(cast.a, "accountant")
    response = client_for(cast.user_a).post(
        "/org/capabilities/",
        {"position": accountant.pk, "capability": "org.view_audit", "scope": "3"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200 and response.content.decode().strip().startswith("<td")
    with dealership_context(cast.a):
        assert (
            PositionCapability.objects.get(position=accountant, capability="org.view_audit").scope
            == 3
        )


def test_audit_log_is_visible_to_the_gm(cast, client_for):
    consultant = _position(cast.a, "sales_consultant")
    client = client_for(cast.user_a)
    client.post(
        f"/org/positions/{consultant.pk}/edit/",
        {
            "department": consultant.department_id,
            "code": "sales_consultant",
            "name_zh": "汽车顾问",
            "name_en": "Car advisor",
            "reports_to": consultant.reports_to_id,
            "order": 10,
            "responsibilities": "接待客户",
        },
    )
    with dealership_context(cast.a):
        entry = AuditEntry.objects.get(object_type="org.Position")
    assert entry.before["name_zh"] == "销售顾问" and entry.after["name_zh"] == "汽车顾问"
    assert "汽车顾问" in client.get("/platform/audit/").content.decode()
    assert client.get(f"/platform/audit/{entry.pk}/").status_code == 200
    # the old addresses of the org module still lead there
    assert client.get("/org/audit/", follow=True).redirect_chain == [("/platform/audit/", 302)]
    detail = client.get(f"/org/audit/{entry.pk}/", follow=True)
    assert detail.status_code == 200 and "汽车顾问" in detail.content.decode()


def test_hq_sees_the_charts_of_its_group_only(cast, client_for):
    page = client_for(cast.hq_user).get("/org/chart/").content.decode()
    assert 'data-dealership="a"' in page and 'data-dealership="b"' in page
    assert 'data-dealership="c"' not in page


def test_gm_shares_a_staff_record_with_a_colleague(cast, client_for):
    consultant = UserFactory(username="gu.wen")
    consultant_staff = hire(consultant, cast.a, "sales_consultant")
    cashier = hire(UserFactory(name="钱出纳"), cast.a, "cashier")
    consultant_client = client_for(consultant)
    assert consultant_client.get(f"/org/staff/{cashier.pk}/").status_code == 404

    gm = client_for(cast.user_a)
    page = gm.get(f"/org/staff/{cashier.pk}/").content.decode()
    assert 'data-testid="sharing"' in page and 'data-testid="shared-with"' not in page
    assert page.count('data-testid="sharing"') == 1 and "<title>钱出纳 ·" in page
    assert (
        gm.post(f"/org/staff/{cashier.pk}/share/", {"staff": consultant_staff.pk}).status_code
        == 302
    )
    assert consultant_client.get(f"/org/staff/{cashier.pk}/").status_code == 200
    assert "钱出纳" in consultant_client.get("/org/staff/").content.decode()
    assert 'data-testid="shared-with"' in gm.get(f"/org/staff/{cashier.pk}/").content.decode()

    # the consultant may not share it further, nor see the sharing panel
    assert (
        consultant_client.post(
            f"/org/staff/{cashier.pk}/share/", {"staff": consultant_staff.pk}
        ).status_code
        == 403
    )
    assert (
        'data-testid="sharing"'
        not in consultant_client.get(f"/org/staff/{cashier.pk}/").content.decode()
    )

    assert gm.post(f"/org/staff/{cashier.pk}/share/", {"revoke": consultant.pk}).status_code == 302
    assert consultant_client.get(f"/org/staff/{cashier.pk}/").status_code == 404
    with dealership_context(cast.a):
        actions = list(
            AuditEntry.objects.filter(object_type="org.StaffMember", object_id=str(cashier.pk))
            .order_by("pk")
            .values_list("action", flat=True)
        )
    assert actions == ["create", "grant", "revoke"]  # hired (by the test's factory), shared


def test_sharing_with_someone_of_another_dealership_is_a_404(cast, client_for):
    cashier = hire(UserFactory(), cast.a, "cashier")
    with dealership_context(cast.b):
        foreign = cast.user_b.staff_records.get().pk
    gm = client_for(cast.user_a)
    assert gm.post(f"/org/staff/{cashier.pk}/share/", {"staff": foreign}).status_code == 404
    assert gm.post(f"/org/staff/{cashier.pk}/share/", {"staff": "x"}).status_code == 404
    assert gm.post(f"/org/staff/{cashier.pk}/share/", {"revoke": cast.user_b.pk}).status_code == 404


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_date_fields_are_prefilled_in_iso_format_in_every_language(cast, client_for, language):
    """<input type="date"> accepts only 2026-11-24; zh-Hans used to render 2026/11/24."""
    client = client_for(cast.user_a)
    client.cookies["erp_language"] = language
    with dealership_context(cast.a):
        clerk = hire(UserFactory(), cast.a, "admin_clerk")
    for url, field in (
        ("/org/staff/new/", "start_date"),
        (f"/org/staff/{clerk.pk}/end/", "end_date"),
    ):
        page = client.get(url).content.decode()
        match = re.search(rf'<input type="date" name="{field}" value="([^"]*)"', page)
        assert match and re.fullmatch(r"\d{4}-\d{2}-\d{2}", match.group(1)), url


def test_share_panel_starts_with_nobody_chosen(cast, client_for):
    with dealership_context(cast.a):
        cashier = hire(UserFactory(), cast.a, "cashier")
    gm = client_for(cast.user_a)
    page = gm.get(f"/org/staff/{cashier.pk}/").content.decode()
    assert '<option value="" selected>' in page
    response = gm.post(f"/org/staff/{cashier.pk}/share/", {"staff": ""}, follow=True)
    assert response.status_code == 200
    assert "请选择要共享此记录的同事" in response.content.decode()
    with dealership_context(cast.a):
        assert not AuditEntry.objects.filter(object_id=str(cashier.pk), action="grant").exists()


def test_a_detail_page_in_the_group_view_names_its_dealership(cast, client_for):
    with dealership_context(cast.b):
        position = Position.objects.get(code="cashier")
    page = client_for(cast.hq_user).get(f"/org/positions/{position.pk}/").content.decode()
    assert re.search(r'data-testid="dealership">乙店<', page)
