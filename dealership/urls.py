"""Root URLs. Domain apps are mounted by discovery: an app whose AppConfig sets ``url_prefix``
has its ``urls`` module served under ``/<prefix>/`` and its ``api.urls`` under
``/api/v1/<prefix>/`` — the platform names no app."""

from importlib import import_module
from importlib.util import find_spec

from django.apps import apps
from django.conf import settings
from django.contrib import admin
from django.contrib.auth.decorators import login_required
from django.urls import include, path
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.permissions import IsAuthenticated
from rest_framework.routers import SimpleRouter

from dealership import views
from dealership.api.urls import reports_urlpatterns
from dealership.api.views import LogoutAllView, MeView, TokenListView, TokenRevokeView, TokenView
from dealership.notifications.api import NotificationViewSet
from dealership.search.api import SearchAPIView
from dealership.search.views import SearchView
from dealership.security.views import LoginView


def _app_urls():
    web, api = [], []
    for config in apps.get_app_configs():
        prefix = getattr(config, "url_prefix", None)
        if not prefix or config.name == "dealership":
            continue
        if find_spec(f"{config.name}.urls"):
            web.append(path(f"{prefix}/", include(f"{config.name}.urls")))
        if find_spec(f"{config.name}.api") and find_spec(f"{config.name}.api.urls"):
            module = import_module(f"{config.name}.api.urls")
            api.append(path(f"{prefix}/", include((module.urlpatterns, f"{config.label}-api"))))
    return web, api


_web, _api = _app_urls()

notifications_api = SimpleRouter()
notifications_api.register("", NotificationViewSet, basename="notification")

api_v1 = [
    path("auth/token/", TokenView.as_view(), name="api-token"),
    path("auth/tokens/", TokenListView.as_view(), name="api-tokens"),
    path("auth/tokens/<str:token_id>/", TokenRevokeView.as_view(), name="api-token-revoke"),
    path("auth/logout-all/", LogoutAllView.as_view(), name="api-logout-all"),
    path("me/", MeView.as_view(), name="api-me"),
    path("search/", SearchAPIView.as_view(), name="api-search"),
    path("platform/", include("dealership.api.urls")),
    path("reports/", include((reports_urlpatterns, "reports-api"))),
    path("notifications/", include((notifications_api.urls, "notifications-api"))),
    *_api,
]

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="dashboard", permanent=False), name="home"),
    path("favicon.ico", RedirectView.as_view(url="/static/favicon.svg"), name="favicon"),
    path("dashboard/", views.DashboardView.as_view(), name="dashboard"),
    path("search/", SearchView.as_view(), name="search"),
    path("no-access/", views.NoAccessView.as_view(), name="no_access"),
    path("workspace/", views.WorkspaceSwitchView.as_view(), name="workspace_switch"),
    path("accounts/login/", LoginView.as_view(), name="login"),  # with "remember me"
    path("accounts/", include("django.contrib.auth.urls")),
    path("i18n/setlang/", views.set_language, name="set_language"),
    path("platform/", include("dealership.urls_platform")),
    path("notifications/", include("dealership.notifications.urls")),
    path("api/v1/", include(api_v1)),
    # the API's description is for people who have logged in
    path(
        "api/schema/",
        SpectacularAPIView.as_view(permission_classes=[IsAuthenticated]),
        name="api-schema",
    ),
    path(
        "api/docs/",
        login_required(SpectacularSwaggerSplitView.as_view(url_name="api-schema")),
        name="api-docs",
    ),
    path("admin/", admin.site.urls),
    *_web,
]

# The route benchmark's instruments, only with DJANGO_BENCH (dealership/bench_views.py; they
# bypass the access policy, so `check --deploy` refuses a server with them: dealership.E005).
if settings.BENCH:
    from dealership import bench_views

    urlpatterns.append(path("bench/", include((bench_views.urlpatterns, "bench"))))

# Error pages: 400/403/404 inside the shell (API paths get the JSON error shape), a minimal 500.
handler400 = "dealership.views.bad_request"
handler403 = "dealership.views.permission_denied"
handler404 = "dealership.views.page_not_found"
handler500 = "dealership.views.server_error"
