"""API of sales: plans (being written)."""


def register(router) -> None:
    pass
