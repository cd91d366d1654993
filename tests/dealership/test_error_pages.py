"""400/403/404 pages inside the shell (navigation, the user's language, a way back), also with
DEBUG on; the API keeps its JSON error shape; a minimal 500 page that needs no database."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client, RequestFactory

from dealership.tenancy import dealership_context
from dealership.views import DashboardView, server_error
from org.models import Position, StaffMember
from org.views import ProfileView
from tests.factories import UserFactory, hire

pytestmark = pytest.mark.django_db

SHELL = 'data-testid="main-nav"'
ERROR_PAGE = 'data-testid="error-page"'


@pytest.fixture(params=[False, True], ids=["production", "debug"])
def debug(request, settings):
    settings.DEBUG = request.param
    return request.param


def _foreign_position(cast) -> int:
    with dealership_context(cast.b):
        return Position.objects.get(code="gm").pk


def _consultant(cast):
    consultant = UserFactory(username="gu.wen")
    hire(consultant, cast.a, "sales_consultant")
    return consultant


def _english(client: Client) -> Client:
    client.cookies["erp_language"] = "en"
    return client


def test_404_of_a_page_is_shown_inside_the_shell_in_chinese(cast, client_for, debug):
    response = client_for(cast.user_a).get(f"/org/positions/{_foreign_position(cast)}/")
    assert response.status_code == 404
    page = response.content.decode()
    assert SHELL in page and ERROR_PAGE in page  # the navigation is there
    assert '<html lang="zh-hans">' in page and "页面不存在" in page
    assert 'href="/dashboard/"' in page and 'data-testid="error-back"' in page
    assert "Traceback" not in page and "URLconf" not in page  # never Django's debug page


def test_404_page_in_english_with_the_language_cookie(cast, client_for, debug):
    client = _english(client_for(cast.user_a))
    response = client.get(f"/org/positions/{_foreign_position(cast)}/")
    page = response.content.decode()
    assert response.status_code == 404 and SHELL in page
    assert '<html lang="en">' in page and "Page not found" in page
    assert "Back to the dashboard" in page and "页面不存在" not in page


def test_unknown_url_is_a_404_page_inside_the_shell(cast, client_for, debug):
    response = client_for(cast.user_a).get("/no/such/page/")
    assert response.status_code == 404
    page = response.content.decode()
    assert SHELL in page and ERROR_PAGE in page and "页面不存在" in page


def test_403_of_a_page_is_shown_inside_the_shell(cast, client_for, debug):
    client = client_for(_consultant(cast))
    response = client.get("/org/chart/")  # a consultant has no org.view_chart
    assert response.status_code == 403
    page = response.content.decode()
    assert SHELL in page and ERROR_PAGE in page and "无权访问" in page
    assert 'href="/dashboard/"' in page
    english = _english(client).get("/org/chart/")
    assert english.status_code == 403 and "Access denied" in english.content.decode()


def test_403_shows_the_reason_the_view_gave(cast, client_for, debug, monkeypatch):
    def refuse(self, request, *args, **kwargs):
        raise PermissionDenied("您不能结束自己的雇佣关系。")

    monkeypatch.setattr(ProfileView, "get", refuse)
    page = client_for(cast.user_a).get("/org/me/").content.decode()
    assert 'data-testid="error-detail">您不能结束自己的雇佣关系。</p>' in page
    # the generic reason of the access chokepoint is not repeated under the page's own text
    assert (
        'data-testid="error-detail"'
        not in client_for(_consultant(cast)).get("/org/chart/").content.decode()
    )


def test_back_link_goes_to_the_previous_page_of_this_site_only(cast, client_for, debug):
    client = client_for(_consultant(cast))
    page = client.get("/org/chart/", HTTP_REFERER="http://testserver/org/me/?x=1").content.decode()
    assert 'href="/org/me/?x=1" data-testid="error-back"' in page
    page = client.get("/org/chart/", HTTP_REFERER="https://evil.example/").content.decode()
    assert "evil.example" not in page and "data-app-back" in page


def test_fragment_requests_get_a_short_answer(cast, client_for, debug):
    response = client_for(_consultant(cast)).get("/org/chart/", HTTP_HX_REQUEST="true")
    assert response.status_code == 403 and "<html" not in response.content.decode()
    assert response.content.decode() == "无权访问"


def test_400_is_shown_inside_the_shell(cast, client_for, settings, debug):
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 2
    response = client_for(cast.user_a).post(
        "/workspace/", {"a": "1", "b": "2", "c": "3", "workspace": "x"}
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert SHELL in page and ERROR_PAGE in page and "请求有误" in page


def test_the_no_access_page_and_the_login_redirect_are_unchanged(cast, client, client_for, debug):
    response = client_for(cast.outsider).get("/org/chart/")
    assert response.status_code == 403 and 'data-testid="no-access"' in response.content.decode()
    response = client.get(f"/org/positions/{_foreign_position(cast)}/")
    assert response.status_code == 302 and response.url.startswith("/accounts/login/")


def test_api_errors_keep_the_json_shape(cast, api_for, debug):
    api = api_for(_consultant(cast))
    denied = api.get("/api/v1/org/positions/")
    assert denied.status_code == 403
    assert denied.json()["error"]["status"] == 403
    with dealership_context(cast.a):
        other = StaffMember.objects.get(user=cast.user_a).pk
    missing = api.get(f"/api/v1/org/staff/{other}/")
    assert missing.status_code == 404
    assert missing.json()["error"] == {"status": 404, "code": "not_found", "message": "未找到。"}


def test_unknown_api_url_answers_the_json_shape(cast, api_for, settings):
    settings.DEBUG = False
    response = api_for(cast.user_a).get("/api/v1/no-such-endpoint/")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_500_page_is_minimal_and_needs_no_database(django_assert_num_queries):
    request = RequestFactory().get("/dashboard/")
    with django_assert_num_queries(0):
        response = server_error(request)
    page = response.content.decode()
    assert response.status_code == 500 and "服务器错误" in page and 'href="/dashboard/"' in page
    api = server_error(RequestFactory().get("/api/v1/me/"))
    assert api.status_code == 500 and b'"server_error"' in api.content


def test_a_crash_answers_the_500_page(cast, settings, monkeypatch):
    settings.DEBUG = False

    def crash(self, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(DashboardView, "get_context_data", crash)
    client = Client(raise_request_exception=False)
    client.force_login(cast.user_a)
    client.cookies["erp_language"] = "en"
    response = client.get("/dashboard/")
    assert response.status_code == 500 and "Server error" in response.content.decode()
