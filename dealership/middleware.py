import logging
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import BadRequest, PermissionDenied, SuspiciousOperation
from django.http import Http404, HttpResponse
from django.http.multipartparser import MultiPartParserError
from django.middleware.locale import LocaleMiddleware
from django.utils import translation

from dealership.views import ERROR_TITLES, error_page, is_api_request


class ChineseFirstLocaleMiddleware(LocaleMiddleware):
    """Pages are in Simplified Chinese unless the user picked another language (the language
    switcher sets a cookie); the browser's Accept-Language is ignored for pages so every
    workstation in a dealership shows the same language. API clients may still ask for a
    language with Accept-Language."""

    def process_request(self, request):
        if request.path.startswith("/api/"):
            return super().process_request(request)
        language = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        if not language or not translation.check_for_language(language):
            language = settings.LANGUAGE_CODE
        language = translation.get_supported_language_variant(language)
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()


class ErrorPageMiddleware:
    """400, 403 and 404 of HTML pages answered with the shell's error page (navigation, the
    user's language, a way back) — also with DEBUG on, where Django would show its debug page.

    Placed after ``TenantMiddleware`` so the tenant scope (and so the navigation) is set while
    the page renders. ``/api/`` is left to DRF and its JSON error shape; static files are left
    alone. Logged-out users never get here for protected pages: those redirect to the login.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if (
            settings.DEBUG
            and response.status_code == 404
            and request.resolver_match is None  # no URL matched: Django's debug 404 page
            and self._handles(request)
        ):
            return error_page(request, 404)
        return response

    def process_exception(self, request, exception):
        status = _status_for(exception)
        if status is None or not self._handles(request):
            return None
        if isinstance(exception, SuspiciousOperation):  # logged as Django itself does
            logging.getLogger(f"django.security.{exception.__class__.__name__}").error(
                str(exception), exc_info=exception, extra={"status_code": 400, "request": request}
            )
        if request.headers.get("HX-Request"):  # a fragment request: no page inside the page
            return HttpResponse(str(ERROR_TITLES[status]), status=status, content_type="text/plain")
        return error_page(request, status, exception)

    @staticmethod
    def _handles(request) -> bool:
        static = urlsplit(settings.STATIC_URL or "/static/").path
        static = static if static.startswith("/") else f"/{static}"
        return not is_api_request(request) and not request.path.startswith(static)


def _status_for(exception) -> int | None:
    if isinstance(exception, Http404):
        return 404
    if isinstance(exception, PermissionDenied):
        return 403
    if isinstance(exception, BadRequest | SuspiciousOperation | MultiPartParserError):
        return 400
    return None
