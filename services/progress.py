"""Delivered against agreed: for each arrangement, each served council's season so far.

Read in two queries whatever the number of arrangements: the served rows (with their arrangement's
season months), then the delivery log summed by arrangement and council over each arrangement's
current season. Arrangements that share season months share their season, so the sum's filter has
one (arrangements, date range) term per distinct season, not one per arrangement. Reversing lines
carry negated quantities, so a reversed line and its reversal sum to nothing.

Only arrangements that have run have progress: a proposed or agreed one (not started) and a
withdrawn one have no rows. Only an active one can be behind, paced from the day it started if that
was within the season; an ended one shows what was delivered, never "behind".
"""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import Q, Sum

from .models import Arrangement, Delivery, ServedCouncil
from .seasons import Progress, Season, pace_window, progress, season_of

# The arrangements whose figures are shown: those that have run.
HAVE_RUN = (Arrangement.Status.ACTIVE, Arrangement.Status.ENDED)


@dataclass(frozen=True)
class CouncilProgress:
    council_id: int
    council_name: str
    season: Season
    progress: Progress


def progress_rows(
    arrangements: Iterable, *, council_ids: set[int] | None, today: date
) -> dict[int, list[CouncilProgress]]:
    """Each arrangement's served councils (all when `council_ids` is None, else only those), in
    name order, with what they have received this season against what was agreed; keyed by
    arrangement id (an arrangement with none of those councils has no key)."""
    return _progress_by_arrangement([a.pk for a in arrangements], council_ids, today)


def behind_arrangement_ids(arrangement_ids: Iterable[int], today: date) -> set[int]:
    """The arrangements behind the season's pace for at least one served council."""
    rows = _progress_by_arrangement(list(arrangement_ids), None, today)
    return {pk for pk, councils in rows.items() if any(row.progress.behind for row in councils)}


def _progress_by_arrangement(
    arrangement_ids: list[int], council_ids: set[int] | None, today: date
) -> dict[int, list[CouncilProgress]]:
    if not arrangement_ids or council_ids is not None and not council_ids:
        return {}
    served = ServedCouncil.objects.filter(
        arrangement_id__in=arrangement_ids, arrangement__status__in=HAVE_RUN
    )
    if council_ids is not None:
        served = served.filter(council_id__in=council_ids)
    served = list(
        served.order_by("council__name", "council_id").values_list(
            "arrangement_id",
            "council_id",
            "council__name",
            "agreed_quantity",
            "arrangement__status",
            "arrangement__starts_on",
            "arrangement__ends_on",
            "arrangement__ended_on",
            "arrangement__season_starts",
            "arrangement__season_ends",
        )
    )
    if not served:
        return {}

    seasons: dict[int, Season] = {}
    by_season: dict[Season, set[int]] = defaultdict(set)
    for arrangement_id, *_, starts, ends in served:
        season = seasons.setdefault(arrangement_id, season_of(today, starts, ends))
        by_season[season].add(arrangement_id)

    in_season = Q()
    for season, ids in by_season.items():
        in_season |= Q(arrangement_id__in=ids, done_on__range=(season.starts_on, season.ends_on))
    deliveries = Delivery.objects.filter(in_season)
    if council_ids is not None:
        deliveries = deliveries.filter(council_id__in=council_ids)
    delivered = {
        (arrangement_id, council_id): total
        for arrangement_id, council_id, total in deliveries.values("arrangement_id", "council_id")
        .order_by()
        .annotate(total=Sum("quantity"))
        .values_list("arrangement_id", "council_id", "total")
    }

    rows: dict[int, list[CouncilProgress]] = defaultdict(list)
    for arrangement_id, council_id, council_name, agreed, status, starts_on, ends_on, ended_on, *_ in served:
        season = seasons[arrangement_id]
        done = delivered.get((arrangement_id, council_id)) or Decimal(0)
        stops_on = min(filter(None, (ends_on, ended_on)), default=None)
        figures = progress(
            agreed,
            done,
            pace_window(season, starts_on, stops_on),
            today,
            running=status == Arrangement.Status.ACTIVE,
        )
        rows[arrangement_id].append(CouncilProgress(council_id, council_name, season, figures))
    return dict(rows)
