"""Coverage: the area's councils in at least one active cluster against those in none, by district
and by kind, and the list of councils behind each figure."""

from collections.abc import Iterator

from django import forms
from django.db.models import (
    Count,
    Exists,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    prefetch_related_objects,
)
from django.db.models.lookups import IsNull
from django.template.loader import render_to_string

from parishes.models import Council
from parishes.panels import area_panel

from ..models import Cluster, Membership
from . import NO_DISTRICT, DashboardFilterForm, Listing, list_url

COVERED, UNCOVERED = "covered", "uncovered"


def in_an_active_cluster() -> IsNull:
    """A council (the outer query's row) is covered while it is a member of an active cluster. A
    scalar subquery, looked up by the membership's index for each of the area's councils: for an
    EXISTS PostgreSQL read every membership in the country into a hash instead."""
    membership = Membership.objects.filter(
        council=OuterRef("pk"), status=Membership.Status.MEMBER, cluster__status=Cluster.Status.ACTIVE
    )
    return IsNull(Subquery(membership.values("pk")[:1]), False)


class CoverageFilterForm(DashboardFilterForm):
    status_choices = [(COVERED, "In an active cluster"), (UNCOVERED, "In no active cluster")]
    kind = forms.ChoiceField(
        label="Kind",
        required=False,
        choices=[("", "All kinds"), *Council.Kind.choices],
        error_messages={"invalid_choice": "Select a kind of council from the list"},
    )
    extra_fields = ("kind",)


def councils(area, *, district="", cluster="", status="", kind="") -> QuerySet[Council]:
    """The area's councils, filtered, each with `covered`."""
    rows = (
        Council.objects.filter(area=area).select_related("district").annotate(covered=in_an_active_cluster())
    )
    if district == NO_DISTRICT:
        rows = rows.filter(district__isnull=True)
    elif district:
        rows = rows.filter(district__gss_code=district)
    if cluster:
        rows = rows.filter(
            Exists(
                Membership.objects.filter(
                    council=OuterRef("pk"), cluster__slug=cluster, status=Membership.Status.MEMBER
                )
            )
        )
    if status:
        rows = rows.filter(covered=status == COVERED)
    if kind:
        rows = rows.filter(kind=kind)
    return rows.order_by("name", "gss_code")


def _current_memberships() -> QuerySet[Membership]:
    """Councils' memberships of clusters still working, with the cluster."""
    return (
        Membership.objects.filter(status=Membership.Status.MEMBER)
        .exclude(cluster__status=Cluster.Status.DISSOLVED)
        .select_related("cluster")
        .order_by("cluster__name")
    )


def _page_memberships(councils: list[Council]) -> None:
    """Each council of a page with `current_memberships`: one query."""
    prefetch_related_objects(
        councils,
        Prefetch("cluster_memberships", queryset=_current_memberships(), to_attr="current_memberships"),
    )


def _csv_memberships(area, councils: QuerySet[Council]) -> Iterator[Council]:
    """Every council of the spreadsheet with `current_memberships`: the area's memberships read in
    one query first (a prefetch would read them again for every chunk of councils). They are found
    by the ids of the area's clusters (a cluster's members are all of its area: membership.invite),
    read first: given a join instead, PostgreSQL hashed every membership in the country."""
    cluster_ids = list(Cluster.objects.filter(area=area).values_list("pk", flat=True))
    by_council: dict[int, list[Membership]] = {}
    for membership in _current_memberships().filter(cluster_id__in=cluster_ids):
        by_council.setdefault(membership.council_id, []).append(membership)
    for council in councils.iterator(chunk_size=500):
        council.current_memberships = by_council.get(council.pk, [])
        yield council


def _csv_row(council) -> list:
    return [
        council.name,
        council.gss_code or "",
        council.get_kind_display(),
        council.district.name if council.district else "",
        "Yes" if council.covered else "No",
        "; ".join(
            f"{m.cluster.name} ({m.cluster.get_status_display().lower()})"
            for m in council.current_memberships
        ),
    ]


LISTING = Listing(
    name="councils",
    title="Councils and their clusters",
    form=CoverageFilterForm,
    rows=councils,
    template="clusters/dashboard/councils.html",
    csv_header=("Council", "GSS code", "Kind", "District", "In an active cluster", "Clusters"),
    csv_row=_csv_row,
    for_page=_page_memberships,
    for_csv=_csv_memberships,
)


def coverage(area) -> dict:
    """Covered and total councils by district and by kind: one query grouped by both (a few dozen
    rows), summed here each way; grouped twice in the database, each grouping looked up every
    council's membership again."""
    rows = (
        Council.objects.filter(area=area)
        .values_list("district__gss_code", "district__name", "kind")
        .annotate(total=Count("pk"), covered=Count("pk", filter=Q(in_an_active_cluster())))
        .order_by()
    )
    kind_labels = dict(Council.Kind.choices)
    by_district: dict[str, dict] = {}
    by_kind: dict[str, dict] = {}
    for gss_code, district_name, kind, total, covered in rows:
        district = gss_code or NO_DISTRICT
        for groups, key, row in (
            (by_district, district, {"district": district, "name": district_name or "District not known"}),
            (by_kind, kind, {"kind": kind, "name": kind_labels.get(kind, kind)}),
        ):
            group = groups.setdefault(key, {**row, "total": 0, "covered": 0})
            group["total"] += total
            group["covered"] += covered
    for row in [*by_district.values(), *by_kind.values()]:
        row["uncovered"] = row["total"] - row["covered"]
    # Districts known first, by name; the councils of no known district last.
    districts = sorted(by_district.values(), key=lambda row: (row["district"] == NO_DISTRICT, row["name"]))
    return {
        "by_district": districts,
        "by_kind": sorted(by_kind.values(), key=lambda row: row["name"]),
        "covered": sum(row["covered"] for row in districts),
        "total": sum(row["total"] for row in districts),
    }


def _urls(area, **filters) -> dict[str, str]:
    """Where a row's figures lead: all its councils, those in a cluster and those in none."""
    return {
        "all": list_url(area, "councils", **filters),
        COVERED: list_url(area, "councils", status=COVERED, **filters),
        UNCOVERED: list_url(area, "councils", status=UNCOVERED, **filters),
    }


@area_panel
def coverage_panel(area, *, medium: str) -> str:
    figures = coverage(area)
    for row in figures["by_district"]:
        row["urls"] = _urls(area, district=row["district"])
    for row in figures["by_kind"]:
        row["urls"] = _urls(area, kind=row["kind"])
    return render_to_string(
        "clusters/dashboard/coverage_panel.html",
        {
            "area": area,
            "medium": medium,
            **figures,
            "uncovered": figures["total"] - figures["covered"],
            "urls": _urls(area),
        },
    )
