"""HTML views of after-sales: workshop (being written)."""

from django.http import HttpResponse
from django.urls import path

urlpatterns: list = [
    path("workshop/", lambda request: HttpResponse("placeholder"), name="workshop_board"),
]


def register_widgets() -> None:
    """This area's dashboard panels (none yet)."""
