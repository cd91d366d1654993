"""API of after-sales: parts (being written)."""


def register(router) -> None:
    pass
