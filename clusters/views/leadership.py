from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse

from parishes.forms import form_data

from .. import leadership as leadership_service
from .. import queries
from ..access import get_cluster_for_user
from ..forms import AppointForm, RotaForm
from ..leadership import LeadershipError


def officers(request, slug):
    cluster, permissions = get_cluster_for_user(request.user, slug)
    current = list(queries.current_officers(cluster))
    return render(
        request,
        "clusters/officers.html",
        {
            "cluster": cluster,
            "may": permissions.flags(),
            "officers": current,
            "has_leader": permissions.has_leader,
            "past": queries.past_officers(cluster)[:50],
            "turns": queries.coming_turns(cluster, current),
        },
    )


def appoint(request, slug):
    """The cluster's chair or co-ordinator appoints officers; when it has neither, a member council's
    clerk or the area's administrator fills the vacancy (access.ClusterPermissions.may_appoint)."""
    cluster, permissions = get_cluster_for_user(request.user, slug, perm="appoint")
    filling_vacancy = not permissions.may_appoint_any_officer()
    form = AppointForm(*form_data(request), cluster=cluster, filling_vacancy=filling_vacancy)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        service = leadership_service.fill_vacancy if filling_vacancy else leadership_service.appoint
        try:
            position = service(
                acting_user=request.user,
                cluster=cluster,
                kind=data["kind"],
                user=data["user"],
                council=data["council"],
                starts_on=data["starts_on"],
                ends_on=data["ends_on"],
                chosen_at=data["chosen_at"],
            )
        except LeadershipError as error:
            form.add_error(error.field, str(error))
        else:
            messages.success(request, f"{position.user} is now {position.get_kind_display().lower()}.")
            return redirect("clusters:officers", cluster.slug)
    back = reverse("clusters:officers", args=[cluster.slug])
    return render(
        request,
        "clusters/appoint.html",
        {"cluster": cluster, "form": form, "filling_vacancy": filling_vacancy, "back": back},
    )


def end(request, slug, position_id):
    cluster, _ = get_cluster_for_user(request.user, slug, perm="change_cluster")
    position = get_object_or_404(
        cluster.positions.filter(ended_on__isnull=True).select_related("user", "council"), pk=position_id
    )
    back = reverse("clusters:officers", args=[cluster.slug])
    if request.method != "POST":
        return render(
            request, "clusters/position_end.html", {"cluster": cluster, "position": position, "back": back}
        )
    try:
        leadership_service.end_position(acting_user=request.user, position=position)
    except LeadershipError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, f"{position.user} is no longer {position.get_kind_display().lower()}.")
    return redirect(back)


def rota(request, slug):
    cluster, _ = get_cluster_for_user(request.user, slug, perm="change_cluster")
    councils = [m.council for m in queries.current_members(cluster)]
    current = {entry.council_id: entry.order for entry in cluster.rota.all()}
    initial = {"term_months": cluster.rota_term_months, **{f"order_{c}": o for c, o in current.items()}}
    form = RotaForm(*form_data(request), councils=councils, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            leadership_service.set_rota(
                acting_user=request.user,
                cluster=cluster,
                councils=form.cleaned_data["rota"],
                term_months=form.cleaned_data["term_months"],
            )
        except LeadershipError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, "The rota of the chair has been saved.")
            return redirect("clusters:officers", cluster.slug)
    return render(request, "clusters/rota.html", {"cluster": cluster, "form": form})
