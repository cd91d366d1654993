"""HTML views of sales: orders (being written)."""

from django.http import HttpResponse
from django.urls import path

urlpatterns: list = [
    path("orders/", lambda request: HttpResponse("placeholder"), name="order_list"),
]


def register_widgets() -> None:
    """This area's dashboard panels (none yet)."""
