"""Running calls at the same moment, each on its own database connection (PostgreSQL), for the
tests that show a row lock lets exactly one of them through."""

from __future__ import annotations

import threading

from django.db import connection
from django.utils import translation

from dealership.tenancy import dealership_context


def race(dealership, *calls):
    """Run ``calls`` at the same moment from one thread each, in ``dealership``'s scope and in
    English; ``[(result, error), …]`` in the order of the calls."""
    barrier = threading.Barrier(len(calls), timeout=20)
    outcomes: list = [None] * len(calls)

    def run(n, call):
        try:
            barrier.wait()
            with dealership_context(dealership), translation.override("en"):
                outcomes[n] = (call(), None)
        except Exception as error:  # the outcome is asserted by the test
            outcomes[n] = (None, error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(n, call)) for n, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads)
    return outcomes
