"""The area's clusters by status, formality and leadership model, each with its members, lead
council, chair and what needs attention; and the list of clusters behind those figures."""

from collections import Counter

from django import forms
from django.db.models import CharField, Count, Exists, OuterRef, QuerySet, Value
from django.template.loader import render_to_string
from django.utils import timezone

from parishes.models import Council
from parishes.panels import area_panel

from ..documents import documents_due_for_review
from ..models import Cluster, Decision, Membership, Objective, Position
from ..objectives import due_for_review
from . import DashboardFilterForm, Listing, has_member_in, list_url, overdue_since

# The panel shows the clusters needing most attention; the list shows them all.
SHOWN = 10
ATTENTION = ("decisions_waiting", "ratifications", "documents_overdue", "objectives_overdue", "invitations")


class ClusterFilterForm(DashboardFilterForm):
    status_choices = Cluster.Status.choices
    formality = forms.ChoiceField(
        label="Formality",
        required=False,
        choices=[("", "Any formality"), *Cluster.Formality.choices],
        error_messages={"invalid_choice": "Select a formality from the list"},
    )
    leadership = forms.ChoiceField(
        label="Leadership",
        required=False,
        choices=[("", "Any leadership"), *Cluster.LeadershipModel.choices],
        error_messages={"invalid_choice": "Select a leadership model from the list"},
    )
    attention = forms.ChoiceField(
        label="Needs attention",
        required=False,
        choices=[
            ("", "Anything or nothing"),
            ("decisions_waiting", "Decisions waiting for the chair"),
            ("ratifications", "Ratifications outstanding"),
            ("documents_overdue", "Documents overdue for review"),
            ("objectives_overdue", "Objectives overdue for review"),
            ("invitations", "Invitations unanswered"),
        ],
        error_messages={"invalid_choice": "Select what needs attention from the list"},
    )
    extra_fields = ("formality", "leadership", "attention")


def _kinds(today) -> list[tuple[QuerySet, str | None, dict]]:
    """What each count of a cluster counts: its member councils, and each kind of thing needing
    attention (overdue reviews are those the daily reminders chase, due before today). Counts of
    the same rows told apart by a column come together: (rows, that column or None, the name of
    the count for each of its values, or for None)."""
    overdue = overdue_since(today)
    return [
        (
            Membership.objects.all(),
            "status",
            {Membership.Status.MEMBER: "members", Membership.Status.INVITED: "invitations"},
        ),
        (
            Decision.objects.filter(status=Decision.Status.PROPOSED),
            "method",
            {Decision.Method.CHAIR: "decisions_waiting", Decision.Method.RATIFICATION: "ratifications"},
        ),
        (documents_due_for_review(overdue), None, {None: "documents_overdue"}),
        # Row by row: an area's few hundred objectives, each owner's membership by its index.
        (
            Objective.objects.filter(due_for_review(overdue, row_by_row=True)),
            None,
            {None: "objectives_overdue"},
        ),
    ]


def _counted(today) -> dict[str, QuerySet]:
    """The rows of each count, by its name."""
    return {
        name: rows.filter(**{column: value}) if column else rows
        for rows, column, names in _kinds(today)
        for value, name in names.items()
    }


def with_counts(clusters: list[Cluster]) -> list[Cluster]:
    """Each cluster with `members`, the counts of what needs attention and `attention` their sum:
    one query, a UNION of the counts grouped by cluster (and by the column telling a table's
    counts apart) over these clusters' ids, through each table's cluster index. As correlated
    subqueries of the clusters' query it cost Django more to build than PostgreSQL to run, and
    joined with the lead council it read every council; a part for each count, twice the parts."""
    ids = [cluster.pk for cluster in clusters]
    per_cluster, names = [], {}
    for rows, column, named in _kinds(timezone.localdate()):
        rows = rows.filter(cluster_id__in=ids).order_by()
        if column:
            rows = rows.filter(**{f"{column}__in": list(named)}).values_list("cluster", column)
        else:
            (name,) = named.values()
            named = {name: name}
            rows = rows.values_list("cluster").annotate(counted=Value(name, output_field=CharField()))
        per_cluster.append(rows.annotate(n=Count("pk")))
        names.update(named)
    counts: dict[tuple[int, str], int] = {}
    if ids:
        counts = {(pk, names[key]): n for pk, key, n in per_cluster[0].union(*per_cluster[1:], all=True)}
    for cluster in clusters:
        for name in ("members", *ATTENTION):
            setattr(cluster, name, counts.get((cluster.pk, name), 0))
        cluster.attention = sum(getattr(cluster, name) for name in ATTENTION)
    return clusters


def with_lead_and_chair(clusters: list[Cluster]) -> None:
    """Each cluster shown with its lead council and `chair_name` (None when it has none today): the
    councils read by their keys (two queries in all, whatever the number of clusters)."""
    councils = Council.objects.only("name").in_bulk({cluster.lead_council_id for cluster in clusters})
    chairs = dict(
        Position.objects.current()
        .filter(cluster_id__in=[cluster.pk for cluster in clusters], kind=Position.Kind.CHAIR)
        .order_by()
        .values_list("cluster", "user__name")
    )
    for cluster in clusters:
        cluster.lead_council = councils[cluster.lead_council_id]
        cluster.chair_name = chairs.get(cluster.pk)


def _for_page(clusters: list[Cluster]) -> None:
    with_lead_and_chair(with_counts(clusters))


def _for_csv(area, rows: QuerySet[Cluster]) -> list[Cluster]:
    # An area's clusters are a few dozen: read at once, with what a page of them shows.
    clusters = list(rows)
    _for_page(clusters)
    return clusters


def clusters(
    area, *, district="", cluster="", status="", formality="", leadership="", attention=""
) -> QuerySet[Cluster]:
    """The area's clusters, filtered; a district's are those with a member council in it;
    `attention` keeps those with any of that kind of thing needing attention."""
    rows = Cluster.objects.filter(area=area)
    if district:
        rows = rows.filter(has_member_in(district, OuterRef("pk")))
    if cluster:
        rows = rows.filter(slug=cluster)
    if status:
        rows = rows.filter(status=status)
    if formality:
        rows = rows.filter(formality=formality)
    if leadership:
        rows = rows.filter(leadership_model=leadership)
    if attention:
        rows = rows.filter(Exists(_counted(timezone.localdate())[attention].filter(cluster=OuterRef("pk"))))
    return rows.order_by("name")


def _csv_row(cluster) -> list:
    return [
        cluster.name,
        cluster.get_status_display(),
        cluster.get_formality_display(),
        cluster.get_leadership_model_display(),
        cluster.members,
        cluster.lead_council.name,
        cluster.chair_name or "No chair",
        *(getattr(cluster, name) for name in ATTENTION),
    ]


LISTING = Listing(
    name="clusters",
    title="Clusters",
    form=ClusterFilterForm,
    rows=clusters,
    template="clusters/dashboard/clusters.html",
    csv_header=(
        "Cluster",
        "Status",
        "Formality",
        "Leadership",
        "Member councils",
        "Lead council",
        "Chair",
        "Decisions waiting for the chair",
        "Ratifications outstanding",
        "Documents overdue for review",
        "Objectives overdue for review",
        "Invitations unanswered",
    ),
    csv_row=_csv_row,
    for_page=_for_page,
    for_csv=_for_csv,
)


# The panel's counts by (model field, filter of the clusters list, choices).
GROUPS = (
    ("status", "status", Cluster.Status),
    ("formality", "formality", Cluster.Formality),
    ("leadership_model", "leadership", Cluster.LeadershipModel),
)


def cluster_counts(area, every: list[Cluster]) -> dict[str, list[dict]]:
    """How many of the area's clusters (`every` one of them) have each status, formality and
    leadership model, each with the list it leads to: counted from the clusters the panel reads
    anyway (a conditional aggregate cost Django more to build than PostgreSQL to run)."""
    counts = Counter((field, getattr(cluster, field)) for cluster in every for field, _, _ in GROUPS)
    return {
        field: [
            {
                "label": label,
                "count": counts[field, value],
                "url": list_url(area, "clusters", **{name: value}),
            }
            for value, label in choices.choices
        ]
        for field, name, choices in GROUPS
    }


def needing_attention(every: list[Cluster]) -> tuple[list[Cluster], dict[str, int]]:
    """The few clusters needing most attention (ties by name) of the area's (`every` one of them, in
    order of name), and the area's totals of each count."""
    with_counts(every)
    # A stable sort: clusters needing as much attention stay in order of name.
    shown = sorted(every, key=lambda cluster: -cluster.attention)[:SHOWN]
    with_lead_and_chair(shown)
    totals = {name: sum(getattr(cluster, name) for cluster in every) for name in ATTENTION}
    return shown, {"clusters": len(every), **totals}


@area_panel
def clusters_panel(area, *, medium: str) -> str:
    every = list(Cluster.objects.filter(area=area).order_by("name"))
    shown, totals = needing_attention(every)
    return render_to_string(
        "clusters/dashboard/clusters_panel.html",
        {
            "area": area,
            "medium": medium,
            "counts": cluster_counts(area, every),
            "shown": shown,
            "totals": totals,
            "all_url": list_url(area, "clusters"),
        },
    )
