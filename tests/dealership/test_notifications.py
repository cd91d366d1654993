"""The notification centre as people use it: the bell on every page, the notifications page
(own only, unread first, filters, links only to what the reader may still open), marking read,
preferences, the API, HQ, the org chart's own events, and who sets up WeCom robots."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy

from dealership.models import Delivery, JobRun, Notification, NotificationPreference, WeComRobot
from dealership.notifications import HQPositionHolders, PositionHolders, notify
from dealership.tenancy import dealership_context, system_context
from org import services as org
from org.models import Position, StaffMember
from tests.factories import JobRunFactory, UserFactory, hire

pytestmark = pytest.mark.django_db


def _tell(dealership, who, subject="测试通知", obj=None, key=None, kind="platform.job_failed"):
    with dealership_context(dealership):
        return notify(kind, who, subject, obj=obj, key=key, dealership=dealership)


def _mine(user):
    with system_context():
        return list(Notification.objects.filter(recipient=user).order_by("pk"))


@pytest.fixture
def consultant(cast):
    user = UserFactory(username="consultant", email="consultant@example.com")
    hire(user, cast.a, "sales_consultant")
    return user


@pytest.fixture
def admin_manager(cast):
    user = UserFactory(username="admin_mgr", email="admin@example.com")
    hire(user, cast.a, "admin_manager")
    return user


# --- the bell and the page ---------------------------------------------------------------------


def test_the_bell_shows_the_unread_count_on_every_page(cast, consultant, client_for):
    client = client_for(consultant)
    assert 'data-testid="bell-count"' not in client.get("/dashboard/").content.decode()
    for n in range(3):
        _tell(cast.a, [consultant], f"第{n}条")
    for url in ("/dashboard/", "/org/profile/", "/notifications/preferences/"):
        page = client.get(url).content.decode()
        assert 'data-testid="bell-count">3<' in page, url
    bell = client.get("/notifications/bell/")
    assert 'data-testid="bell-count">3<' in bell.content.decode()


def test_a_person_sees_only_their_own_notifications(cast, consultant, client_for, api_for):
    _tell(cast.a, [consultant], "给顾问的")
    _tell(cast.a, [cast.user_a], "给总经理的")
    page = client_for(cast.user_a).get("/notifications/").content.decode()
    assert "给总经理的" in page and "给顾问的" not in page
    theirs = _mine(consultant)[0]
    assert client_for(cast.user_a).get(f"/notifications/{theirs.pk}/").status_code == 404
    assert api_for(cast.user_a).get(f"/api/v1/notifications/{theirs.pk}/").status_code == 404
    assert api_for(cast.user_a).post(f"/api/v1/notifications/{theirs.pk}/read/").status_code == 404
    with system_context():
        theirs.refresh_from_db()
    assert theirs.read_at is None


def test_unread_first_then_newest_and_filters(cast, consultant, client_for):
    first = _tell(cast.a, [consultant], "旧的已读")[0]
    _tell(cast.a, [consultant], "较新的未读")
    with system_context():
        Notification.objects.filter(pk=first.pk).update(read_at=timezone.now())
    _tell(cast.a, [consultant], "岗位变动", kind="org.position_assigned")
    client = client_for(consultant)
    listed = [n.subject for n, _kind in client.get("/notifications/").context["items"]]
    assert listed == ["岗位变动", "较新的未读", "旧的已读"]
    unread = client.get("/notifications/?show=unread").context["items"]
    assert [n.subject for n, *_ in unread] == ["岗位变动", "较新的未读"]
    by_kind = client.get("/notifications/?kind=org.position_assigned").context["items"]
    assert [n.subject for n, *_ in by_kind] == ["岗位变动"]
    tomorrow = (timezone.localdate() + dt.timedelta(days=1)).isoformat()
    assert client.get(f"/notifications/?since={tomorrow}").context["items"] == []
    bad = client.get(f"/notifications/?since={tomorrow}&until=2020-01-01")
    assert bad.status_code == 200 and "起始日期晚于截止日期" in bad.content.decode()


def test_the_list_runs_a_constant_number_of_queries(cast, consultant, client_for):
    client = client_for(consultant)
    with dealership_context(cast.a):
        run = JobRunFactory(dealership=cast.a)

    def count():
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/notifications/").status_code == 200
        return len(queries)

    _tell(cast.a, [consultant], "一", obj=run)
    few = count()
    for n in range(15):
        _tell(cast.a, [consultant], f"多{n}", obj=run if n % 2 else None)
    assert count() == few


def test_opening_a_notification_marks_it_read_and_links_only_what_the_reader_may_open(
    cast, consultant, admin_manager, client_for
):
    with dealership_context(cast.a):
        run = JobRunFactory(dealership=cast.a)
    _tell(cast.a, [consultant, admin_manager], "任务失败", obj=run)
    mine = _mine(admin_manager)[0]
    page = client_for(admin_manager).get(f"/notifications/{mine.pk}/")
    assert page.context["object_url"] == run.get_absolute_url()
    with system_context():
        mine.refresh_from_db()
    assert mine.read_at is not None
    # the consultant may not open job runs: the subject without a link
    theirs = _mine(consultant)[0]
    page = client_for(consultant).get(f"/notifications/{theirs.pk}/").content.decode()
    assert "任务失败" in page and run.get_absolute_url() not in page
    assert 'data-testid="object-not-available"' in page
    # the list links each notification to its own page only (one query whatever it is about)
    listed = client_for(consultant).get("/notifications/").content.decode()
    assert f'href="/notifications/{theirs.pk}/"' in listed and run.get_absolute_url() not in listed


def test_a_link_disappears_when_the_reader_loses_access(cast, admin_manager, client_for):
    with dealership_context(cast.a):
        run = JobRunFactory(dealership=cast.a)
    _tell(cast.a, [admin_manager], "任务失败", obj=run)
    client = client_for(admin_manager)
    mine = _mine(admin_manager)[0]
    assert client.get(f"/notifications/{mine.pk}/").context["object_url"] == run.get_absolute_url()
    with dealership_context(cast.a):
        staff = StaffMember.objects.get(user=admin_manager)
        clerk = Position.objects.get(code="admin_clerk")
    with dealership_context(cast.a):
        org.staff_update(actor=cast.user_a, staff_id=staff.pk, positions=[clerk])
    admin_manager.refresh_from_db()
    page = client_for(admin_manager).get(f"/notifications/{mine.pk}/")
    assert page.context["object_url"] is None


def test_mark_read_and_mark_all_read(cast, consultant, client_for):
    one, *_others = (_tell(cast.a, [consultant], f"第{n}条")[0] for n in range(3))
    client = client_for(consultant)
    response = client.post(f"/notifications/{one.pk}/read/", HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    body = response.content.decode()
    assert 'data-read="true"' in body and 'hx-swap-oob="true"' in body
    assert 'data-testid="bell-count">2<' in body
    response = client.post("/notifications/read-all/", {"next": "/notifications/"})
    assert response.status_code == 302 and response["Location"] == "/notifications/"
    assert all(n.read_at for n in _mine(consultant))
    # an unsafe "next" goes back to the list
    response = client.post("/notifications/read-all/", {"next": "https://evil.example/"})
    assert response["Location"] == "/notifications/"


def test_the_dashboard_lists_the_latest_unread(cast, consultant, client_for):
    _tell(cast.a, [consultant], "仪表盘上的通知")
    page = client_for(consultant).get("/dashboard/").content.decode()
    assert 'data-testid="notification-widget"' in page and "仪表盘上的通知" in page


# --- English -----------------------------------------------------------------------------------


def test_subjects_are_stored_in_both_languages(cast, consultant, client_for):
    with dealership_context(cast.a):
        notify(
            "platform.job_failed",
            [consultant],
            format_lazy(gettext_lazy("Scheduled job failed: {title} ({day})"), title="X", day="D"),
            dealership=cast.a,
        )
    (n,) = _mine(consultant)
    assert n.subject_zh == "定时任务失败：X（D）"
    assert n.subject_en == "Scheduled job failed: X (D)"
    client = client_for(consultant)
    client.post("/i18n/setlang/", {"language": "en", "next": "/notifications/"})
    page = client.get("/notifications/").content.decode()
    assert "Scheduled job failed: X (D)" in page and "Notifications" in page
    consultant.refresh_from_db()
    assert consultant.language == "en", "e-mails follow the language the person chose"
    with translation.override("zh-hans"):
        assert n.subject == "定时任务失败：X（D）"


# --- preferences -------------------------------------------------------------------------------


def test_preferences_page_saves_channels_and_keeps_mandatory_kinds(cast, consultant, client_for):
    client = client_for(consultant)
    page = client.get("/notifications/preferences/")
    assert page.status_code == 200
    assert 'name="org.account_ready__email"' in page.content.decode()
    form = page.context["form"]
    data = {
        name: ("on" if value is True else "" if value is False else value)
        for name, value in ((n, form[n].initial) for n in form.fields)
    }
    data |= {
        "platform.job_failed__email": "digest",
        "platform.job_failed__wecom": "",
        "org.position_assigned__email": "off",
        "org.position_assigned__wecom": "on",
        "org.position_removed__email": "each",
        "org.account_ready__email": "off",  # disabled field: the posted value is ignored
    }
    assert client.post("/notifications/preferences/", data).status_code == 302
    prefs = {
        p.kind: (p.email, p.wecom) for p in NotificationPreference.objects.filter(user=consultant)
    }
    assert prefs["platform.job_failed"] == ("digest", False)
    assert prefs["org.position_assigned"] == ("off", True)
    assert "org.account_ready" not in prefs
    bad = client.post("/notifications/preferences/", {**data, "platform.job_failed__email": "x"})
    assert bad.status_code == 400


def test_preferences_need_a_login(client):
    assert client.get("/notifications/preferences/").status_code == 302


# --- API ---------------------------------------------------------------------------------------


def test_api_lists_own_notifications_with_unread_filter_and_marks_read(cast, consultant, api_for):
    first = _tell(cast.a, [consultant], "第一条")[0]
    _tell(cast.a, [consultant], "第二条")
    _tell(cast.a, [cast.user_a], "别人的")
    api = api_for(consultant)
    listed = api.get("/api/v1/notifications/").json()
    assert [row["subject"] for row in listed["results"]] == ["第二条", "第一条"]
    assert api.get("/api/v1/notifications/unread-count/").json() == {"unread": 2}
    read = api.post(f"/api/v1/notifications/{first.pk}/read/")
    assert read.status_code == 200 and read.json()["is_read"] is True
    unread = api.get("/api/v1/notifications/?unread=true").json()["results"]
    assert [row["subject"] for row in unread] == ["第二条"]
    assert api.post("/api/v1/notifications/read-all/").json() == {"marked": 1}
    assert api.get("/api/v1/notifications/unread-count/").json() == {"unread": 0}
    assert api.post("/api/v1/notifications/", {}).status_code == 405
    assert api.get("/api/v1/notifications/abc/").status_code == 404


def test_api_links_only_objects_the_caller_may_open(cast, consultant, admin_manager, api_for):
    with dealership_context(cast.a):
        run = JobRunFactory(dealership=cast.a)
    _tell(cast.a, [consultant, admin_manager], "任务失败", obj=run)
    assert (
        api_for(admin_manager).get("/api/v1/notifications/").json()["results"][0]["object_url"]
        == run.get_absolute_url()
    )
    assert (
        api_for(consultant).get("/api/v1/notifications/").json()["results"][0]["object_url"] is None
    )


# --- HQ ----------------------------------------------------------------------------------------


def test_hq_receives_what_its_hq_position_is_sent_and_marks_it_read(cast, client_for, api_for):
    _tell(cast.a, [HQPositionHolders("hq_director")], "甲店月报已生成")
    _tell(cast.c, [HQPositionHolders("hq_director")], "丙店（另一集团）")
    (mine,) = _mine(cast.hq_user)
    assert mine.dealership_id == cast.a.pk
    client = client_for(cast.hq_user)
    page = client.get("/notifications/").content.decode()
    assert "甲店月报已生成" in page
    assert client.post(f"/notifications/{mine.pk}/read/").status_code == 302
    with system_context():
        mine.refresh_from_db()
    assert mine.read_at is not None, "HQ's scope is read-only, but its own reading state is not"
    assert api_for(cast.hq_user).get("/api/v1/notifications/unread-count/").json() == {"unread": 0}


# --- recipients --------------------------------------------------------------------------------


def test_positions_reach_their_holders_and_nobody_outside(cast, consultant):
    other = UserFactory(username="other_consultant")
    hire(other, cast.b, "sales_consultant")
    created = _tell(cast.a, [PositionHolders("sales_consultant"), cast.user_c], "晨会")
    assert {n.recipient_id for n in created} == {consultant.pk}
    assert _mine(other) == [] and _mine(cast.user_c) == []


def test_the_same_key_never_tells_a_person_twice(cast, consultant):
    assert len(_tell(cast.a, [consultant], "一次", key="k1")) == 1
    assert _tell(cast.a, [consultant, PositionHolders("sales_consultant")], "一次", key="k1") == []
    assert len(_mine(consultant)) == 1


# --- the org chart's own events ----------------------------------------------------------------


def test_a_new_hire_is_told_their_account_is_ready(cast, hr_of_a):
    with dealership_context(cast.a):
        clerk = Position.objects.get(code="admin_clerk")
        staff = org.staff_hire(
            actor=hr_of_a,
            employee_no="N1",
            positions=[clerk],
            username="newbie",
            name="新人",
            email="newbie@example.com",
        )
    (ready,) = _mine(staff.user)
    assert ready.kind == "org.account_ready"
    assert "da_newbie" in ready.subject_zh and "da_newbie" in ready.subject_en
    assert "行政文员" in ready.body_zh or clerk.name_zh in ready.body_zh
    with system_context():
        email = Delivery.objects.get(recipient=staff.user, channel=Delivery.Channel.EMAIL)
    assert email.address == "newbie@example.com"


def test_positions_assigned_and_taken_away_are_told_once(cast, consultant):
    with dealership_context(cast.a):
        staff = StaffMember.objects.get(user=consultant)
        manager = Position.objects.get(code="sales_manager")
        org.staff_update(actor=cast.user_a, staff_id=staff.pk, positions=[manager])
    kinds = sorted(n.kind for n in _mine(consultant))
    assert kinds == ["org.position_assigned", "org.position_removed"]
    assigned = next(n for n in _mine(consultant) if n.kind == "org.position_assigned")
    assert manager.name_zh in assigned.subject_zh and manager.name_en in assigned.subject_en
    with dealership_context(cast.a):  # saving without a change of positions tells nothing
        org.staff_update(actor=cast.user_a, staff_id=staff.pk, phone="13800000000")
    assert len(_mine(consultant)) == 2


@pytest.fixture
def hr_of_a(cast):
    user = UserFactory(username="hr")
    hire(user, cast.a, "hr_manager")
    return user


# --- WeCom robots and the messages sent -------------------------------------------------------


ROBOT = "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=abcdef123456"


def test_the_gm_sets_up_a_robot_a_consultant_may_not(cast, consultant, client_for, api_for):
    gm = client_for(cast.user_a)
    assert gm.get("/notifications/robots/new/").status_code == 200
    response = gm.post(
        "/notifications/robots/new/",
        {
            "name": "销售部群",
            "audience": "department:sales",
            "webhook_url": ROBOT,
            "is_active": "on",
        },
    )
    assert response.status_code == 302
    with dealership_context(cast.a):
        robot = WeComRobot.objects.get()
    listing = gm.get("/notifications/robots/").content.decode()
    assert "abcd****" in listing and "abcdef123456" not in listing, "the key is a secret"
    assert client_for(consultant).get("/notifications/robots/").status_code == 403
    assert (
        client_for(consultant)
        .post("/notifications/robots/new/", {"name": "x", "webhook_url": ROBOT})
        .status_code
        == 403
    )
    assert (
        api_for(consultant)
        .post("/api/v1/platform/wecom-robots/", {"name": "x", "webhook_url": ROBOT}, format="json")
        .status_code
        == 403
    )
    assert (
        api_for(consultant).delete(f"/api/v1/platform/wecom-robots/{robot.pk}/").status_code == 403
    )
    nav = gm.get("/dashboard/").content.decode()
    assert 'data-nav="wecom_robots"' in nav
    assert (
        'data-nav="wecom_robots"' not in client_for(consultant).get("/dashboard/").content.decode()
    )


@pytest.mark.parametrize(
    "url",
    [
        "http://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=x",
        "https://evil.example/cgi-bin/webhook/send?key=x",
        "https://127.0.0.1/hook",
    ],
)
def test_a_robot_posts_only_to_wecom(cast, client_for, api_for, url):
    response = client_for(cast.user_a).post(
        "/notifications/robots/new/", {"name": "群", "audience": "", "webhook_url": url}
    )
    assert response.status_code == 400
    assert "企业微信" in response.content.decode()
    api = api_for(cast.user_a).post(
        "/api/v1/platform/wecom-robots/", {"name": "群", "webhook_url": url}, format="json"
    )
    assert api.status_code == 400 and "webhook_url" in api.json()["error"]["fields"]
    with dealership_context(cast.a):
        assert not WeComRobot.objects.exists()


def test_one_robot_per_group_and_only_departments_of_the_dealership(cast, api_for):
    api = api_for(cast.user_a)
    first = api.post(
        "/api/v1/platform/wecom-robots/",
        {"name": "全店", "audience": "", "webhook_url": ROBOT},
        format="json",
    )
    assert first.status_code == 201 and "webhook_url" not in first.json()
    again = api.post(
        "/api/v1/platform/wecom-robots/",
        {"name": "又一个", "audience": "", "webhook_url": ROBOT},
        format="json",
    )
    assert again.status_code == 400
    foreign = api.post(
        "/api/v1/platform/wecom-robots/",
        {"name": "x", "audience": "department:nowhere", "webhook_url": ROBOT},
        format="json",
    )
    assert foreign.status_code == 400 and "audience" in foreign.json()["error"]["fields"]


def test_failed_messages_show_on_the_job_runs_page_and_can_be_sent_again(
    cast, admin_manager, consultant, client_for, api_for
):
    with dealership_context(cast.a):
        failed = Delivery.objects.create(
            dealership=cast.a,
            channel=Delivery.Channel.EMAIL,
            dedupe_key="t1",
            address="x@example.com",
            subject="发不出去的邮件",
            state=Delivery.State.FAILED,
            attempts=5,
            last_error="SMTPConnectError: 421",
        )
    client = client_for(admin_manager)
    page = client.get("/platform/jobs/").content.decode()
    assert "发不出去的邮件" in page and "SMTPConnectError" in page
    assert client_for(consultant).get("/notifications/deliveries/").status_code == 403
    # admin_manager holds platform.change_notifications: may send it again
    detail = client.get(f"/notifications/deliveries/{failed.pk}/").content.decode()
    assert 'data-testid="delivery-retry"' in detail
    assert client.post(f"/notifications/deliveries/{failed.pk}/retry/").status_code == 302
    with dealership_context(cast.a):
        failed.refresh_from_db()
    assert failed.state == Delivery.State.PENDING and failed.attempts == 0
    again = api_for(admin_manager).post(f"/api/v1/platform/deliveries/{failed.pk}/retry/")
    assert again.status_code == 400, "only a failed message is sent again"


def test_a_job_run_notice_links_the_run(cast, admin_manager, client_for):
    with dealership_context(cast.a):
        run = JobRunFactory(dealership=cast.a, state=JobRun.State.FAILED)
    _tell(cast.a, [PositionHolders("admin_manager")], "任务失败", obj=run)
    (n,) = _mine(admin_manager)
    assert n.object_type == "dealership.JobRun" and n.object_id == str(run.pk)


def test_a_hire_without_a_password_gets_a_link_to_choose_one(cast, hr_of_a, client):
    with dealership_context(cast.a):
        clerk = Position.objects.get(code="admin_clerk")
        staff = org.staff_hire(
            actor=hr_of_a,
            employee_no="N2",
            positions=[clerk],
            username="invited",
            name="受邀者",
            email="invited@example.com",
        )
    (ready,) = _mine(staff.user)
    link = next(w for w in ready.body_en.split() if "/accounts/reset/" in w)
    path = link.split("127.0.0.1:8000", 1)[1]
    form = client.get(path, follow=True)
    assert form.status_code == 200 and "new_password1" in form.content.decode()
    done = client.post(
        form.redirect_chain[-1][0] if form.redirect_chain else path,
        {"new_password1": "Quiet-River-2026!", "new_password2": "Quiet-River-2026!"},
    )
    assert done.status_code == 302
    assert client.login(username="da_invited", password="Quiet-River-2026!")
