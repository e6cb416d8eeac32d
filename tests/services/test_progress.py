"""Delivered against agreed (services/progress.py): sums over each arrangement's own season, reversals
counting nothing, a council filter, and two queries whatever the number of arrangements."""

import datetime
from decimal import Decimal

import pytest

from services.models import Arrangement, Delivery, ServedCouncil
from services.progress import behind_arrangement_ids, progress_rows
from services.seasons import season_of

pytestmark = pytest.mark.django_db

# Mid-June: a March–October season is well under way (6 cuts → 2.3 expected by an even pace).
TODAY = datetime.date(2026, 6, 15)


def _deliver(arrangement, council, on, quantity, **fields):
    return Delivery.objects.create(
        arrangement=arrangement, council=council, done_on=on, quantity=Decimal(quantity), **fields
    )


def _another(cast, arrangement, number, *, starts, ends, agreed="10"):
    other = Arrangement.objects.get(pk=arrangement.pk)
    other.pk = None
    other.number, other.season_starts, other.season_ends = number, starts, ends
    other.save()
    ServedCouncil.objects.create(arrangement=other, council=cast.council_b, agreed_quantity=Decimal(agreed))
    return other


def test_sums_the_season_only_and_reversals_count_nothing(cast, arrangement):
    b = cast.council_b
    _deliver(arrangement, b, datetime.date(2026, 4, 2), "1")
    wrong = _deliver(arrangement, b, datetime.date(2026, 5, 2), "1")
    _deliver(arrangement, b, datetime.date(2026, 5, 2), "-1", reverses=wrong)
    _deliver(arrangement, b, datetime.date(2026, 5, 20), "1")
    _deliver(arrangement, b, datetime.date(2025, 9, 1), "1")  # last season

    [row] = progress_rows([arrangement], council_ids=None, today=TODAY)[arrangement.pk]

    assert (row.council_id, row.council_name) == (b.pk, "Brampton")
    assert row.season == season_of(TODAY, 3, 10)
    assert row.progress.delivered == Decimal("2")
    assert row.progress.agreed == Decimal("6")
    assert not row.progress.behind


def test_behind_when_short_of_the_pace(cast, arrangement):
    # By mid-August 4.11 of 6 cuts are due, with a tolerance of one cut: 3 done is behind, 4 is not.
    august = datetime.date(2026, 8, 15)
    for month in (4, 5, 6):
        _deliver(arrangement, cast.council_b, datetime.date(2026, month, 1), "1")
    assert behind_arrangement_ids([arrangement.pk], august) == {arrangement.pk}
    _deliver(arrangement, cast.council_b, datetime.date(2026, 7, 1), "1")
    assert behind_arrangement_ids([arrangement.pk], august) == set()


def test_council_filter(cast, arrangement):
    ServedCouncil.objects.create(
        arrangement=arrangement, council=cast.council_a, agreed_quantity=Decimal("2")
    )
    _deliver(arrangement, cast.council_a, datetime.date(2026, 4, 1), "2")

    everyone = progress_rows([arrangement], council_ids=None, today=TODAY)[arrangement.pk]
    only_b = progress_rows([arrangement], council_ids={cast.council_b.pk}, today=TODAY)[arrangement.pk]

    assert [(r.council_name, r.progress.delivered) for r in everyone] == [
        ("Ashby", Decimal("2")),
        ("Brampton", Decimal("0")),
    ]
    assert [r.council_id for r in only_b] == [cast.council_b.pk]
    assert progress_rows([arrangement], council_ids=set(), today=TODAY) == {}
    assert progress_rows([arrangement], council_ids={cast.council_c.pk}, today=TODAY) == {}


def test_each_arrangement_its_own_season(cast, arrangement):
    """Winter gritting (November–March) in January counts from November of the year before; the
    grass, between seasons, shows the summer just ended."""
    gritting = _another(cast, arrangement, 2, starts=11, ends=3)
    january = datetime.date(2027, 1, 10)
    _deliver(gritting, cast.council_b, datetime.date(2026, 11, 20), "3")
    _deliver(gritting, cast.council_b, datetime.date(2026, 3, 1), "5")  # the season before
    _deliver(arrangement, cast.council_b, datetime.date(2026, 7, 1), "4")

    rows = progress_rows([arrangement, gritting], council_ids=None, today=january)

    assert rows[gritting.pk][0].progress.delivered == Decimal("3")
    assert rows[gritting.pk][0].season.label == "2026–27"
    assert rows[arrangement.pk][0].progress.delivered == Decimal("4")
    assert rows[arrangement.pk][0].season.label == "2026"


@pytest.mark.parametrize("how_many", [1, 12])
def test_two_queries_whatever_the_number(cast, arrangement, django_assert_num_queries, how_many):
    arrangements = [arrangement] + [
        _another(cast, arrangement, n + 2, starts=1 + n % 12, ends=(n + 5) % 12 + 1)
        for n in range(how_many - 1)
    ]
    for a in arrangements:
        _deliver(a, cast.council_b, TODAY - datetime.timedelta(days=3), "1")

    with django_assert_num_queries(2):
        rows = progress_rows(arrangements, council_ids=None, today=TODAY)
    with django_assert_num_queries(2):
        behind_arrangement_ids([a.pk for a in arrangements], TODAY)

    done_on = TODAY - datetime.timedelta(days=3)
    assert {a.pk: rows[a.pk][0].progress.delivered for a in arrangements} == {
        a.pk: Decimal(1 if done_on in season_of(TODAY, a.season_starts, a.season_ends) else 0)
        for a in arrangements
    }


def test_nothing_to_read(cast, django_assert_num_queries):
    with django_assert_num_queries(0):
        assert progress_rows([], council_ids=None, today=TODAY) == {}


AUGUST = datetime.date(2026, 8, 15)


def _two_cuts_by_august(cast, arrangement):
    # By mid-August 4.11 of 6 cuts are due from March: 2 done is behind the season's pace.
    for month in (7, 8):
        _deliver(arrangement, cast.council_b, datetime.date(2026, month, 1), "1")


@pytest.mark.parametrize("status", [Arrangement.Status.PROPOSED, Arrangement.Status.AGREED])
def test_an_arrangement_not_started_has_no_progress_and_is_never_behind(cast, arrangement, status):
    _two_cuts_by_august(cast, arrangement)
    assert behind_arrangement_ids([arrangement.pk], AUGUST) == {arrangement.pk}  # while active

    Arrangement.objects.filter(pk=arrangement.pk).update(status=status)

    assert progress_rows([arrangement], council_ids=None, today=AUGUST) == {}
    assert behind_arrangement_ids([arrangement.pk], AUGUST) == set()


def test_an_ended_arrangement_shows_its_figures_but_is_never_behind(cast, arrangement):
    _two_cuts_by_august(cast, arrangement)
    Arrangement.objects.filter(pk=arrangement.pk).update(
        status=Arrangement.Status.ENDED, ended_on=datetime.date(2026, 8, 10)
    )

    [row] = progress_rows([arrangement], council_ids=None, today=AUGUST)[arrangement.pk]

    assert (row.progress.delivered, row.progress.agreed) == (Decimal("2"), Decimal("6"))
    assert not row.progress.behind
    assert behind_arrangement_ids([arrangement.pk], AUGUST) == set()


def test_an_arrangement_that_started_mid_season_is_paced_from_its_start(cast, arrangement):
    _two_cuts_by_august(cast, arrangement)
    Arrangement.objects.filter(pk=arrangement.pk).update(starts_on=datetime.date(2026, 7, 1))

    [row] = progress_rows([arrangement], council_ids=None, today=AUGUST)[arrangement.pk]

    # 1 July to 31 October is 123 days, 46 of them gone by 15 August: 6 × 46 / 123 = 2.24 due.
    assert row.progress.expected == Decimal("2.24")
    assert not row.progress.behind
    assert row.season == season_of(AUGUST, 3, 10)  # still labelled by its season


def test_an_arrangement_ending_before_the_season_is_due_in_full_by_its_end(cast, arrangement):
    for month in (4, 5, 6, 7):
        _deliver(arrangement, cast.council_b, datetime.date(2026, month, 1), "1")
    assert behind_arrangement_ids([arrangement.pk], AUGUST) == set()  # 4 of 4.11 by the season

    Arrangement.objects.filter(pk=arrangement.pk).update(ends_on=datetime.date(2026, 7, 31))

    [row] = progress_rows([arrangement], council_ids=None, today=AUGUST)[arrangement.pk]
    assert row.progress.expected == Decimal("6.00")
    assert row.progress.behind
