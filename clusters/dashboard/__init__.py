"""The clusters' panels on the area's dashboard and the lists behind their figures, one module per
concern: coverage (councils in a cluster or none), clusters, decisions and objectives. Each module
owns its reads (aggregated in the database, a few queries whatever the size of the area), its panel
(registered with parishes.panels.area_panel in ClustersConfig.ready) and its list's Listing.

Here: what they share. Who may see the dashboard is parishes.access.get_area_for_user's to say."""

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from urllib.parse import urlencode

from django import forms
from django.db.models import Exists, OuterRef, QuerySet
from django.urls import reverse

from parishes.queries import area_districts

from ..decision_forms import FULL_WIDTH_SELECT
from ..models import Membership

# The district filter's value for councils whose district is not known.
NO_DISTRICT = "none"


def overdue_since(today: date) -> date:
    """Overdue means the review date has passed: the reminders' "due on or before" as of yesterday."""
    return today - timedelta(days=1)


def has_member_in(district: str, cluster: OuterRef) -> Exists:
    """The district filter of clusters and their decisions: the cluster (`cluster`, a reference to
    the outer query) has a member council in the district, or one whose district is not known."""
    members = Membership.objects.filter(cluster=cluster, status=Membership.Status.MEMBER)
    if district == NO_DISTRICT:
        return Exists(members.filter(council__district__isnull=True))
    return Exists(members.filter(council__district__gss_code=district))


def list_url(area, name: str, **filters) -> str:
    """A dashboard list's address with its filters: where a figure of a panel leads."""
    url = reverse(f"clusters:dashboard_{name}", args=[area.slug])
    query = urlencode({key: value for key, value in filters.items() if value})
    return f"{url}?{query}" if query else url


class DashboardFilterForm(forms.Form):
    """The filters every list shares (district, cluster), and each list's status; a bad value is
    shown next to its field and filters nothing, the others still apply."""

    district = forms.ChoiceField(
        label="District",
        required=False,
        widget=FULL_WIDTH_SELECT,
        error_messages={"invalid_choice": "Select a district from the list"},
    )
    cluster = forms.ChoiceField(
        label="Cluster",
        required=False,
        widget=FULL_WIDTH_SELECT,
        error_messages={"invalid_choice": "Select a cluster from the list"},
    )
    status = forms.ChoiceField(
        label="Status",
        required=False,
        widget=FULL_WIDTH_SELECT,
        error_messages={"invalid_choice": "Select a status from the list"},
    )
    status_choices: list[tuple[str, str]] = []
    # Fields besides district, cluster and status, in the order the form shows them.
    extra_fields: tuple[str, ...] = ()

    def __init__(self, *args, area, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["district"].choices = [
            ("", "All districts"),
            *((district.gss_code, str(district)) for district in area_districts(area)),
            (NO_DISTRICT, "District not known"),
        ]
        self.fields["cluster"].choices = [("", "All clusters"), *area.clusters.values_list("slug", "name")]
        self.fields["status"].choices = [("", "Any status"), *self.status_choices]

    def filters(self) -> dict[str, str]:
        """The valid filters only, by field name ("" for none)."""
        self.is_valid()
        data = getattr(self, "cleaned_data", {})  # an unbound form (no query) has none
        return {name: data.get(name, "") for name in self.fields}

    def ordered_fields(self):
        return [
            self[name]
            for name in ("district", "cluster", "status", *self.extra_fields)
            if name in self.fields
        ]


def _each(area, rows: QuerySet) -> Iterator:
    return rows.iterator(chunk_size=500)


@dataclass(frozen=True)
class Listing:
    """A list behind the dashboard's figures: its filters, its rows (a queryset of the area, given
    the filters) and its spreadsheet (a header, then a row for each object)."""

    name: str  # as in the URL names clusters:dashboard_<name> and dashboard_<name>_csv
    title: str
    form: type[DashboardFilterForm]
    rows: Callable[..., QuerySet]
    template: str
    csv_header: tuple[str, ...]
    csv_row: Callable[[object], Iterable]
    # What a list needs beyond its rows' query, read in a fixed number of queries: for a page's
    # objects (a list), and for the whole spreadsheet as it streams (area, rows) -> objects.
    for_page: Callable[[list], None] = lambda objects: None
    for_csv: Callable[[object, QuerySet], Iterable] = _each
