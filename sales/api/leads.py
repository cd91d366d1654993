"""API of sales: leads (being written)."""


def register(router) -> None:
    pass
