"""The area's clusters by status, formality and leadership model, each with its members, lead
council, chair and what needs attention; and the list of clusters behind those figures."""

from django import forms
from django.db.models import Count, F, OuterRef, Q, QuerySet, Subquery, Sum, Window
from django.template.loader import render_to_string
from django.utils import timezone

from parishes.panels import area_panel

from ..documents import documents_due_for_review
from ..models import Cluster, Decision, Membership, Position
from ..objectives import objectives_due_for_review
from . import DashboardFilterForm, Listing, count_per_cluster, has_member_in, list_url, overdue_since

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


def with_attention(clusters: QuerySet[Cluster]) -> QuerySet[Cluster]:
    """Each cluster with its lead council, `members`, `chair_name` ("" when it has none today) and the
    counts of what needs attention, `attention` their sum: correlated subqueries, one query in all.
    Overdue reviews are those the daily reminders chase, due before today."""
    today = timezone.localdate()
    proposed = Decision.objects.filter(status=Decision.Status.PROPOSED)
    chair = Position.objects.current(today).filter(cluster=OuterRef("pk"), kind=Position.Kind.CHAIR)
    rows = clusters.select_related("lead_council").annotate(
        members=count_per_cluster(Membership.objects.filter(status=Membership.Status.MEMBER)),
        chair_name=Subquery(chair.values("user__name")[:1]),
        decisions_waiting=count_per_cluster(proposed.filter(method=Decision.Method.CHAIR)),
        ratifications=count_per_cluster(proposed.filter(method=Decision.Method.RATIFICATION)),
        documents_overdue=count_per_cluster(documents_due_for_review(overdue_since(today))),
        objectives_overdue=count_per_cluster(objectives_due_for_review(overdue_since(today))),
        invitations=count_per_cluster(Membership.objects.filter(status=Membership.Status.INVITED)),
    )
    return rows.annotate(attention=sum((F(name) for name in ATTENTION[1:]), F(ATTENTION[0])))


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
    rows = with_attention(rows)
    if attention:
        rows = rows.filter(**{f"{attention}__gt": 0})
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
)


# The panel's counts by (model field, filter of the clusters list, choices).
GROUPS = (
    ("status", "status", Cluster.Status),
    ("formality", "formality", Cluster.Formality),
    ("leadership_model", "leadership", Cluster.LeadershipModel),
)


def cluster_counts(area) -> dict[str, list[dict]]:
    """How many of the area's clusters have each status, formality and leadership model, each
    with the list it leads to: one conditional aggregate."""
    counts = Cluster.objects.filter(area=area).aggregate(
        **{
            f"{field}_{value}": Count("pk", filter=Q(**{field: value}))
            for field, _, choices in GROUPS
            for value in choices.values
        }
    )
    return {
        field: [
            {
                "label": label,
                "count": counts[f"{field}_{value}"],
                "url": list_url(area, "clusters", **{name: value}),
            }
            for value, label in choices.choices
        ]
        for field, name, choices in GROUPS
    }


def needing_attention(area) -> tuple[list[Cluster], dict[str, int]]:
    """The few clusters needing most attention, and the area's totals of each count (window sums
    over every cluster of the area, in the same query)."""
    shown = list(
        with_attention(Cluster.objects.filter(area=area))
        .annotate(
            total_clusters=Window(Count("pk")), **{f"total_{name}": Window(Sum(name)) for name in ATTENTION}
        )
        .order_by("-attention", "name")[:SHOWN]
    )
    totals = {name: getattr(shown[0], f"total_{name}") if shown else 0 for name in ("clusters", *ATTENTION)}
    return shown, totals


@area_panel
def clusters_panel(area, *, medium: str) -> str:
    shown, totals = needing_attention(area)
    return render_to_string(
        "clusters/dashboard/clusters_panel.html",
        {
            "area": area,
            "medium": medium,
            "counts": cluster_counts(area),
            "shown": shown,
            "totals": totals,
            "all_url": list_url(area, "clusters"),
        },
    )
