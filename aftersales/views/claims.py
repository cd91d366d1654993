"""HTML views of after-sales: claims (being written)."""

from django.http import HttpResponse
from django.urls import path

urlpatterns: list = [
    path(
        "warranty-claims/", lambda request: HttpResponse("placeholder"), name="warrantyclaim_list"
    ),
    path("board/", lambda request: HttpResponse("placeholder"), name="board"),
]


def register_widgets() -> None:
    """This area's dashboard panels (none yet)."""
