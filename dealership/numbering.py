"""Document numbers (SO202611-0001, RO202611-0001, TS202611-0001): the next free number of a
prefix in the current dealership, inserted under the table's unique constraint. Two documents
numbered at the same moment do not share a number: the loser of the race retries.

Callers with constraints of their own (e.g. one live order per car) catch the
``IntegrityError`` that :func:`insert_numbered` re-raises and name the constraint in their
message; :class:`NumbersExhausted` (an ``IntegrityError`` too) says that every try lost."""

from __future__ import annotations

from django.db import IntegrityError, transaction

NUMBER_TRIES = 8


class NumbersExhausted(IntegrityError):
    """Every try found its number taken by another document at the same moment."""


def next_number(model, prefix: str, *, field: str = "number", width: int = 4) -> str:
    """``prefix`` followed by one more than the highest number of that prefix so far."""
    numbers = model.objects.filter(**{f"{field}__startswith": prefix}).values_list(field, flat=True)
    last = max((int(n[len(prefix) :]) for n in numbers if n[len(prefix) :].isdigit()), default=0)
    return f"{prefix}{last + 1:0{width}d}"


def insert_numbered(
    obj, prefix: str, *, constraint: str, field: str = "number", tries: int = NUMBER_TRIES
) -> None:
    """Save the new ``obj`` with the next free number of ``prefix``; a number taken at the
    same moment (the unique ``constraint`` fails) is retried, each try in a savepoint. Any
    other integrity error is raised; :class:`NumbersExhausted` after ``tries`` lost tries."""
    for _attempt in range(tries):
        setattr(obj, field, next_number(type(obj), prefix, field=field))
        try:
            with transaction.atomic():
                obj.save(force_insert=True)
            return
        except IntegrityError as error:
            obj.pk = None
            if constraint in str(error):
                continue
            raise
    raise NumbersExhausted(f"No free number for {prefix} after {tries} tries.")
