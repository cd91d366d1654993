"""API of after-sales: workshop (being written)."""


def register(router) -> None:
    pass
