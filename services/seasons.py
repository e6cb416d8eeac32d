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


def pace_window(season: Season, starts_on: date | None, stops_on: date | None) -> Season:
    """The part of `season` an arrangement ran in: from its start if it started within the season,
    to its end (or the day it ended) if that came first. An arrangement that joined half-way is paced
    from the day it started, not from the season's first day. Empty (ends before it starts) when
    the arrangement ran on no day of the season."""
    return Season(
        max(season.starts_on, starts_on or season.starts_on), min(season.ends_on, stops_on or season.ends_on)
    )


def progress(
    agreed: Decimal, delivered: Decimal, season: Season, today: date, *, running: bool = True
) -> Progress:
    """Delivered against an even pace through `season` (the arrangement's pace window). Only a
    running arrangement can be behind: one that has ended shows its figures and nothing more."""
    if today < season.starts_on or season.days <= 0:
        expected = Decimal("0.00")
    else:
        elapsed = (min(today, season.ends_on) - season.starts_on).days + 1
        expected = (agreed * elapsed / season.days).quantize(Decimal("0.01"))
    tolerance = max(Decimal(1), agreed / 10)
    return Progress(agreed, delivered, expected, behind=running and delivered < expected - tolerance)
