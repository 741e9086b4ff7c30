"""Account numbers from a number sequence, allocated in blocks under one row lock."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from channels_app.errors import ConfigurationError, NumberSequenceExhaustedError
from hqcommerce.models import NumberSequence

# The sequences the product needs; created on first use if missing (a new or flushed
# database), then editable in the admin.
DEFAULT_SEQUENCES = {
    "customer_account": {"prefix": "C", "width": 7},
    "sales_order": {"prefix": "SO", "width": 8},
    "loyalty_card": {"prefix": "LC", "width": 10},
}


def number_sequence_allocate(*, code: str, count: int) -> list[str]:
    """Take `count` consecutive numbers.

    The row lock is held until the caller's transaction commits, so two workers never get the
    same number; a rolled-back caller leaves a gap, which is fine: numbers are never reused.
    """
    if count <= 0:
        return []
    with transaction.atomic():
        if code in DEFAULT_SEQUENCES:
            NumberSequence.objects.get_or_create(code=code, defaults=DEFAULT_SEQUENCES[code])
        try:
            sequence = NumberSequence.objects.select_for_update().get(code=code)
        except NumberSequence.DoesNotExist:
            raise ConfigurationError(
                _("Number sequence %(code)r does not exist; create it under HQ › Number sequences.")
                % {"code": code}
            ) from None
        start = sequence.next_value
        end = start + count - 1
        if end > sequence.max_value:
            raise NumberSequenceExhaustedError(
                _(
                    "Number sequence %(code)r is exhausted (%(max_value)s reached); widen it "
                    "under HQ › Number sequences."
                )
                % {"code": code, "max_value": sequence.format(sequence.max_value)}
            )
        NumberSequence.objects.filter(pk=sequence.pk).update(next_value=end + 1)
    return [sequence.format(value) for value in range(start, end + 1)]
