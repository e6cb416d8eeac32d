"""Seasons and pace: when an arrangement's agreed quantity is due, and whether delivery is keeping up.

A season runs from the first day of its starting month to the last day of its ending month; one that
runs over the new year (winter gritting, November to March) is named by the year it starts in. An
arrangement is behind when what has been delivered this season falls short of an even pace through
the season by more than a tolerance: one unit, or a tenth of what was agreed if that is more (a
missed sign of forty is not "behind"; a missed cut of six is).
"""

import calendar
from dataclasses import dataclass
from datetime import date
from decimal import Decimal


@dataclass(frozen=True)
class Season:
    starts_on: date
    ends_on: date

    @property
    def label(self) -> str:
        if self.starts_on.year == self.ends_on.year:
            return str(self.starts_on.year)
        return f"{self.starts_on.year}–{self.ends_on.year % 100:02d}"

    @property
    def days(self) -> int:
        return (self.ends_on - self.starts_on).days + 1

    def __contains__(self, day: date) -> bool:
        return self.starts_on <= day <= self.ends_on


def season_starting(year: int, starts: int, ends: int) -> Season:
    end_year = year if ends >= starts else year + 1
    return Season(date(year, starts, 1), date(end_year, ends, calendar.monthrange(end_year, ends)[1]))


def season_of(day: date, starts: int, ends: int) -> Season:
    """The season that `day` falls in or, between seasons, the one that ended last (the figures a
    clerk wants in the winter are the summer's)."""
    for year in (day.year, day.year - 1):
        season = season_starting(year, starts, ends)
        if season.starts_on <= day:
            return season
    raise AssertionError("unreachable: a season starts in every year")


@dataclass(frozen=True)
class Progress:
    agreed: Decimal
    delivered: Decimal
    expected: Decimal  # by an even pace through the season, to today
    behind: bool

    @property
    def share(self) -> int:
        """Per cent of what was agreed, for a bar; never over 100."""
        if not self.agreed:
            return 100
        return min(100, int(self.delivered * 100 / self.agreed))


def progress(agreed: Decimal, delivered: Decimal, season: Season, today: date) -> Progress:
    elapsed = 0 if today < season.starts_on else (min(today, season.ends_on) - season.starts_on).days + 1
    expected = (agreed * elapsed / season.days).quantize(Decimal("0.01"))
    tolerance = max(Decimal(1), agreed / 10)
    return Progress(agreed, delivered, expected, behind=delivered < expected - tolerance)
