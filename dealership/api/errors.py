"""One error shape for every API error::

    {"error": {"status": 404, "code": "not_found", "message": "...", "fields": {...}}}

``fields`` is present for validation errors and maps each field to its messages.
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from dealership.tenancy import TenantContextMissing, TenantViolation


def exception_handler(exc, context):
    if isinstance(exc, TenantViolation):
        exc = exceptions.PermissionDenied(_("You may not change data of this dealership."))
    elif isinstance(exc, TenantContextMissing):
        exc = exceptions.PermissionDenied(_("You are not a member of any dealership."))
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    error: dict = {"status": response.status_code, "code": "error", "message": ""}
    if isinstance(exc, exceptions.ValidationError):
        error["code"] = "invalid"
        error["message"] = _("The submitted data is not valid.")
        detail = exc.detail
        if isinstance(detail, dict):
            error["fields"] = detail
        else:
            error["fields"] = {"non_field_errors": detail if isinstance(detail, list) else [detail]}
    elif isinstance(exc, exceptions.APIException):
        codes = exc.get_codes()
        error["code"] = codes if isinstance(codes, str) else "error"
        error["message"] = str(exc.detail)
    elif response.status_code == status.HTTP_404_NOT_FOUND:
        error["code"] = "not_found"
        error["message"] = _("Not found.")
    elif response.status_code == status.HTTP_403_FORBIDDEN:
        error["code"] = "permission_denied"
        error["message"] = _("You do not have permission to perform this action.")
    return Response({"error": error}, status=response.status_code, headers=_headers(response))


def _headers(response):
    return {
        key: value
        for key, value in response.items()
        if key in {"WWW-Authenticate", "Retry-After", "Allow"}
    }
