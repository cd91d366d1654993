"""HTML views of sales: stock (being written)."""

from django.http import HttpResponse
from django.urls import path

urlpatterns: list = [
    path("stock/", lambda request: HttpResponse("placeholder"), name="stock_list"),
]


def register_widgets() -> None:
    """This area's dashboard panels (none yet)."""
