"""Human-readable numbers (orders, tickets, invoices) from named counters."""

from __future__ import annotations

from django.db import transaction
from django.db.models import F

from kabinet.core.models import Sequence


def next_number(name: str, *, prefix: str = "", width: int = 5) -> str:
    """Reserve the next value of counter ``name`` and format it as ``<prefix><zero-padded value>``.

    Must run inside the caller's transaction: the increment is an atomic ``UPDATE``, so two writers never
    receive the same number.
    """
    with transaction.atomic():
        Sequence.objects.get_or_create(name=name)
        Sequence.objects.filter(name=name).update(value=F("value") + 1)
        value = Sequence.objects.values_list("value", flat=True).get(name=name)
    return f"{prefix}{value:0{width}d}"


def reserve_block(name: str, count: int) -> int:
    """Reserve ``count`` consecutive values for bulk loads; returns the first one."""
    with transaction.atomic():
        Sequence.objects.get_or_create(name=name)
        Sequence.objects.filter(name=name).update(value=F("value") + count)
        last = Sequence.objects.values_list("value", flat=True).get(name=name)
    return last - count + 1
