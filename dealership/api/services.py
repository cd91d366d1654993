"""API endpoints that write through services (the same validation, locking and audit as the
pages): :class:`ServiceViewSetMixin` for create/update/destroy, and :func:`valid` and
:func:`as_drf_errors` for actions that call a service themselves."""

from __future__ import annotations

from contextlib import contextmanager

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import serializers


def drf_error(error: DjangoValidationError) -> serializers.ValidationError:
    """A service's ``ValidationError`` as DRF's (400 in the API's error shape)."""
    detail = (
        error.message_dict if hasattr(error, "error_dict") else {"non_field_errors": error.messages}
    )
    return serializers.ValidationError(detail)


@contextmanager
def as_drf_errors():
    """Run a service call; its ``ValidationError`` answers 400."""
    try:
        yield
    except DjangoValidationError as error:
        raise drf_error(error) from None


def valid(serializer_class, request, *, partial: bool = False) -> dict:
    """The validated data of ``request`` for ``serializer_class`` (400 when invalid); with
    ``partial`` only the fields sent (PATCH)."""
    serializer = serializer_class(data=request.data, partial=partial, context={"request": request})
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


class ServiceViewSetMixin:
    """``create``/``update``/``destroy`` of a :class:`~dealership.api.viewsets.TenantModelViewSet`
    call the module's services: ``create_service(actor=…, **data)``,
    ``update_service(actor=…, <id_argument>=pk, **data)``,
    ``delete_service(actor=…, <id_argument>=pk)`` (wrap them in ``staticmethod``)."""

    create_service = update_service = delete_service = None
    id_argument = None

    def perform_create(self, serializer):
        with as_drf_errors():
            serializer.instance = type(self).create_service(
                actor=self.request.user, **serializer.validated_data
            )

    def perform_update(self, serializer):
        with as_drf_errors():
            serializer.instance = type(self).update_service(
                actor=self.request.user,
                **{self.id_argument: serializer.instance.pk},
                **serializer.validated_data,
            )

    def perform_destroy(self, instance):
        with as_drf_errors():
            type(self).delete_service(actor=self.request.user, **{self.id_argument: instance.pk})
