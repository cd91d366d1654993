"""API of sales: orders (being written)."""


def register(router) -> None:
    pass
