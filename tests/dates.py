"""Business dates relative to today: a sale's date must be within HQ_SALE_DATE_WINDOW_DAYS."""

from datetime import timedelta

from django.utils import timezone

TODAY = timezone.localdate().isoformat()
YESTERDAY = (timezone.localdate() - timedelta(days=1)).isoformat()
