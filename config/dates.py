"""The dates a council's records can mean, checked by forms and services alike.

Parish councils were created by the Local Government Act 1894, so no resolution, term or review
predates it; nothing is planned more than a few decades ahead. Bounding dates here also keeps every
stored date far from the calendar's edges, where date arithmetic (a term's end plus a day) fails.
"""

from datetime import date

from django.core.exceptions import ValidationError
from django.utils import timezone

EARLIEST_YEAR = 1894
YEARS_AHEAD = 30


def latest_year() -> int:
    return timezone.localdate().year + YEARS_AHEAD


def check_year(day: date) -> None:
    """Refuse a date outside the years a council can mean (a ValidationError names the range)."""
    if not EARLIEST_YEAR <= day.year <= latest_year():
        raise ValidationError(f"Enter a date between {EARLIEST_YEAR} and {latest_year()}", code="year_range")
