from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import redirect, render

from parishes.audit_display import history_page
from parishes.forms import form_data

from .. import access, queries
from .. import membership as membership_service
from ..access import get_cluster_for_user, may_start_cluster, visible_clusters
from ..forms import ClusterForm, DissolveForm
from ..membership import ClusterNameTaken, MembershipError
from ..models import Cluster

CLUSTERS_PER_PAGE = 25
EVENTS_PER_PAGE = 50


def cluster_list(request):
    clusters = visible_clusters(request.user).order_by("area__name", "name")
    page = Paginator(clusters, CLUSTERS_PER_PAGE).get_page(request.GET.get("page"))
    may_start = may_start_cluster(request.user)
    return render(request, "clusters/cluster_list.html", {"page_obj": page, "may_start": may_start})


def cluster_start(request):
    if not may_start_cluster(request.user):
        raise PermissionDenied
    lead_choices = access.lead_choices(request.user)
    form = ClusterForm(*form_data(request), lead_choices=lead_choices)
    if request.method == "POST" and form.is_valid():
        fields = dict(form.cleaned_data)
        lead = fields.pop("lead_council")
        try:
            cluster = membership_service.start_cluster(
                acting_user=request.user, area=lead.area, lead_council=lead, **fields
            )
        except MembershipError as error:
            form.add_error("name", str(error))
        else:
            messages.success(request, f"{cluster.name} has been started. Invite its councils next.")
            return redirect(cluster)
    return render(request, "clusters/cluster_form.html", {"form": form, "starting": True})


def overview(request, slug):
    cluster, permissions = get_cluster_for_user(request.user, slug)
    officers = list(queries.current_officers(cluster))
    return render(
        request,
        "clusters/overview.html",
        {
            "cluster": cluster,
            "may": permissions.flags(),
            "members": queries.current_members(cluster),
            "officers": officers,
            "has_leader": permissions.has_leader,
            "turns": queries.coming_turns(cluster, officers)[:3],
            "attention": queries.attention(cluster),
        },
    )


def cluster_edit(request, slug):
    cluster, _ = get_cluster_for_user(request.user, slug, perm="change_cluster")
    lead_choices = cluster.area.councils.filter(
        pk__in=queries.current_members(cluster).values("council_id")
    ).order_by("name")
    form = ClusterForm(
        *form_data(request), instance=Cluster.objects.get(pk=cluster.pk), lead_choices=lead_choices
    )
    if request.method == "POST" and form.is_valid():
        try:
            membership_service.update_cluster(
                acting_user=request.user, cluster=cluster, changes=form.cleaned_data
            )
        except MembershipError as error:
            form.add_error("name" if isinstance(error, ClusterNameTaken) else "lead_council", str(error))
        else:
            messages.success(request, "The cluster's details have been saved.")
            return redirect(cluster)
    return render(request, "clusters/cluster_form.html", {"form": form, "cluster": cluster})


def cluster_status(request, slug):
    cluster, _ = get_cluster_for_user(request.user, slug, perm="change_cluster")
    dissolving = cluster.status == Cluster.Status.ACTIVE
    form = DissolveForm(*form_data(request), cluster=cluster) if dissolving else None
    to = request.POST.get("to", "")
    dissolves = dissolving and to == Cluster.Status.DISSOLVED
    # Only a dissolution waits for its form; any other step (a page left open while the cluster
    # moved on) goes to the service, which says why it is refused.
    if request.method == "POST" and (not dissolves or form.is_valid()):
        decided = form.cleaned_data if dissolves else {}
        try:
            membership_service.move_status(acting_user=request.user, cluster=cluster, to=to, **decided)
        except MembershipError as error:
            if not dissolves:
                messages.error(request, str(error))
                return redirect(cluster)
            form.add_error(None, str(error))
        else:
            cluster.refresh_from_db()
            messages.success(request, f"The cluster is now {cluster.get_status_display().lower()}.")
            return redirect(cluster)
    closing = membership_service.what_dissolving_closes(cluster) if dissolving else {}
    return render(request, "clusters/cluster_status.html", {"cluster": cluster, "form": form, **closing})


def history(request, slug):
    cluster, _ = get_cluster_for_user(request.user, slug)
    context = history_page(request, cluster.events.select_related("actor"), per_page=EVENTS_PER_PAGE)
    return render(request, "clusters/history.html", {"cluster": cluster, **context})
