"""HTML views of after-sales: parts (being written)."""

from django.http import HttpResponse
from django.urls import path

urlpatterns: list = [
    path("parts/", lambda request: HttpResponse("placeholder"), name="part_list"),
]


def register_widgets() -> None:
    """This area's dashboard panels (none yet)."""
