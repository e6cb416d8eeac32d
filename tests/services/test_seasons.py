"""Seasons and pace (services/seasons.py): named cases, then properties over every season's months,
any day and any quantities (hypothesis)."""

import datetime
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from services.seasons import Season, progress, season_of, season_starting

months = st.integers(min_value=1, max_value=12)
days = st.dates(min_value=datetime.date(1900, 1, 1), max_value=datetime.date(2200, 12, 31))
quantities = st.decimals(min_value=0, max_value=100_000, places=2, allow_nan=False, allow_infinity=False)
positive = st.decimals(
    min_value=Decimal("0.01"), max_value=100_000, places=2, allow_nan=False, allow_infinity=False
)


def test_a_summer_season():
    season = season_of(datetime.date(2026, 6, 15), 3, 10)
    assert season == Season(datetime.date(2026, 3, 1), datetime.date(2026, 10, 31))
    assert season.label == "2026" and season.days == 245


def test_between_seasons_the_one_just_ended():
    assert season_of(datetime.date(2027, 1, 10), 3, 10).label == "2026"
    assert season_of(datetime.date(2026, 2, 28), 3, 10).label == "2025"


def test_a_winter_season_runs_over_the_new_year():
    gritting = season_of(datetime.date(2027, 1, 10), 11, 3)
    assert gritting == Season(datetime.date(2026, 11, 1), datetime.date(2027, 3, 31))
    assert gritting.label == "2026–27"
    # In a leap year February has 29 days.
    assert season_of(datetime.date(2028, 2, 29), 11, 2).ends_on == datetime.date(2028, 2, 29)


def test_pace_with_its_tolerance():
    season = season_starting(2026, 3, 10)
    mid_august = datetime.date(2026, 8, 15)  # 168 of 245 days: 4.11 of 6 cuts expected
    assert progress(Decimal(6), Decimal(3), season, mid_august).behind
    assert not progress(Decimal(6), Decimal(4), season, mid_august).behind
    # Forty signs: a tenth (4) is the tolerance, not one sign.
    assert not progress(Decimal(40), Decimal(24), season, mid_august).behind
    assert progress(Decimal(40), Decimal(23), season, mid_august).behind


@given(days, months, months)
def test_the_season_of_a_day(day, starts, ends):
    season = season_of(day, starts, ends)
    assert season.starts_on <= day
    assert season.starts_on.day == 1 and season.starts_on.month == starts
    assert season.ends_on.month == ends and (season.ends_on + datetime.timedelta(days=1)).day == 1
    assert 28 <= season.days <= 366
    # The day is in it, or between seasons after it: the next season has not started.
    next_season = season_starting(season.starts_on.year + 1, starts, ends)
    assert day in season or season.ends_on < day < next_season.starts_on
    if ends < starts:
        assert season.ends_on.year == season.starts_on.year + 1
        assert season.label == f"{season.starts_on.year}–{(season.starts_on.year + 1) % 100:02d}"
    else:
        assert season.ends_on.year == season.starts_on.year and season.label == str(season.starts_on.year)


@given(days, months, months, quantities, quantities)
def test_expected_never_exceeds_agreed(today, starts, ends, agreed, delivered):
    season = season_of(today, starts, ends)
    result = progress(agreed, delivered, season, today)
    assert 0 <= result.expected <= agreed
    assert 0 <= result.share <= 100
    if delivered >= agreed:
        assert not result.behind and result.share == 100


@given(st.integers(1900, 2200), months, months, positive)
def test_never_behind_on_the_first_day_or_before(year, starts, ends, agreed):
    season = season_starting(year, starts, ends)
    assert not progress(agreed, Decimal(0), season, season.starts_on).behind
    assert not progress(agreed, Decimal(0), season, season.starts_on - datetime.timedelta(days=1)).behind
    assert progress(agreed, Decimal(0), season, season.starts_on - datetime.timedelta(days=1)).expected == 0


@given(st.integers(1900, 2200), months, months, positive, st.integers(0, 400), st.integers(0, 400))
def test_expected_grows_with_the_season_to_what_was_agreed(year, starts, ends, agreed, a, b):
    season = season_starting(year, starts, ends)
    earlier, later = sorted(
        (season.starts_on + datetime.timedelta(days=a), season.starts_on + datetime.timedelta(days=b))
    )
    assert (
        progress(agreed, Decimal(0), season, earlier).expected
        <= progress(agreed, Decimal(0), season, later).expected
    )
    assert progress(agreed, Decimal(0), season, season.ends_on).expected == agreed
