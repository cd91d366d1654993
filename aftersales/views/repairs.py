"""HTML views of after-sales: repairs (being written)."""

from django.http import HttpResponse
from django.urls import path

urlpatterns: list = [
    path("repair-orders/", lambda request: HttpResponse("placeholder"), name="repairorder_list"),
    path("appointments/", lambda request: HttpResponse("placeholder"), name="appointment_list"),
]


def register_widgets() -> None:
    """This area's dashboard panels (none yet)."""
