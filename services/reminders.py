"""Services' reminders in the daily scan (clusters.reminders, whose reminder_kinds ServicesConfig.ready
fills): arrangements due for review, volunteers' training about to expire, arrangements behind the
season's pace and individual-model requests waiting for the area's officers.

Each kind is recorded as the clusters' kinds are, with their helpers: one INSERT ... SELECT of the
items due joined with the people to remind, under a key "kind:item:due date:recipient" that makes a
rerun write nothing. A reminder of an arrangement is in its cluster's part of the digest; training
belongs to the volunteer's council and a request to its area, which head their part instead.
"""

from datetime import date, datetime, time, timedelta

from django.db.models import BigIntegerField, Case, DateField, Exists, F, OuterRef, Q, QuerySet, Value, When
from django.db.models.functions import Cast, Lower, TruncDate
from django.utils import timezone

from clusters import reminders as scan
from clusters.models import Cluster
from parishes.access import acting_for

from .access import deciding_requests
from .models import Arrangement, Assignment, IndividualRequest, TrainingRecord
from .progress import behind_arrangement_ids
from .seasons import season_of
from .training import EXPIRING_SOON_DAYS

# A request waits this long for the officers before they are reminded of it.
REQUEST_WAIT_DAYS = 14
# Volunteers work on arrangements agreed or running.
CURRENT = (Arrangement.Status.AGREED, Arrangement.Status.ACTIVE)
# Typed: an untyped NULL in the scan's WITH (PostgreSQL) would be read as text, not a key.
NO_CLUSTER = Cast(Value(None), BigIntegerField())
LEAD_PEOPLE = "lead_council__counciluserobjectpermission"


def _arrangement_columns(kind: str, subject_parts: list, due_on) -> dict:
    """The columns of a reminder of an arrangement, to the people acting for its lead council."""
    return {
        "key": scan.key(kind, scan.text("pk"), due_on, F(f"{LEAD_PEOPLE}__user_id")),
        "user_id": F(f"{LEAD_PEOPLE}__user_id"),
        "cluster_id": F("cluster_id"),
        "subject": scan.subject(*subject_parts),
        "path": scan.path("services:arrangement", F("cluster__slug"), F("number")),
        "due_on": due_on,
    }


def _arrangements_of_working_clusters() -> QuerySet[Arrangement]:
    return Arrangement.objects.exclude(cluster__status=Cluster.Status.DISSOLVED)


def _named() -> list:
    """“Urban grass cutting” led by Ashby."""
    return [Value("“"), F("service__name"), Value("” led by "), F("lead_council__name")]


def record_reviews(today: date) -> int:
    """Arrangements not ended whose review date has come: to the people acting for the lead."""
    rows = (
        _arrangements_of_working_clusters()
        .filter(acting_for(LEAD_PEOPLE), review_on__lte=today)
        .exclude(status__in=Arrangement.CLOSED)
    )
    return scan.record(
        rows,
        **_arrangement_columns(
            "arrangement_review", [Value("Review the arrangement "), *_named()], F("review_on")
        ),
    )


def record_behind(today: date) -> int:
    """Active arrangements behind the season's pace for a served council (services.progress): to the
    people acting for the lead, once a season, due at the season's end (by when to catch up). The
    pace is worked out in Python (three queries), then recorded by one INSERT ... SELECT over the
    arrangements behind, the season's end chosen by their season's months."""
    active = list(
        _arrangements_of_working_clusters()
        .filter(status=Arrangement.Status.ACTIVE)
        .values_list("pk", "season_starts", "season_ends")
    )
    behind = behind_arrangement_ids([pk for pk, _, _ in active], today)
    if not behind:
        return 0
    months = {(starts, ends) for pk, starts, ends in active if pk in behind}
    season_ends = Case(
        *(
            When(season_starts=starts, season_ends=ends, then=Value(season_of(today, starts, ends).ends_on))
            for starts, ends in sorted(months)
        ),
        output_field=DateField(),
    )
    rows = Arrangement.objects.filter(acting_for(LEAD_PEOPLE), pk__in=behind)
    return scan.record(
        rows,
        **_arrangement_columns(
            "arrangement_behind", [*_named(), Value(" is behind the season’s pace")], season_ends
        ),
    )


def training_due(today: date) -> QuerySet[TrainingRecord]:
    """Training records expiring within EXPIRING_SOON_DAYS (or expired) of volunteers still on the
    register and assigned to an arrangement agreed or active, not renewed by a later record of the
    same course. Any course, not only those the service requires: a volunteer's first aid matters
    on a litter pick that requires none."""
    assigned = Assignment.objects.filter(
        volunteer=OuterRef("volunteer"), ended_on__isnull=True, arrangement__status__in=CURRENT
    )
    renewed = TrainingRecord.objects.filter(
        volunteer=OuterRef("volunteer"), course=OuterRef("course")
    ).filter(Q(expires_on__isnull=True) | Q(expires_on__gt=OuterRef("expires_on")))
    return TrainingRecord.objects.filter(
        Exists(assigned),
        ~Exists(renewed),
        expires_on__lte=today + timedelta(days=EXPIRING_SOON_DAYS),
        volunteer__left_on__isnull=True,
    )


def _training_columns(user) -> dict:
    return {
        "key": scan.key("training", scan.text("pk"), F("expires_on"), user),
        "user_id": user,
        "cluster_id": NO_CLUSTER,
        "heading": F("volunteer__council__name"),
        "subject": scan.subject(
            Value("Renew "), F("volunteer__name"), Value("’s training: "), F("course__name")
        ),
        "path": scan.path("services:volunteer", F("volunteer__council_id"), F("volunteer_id")),
        "due_on": F("expires_on"),
    }


def record_training(today: date) -> int:
    """Training about to expire: to the people acting for the volunteer's council, and to the
    co-ordinator (when they sign in) of an arrangement the volunteer is assigned to. Two statements;
    someone who is both is reminded once (the key is the same)."""
    people = "volunteer__council__counciluserobjectpermission"
    by_council = scan.record(
        training_due(today).filter(acting_for(people)), **_training_columns(F(f"{people}__user_id"))
    )
    coordinator = "volunteer__assignments__arrangement__coordinator"
    # One filter, so that the co-ordinator's arrangement is that of a current assignment; distinct,
    # as a co-ordinator of two arrangements the volunteer helps is reached twice.
    coordinated = training_due(today).filter(
        volunteer__assignments__ended_on__isnull=True,
        volunteer__assignments__arrangement__status__in=CURRENT,
        **{f"{coordinator}__is_active": True},
    )
    by_coordinator = scan.record(coordinated.distinct(), **_training_columns(F(f"{coordinator}_id")))
    return by_council + by_coordinator


def record_requests(today: date) -> int:
    """Individual-model requests waiting REQUEST_WAIT_DAYS since the day they were made: to the
    officers and administrators of the area, who decide them."""
    submitted_by = today - timedelta(days=REQUEST_WAIT_DAYS)
    next_day = timezone.make_aware(datetime.combine(submitted_by + timedelta(days=1), time()))
    people = "area__areauserobjectpermission"
    rows = IndividualRequest.objects.filter(
        deciding_requests(people), status=IndividualRequest.Status.WAITING, submitted_at__lt=next_day
    )
    due_on = Cast(TruncDate("submitted_at") + Value(timedelta(days=REQUEST_WAIT_DAYS)), DateField())
    return scan.record(
        rows,
        key=scan.key("request", scan.text("pk"), due_on, F(f"{people}__user_id")),
        user_id=F(f"{people}__user_id"),
        cluster_id=NO_CLUSTER,
        heading=F("area__name"),
        subject=scan.subject(
            Value("Decide "), F("council__name"), Value("’s request to deliver "), Lower("service__name")
        ),
        path=scan.path("services:request", F("pk")),
        due_on=due_on,
    )


KINDS = (record_reviews, record_training, record_behind, record_requests)
