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


def long_date(day: date) -> str:
    """A date as GOV.UK writes it: 3 March 2026."""
    return f"{day.day} {day:%B %Y}"


def not_before(day: date, earliest: date, because: str, subject: str = "The date of the resolution") -> str:
    """The message for a date before the event it follows, or "" when it is on or after it."""
    if day >= earliest:
        return ""
    return f"{subject} must be on or after {long_date(earliest)}, {because}"


def latest_year() -> int:
    return timezone.localdate().year + YEARS_AHEAD


def check_year(day: date) -> None:
    """Refuse a date outside the years a council can mean (a ValidationError names the range)."""
    if not EARLIEST_YEAR <= day.year <= latest_year():
        # params: the year is the box at fault of a GOV.UK date input (config/date_input.py).
        raise ValidationError(
            f"Enter a date between {EARLIEST_YEAR} and {latest_year()}",
            code="year_range",
            params={"parts": ["year"]},
        )
