"""API of after-sales: claims (being written)."""


def register(router) -> None:
    pass
