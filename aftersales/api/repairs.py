"""API of after-sales: repairs (being written)."""


def register(router) -> None:
    pass
