"""API of sales: stock (being written)."""


def register(router) -> None:
    pass
